"""Answering on Threads: a reply is created as a container, then published.

    POST /{user-id}/threads          media_type=TEXT, text, reply_to_id   -> {"id": creation id}
    POST /{user-id}/threads_publish  creation_id                          -> {"id": media id}

Only the publish posts anything, and Threads publishes a container at most once, so the creation id is
what makes a retry safe. When the create went through and the publish did not (refused for rate,
answered 5xx, timed out), the container is kept, by the post answered and the text; the next attempt
with the same text for the same post (the agent sending it again) does not create a second one. It asks
the container's status first (`GET /{creation-id}?fields=status`): `PUBLISHED` means the earlier publish
did go out and only its answer was lost, so nothing is sent again and our reply is looked up among the
account's replies (`GET /{user-id}/replies`) for its id; otherwise the same container is published.
Containers expire after 24 hours (`EXPIRED`), after which a new one is created.

The kept containers live in this process's memory: a restart between a failed publish and the retry
creates a new container, and the agent was told to check Threads first in that one case (the message of
an UNAVAILABLE publish).

Text is checked before any call: empty, or over 500 characters, is refused with the count. Threads has
no private replies through the API.
"""

from __future__ import annotations

import hashlib
import logging
import re
import threading
from dataclasses import dataclass
from datetime import datetime, timedelta

import httpx

from socialdesk.domain.enums import ReplyVisibility
from socialdesk.plugins.replies import ErrorKind, OutgoingReply, PlatformError, SentReply, response_json
from socialdesk.sources.threads.api import ThreadsApi
from socialdesk.sources.threads.errors import threads_error
from socialdesk.sources.threads.spec import MAX_LENGTH

log = logging.getLogger(__name__)

CONTAINER_LIFETIME = timedelta(hours=24)
LOOKUP_LIMIT = 25  # of our latest replies searched for one whose publish answer was lost
_ID = re.compile(r"[0-9]{1,40}")


@dataclass(frozen=True, slots=True)
class _Prepared:
    creation_id: str
    created_at: datetime


def too_long(text: str) -> PlatformError | None:
    if len(text) > MAX_LENGTH:
        return PlatformError(
            ErrorKind.REJECTED,
            f"The reply is {len(text)} characters; Threads takes {MAX_LENGTH}. Shorten it by "
            f"{len(text) - MAX_LENGTH} and send it again. Nothing was sent.",
        )
    return None


