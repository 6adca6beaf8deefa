"""A local Graph API for the reply endpoints socialdesk uses (Facebook Pages, Instagram, Messenger).

Routes, under `/{version}` so a client's base URL is `graph.base_url` (like `META_GRAPH_URL`):

- `POST /{post-or-comment-id}/comments` (`message`): a comment on a Page post, a reply under a Facebook
  comment, or a comment on our own Instagram media; answers `{"id"}`.
- `POST /{ig-comment-id}/replies` (`message`): a reply under an Instagram comment; answers `{"id"}`.
- `POST /{ig-user-id}/mentions` (`media_id`, optional `comment_id`, `message`): answering a caption or
  comment that @-mentioned our Instagram account on someone else's media; answers `{"id"}`.
- `POST /{page-id}/messages` or `/me/messages` (`recipient`, `message: {text}`, `messaging_type`):
  `recipient.comment_id` / `recipient.post_id` is a private reply (one per item, within 7 days of it),
  `recipient.id` a message in a conversation (24 h after the customer's last message; 7 days with
  `messaging_type: MESSAGE_TAG` and `tag: HUMAN_AGENT`); answers `{"recipient_id", "message_id"}`.
- `GET /{ig-user-id}?fields=mentioned_comment.comment_id(...){...}` / `mentioned_media.media_id(...){...}`:
  the text, author and link of a comment or caption that @-mentioned our account (graph_mentions.py).
- `POST /{page-id}/feed` or `/me/feed` (`message`): a post on the Page as the brand (a crisis statement);
  stored as a Page post others can comment on; answers `{"id": "<page-id>_<n>"}`. `feed_posts()` lists them.

Parameters may come as JSON, as a form or in the query string, as Graph takes all three (a form's
`recipient` / `message` are JSON strings). The token is `access_token` or an `Authorization: Bearer`
header; with `app_secret` set, `appsecret_proof` (hex HMAC-SHA256 of the token) is required too.

Errors have Graph's shape, `{"error": {"message", "type", "code", "error_subcode", "fbtrace_id"}}`, and
its codes: 104 / 190 (token missing, invalid, expired), 100 + 33 (no such object, or the object does not
support the edge), 100 + 2018001 (no such user), 10 + 2018278 (outside the allowed window), 10900
(already replied privately), 100 (bad parameter). A test registers the objects it talks about, with their
creation time; time comes from the injected `now()`, so tests move a clock instead of sleeping.
"""

from __future__ import annotations

import hashlib
import hmac
import itertools
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from socialdesk.standin.platforms.base import Failure, RecordedRequest, Reply, StandInServer
from socialdesk.standin.platforms.graph_mentions import read_mention
from socialdesk.standin.platforms.graph_wire import (
    OUTSIDE_WINDOW,
    GraphError,
    message_param,
    no_object,
    read_params,
)

GRAPH_VERSION = "v21.0"
PRIVATE_REPLY_WINDOW = timedelta(days=7)
MESSAGING_WINDOW = timedelta(hours=24)
HUMAN_AGENT_WINDOW = timedelta(days=7)
MESSAGE_TEXT_LIMIT = 2000
MESSAGING_TYPES = ("RESPONSE", "UPDATE", "MESSAGE_TAG")


@dataclass(slots=True)
class GraphObject:
    id: str
    platform: str  # "facebook" or "instagram"
    type: str  # "post" (a Page post or Instagram media) or "comment"
    created_time: float
    author_id: str
    parent_id: str | None = None  # the post / media of a top-level comment, the comment of a reply
    deleted: bool = False
    private_replied: bool = False
    message: str = ""
    username: str = ""  # the author's Instagram username, read by a mention's fetch


@dataclass(frozen=True, slots=True)
class GraphCall:
    """One write the stand-in accepted: `node` and `edge` from the path, `params` without the token."""

    node: str
    edge: str
    params: dict[str, Any]
    result: dict[str, Any]


