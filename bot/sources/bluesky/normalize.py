"""Pages of `app.bsky.notification.listNotifications` (what the poller stores) to neutral mentions.

A page is `{"notifications": [notification, ...], "cursor"?}`; each notification has `uri`, `cid`,
`author` (a profile view: `did`, `handle`, `displayName`), `reason`, `record` (for a post, the
`app.bsky.feed.post` record: `text`, `createdAt`, `reply`, `embed`, `facets`), `isRead` and `indexedAt`.

- `mention`, `reply` and `quote` are cases; every other reason (`like`, `repost`, `follow`,
  `starterpack-joined`, `verified`, `like-via-repost`, ...) is Skipped with the reason.
- The external id is the post's `at://` uri; the author id its author's DID (handles change, DIDs don't).
- The conversation key is the thread: `bluesky:<the reply's root uri>`, or the post's own uri when it
  starts a thread, so a customer's follow-up in the same thread joins the case.
- `extra` keeps what a reply needs: the post's uri and cid (our reply's parent) and the thread's root uri
  and cid (our reply's root), and the author's handle (the reply's @mention facet).
- Our own posts (the session's DID, or an account named in `ingest.brand_ids/brand_handles.bluesky`) are
  Skipped.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from socialdesk.domain.enums import MentionKind, Platform
from socialdesk.plugins.mentions import Author, MalformedPayload, NormalizedMention, NormalizeResult, Skipped
from socialdesk.plugins.payloads import (
    BrandAccounts,
    as_list,
    as_object,
    from_iso,
    opt_list,
    opt_object,
    opt_str,
    req_id,
    req_object,
)

CASE_REASONS = ("mention", "reply", "quote")
WEB = "https://bsky.app"


def post_url(handle: str, uri: str) -> str:
    """`at://did:plc:x/app.bsky.feed.post/3kabc` by `dana.bsky.social` ->
    `https://bsky.app/profile/dana.bsky.social/post/3kabc`."""
    return f"{WEB}/profile/{handle}/post/{uri.rsplit('/', 1)[-1]}"


def _strong_ref(parent: dict[str, Any], key: str, where: str) -> tuple[str, str]:
    ref = req_object(parent, key, where)
    return req_id(ref, "uri", f"{where}.{key}"), req_id(ref, "cid", f"{where}.{key}")


def _embed_note(record: dict[str, Any], where: str) -> str:
    """What the post carries besides text, as a line for the card: images (with their alt text), a link
    card, a video. A quoted post is not repeated (its uri is in `extra`)."""
    embed = opt_object(record, "embed", where)
    kind = opt_str(embed, "$type", f"{where}.embed") or ""
    if kind == "app.bsky.embed.recordWithMedia":
        embed = opt_object(embed, "media", f"{where}.embed")
        kind = opt_str(embed, "$type", f"{where}.embed.media") or ""
    if kind == "app.bsky.embed.images":
        images = opt_list(embed, "images", f"{where}.embed")
        alts = [str(i.get("alt") or "").strip() for i in images if isinstance(i, dict)]
        described = "; ".join(a for a in alts if a)
        label = f"[{len(images)} image{'s' if len(images) != 1 else ''}"
        return f"{label}: {described}]" if described else f"{label}]"
    if kind == "app.bsky.embed.external":
        external = opt_object(embed, "external", f"{where}.embed")
        return f"[link: {opt_str(external, 'uri', f'{where}.embed.external') or ''}]"
    if kind == "app.bsky.embed.video":
        return "[video]"
    return ""


def _quoted_uri(record: dict[str, Any], where: str) -> str | None:
    embed = opt_object(record, "embed", where)
    kind = opt_str(embed, "$type", f"{where}.embed")
    if kind == "app.bsky.embed.recordWithMedia":
        embed = opt_object(embed, "record", f"{where}.embed")
    if kind in ("app.bsky.embed.record", "app.bsky.embed.recordWithMedia"):
        inner = opt_object(embed, "record", f"{where}.embed")
        return opt_str(inner, "uri", f"{where}.embed.record")
    return None


class BlueskyNormalizer:
    """`own` tells our own account (the session's DID and the configured handle) from a customer."""

    def __init__(self, platform: Platform, own: Callable[[str, str], bool]) -> None:
        self._platform = platform
        self._own = own

    def __call__(self, payload: Any, brand: BrandAccounts) -> NormalizeResult:
        root = as_object(payload, "body")
        if "notifications" not in root:
            raise MalformedPayload("body.notifications: missing (not a listNotifications page)")
        result = NormalizeResult()
        for i, raw in enumerate(as_list(root["notifications"], "body.notifications")):
            outcome = self._one(as_object(raw, f"notifications[{i}]"), brand, f"notifications[{i}]")
            if isinstance(outcome, NormalizedMention):
                result.mentions.append(outcome)
            else:
                result.skipped.append(outcome)
        return result

    def _one(self, item: dict[str, Any], brand: BrandAccounts, where: str) -> NormalizedMention | Skipped:
        reason = opt_str(item, "reason", where)
        if reason is None:
            raise MalformedPayload(f"{where}.reason: missing")
        if reason not in CASE_REASONS:
            return Skipped(f"a {reason} notification is not a customer message")
        uri = req_id(item, "uri", where)
        cid = req_id(item, "cid", where)
        author = req_object(item, "author", where)
        did = req_id(author, "did", f"{where}.author")
        handle = opt_str(author, "handle", f"{where}.author") or did
        if self._own(did, handle) or brand.is_own(self._platform, account_id=did, handle=handle):
            return Skipped("our own post")
        record = req_object(item, "record", where)
        text = opt_str(record, "text", f"{where}.record")
        if text is None:
            raise MalformedPayload(f"{where}.record.text: missing")
        note = _embed_note(record, f"{where}.record")
        text = "\n".join(p for p in (text.strip(), note) if p) or "[post without text]"
        indexed = from_iso(item.get("indexedAt"), f"{where}.indexedAt")
        created = record.get("createdAt")
        posted_at = from_iso(created, f"{where}.record.createdAt") if created is not None else indexed
        reply = opt_object(record, "reply", f"{where}.record")
        extra = {"uri": uri, "cid": cid, "handle": handle, "root_uri": uri, "root_cid": cid}
        parent_uri: str | None = None
        if reply:
            root_uri, root_cid = _strong_ref(reply, "root", f"{where}.record.reply")
            parent_uri, parent_cid = _strong_ref(reply, "parent", f"{where}.record.reply")
            extra.update(root_uri=root_uri, root_cid=root_cid, parent_uri=parent_uri, parent_cid=parent_cid)
        quoted = _quoted_uri(record, f"{where}.record")
        if quoted:
            extra["quoted_uri"] = quoted
        extra["reason"] = reason
        name = opt_str(author, "displayName", f"{where}.author") or ""
        return NormalizedMention(
            platform=self._platform,
            external_id=uri,
            kind=MentionKind.REPLY if reply else MentionKind.POST,
            author=Author(id=did, handle=handle, name=name.strip(), url=f"{WEB}/profile/{handle}"),
            text=text,
            posted_at=posted_at,
            conversation_key=f"bluesky:{extra['root_uri']}",
            parent_external_id=parent_uri,
            url=post_url(handle, uri),
            extra=extra,
        )
