"""The platforms' side of `socialdesk demo`: local X, Graph, generic-receiver and App Store Connect
stand-ins that the real reply connectors talk to over real sockets, and what each customer would have
seen there.

App Store reviews are polled, not pushed: the demo makes an App Store Connect API key pair at start (the
private half written as the `.p8` file the `appstore` plugin reads, the public half given to the
stand-in, which verifies every token's ES256 signature with it), and a feed's review is added to the
stand-in and fetched by the plugin's real poller.

WhatsApp, Threads and Bluesky have their stand-ins in `platforms_more` (WhatsApp's answered on the
Graph host, as graph.facebook.com answers it).

Like the real APIs, the stand-ins refuse a reply to a post they have never seen (X: "deleted or not
visible"; Graph: "object does not exist"), so every feed item is registered with its stand-in as it is
delivered: the demo's replies then go through the same connector code, URLs and checks as production.
"""

from __future__ import annotations

import tempfile
from collections.abc import Callable, Iterator, Sequence
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives import serialization
from pydantic import SecretStr
from rich.console import Group, RenderableType
from rich.panel import Panel
from rich.text import Text

from socialdesk.clock import Clock
from socialdesk.config import Masking
from socialdesk.demo.feed import BRAND_APP_ID, BRAND_IG_ID, BRAND_PAGE_ID, BRAND_X_ID, FeedItem
from socialdesk.demo.mrkdwn import sanitize
from socialdesk.demo.platforms_more import SOURCES as MORE_SOURCES
from socialdesk.demo.platforms_more import GraphWithWhatsApp, MoreMark, MorePlatforms
from socialdesk.domain.message_templates import MessageTemplate
from socialdesk.domain.redact import mask
from socialdesk.standin.platforms import GenericReceiverStandIn, XApiStandIn
from socialdesk.standin.platforms.appstore_api import AppStoreStandIn, new_key_pair

# Webhook signing secrets (the feed signs with them, ingest verifies) and the platform credentials the
# connectors present. Fixed values: they only ever meet the stand-ins on 127.0.0.1.
GENERIC_SECRET = "demo-generic"
META_APP_SECRET = "demo-meta"
X_CONSUMER_SECRET = "demo-x"
X_ACCESS_TOKEN = "demo-x-user-token"
META_PAGE_TOKEN = "demo-page-token"
BRAND_X_HANDLE = "acme_help"
APPSTORE_KEY_ID = "DEMO4KEY01"
APPSTORE_ISSUER_ID = "69a6de70-03db-47e3-e053-5b8c7c11a4d1"

_GENERIC_LABELS = {"reddit": "Reddit", "review": "the review site", "other": "the web"}


@dataclass(frozen=True, slots=True)
class Seen:
    """One thing a customer saw: where, what they had written (when known), and our answer."""

    platform: str  # "X", "Facebook", "Reddit"...
    how: str  # "public reply", "direct message", ...
    answering: str  # the customer's words we answered, or "" when the stand-in does not know them
    text: str


@dataclass(frozen=True, slots=True)
class Mark:
    x_posted: int
    x_dms: int
    graph_calls: int
    generic_received: int
    appstore_writes: int
    more: MoreMark  # WhatsApp, Threads, Bluesky


