"""The demo's WhatsApp side: answered on the Graph host (one META_GRAPH_URL), the feed's customer known
to the stand-in (so a threaded reply inside her window is accepted), and what she saw, her words masked.
Threads and Bluesky are covered end to end by tests/integration/test_demo.py."""

from __future__ import annotations

from datetime import UTC, datetime

import httpx

from socialdesk.clock import ManualClock
from socialdesk.demo.feed_more import BRAND_WHATSAPP_NUMBER_ID, WHATSAPP_MESSAGE_ID, more_items
from socialdesk.demo.platforms import DemoPlatforms
from socialdesk.demo.platforms_more import WHATSAPP_TOKEN

START = datetime(2024, 11, 20, 9, 40, tzinfo=UTC)


def test_whatsapp_is_answered_on_the_graph_host_and_the_page_still_by_graph() -> None:
    clock = ManualClock(START)
    platforms = DemoPlatforms(clock)
    for item in more_items(START):
        clock.set(START + item.at)
        platforms.register(item)
    before = platforms.mark()
    with platforms.graph:
        base = platforms.graph.base_url
        chat = httpx.post(
            f"{base}{BRAND_WHATSAPP_NUMBER_ID}/messages",
            json={
                "messaging_product": "whatsapp",
                "to": "447700900461",
                "type": "text",
                "text": {"body": "Hi Ana"},
                "context": {"message_id": WHATSAPP_MESSAGE_ID},
            },
            headers={"Authorization": f"Bearer {WHATSAPP_TOKEN}"},
        )
        page = httpx.post(f"{base}1234567890321_1/comments", data={"message": "hi", "access_token": "wrong"})

    assert chat.status_code == 200, chat.text
    [sent] = platforms.more.whatsapp.sent
    assert sent.context == WHATSAPP_MESSAGE_ID and platforms.graph.calls == []
    assert page.status_code == 400 and page.json()["error"]["code"] == 190  # Graph's own token check
    # What Ana saw: our answer, under her words as socialdesk shows them (the order number masked).
    [seen] = platforms.since(before)
    assert (seen.platform, seen.how, seen.text) == ("WhatsApp", "message in their chat", "Hi Ana")
    assert seen.answering.startswith("Hi! I moved house") and "[order]" in seen.answering
    assert "ORD-90412" not in seen.answering
