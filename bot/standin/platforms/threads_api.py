"""A local Threads API (graph.threads.net) for the Threads source: reads, the two-step reply, failures.

Routes, under `/v1.0` so that a client's `THREADS_API_URL` is `threads.base_url`:

- `GET /{user-id}/mentions`: public media that tag the brand (`since`, `limit`, `after`), newest first;
- `GET /{user-id}/threads`: the brand's top-level posts (`since`, `limit`, `after`), newest first;
- `GET /{user-id}/replies`: the brand's own replies, newest first;
- `GET /{media-id}/conversation`: every reply under a root post, flattened (`reverse`, default true:
  newest first), and `GET /{media-id}/replies`: its top-level replies only;
- `GET /{id}`: a media object, or a container's `status` (`FINISHED`, `PUBLISHED`, `EXPIRED`);
- `POST /{user-id}/threads` (`media_type=TEXT`, `text`, optional `reply_to_id`): a container, `{"id"}`;
- `POST /{user-id}/threads_publish` (`creation_id`): publishes it once, `{"id": media id}`.

Checked as Threads checks: the token (`Authorization: Bearer` or `access_token`; 104 missing, 190
wrong), required fields (100), `media_type` TEXT only here, at most 500 characters of text, `reply_to_id`
naming a live post (100 + 33), the order of the steps (publishing an unknown container is 100 + 33,
publishing it a second time is refused, a container expires after 24 hours). Parameters come as a form,
JSON or the query string. Every answer carries `X-App-Usage` with `usage` percent.

Paging is Graph's: `paging.cursors.after` (an opaque offset) and `paging.next` while more remain.
Scripted failures (`fail_next`) answer the next calls of one edge (`mentions`, `threads`, `replies`,
`conversation`, `threads_publish`, `node` for `GET /{id}`) with a status, a Graph error code, headers
(`Retry-After`, `X-App-Usage`), a delay or a dropped connection. Time comes from the injected `now()`.
"""

from __future__ import annotations

import base64
import hmac
import itertools
import json
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from socialdesk.standin.platforms.base import Failure, RecordedRequest, Reply, StandInServer
from socialdesk.standin.platforms.graph_wire import GraphError, no_object, read_params

API_VERSION = "v1.0"
TEXT_LIMIT = 500
CONTAINER_LIFETIME = timedelta(hours=24)
DEFAULT_LIMIT = 25
MAX_LIMIT = 100
MEDIA_TYPES = ("TEXT", "IMAGE", "VIDEO", "CAROUSEL")


@dataclass(slots=True)
class ThreadsMedia:
    id: str
    owner_id: str
    username: str
    text: str
    created: float
    replied_to: str | None = None
    root_id: str | None = None  # None: a top-level post
    mentions_brand: bool = False
    deleted: bool = False

    @property
    def shortcode(self) -> str:
        return "C" + base64.urlsafe_b64encode(self.id.encode()).decode().rstrip("=")[-10:]


@dataclass(slots=True)
class Container:
    id: str
    owner_id: str
    text: str
    reply_to_id: str | None
    created: float
    media_id: str | None = None
    publish_attempts: int = 0


@dataclass(slots=True)
class _Page:
    items: list[ThreadsMedia]
    next_after: str | None
    after: str | None = None
    extra: dict[str, Any] = field(default_factory=dict)