class DemoPlatforms:
    """The three stand-ins, started together; `settings()` points socialdesk's connectors at them."""

    def __init__(
        self, clock: Clock, masking: Masking | None = None, templates: Sequence[MessageTemplate] = ()
    ) -> None:
        # The stand-ins' windows (24 h Messenger, 7 days private replies, rate limits) run on the demo's
        # simulated time, like everything else.
        now: Callable[[], float] = lambda: clock.now().timestamp()  # noqa: E731
        self.x = XApiStandIn(
            now=now, bearer_token=X_ACCESS_TOKEN, user_id=BRAND_X_ID, username=BRAND_X_HANDLE
        )
        # `templates`: the config's approved WhatsApp templates, which its stand-in then knows.
        self.more = MorePlatforms(clock, templates)
        self.graph = GraphWithWhatsApp(
            self.more.whatsapp,
            now=now,
            access_token=META_PAGE_TOKEN,
            page_id=BRAND_PAGE_ID,
            ig_account_id=BRAND_IG_ID,
            app_secret=META_APP_SECRET,
        )
        self.generic = GenericReceiverStandIn(secret=GENERIC_SECRET)
        private_key, public_key = new_key_pair()  # a new API key each run: nothing secret ships
        self.appstore = AppStoreStandIn(
            now=clock.now,
            public_key=public_key,
            key_id=APPSTORE_KEY_ID,
            issuer_id=APPSTORE_ISSUER_ID,
            apps=(BRAND_APP_ID,),
        )
        self._appstore_pem = private_key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )
        self.appstore_key_file: Path | None = None  # written by `started`, removed when the demo ends
        self._texts: dict[str, str] = {}  # Graph object id -> the customer's words, for "what they saw"
        # The customer's own words are quoted masked, as everywhere socialdesk shows them to people.
        self._masking = masking or Masking()

    def settings(self) -> dict[str, Any]:
        """The Settings entries (by their environment names) that send replies to the stand-ins."""
        return {
            "X_API_URL": self.x.base_url,
            "X_ACCESS_TOKEN": SecretStr(X_ACCESS_TOKEN),
            "X_CONSUMER_SECRET": SecretStr(X_CONSUMER_SECRET),
            "META_GRAPH_URL": self.graph.base_url,
            "META_PAGE_TOKEN": SecretStr(META_PAGE_TOKEN),
            "META_APP_SECRET": SecretStr(META_APP_SECRET),
            "META_PAGE_ID": BRAND_PAGE_ID,  # crisis statements are posted on the Page's feed
            "META_VERIFY_TOKEN": SecretStr("demo-verify"),
            "GENERIC_REPLY_URL": self.generic.reply_url,
            "WEBHOOK_SECRET": SecretStr(GENERIC_SECRET),
            **self.more.settings(),
        }

    def write_key(self, directory: Path) -> Path:
        """The `.p8` file the `appstore` plugin signs its tokens with, as App Store Connect hands it out."""
        path = directory / f"AuthKey_{APPSTORE_KEY_ID}.p8"
        path.write_bytes(self._appstore_pem)
        path.chmod(0o600)
        self.appstore_key_file = path
        return path

    def plugin_environment(self) -> dict[str, str]:
        """The environment the plugins that read their own settings need (the `appstore` source)."""
        if self.appstore_key_file is None:
            raise RuntimeError("the demo's App Store key is written when the platforms are started")
        return {
            "APPSTORE_ISSUER_ID": APPSTORE_ISSUER_ID,
            "APPSTORE_KEY_ID": APPSTORE_KEY_ID,
            "APPSTORE_PRIVATE_KEY_FILE": str(self.appstore_key_file),
            "APPSTORE_APP_IDS": BRAND_APP_ID,
            "APPSTORE_API_URL": self.appstore.url,
        }

    # -- the feed ---------------------------------------------------------------------------------
    def register(self, item: FeedItem) -> None:
        """Tell the item's platform about the post, comment or conversation before its webhook arrives."""
        if item.source == "x":
            self._register_x(item.body)
        elif item.source == "meta":
            self._register_meta(item.body)
        elif item.source == "appstore":  # a review is listed by App Store Connect, then polled
            self.appstore.apps.setdefault(BRAND_APP_ID, []).append(item.body)
        elif item.source in MORE_SOURCES:  # WhatsApp, Threads, Bluesky
            self.more.register(item)
        # Generic items need nothing: the receiver takes a reply to any id, signed with the shared secret.

    def _register_x(self, body: dict[str, Any]) -> None:
        for tweet in body.get("tweet_create_events", []):
            user = tweet["user"]
            self.x.add_user(user["screen_name"], id=user["id_str"], name=user["name"])
            text = (tweet.get("extended_tweet") or {}).get("full_text") or tweet["text"]
            when = parsedate_to_datetime(tweet["created_at"])
            self.x.add_tweet(
                {
                    "id": tweet["id_str"],
                    "text": text,
                    "author_id": user["id_str"],
                    "created_at": when.strftime("%Y-%m-%dT%H:%M:%S.000Z"),
                    "conversation_id": tweet.get("in_reply_to_status_id_str") or tweet["id_str"],
                }
            )
        for user_id, user in (body.get("users") or {}).items():
            if user_id != BRAND_X_ID:  # DMs: X only delivers to people it knows
                self.x.add_user(user["screen_name"], id=user_id, name=user["name"])

    def _register_meta(self, body: dict[str, Any]) -> None:
        platform = "instagram" if body.get("object") == "instagram" else "facebook"
        for entry in body.get("entry", []):
            for change in entry.get("changes", []):
                self._register_comment(platform, change.get("value") or {}, entry["time"])
            for event in entry.get("messaging", []):
                message = event.get("message") or {}
                if message.get("is_echo"):
                    continue  # our own message: the customer did not write, the window does not move
                when = datetime.fromtimestamp(event["timestamp"] / 1000, tz=UTC)
                self.graph.add_conversation(event["sender"]["id"], last_message_at=when)

    def _register_comment(self, platform: str, value: dict[str, Any], entry_time: int) -> None:
        if platform == "facebook":
            if value.get("item") != "comment":
                return
            post_id, parent = value["post_id"], value.get("parent_id") or value["post_id"]
            comment_id, author, text = value["comment_id"], value["from"]["id"], value.get("message", "")
            when = datetime.fromtimestamp(value["created_time"], tz=UTC)
        else:
            post_id = parent = value["media"]["id"]
            comment_id, author, text = value["id"], value["from"]["id"], value.get("text", "")
            when = datetime.fromtimestamp(entry_time, tz=UTC)  # Instagram's change has no time of its own
        if post_id not in self.graph.objects:
            self.graph.add_post(platform=platform, id=post_id, created_time=when)
        self.graph.add_comment(parent, id=comment_id, author_id=author, created_time=when)
        self._texts[comment_id] = text

    # -- what went out ----------------------------------------------------------------------------
    def mark(self) -> Mark:
        return Mark(
            len(self.x.posted),
            len(self.x.dms),
            len(self.graph.calls),
            len(self.generic.received),
            len(self.appstore_writes()),
            self.more.mark(),
        )

    def appstore_writes(self) -> list[Any]:
        """The developer responses App Store Connect accepted (a replaced one counts again)."""
        return [
            r for r in self.appstore.requests_to("POST", "/v1/customerReviewResponses") if r.json is not None
        ]

    def brand_posts(self) -> tuple[int, int]:
        """Posts of our own (crisis statements), not answers to anyone: on X, on the Facebook Page."""
        on_x = sum(1 for post in self.x.posted if not post.get("reply"))
        return on_x, len(self.graph.calls_to("feed"))

    def since(self, mark: Mark) -> list[Seen]:
        """Everything the platforms accepted after `mark`, oldest first within each platform."""
        return [replace(s, answering=mask(s.answering, self._masking).text) for s in self._since(mark)]

    def _since(self, mark: Mark) -> list[Seen]:
        seen: list[Seen] = []
        for post in self.x.posted[mark.x_posted :]:
            if not post.get("reply"):  # not an answer: a statement of ours, on the brand's timeline
                seen.append(Seen("X", f"post by @{BRAND_X_HANDLE} on its timeline", "", post["text"]))
                continue
            target = self.x.tweets.get((post.get("reply") or {}).get("in_reply_to_tweet_id", ""), {})
            author = self.x.users.get(target.get("author_id", ""), {}).get("username", "")
            answering = f"@{author}: {target['text']}" if target else ""
            seen.append(Seen("X", f"public reply from @{BRAND_X_HANDLE}", answering, post["text"]))
        for dm in self.x.dms[mark.x_dms :]:
            who = self.x.users.get(dm["participant_id"], {}).get("username", dm["participant_id"])
            seen.append(Seen("X", f"direct message from @{BRAND_X_HANDLE} to @{who}", "", dm["text"]))
        for call in self.graph.calls[mark.graph_calls :]:
            seen.append(self._graph_seen(call.node, call.edge, call.params))
        for received in self.generic.received[mark.generic_received :]:
            body = received.body
            where = _GENERIC_LABELS.get(str(body.get("platform")), str(body.get("platform")))
            how = f"{body.get('visibility', 'public')} reply, handed to the receiver for {where}"
            seen.append(Seen(where.removeprefix("the ").capitalize(), how, "", str(body.get("text", ""))))
        for write in self.appstore_writes()[mark.appstore_writes :]:
            data = write.json.get("data") or {}
            review_id = ((data.get("relationships") or {}).get("review") or {}).get("data", {}).get("id", "")
            stored = self.appstore.responses.get(review_id)
            if stored is None or stored.body != (data.get("attributes") or {}).get("responseBody"):
                continue  # refused, or replaced since: the customer never saw this text
            try:
                attributes = self.appstore.review(review_id)["attributes"]
                answering = f"★{attributes['rating']} {attributes['title']}: {attributes['body']}"
            except KeyError:
                answering = ""
            how = "developer response under their review" + (
                " (replacing ours)" if stored.versions > 1 else ""
            )
            seen.append(Seen("the App Store", how, answering, stored.body))
        seen.extend(Seen(*parts) for parts in self.more.since(mark.more))
        return seen

    def _graph_seen(self, node: str, edge: str, params: dict[str, Any]) -> Seen:
        if edge == "feed":  # a post of our own on the Page: a crisis statement
            return Seen("Facebook", "post on our Page", "", str(params.get("message", "")))
        if edge == "messages":
            recipient = params.get("recipient") or {}
            text = str((params.get("message") or {}).get("text", ""))
            item = recipient.get("comment_id") or recipient.get("post_id")
            if item:
                platform = (
                    self.graph.objects[item].platform.capitalize() if item in self.graph.objects else "Meta"
                )
                return Seen(platform, "private reply to their comment", self._texts.get(item, ""), text)
            return Seen("Messenger", "message in their inbox", "", text)
        target = self.graph.objects.get(node)
        platform = target.platform.capitalize() if target else "Meta"
        return Seen(
            platform,
            "public reply under their comment",
            self._texts.get(node, ""),
            str(params.get("message", "")),
        )


@contextmanager
def started(
    clock: Clock, masking: Masking | None = None, templates: Sequence[MessageTemplate] = ()
) -> Iterator[DemoPlatforms]:
    platforms = DemoPlatforms(clock, masking, templates)
    with ExitStack() as stack:
        stack.enter_context(platforms.x)
        stack.enter_context(platforms.graph)
        stack.enter_context(platforms.generic)
        stack.enter_context(platforms.appstore)
        for server in platforms.more.servers():
            stack.enter_context(server)
        keys = stack.enter_context(tempfile.TemporaryDirectory(prefix="socialdesk-demo-key-"))
        platforms.write_key(Path(keys))
        yield platforms


def render_seen(seen: Seen) -> RenderableType:
    """One panel per thing the customer saw, styled apart from Slack's blue: this is the outside world."""
    parts: list[RenderableType] = []
    if seen.answering:
        parts.append(Text(f"↪ in reply to {sanitize(seen.answering)}", style="dim"))
    parts.append(Text(sanitize(seen.text)))
    title = Text(f"What the customer saw on {seen.platform} · {seen.how}", style="bold green")
    return Panel(Group(*parts), title=title, title_align="left", border_style="green", padding=(0, 1))
