"""The demo feed's customers on WhatsApp, Threads and Bluesky, as each platform hands them to socialdesk.

- WhatsApp: a Cloud API webhook (`whatsapp_business_account`), signed with the Meta app secret like
  every Meta webhook, posted to `/webhooks/whatsapp`;
- Threads: a Threads webhook (field `replies`: a reply under one of the brand's posts), signed the same
  way, posted to `/webhooks/threads`;
- Bluesky: nothing is pushed (a PDS sends no webhooks). The item says what the customer posted; the demo
  adds it to the Bluesky stand-in, whose `listNotifications` then lists it, and runs the `bluesky`
  plugin's real poller (the job `poll-bluesky`) at that simulated minute.
"""

from __future__ import annotations

import base64
from datetime import datetime, timedelta
from typing import Any

from socialdesk.demo.feed import FeedItem

# The brand's accounts on the three channels (the stand-ins answer for them).
BRAND_WHATSAPP_NUMBER_ID = "109876543210987"  # the business phone number's id: WHATSAPP_PHONE_NUMBER_ID
BRAND_WHATSAPP_ACCOUNT = "102290129340398"  # the WhatsApp Business Account the webhook names
BRAND_WHATSAPP_DISPLAY = "442071838750"
BRAND_THREADS_ID = "27000000000000001"  # THREADS_USER_ID
BRAND_THREADS_USERNAME = "acme"
BRAND_BLUESKY_HANDLE = "acme.bsky.social"
# The brand's Threads post the customer answers, published the evening before the demo's morning.
BRAND_THREADS_POST_ID = "17890000000000001"
BRAND_THREADS_POST = (
    "Our spring update is out: offline mode, new themes and faster sync. Tell us what you think!"
)

WHATSAPP_MESSAGE_ID = "wamid." + base64.b64encode(b"447700900461-demo-0001").decode()
THREADS_REPLY_ID = "17890000000000417"


def _whatsapp(wa_id: str, name: str, message_id: str, text: str, when: datetime) -> dict[str, Any]:
    return {
        "object": "whatsapp_business_account",
        "entry": [
            {
                "id": BRAND_WHATSAPP_ACCOUNT,
                "changes": [
                    {
                        "field": "messages",
                        "value": {
                            "messaging_product": "whatsapp",
                            "metadata": {
                                "display_phone_number": BRAND_WHATSAPP_DISPLAY,
                                "phone_number_id": BRAND_WHATSAPP_NUMBER_ID,
                            },
                            "contacts": [{"profile": {"name": name}, "wa_id": wa_id}],
                            "messages": [
                                {
                                    "from": wa_id,
                                    "id": message_id,
                                    "timestamp": str(int(when.timestamp())),
                                    "text": {"body": text},
                                    "type": "text",
                                }
                            ],
                        },
                    }
                ],
            }
        ],
    }


def _threads_reply(reply_id: str, username: str, text: str, when: datetime) -> dict[str, Any]:
    shortcode = "C" + base64.urlsafe_b64encode(reply_id.encode()).decode().rstrip("=")[-10:]
    return {
        "app_id": "1234567890123456",
        "topic": "moderate",
        "target_id": BRAND_THREADS_POST_ID,
        "time": int(when.timestamp()),
        "subscription_id": "2345678901234567",
        "has_uid_field": False,
        "values": {
            "field": "replies",
            "value": {
                "id": reply_id,
                "username": username,
                "text": text,
                "media_type": "TEXT_POST",
                "permalink": f"https://www.threads.net/@{username}/post/{shortcode}",
                "replied_to": {"id": BRAND_THREADS_POST_ID},
                "root_post": {
                    "id": BRAND_THREADS_POST_ID,
                    "owner_id": BRAND_THREADS_ID,
                    "username": BRAND_THREADS_USERNAME,
                },
                "shortcode": shortcode,
                "timestamp": when.strftime("%Y-%m-%dT%H:%M:%S+0000"),
            },
        },
    }


def more_items(start: datetime) -> list[FeedItem]:
    """One customer on each of WhatsApp, Threads and Bluesky, a few seconds apart.

    They come after the rest of the morning (the outage burst at 10:00, the App Store review at 10:02)
    and within the same minute as the last of it: the case numbers the tour already uses stay as they
    are, and so do the minutes at which the SLA scan reaches the outage reports."""
    at = [timedelta(minutes=22, seconds=s) for s in (15, 30, 45)]
    return [
        FeedItem(
            at[0],
            "whatsapp",
            _whatsapp(
                "447700900461",
                "Ana Ruiz",
                WHATSAPP_MESSAGE_ID,
                "Hi! I moved house last week. How do I change the delivery address for my next box? "
                "Order ORD-90412",
                start + at[0],
            ),
            "WhatsApp: a customer's chat message (Cloud API webhook)",
        ),
        FeedItem(
            at[1],
            "threads",
            _threads_reply(
                THREADS_REPLY_ID,
                "tom.bakes",
                "Does the family plan get the new offline mode too? My kids use it on the train.",
                start + at[1],
            ),
            "Threads: a question under our post (Threads webhook)",
        ),
        FeedItem(
            at[2],
            "bluesky",
            {
                "handle": "jamie-fernandes.bsky.social",
                "name": "Jamie Fernandes",
                "text": f"@{BRAND_BLUESKY_HANDLE} my March invoice still shows our old company name. "
                "Can you reissue it?",
            },
            "Bluesky: a mention (polled from the Bluesky stand-in)",
        ),
    ]