class ThreadsApiStandIn(StandInServer):
    def __init__(
        self,
        *,
        now: Callable[[], float],
        user_id: str = "27000000000000001",
        username: str = "acme",
        access_token: str = "threads-test-token",
        usage: int = 3,
    ) -> None:
        super().__init__()
        self.now = now
        self.user_id = user_id
        self.username = username
        self.access_token = access_token
        self.usage = usage  # the percentage X-App-Usage reports on every answer
        self.media: dict[str, ThreadsMedia] = {}
        self.containers: dict[str, Container] = {}
        self._ids = itertools.count(1)

    @property
    def base_url(self) -> str:
        """What THREADS_API_URL is set to (the client adds `v1.0/`)."""
        return f"{self.url}/"

    # -- arranging --------------------------------------------------------------------------------
    def add_post(
        self,
        text: str,
        *,
        username: str | None = None,
        owner_id: str | None = None,
        at: datetime | None = None,
        reply_to: str | None = None,
        mentions_brand: bool = False,
        id: str | None = None,
    ) -> str:
        """A post (or, with `reply_to`, a reply) by `username` (None: the brand); returns its id."""
        with self._lock:
            media_id = id or self._new_id()
            root: str | None = None
            if reply_to is not None:
                parent = self.media[reply_to]
                root = parent.root_id or parent.id
            ours = username is None
            self.media[media_id] = ThreadsMedia(
                id=media_id,
                owner_id=self.user_id if ours else (owner_id or f"3100{self._number():013d}"),
                username=self.username if ours else str(username),
                text=text,
                created=self.now() if at is None else at.timestamp(),
                replied_to=reply_to,
                root_id=root,
                mentions_brand=mentions_brand,
            )
            return media_id

    def delete(self, media_id: str) -> None:
        with self._lock:
            self.media[media_id].deleted = True

    def published(self) -> list[ThreadsMedia]:
        """The brand's replies published through `threads_publish`, oldest first."""
        with self._lock:
            made = {c.media_id for c in self.containers.values() if c.media_id}
            return [m for m in self.media.values() if m.id in made]

    def fail_next(
        self,
        *,
        status: int | None = None,
        code: int | None = None,
        message: str | None = None,
        headers: dict[str, str] | None = None,
        edge: str | None = None,
        times: int = 1,
        delay: float | None = None,
        disconnect: bool = False,
        after: int = 0,
    ) -> None:
        """The next `times` calls of `edge` (None: any) fail: `status` (429 by itself is Threads' "too
        many calls"), a Graph `code`, or only `delay`ed / `disconnect`ed. A delayed answer is still
        processed first: a publish held back this way has published (the client's timeout loses it)."""
        body = None
        if status is not None or code is not None:
            status = status or (500 if code in (1, 2) else 400)
            error_code = code if code is not None else (4 if status == 429 else 2 if status >= 500 else 100)
            error = GraphError(error_code, message)
            body = {"error": {"message": error.message, "type": error.type, "code": error.code}}
            if status >= 500:
                body["error"]["is_transient"] = True
        self.script(
            Failure(
                status=status,
                body=body,
                headers=dict(headers or {}),
                delay=delay,
                disconnect=disconnect,
                route=edge,
                after=after,
            ),
            times=times,
        )

    # -- serving ----------------------------------------------------------------------------------
    def handle(self, request: RecordedRequest) -> Reply:
        parts = request.path.strip("/").split("/")
        edge = parts[2] if len(parts) == 3 else "node"
        failure = self.take_failure(edge)
        if failure is not None and (failure.disconnect or failure.status is not None):
            headers = {**self._usage_header(), **failure.headers}
            return Reply(failure.status or 0, failure.body, headers, failure.disconnect, failure.delay)
        try:
            if not 2 <= len(parts) <= 3 or parts[0] != API_VERSION:
                raise GraphError(2500, f"Unknown path components: /{'/'.join(parts[1:])}")
            params = read_params(request)
            self._authorize(request, params)
            result = self._route(request.method, parts[1], edge, params)
            reply = Reply(200, result, self._usage_header())
        except GraphError as exc:
            reply = Reply(400, _error_body(exc), self._usage_header())
        if failure is not None:
            reply.delay = failure.delay
        return reply

    def _route(self, method: str, node: str, edge: str, params: dict[str, Any]) -> dict[str, Any]:
        if method == "POST" and edge == "threads":
            return self._create(node, params)
        if method == "POST" and edge == "threads_publish":
            return self._publish(node, params)
        if method != "GET":
            raise GraphError(100, f"(#100) Unsupported {method} request on {edge}")
        if edge == "node":
            return self._node(node, params)
        if edge in ("mentions", "threads", "replies") and node == self.user_id:
            pick = {
                "mentions": lambda m: m.mentions_brand and m.owner_id != self.user_id,
                "threads": lambda m: m.owner_id == self.user_id and m.root_id is None,
                "replies": lambda m: m.owner_id == self.user_id and m.root_id is not None,
            }[edge]
            return self._page([m for m in self._live() if pick(m)], params, newest_first=True)
        if edge in ("conversation", "replies"):
            root = self._get_live(node)
            if edge == "conversation":
                items = [m for m in self._live() if m.root_id == root.id]
            else:
                items = [m for m in self._live() if m.replied_to == root.id]
            reverse = str(params.get("reverse", "true")).lower() != "false"
            return self._page(items, params, newest_first=reverse)
        raise no_object(node)

    # -- reads ------------------------------------------------------------------------------------
    def _node(self, node: str, params: dict[str, Any]) -> dict[str, Any]:
        container = self.containers.get(node)
        if container is not None:
            return {"id": container.id, "status": self._status(container)}
        return self._json(self._get_live(node), params)

    def _page(
        self, items: list[ThreadsMedia], params: dict[str, Any], *, newest_first: bool
    ) -> dict[str, Any]:
        since = _int_param(params, "since")
        if since is not None:
            items = [m for m in items if m.created >= since]
        items.sort(key=lambda m: (m.created, m.id), reverse=newest_first)
        limit = min(_int_param(params, "limit") or DEFAULT_LIMIT, MAX_LIMIT)
        start = _offset(params.get("after"))
        chunk = items[start : start + limit]
        body: dict[str, Any] = {"data": [self._json(m, params) for m in chunk]}
        if chunk:
            cursors = {"before": _cursor(start), "after": _cursor(start + len(chunk))}
            body["paging"] = {"cursors": cursors}
            if start + len(chunk) < len(items):
                body["paging"]["next"] = f"{self.base_url}{API_VERSION}/...?after={cursors['after']}"
        return body

    def _json(self, m: ThreadsMedia, params: dict[str, Any]) -> dict[str, Any]:
        full: dict[str, Any] = {
            "id": m.id,
            "username": m.username,
            "text": m.text,
            "media_type": "TEXT_POST",
            "media_product_type": "THREADS",
            "permalink": f"https://www.threads.net/@{m.username}/post/{m.shortcode}",
            "shortcode": m.shortcode,
            "timestamp": datetime.fromtimestamp(m.created, UTC).strftime("%Y-%m-%dT%H:%M:%S+0000"),
            "is_reply": m.root_id is not None,
            "is_quote_post": False,
            "has_replies": any(o.replied_to == m.id for o in self._live()),
        }
        if m.root_id is not None:
            full["replied_to"] = {"id": m.replied_to}
            full["root_post"] = {"id": m.root_id}
            full["is_reply_owned_by_me"] = m.owner_id == self.user_id
            full["hide_status"] = "NOT_HUSHED"
        wanted = {f.strip() for f in str(params.get("fields") or "id").split(",") if f.strip()}
        return {k: v for k, v in full.items() if k in wanted or k == "id"}

    # -- the two steps ----------------------------------------------------------------------------
    def _create(self, node: str, params: dict[str, Any]) -> dict[str, Any]:
        if node != self.user_id:
            raise no_object(node)
        media_type = params.get("media_type")
        if not media_type:
            raise GraphError(100, "(#100) The parameter media_type is required")
        if media_type not in MEDIA_TYPES:
            raise GraphError(100, "(#100) Param media_type must be one of {TEXT, IMAGE, VIDEO, CAROUSEL}")
        if media_type != "TEXT":
            raise GraphError(100, "(#100) This stand-in takes media_type=TEXT only")
        text = params.get("text")
        if not isinstance(text, str) or not text.strip():
            raise GraphError(100, "(#100) The parameter text is required for media_type TEXT")
        if len(text) > TEXT_LIMIT:
            raise GraphError(100, f"(#100) Param text must be at most {TEXT_LIMIT} characters long")
        reply_to = params.get("reply_to_id")
        if reply_to is not None:
            self._get_live(str(reply_to))
        container = Container(
            self._new_id(), node, text, None if reply_to is None else str(reply_to), self.now()
        )
        self.containers[container.id] = container
        return {"id": container.id}

    def _publish(self, node: str, params: dict[str, Any]) -> dict[str, Any]:
        if node != self.user_id:
            raise no_object(node)
        creation_id = params.get("creation_id")
        if not creation_id:
            raise GraphError(100, "(#100) The parameter creation_id is required")
        container = self.containers.get(str(creation_id))
        if container is None or container.owner_id != node:
            raise no_object(str(creation_id))  # never created: the steps came in the wrong order
        container.publish_attempts += 1
        status = self._status(container)
        if status == "PUBLISHED":
            raise GraphError(100, "(#100) The media container has already been published")
        if status == "EXPIRED":
            raise GraphError(100, "(#100) The media container has expired; create a new one")
        if container.reply_to_id is not None:
            self._get_live(container.reply_to_id)
        media_id = self.add_post(container.text, reply_to=container.reply_to_id)
        container.media_id = media_id
        return {"id": media_id}

    # -- helpers ----------------------------------------------------------------------------------
    def _status(self, container: Container) -> str:
        if container.media_id is not None:
            return "PUBLISHED"
        if self.now() >= container.created + CONTAINER_LIFETIME.total_seconds():
            return "EXPIRED"
        return "FINISHED"

    def _authorize(self, request: RecordedRequest, params: dict[str, Any]) -> None:
        header = request.headers.get("authorization", "")
        token = params.pop("access_token", None) or header.removeprefix("Bearer ").removeprefix("OAuth ")
        if not token:
            raise GraphError(104, "An access token is required to request this resource.")
        if not hmac.compare_digest(str(token).encode(), self.access_token.encode()):
            raise GraphError(190, "Invalid OAuth access token - Cannot parse access token")

    def _live(self) -> list[ThreadsMedia]:
        return [m for m in self.media.values() if not m.deleted]

    def _get_live(self, media_id: str) -> ThreadsMedia:
        found = self.media.get(media_id)
        if found is None or found.deleted:
            raise no_object(media_id)
        return found

    def _usage_header(self) -> dict[str, str]:
        usage = {"call_count": self.usage, "total_cputime": max(1, self.usage // 2), "total_time": self.usage}
        return {"X-App-Usage": json.dumps(usage)}

    def _number(self) -> int:
        return next(self._ids)

    def _new_id(self) -> str:
        return f"1789{100_000_000_000 + self._number():013d}"


def _error_body(exc: GraphError) -> dict[str, Any]:
    error: dict[str, Any] = {"message": exc.message, "type": exc.type, "code": exc.code}
    if exc.subcode is not None:
        error["error_subcode"] = exc.subcode
    error["fbtrace_id"] = "AthreadsStandIn"
    return {"error": error}


def _int_param(params: dict[str, Any], name: str) -> int | None:
    value = params.get(name)
    if value is None or value == "":
        return None
    try:
        return int(value)
    except (TypeError, ValueError):
        raise GraphError(100, f"(#100) Param {name} must be an integer") from None


def _cursor(offset: int) -> str:
    return base64.urlsafe_b64encode(f"offset:{offset}".encode()).decode()


def _offset(cursor: Any) -> int:
    if not cursor:
        return 0
    try:
        text = base64.urlsafe_b64decode(str(cursor).encode()).decode()
        return max(0, int(text.removeprefix("offset:")))
    except (ValueError, UnicodeDecodeError):
        raise GraphError(100, "(#100) Invalid after cursor") from None
