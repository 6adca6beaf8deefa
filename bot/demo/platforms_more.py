"""WhatsApp, Threads and Bluesky in `socialdesk demo`: their stand-ins, the settings that point the
plugins at them, the feed's customers registered with them, and what each customer saw of our replies.

WhatsApp's Cloud API lives on the Graph host (`META_GRAPH_URL` is one base for every Meta product, as
graph.facebook.com is), so the demo's Graph stand-in hands `/{phone-number-id}/messages` to the WhatsApp
stand-in (`GraphWithWhatsApp`) instead of the WhatsApp one listening on a port of its own. Threads
(`THREADS_API_URL`) and the Bluesky PDS (`BLUESKY_SERVICE_URL`) are servers of their own.

Like the others, these stand-ins refuse what the platform would: a WhatsApp reply outside the customer's
24 hours or threaded to a message they never sent, a Threads reply to a post that does not exist, a
Bluesky post over 300 graphemes or without its thread's references.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from pydantic import SecretStr

from socialdesk.clock import Clock
from socialdesk.demo.feed import FeedItem
from socialdesk.demo.feed_more import (
    BRAND_BLUESKY_HANDLE,
    BRAND_THREADS_ID,
    BRAND_THREADS_POST,
    BRAND_THREADS_POST_ID,
    BRAND_THREADS_USERNAME,
    BRAND_WHATSAPP_NUMBER_ID,
)
from socialdesk.domain.message_templates import MessageTemplate
from socialdesk.standin.platforms.base import RecordedRequest, Reply, StandInServer
from socialdesk.standin.platforms.bluesky_api import BlueskyStandIn
from socialdesk.standin.platforms.graph_api import GraphApiStandIn
from socialdesk.standin.platforms.threads_api import ThreadsApiStandIn
from socialdesk.standin.platforms.whatsapp_api import WhatsAppCloudStandIn

# The credentials the plugins present; fixed values that only ever meet the stand-ins on 127.0.0.1.
WHATSAPP_TOKEN = "demo-whatsapp-token"
THREADS_TOKEN = "demo-threads-token"
BLUESKY_APP_PASSWORD = "demo-appp-assw-ord0"
# The feed's items these stand-ins take; the other sources are the X, Graph and generic ones.
SOURCES = ("whatsapp", "threads", "bluesky")

# One thing a customer saw: platform, how, the words we answered ("" when unknown), our text.
SeenParts = tuple[str, str, str, str]


class GraphWithWhatsApp(GraphApiStandIn):
    """The Graph stand-in, with the WhatsApp Cloud API's messages route served by `whatsapp`."""

    def __init__(self, whatsapp: WhatsAppCloudStandIn, **graph: Any) -> None:
        super().__init__(**graph)
        self.whatsapp = whatsapp

    def handle(self, request: RecordedRequest) -> Reply:
        parts = request.path.strip("/").split("/")
        if len(parts) == 3 and parts[1] == self.whatsapp.phone_number_id:
            return self.whatsapp.handle(request)  # it checks the version, the edge and its own token
        return super().handle(request)


@dataclass(frozen=True, slots=True)
class MoreMark:
    whatsapp_sent: int
    threads_published: int
    bluesky_posted: int


