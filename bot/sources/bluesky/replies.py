"""Answering on Bluesky: a post in the customer's thread, `com.atproto.repo.createRecord` of an
`app.bsky.feed.post` record:

    {"repo": <our DID>, "collection": "app.bsky.feed.post",
     "record": {"$type": "app.bsky.feed.post", "text": ..., "createdAt": ...,
                "reply": {"root": {"uri", "cid"}, "parent": {"uri", "cid"}}, "facets": [...]}}

`parent` is the customer's post; `root` the first post of its thread (the customer's post itself when it
started the thread), both as strong references (uri + cid) read from the notification. Links and
@mentions get facets (UTF-8 byte ranges, see `text`); an @handle whose DID cannot be resolved stays plain
text, as in Bluesky's own app. A text over 300 graphemes (or 3000 bytes) is refused before any call.

Bluesky has no private answer to a post in this API (its direct messages are a separate chat service):
a private reply is refused as unsupported. createRecord takes no idempotency key, so socialdesk sends
each reply once and, when Bluesky does not answer, tells the agent to look at the thread before sending
it again.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from socialdesk.domain.enums import ReplyVisibility
from socialdesk.plugins.replies import (
    ErrorKind,
    OutgoingReply,
    PlatformError,
    ReplyTarget,
    SentReply,
    response_json,
)
from socialdesk.sources.bluesky import text as bsky_text
from socialdesk.sources.bluesky.normalize import post_url
from socialdesk.sources.bluesky.session import Session
from socialdesk.sources.bluesky.xrpc import Xrpc, failure

CREATE_RECORD = "com.atproto.repo.createRecord"
RESOLVE_HANDLE = "com.atproto.identity.resolveHandle"
POST = "app.bsky.feed.post"
NO_PRIVATE = (
    "Bluesky has no private reply to a post: answer publicly in the thread, or ask the customer to write "
    "to the brand's account by direct message in the Bluesky app."
)


def iso_time(when: datetime) -> str:
    """Bluesky's datetime format: UTC with milliseconds and `Z`."""
    return when.strftime("%Y-%m-%dT%H:%M:%S.") + f"{when.microsecond // 1000:03d}Z"


def reply_refs(target: ReplyTarget) -> dict[str, dict[str, str]]:
    """`reply.root` and `reply.parent` for an answer to `target`, from what the normalizer kept."""
    extra = target.extra
    uri, cid = extra.get("uri") or target.external_id, extra.get("cid")
    root_uri, root_cid = extra.get("root_uri") or uri, extra.get("root_cid") or cid
    if not (isinstance(cid, str) and cid and isinstance(root_cid, str) and root_cid):
        raise PlatformError(
            ErrorKind.UNSUPPORTED,
            "This Bluesky case lacks the post's cid, which a reply must name; answer it in the Bluesky app.",
        )
    return {"root": {"uri": str(root_uri), "cid": root_cid}, "parent": {"uri": str(uri), "cid": cid}}


class BlueskyReplies:
    def __init__(self, xrpc: Xrpc, session: Session) -> None:
        self._xrpc = xrpc
        self._session = session
        self._dids: dict[str, str | None] = {}  # handle -> DID (None: does not resolve), per process

    def send(self, reply: OutgoingReply, *, now: datetime) -> SentReply:
        if reply.visibility is ReplyVisibility.PRIVATE or reply.target.is_private:
            raise PlatformError(ErrorKind.UNSUPPORTED, NO_PRIVATE)
        text = reply.text
        if not text.strip():
            raise PlatformError(ErrorKind.REJECTED, "The reply is empty; Bluesky takes no empty post.")
        why = bsky_text.too_long(text)
        if why is not None:
            raise PlatformError(ErrorKind.REJECTED, why)
        refs = reply_refs(reply.target)
        tokens = self._session.tokens(now)
        record: dict[str, Any] = {"$type": POST, "text": text, "createdAt": iso_time(now), "reply": refs}
        facets = self.facets(text, reply.target, now)
        if facets:
            record["facets"] = facets
        body = {"repo": tokens.did, "collection": POST, "record": record}
        response = self._session.call(
            lambda token: self._xrpc.post(CREATE_RECORD, body, token=token, write=True), now
        )
        if response.status_code != 200:
            raise failure(response, now, what="the reply", write=True)
        answer = response_json(response)
        uri = answer.get("uri") if isinstance(answer, dict) else None
        if not isinstance(uri, str) or not uri:
            raise PlatformError(
                ErrorKind.UNAVAILABLE,
                "Bluesky took the reply but did not say its uri: look at the thread before sending it again.",
            )
        return SentReply(external_id=uri, url=post_url(tokens.handle, uri))

    def facets(self, text: str, target: ReplyTarget, now: datetime) -> list[dict[str, Any]]:
        found = [bsky_text.link_facet(span, uri) for span, uri in bsky_text.links(text)]
        known = {str(target.extra.get("handle") or "").lower(): target.author_id}
        if self._session.handle and self._session.did:
            known[self._session.handle.lower()] = self._session.did
        for span, handle in bsky_text.mentions(text):
            did = known.get(handle) or self._resolve(handle, now)
            if did:
                found.append(bsky_text.mention_facet(span, did))
        return sorted(found, key=lambda f: int(f["index"]["byteStart"]))

    def _resolve(self, handle: str, now: datetime) -> str | None:
        if handle not in self._dids:
            params = [("handle", handle)]
            try:
                response = self._session.call(
                    lambda token: self._xrpc.get(RESOLVE_HANDLE, params, token=token), now
                )
            except PlatformError:
                return None  # a mention without its facet is better than no reply; not cached
            body = response_json(response) if response.status_code == 200 else None
            did = body.get("did") if isinstance(body, dict) else None
            if response.status_code != 200 and response.status_code != 400:
                return None  # a 429 or 5xx says nothing about the handle: not cached
            self._dids[handle] = did if isinstance(did, str) and did.startswith("did:") else None
        return self._dids[handle]