class GraphApiStandIn(StandInServer):
    def __init__(
        self,
        *,
        now: Callable[[], float],
        access_token: str = "meta-test-page-token",
        page_id: str = "104729876543210",
        ig_account_id: str = "17841400000000001",
        app_secret: str | None = None,
        version: str = GRAPH_VERSION,
    ) -> None:
        super().__init__()
        self.now = now
        self.access_token = access_token
        self.page_id = page_id
        self.ig_account_id = ig_account_id
        self.app_secret = app_secret
        self.version = version
        self.objects: dict[str, GraphObject] = {}
        self.conversations: dict[str, float] = {}  # customer id (PSID / IGSID) -> their last message time
        self.calls: list[GraphCall] = []
        self.token_expired = False
        self._ids = itertools.count(1)

    @property
    def base_url(self) -> str:
        return f"{self.url}/{self.version}/"

    # -- arranging --------------------------------------------------------------------------------
    def add_post(
        self,
        *,
        platform: str = "facebook",
        created_time: datetime | None = None,
        id: str | None = None,
        author_id: str | None = None,
    ) -> str:
        """A Page post (facebook) or a media object (instagram); returns its id."""
        if platform == "facebook":
            object_id = id or f"{self.page_id}_{self._number()}"
        else:
            object_id = id or f"1790{self._number():014d}"
        return self._add(GraphObject(object_id, platform, "post", self._time(created_time), author_id or "0"))

    def add_comment(
        self,
        on: str,
        *,
        created_time: datetime | None = None,
        id: str | None = None,
        author_id: str = "6000000000000001",
    ) -> str:
        """A comment under a known post, media or comment (then it is a reply); returns its id."""
        with self._lock:
            parent = self.objects[on]
            if parent.platform == "facebook":
                object_id = id or f"{on.split('_')[-1]}_{self._number()}"
            else:
                object_id = id or f"1800{self._number():014d}"
            comment = GraphObject(object_id, parent.platform, "comment", self._time(created_time), author_id)
            comment.parent_id = on
            return self._add(comment)

    def add_mentioning(
        self,
        text: str,
        *,
        username: str,
        on: str | None = None,
        created_time: datetime | None = None,
        author_id: str = "6000000000000002",
    ) -> str:
        """Someone else's comment (under media `on`) or, without `on`, their media whose caption is
        `text`, @-mentioning our Instagram account; returns its id (what Meta's webhook carries)."""
        if on is None:
            object_id = self.add_post(platform="instagram", created_time=created_time, author_id=author_id)
        else:
            object_id = self.add_comment(on, created_time=created_time, author_id=author_id)
        with self._lock:
            self.objects[object_id].message = text
            self.objects[object_id].username = username
        return object_id

    def permalink(self, item: GraphObject) -> str:
        return f"https://www.instagram.com/p/{item.id}/"

    def add_conversation(self, customer_id: str, *, last_message_at: datetime | None = None) -> None:
        """A Messenger / Instagram conversation whose customer last wrote at `last_message_at`."""
        with self._lock:
            self.conversations[customer_id] = self._time(last_message_at)

    def delete(self, object_id: str) -> None:
        """The customer deleted the post or comment: calls on it now get code 100, subcode 33."""
        with self._lock:
            self.objects[object_id].deleted = True

    def expire_token(self) -> None:
        """Every call now gets code 190, subcode 463 (the token's session has expired)."""
        with self._lock:
            self.token_expired = True

    def feed_posts(self) -> list[GraphObject]:
        """The Page's own posts made through `/feed`, oldest first."""
        with self._lock:
            return [o for o in self.objects.values() if o.type == "post" and o.author_id == self.page_id]

    def calls_to(self, edge: str) -> list[GraphCall]:
        with self._lock:
            return [c for c in self.calls if c.edge == edge]

    def fail_next(
        self,
        *,
        code: int | None = None,
        subcode: int | None = None,
        message: str | None = None,
        status: int | None = None,
        body: Any = None,
        headers: dict[str, str] | None = None,
        delay: float | None = None,
        disconnect: bool = False,
        edge: str | None = None,
        times: int = 1,
        after: int = 0,
    ) -> None:
        """Answer the next `times` calls of `edge` (None: any) with a Graph error: `code` (and `subcode`,
        `message`) in Graph's shape, HTTP 500 for codes 1 and 2 and 400 otherwise unless `status` says;
        a bare `status` >= 500 is Graph's transient code 2. `body` replaces the document; `disconnect`
        drops the connection; `delay` holds the answer back that many seconds."""
        if body is None and not disconnect:
            if code is None:
                code = 2 if status is None or status >= 500 else 100
            transient = code in (1, 2)
            status = status or (500 if transient else 400)
            body = self._error_body(GraphError(code, message, subcode=subcode), transient=transient)
        failure = Failure(
            status=None if disconnect else status or 400,
            body=body,
            headers=dict(headers or {}),
            delay=delay,
            disconnect=disconnect,
            route=edge,
            after=after,
        )
        self.script(failure, times=times)

    def delay_next(self, seconds: float, *, edge: str | None = None, times: int = 1) -> None:
        """Answer the next calls normally, but only after `seconds` (a client timeout test)."""
        self.script(Failure(delay=seconds, route=edge), times=times)

    # -- serving ----------------------------------------------------------------------------------
    def handle(self, request: RecordedRequest) -> Reply:
        parts = request.path.strip("/").split("/")
        edge = parts[2] if len(parts) == 3 else ""
        failure = self.take_failure(edge)
        if failure is not None and (failure.disconnect or failure.status is not None):
            return Reply(
                failure.status or 0, failure.body, dict(failure.headers), failure.disconnect, failure.delay
            )
        try:
            if request.method == "GET" and len(parts) == 2 and parts[0] == self.version:
                return self._read(parts[1], request, failure)
            edges = {
                "comments": self._comments,
                "replies": self._replies,
                "mentions": self._mentions,
                "messages": self._messages,
                "feed": self._feed,
            }
            if request.method != "POST" or len(parts) != 3 or parts[0] != self.version or edge not in edges:
                raise GraphError(2500, f"Unknown path components: /{'/'.join(parts[1:])}")
            params = read_params(request)
            self._authorize(request, params)
            result = edges[edge](parts[1], params)
            params = {k: v for k, v in params.items() if k not in ("access_token", "appsecret_proof")}
            self.calls.append(GraphCall(parts[1], edge, params, result))
            reply = Reply(200, result)
        except GraphError as exc:
            reply = Reply(400, self._error_body(exc))
        if failure is not None:
            reply.delay = failure.delay
        return reply

    def _read(self, node: str, request: RecordedRequest, failure: Failure | None) -> Reply:
        try:
            self._authorize(request, dict(request.query))
            with self._lock:
                result = read_mention(
                    node,
                    request.query,
                    ig_account_id=self.ig_account_id,
                    lookup=self.objects.get,
                    permalink=self.permalink,
                )
            reply = Reply(200, result)
        except GraphError as exc:
            reply = Reply(400, self._error_body(exc))
        if failure is not None:
            reply.delay = failure.delay
        return reply

    def _authorize(self, request: RecordedRequest, params: dict[str, Any]) -> None:
        header = request.headers.get("authorization", "")
        token = params.get("access_token") or header.removeprefix("Bearer ").removeprefix("OAuth ")
        if not token:
            raise GraphError(104, "An access token is required to request this resource.")
        if not hmac.compare_digest(str(token).encode(), self.access_token.encode()):
            raise GraphError(190, "Invalid OAuth access token - Cannot parse access token")
        if self.token_expired:
            when = datetime.fromtimestamp(self.now(), UTC).strftime("%A, %d-%b-%y %H:%M:%S")
            raise GraphError(
                190, f"Error validating access token: Session has expired on {when}.", subcode=463
            )
        if self.app_secret is not None:
            proof = params.get("appsecret_proof")
            if not proof:
                raise GraphError(100, "API calls from the server require an appsecret_proof argument")
            expected = hmac.new(
                self.app_secret.encode(), self.access_token.encode(), hashlib.sha256
            ).hexdigest()
            if not hmac.compare_digest(str(proof).encode(), expected.encode()):
                raise GraphError(100, "Invalid appsecret_proof provided in the API argument")

    def _comments(self, node: str, params: dict[str, Any]) -> dict[str, Any]:
        target = self._live(node)
        if target.platform == "instagram" and target.type == "comment":
            raise no_object(node)
        return {"id": self._reply_to(node, message_param(params))}

    def _replies(self, node: str, params: dict[str, Any]) -> dict[str, Any]:
        target = self._live(node)
        if target.platform != "instagram" or target.type != "comment":
            raise no_object(node)
        return {"id": self._reply_to(node, message_param(params))}

    def _mentions(self, node: str, params: dict[str, Any]) -> dict[str, Any]:
        if node != self.ig_account_id:
            raise no_object(node)
        media_id = params.get("media_id")
        if not media_id:
            raise GraphError(100, "(#100) The parameter media_id is required")
        media = self._live(str(media_id))
        target = self._live(str(params["comment_id"])) if params.get("comment_id") else media
        if media.platform != "instagram" or media.type != "post":
            raise no_object(str(media_id))
        return {"id": self._reply_to(target.id, message_param(params))}

    def _messages(self, node: str, params: dict[str, Any]) -> dict[str, Any]:
        if node not in ("me", self.page_id):
            raise no_object(node)
        recipient, message = params.get("recipient"), params.get("message")
        if not isinstance(recipient, dict) or not recipient:
            raise GraphError(100, "(#100) param recipient must be non-empty.")
        text = message.get("text") if isinstance(message, dict) else None
        if not isinstance(text, str) or not text.strip():
            raise GraphError(100, "(#100) Must send either message or state")
        if len(text) > MESSAGE_TEXT_LIMIT:
            limit = MESSAGE_TEXT_LIMIT
            raise GraphError(
                100, f"(#100) Length of param message[text] must be less than or equal to {limit}"
            )
        messaging_type = params.get("messaging_type")
        if messaging_type not in MESSAGING_TYPES:
            raise GraphError(
                100, "(#100) Param messaging_type must be one of {RESPONSE, UPDATE, MESSAGE_TAG}"
            )
        now = self.now()
        item_id = recipient.get("comment_id") or recipient.get("post_id")
        if item_id:
            item = self._live(str(item_id))
            if now >= item.created_time + PRIVATE_REPLY_WINDOW.total_seconds():
                raise GraphError(10, OUTSIDE_WINDOW, subcode=2018278)
            if item.private_replied:
                raise GraphError(10900)
            item.private_replied = True
            customer = item.author_id
        else:
            customer = str(recipient.get("id") or "")
            last = self.conversations.get(customer)
            if last is None:
                raise GraphError(100, "(#100) No matching user found", subcode=2018001)
            human_agent = messaging_type == "MESSAGE_TAG" and params.get("tag") == "HUMAN_AGENT"
            window = HUMAN_AGENT_WINDOW if human_agent else MESSAGING_WINDOW
            if now >= last + window.total_seconds():
                raise GraphError(10, OUTSIDE_WINDOW, subcode=2018278)
        return {"recipient_id": customer, "message_id": "m_" + self._opaque(40)}

    def _feed(self, node: str, params: dict[str, Any]) -> dict[str, Any]:
        if node not in ("me", self.page_id):
            raise no_object(node)
        text = message_param(params)
        post_id = self.add_post(platform="facebook", author_id=self.page_id)
        self.objects[post_id].message = text
        return {"id": post_id}

    # -- helpers ----------------------------------------------------------------------------------
    def _live(self, object_id: str) -> GraphObject:
        found = self.objects.get(object_id)
        if found is None or found.deleted:
            raise no_object(object_id)
        return found

    def _reply_to(self, parent_id: str, text: str) -> str:
        """Our comment, stored so that it can be answered (or deleted) in turn."""
        comment_id = self.add_comment(parent_id, author_id=self.page_id)
        self.objects[comment_id].message = text
        return comment_id

    def _add(self, item: GraphObject) -> str:
        with self._lock:
            self.objects[item.id] = item
            return item.id

    def _time(self, when: datetime | None) -> float:
        return self.now() if when is None else when.timestamp()

    def _number(self) -> int:
        return 100_000_000 + next(self._ids)

    def _opaque(self, length: int) -> str:
        return hashlib.sha256(str(self._number()).encode()).hexdigest()[:length]

    def _error_body(self, exc: GraphError, *, transient: bool = False) -> dict[str, Any]:
        error: dict[str, Any] = {"message": exc.message, "type": exc.type, "code": exc.code}
        if exc.subcode is not None:
            error["error_subcode"] = exc.subcode
        if transient:
            error["is_transient"] = True
        error["fbtrace_id"] = "A" + self._opaque(22)
        return {"error": error}