class MorePlatforms:
    def __init__(self, clock: Clock, templates: Sequence[MessageTemplate] = ()) -> None:
        # On the demo's simulated time, like everything else: WhatsApp's 24-hour window, token expiry.
        seconds: Callable[[], float] = lambda: clock.now().timestamp()  # noqa: E731
        self.whatsapp = WhatsAppCloudStandIn(
            now=seconds,
            phone_number_id=BRAND_WHATSAPP_NUMBER_ID,
            access_token=WHATSAPP_TOKEN,
            templates={(t.name, t.language): len(t.params) for t in templates},
        )
        self.threads = ThreadsApiStandIn(
            now=seconds, user_id=BRAND_THREADS_ID, username=BRAND_THREADS_USERNAME, access_token=THREADS_TOKEN
        )
        self.bluesky = BlueskyStandIn(
            now=clock.now, handle=BRAND_BLUESKY_HANDLE, app_password=BLUESKY_APP_PASSWORD
        )
        self._clock = clock
        self._texts: dict[str, str] = {}  # message, post or uri -> the customer's words

    def servers(self) -> Iterable[StandInServer]:
        """The stand-ins with a port of their own (WhatsApp answers on the Graph host)."""
        return (self.threads, self.bluesky)

    def settings(self) -> dict[str, Any]:
        """The Settings entries (by their environment names) for the three plugins; WhatsApp's Graph base
        and the webhooks' app secret are META_GRAPH_URL and META_APP_SECRET, set with Meta's."""
        return {
            "WHATSAPP_PHONE_NUMBER_ID": BRAND_WHATSAPP_NUMBER_ID,
            "WHATSAPP_TOKEN": SecretStr(WHATSAPP_TOKEN),
            "THREADS_USER_ID": BRAND_THREADS_ID,
            "THREADS_TOKEN": SecretStr(THREADS_TOKEN),
            "THREADS_API_URL": self.threads.base_url,
            "BLUESKY_HANDLE": BRAND_BLUESKY_HANDLE,
            "BLUESKY_APP_PASSWORD": SecretStr(BLUESKY_APP_PASSWORD),
            "BLUESKY_SERVICE_URL": self.bluesky.url,
        }

    # -- the feed ---------------------------------------------------------------------------------
    def register(self, item: FeedItem) -> None:
        """What the platform knows before socialdesk hears of it: what a reply is checked against."""
        if item.source == "whatsapp":
            for entry in item.body.get("entry", []):
                for change in entry.get("changes", []):
                    for message in change.get("value", {}).get("messages", []):
                        # It opens the customer's 24-hour window and is what a reply may thread to.
                        self.whatsapp.customer_wrote(
                            message["from"], message["id"], float(message["timestamp"])
                        )
                        self._texts[message["id"]] = str((message.get("text") or {}).get("body", ""))
        elif item.source == "threads":
            value = item.body["values"]["value"]
            if BRAND_THREADS_POST_ID not in self.threads.media:
                self.threads.add_post(BRAND_THREADS_POST, id=BRAND_THREADS_POST_ID)
            self.threads.add_post(
                value["text"], username=value["username"], reply_to=value["replied_to"]["id"], id=value["id"]
            )
            self._texts[value["id"]] = f"@{value['username']}: {value['text']}"
        elif item.source == "bluesky":
            body = item.body
            found = self.bluesky.add_post(body["handle"], body["text"], name=body.get("name", ""))
            self._texts[found["uri"]] = f"@{body['handle']}: {body['text']}"

    # -- what went out ----------------------------------------------------------------------------
    def mark(self) -> MoreMark:
        return MoreMark(len(self.whatsapp.sent), len(self.threads.published()), len(self.bluesky.posted))

    def counts(self) -> dict[str, int]:
        """Replies each platform accepted, for the demo's summary."""
        done = self.mark()
        return {
            "WhatsApp": done.whatsapp_sent,
            "Threads": done.threads_published,
            "Bluesky": done.bluesky_posted,
        }

    def since(self, mark: MoreMark) -> list[SeenParts]:
        seen: list[SeenParts] = []
        for sent in self.whatsapp.sent[mark.whatsapp_sent :]:
            if sent.type == "template":
                text = f"[template {sent.body['template']['name']}]"
            else:
                text = str(sent.body["text"]["body"])
            answering = self._texts.get(sent.context or "", "")
            seen.append(("WhatsApp", "message in their chat", answering, text))
        for media in self.threads.published()[mark.threads_published :]:
            answering = self._texts.get(media.replied_to or "", "")
            seen.append(("Threads", f"public reply from @{BRAND_THREADS_USERNAME}", answering, media.text))
        for post in self.bluesky.posted[mark.bluesky_posted :]:
            record = post["record"]
            parent = ((record.get("reply") or {}).get("parent") or {}).get("uri", "")
            how = f"reply from @{BRAND_BLUESKY_HANDLE} in the thread"
            seen.append(("Bluesky", how, self._texts.get(parent, ""), str(record.get("text", ""))))
        return seen