class ThreadsReplyConnector:
    def __init__(self, api: ThreadsApi, *, user_id: str) -> None:
        self._api = api
        self._user_id = user_id
        self._prepared: dict[str, _Prepared] = {}
        self._lock = threading.Lock()

    def __repr__(self) -> str:
        return f"ThreadsReplyConnector(user_id={self._user_id!r})"

    @property
    def prepared(self) -> int:
        """Containers created and not (known to be) published: what a retry would publish."""
        with self._lock:
            return len(self._prepared)

    def send(self, reply: OutgoingReply, *, now: datetime) -> SentReply:
        text = reply.text
        if not text.strip():
            raise PlatformError(ErrorKind.REJECTED, "The reply is empty; write something to send.")
        refused = too_long(text)
        if refused is not None:
            raise refused
        if reply.visibility is ReplyVisibility.PRIVATE or reply.target.is_private:
            raise PlatformError(
                ErrorKind.UNSUPPORTED, "Threads has no private replies through its API; answer publicly."
            )
        reply_to = str(reply.target.extra.get("reply_to_id") or reply.target.external_id)
        if not _ID.fullmatch(reply_to):
            raise PlatformError(ErrorKind.UNSUPPORTED, "This Threads post has no usable id to reply to.")
        key = hashlib.sha256(f"{reply_to}\n{text}".encode()).hexdigest()
        prepared = self._take_live(key, now)
        if prepared is not None:
            status = self._status(prepared.creation_id, now)
            if status == "PUBLISHED":
                self._forget(key)
                log.info(
                    "threads: container %s was already published; not sending again", prepared.creation_id
                )
                return self._find_published(reply_to, text, fallback=prepared.creation_id)
            if status != "FINISHED" and status != "IN_PROGRESS":
                self._forget(key)  # EXPIRED or ERROR: it can never be published; make a new one
                prepared = None
        if prepared is None:
            prepared = _Prepared(self._create(reply_to, text, now), now)
            with self._lock:
                self._prepared[key] = prepared
        media_id = self._publish(prepared.creation_id, now, key)
        self._forget(key)
        return SentReply(media_id)

    # -- the two steps -----------------------------------------------------------------------------
    def _create(self, reply_to: str, text: str, now: datetime) -> str:
        data = {"media_type": "TEXT", "text": text, "reply_to_id": reply_to}
        try:
            response = self._api.post(f"{self._user_id}/threads", data)
        except httpx.HTTPError as exc:
            raise PlatformError(
                ErrorKind.UNAVAILABLE,
                f"Could not reach Threads ({type(exc).__name__}) to prepare the reply; nothing was posted. "
                "Try again.",
            ) from exc
        if response.status_code != 200:
            raise threads_error(response, now, step="create")
        return _new_id(response, "prepared the reply")

    def _publish(self, creation_id: str, now: datetime, key: str) -> str:
        try:
            response = self._api.post(f"{self._user_id}/threads_publish", {"creation_id": creation_id})
        except httpx.HTTPError as exc:
            raise PlatformError(
                ErrorKind.UNAVAILABLE,
                f"The connection to Threads failed while publishing ({type(exc).__name__}). Sending the same "
                "text again is safe: socialdesk checks the prepared reply and publishes it at most once.",
            ) from exc
        if response.status_code != 200:
            error = threads_error(response, now, step="publish")
            if error.kind in (ErrorKind.GONE, ErrorKind.AUTH, ErrorKind.REJECTED):
                self._forget(key)  # this container will not be published: the next attempt starts over
            raise error
        return _new_id(response, "published the reply")

    def _status(self, creation_id: str, now: datetime) -> str | None:
        try:
            response = self._api.get(creation_id, {"fields": "id,status"})
        except httpx.HTTPError as exc:
            raise PlatformError(
                ErrorKind.UNAVAILABLE,
                "Could not reach Threads to check the reply prepared earlier; nothing new was posted. Try "
                "again.",
            ) from exc
        if response.status_code != 200:
            error = threads_error(response, now, step="create")
            if error.kind is ErrorKind.GONE:
                return None  # the container is gone: a new one is made
            raise error
        body = response_json(response)
        status = body.get("status") if isinstance(body, dict) else None
        return str(status) if isinstance(status, str) else None

    def _find_published(self, reply_to: str, text: str, *, fallback: str) -> SentReply:
        """Our reply whose publish answer was lost, among the account's latest replies."""
        params: dict[str, str | int] = {"fields": "id,text,replied_to,permalink", "limit": LOOKUP_LIMIT}
        try:
            response = self._api.get(f"{self._user_id}/replies", params)
            body = response_json(response) if response.status_code == 200 else None
        except httpx.HTTPError:
            body = None
        for item in body.get("data", []) if isinstance(body, dict) else []:
            parent = item.get("replied_to") if isinstance(item, dict) else None
            if isinstance(parent, dict) and str(parent.get("id")) == reply_to and item.get("text") == text:
                permalink = item.get("permalink")
                return SentReply(str(item["id"]), url=permalink if isinstance(permalink, str) else None)
        return SentReply(fallback)

    # -- kept containers ---------------------------------------------------------------------------
    def _take_live(self, key: str, now: datetime) -> _Prepared | None:
        with self._lock:
            found = self._prepared.get(key)
            if found is not None and now - found.created_at >= CONTAINER_LIFETIME:
                del self._prepared[key]
                return None
            return found

    def _forget(self, key: str) -> None:
        with self._lock:
            self._prepared.pop(key, None)


def _new_id(response: httpx.Response, what: str) -> str:
    body = response_json(response)
    new_id = body.get("id") if isinstance(body, dict) else None
    if not isinstance(new_id, str | int) or isinstance(new_id, bool) or not str(new_id):
        raise PlatformError(
            ErrorKind.UNAVAILABLE,
            f"Threads {what} but its answer had no id. Check on Threads before sending it again.",
        )
    return str(new_id)
