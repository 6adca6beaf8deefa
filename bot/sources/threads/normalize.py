"""Threads webhooks and polled pages to `NormalizedMention`s.

Two webhook envelopes are read, because Meta documents one and delivers Threads through the app's
webhook product, whose envelope is the other:

- Threads' own (developers.facebook.com/docs/threads/webhooks): `{"app_id", "topic", "target_id", "time",
  "subscription_id", "values": {"field": "replies" | "mentions" | "delete" | "publish", "value": {media}}}`
  (`values` may also be a list of such);
- Meta's app-webhook envelope: `{"object": "threads", "entry": [{"id", "time", "changes": [{"field",
  "value"}]}]}`, as it arrives on the shared `/webhooks/meta` callback.

Polled pages are the poller's own envelope (poller.py): `{"threads_poll": "mentions" | "conversation",
"user_id", "root_id", "root_ours", "data": [media, ...]}` with Threads media objects as the API returns
them.

Conversations: every item of one reply tree shares its root post, so a customer's follow-up anywhere in
the tree joins their case. Under one of the brand's own posts many customers answer the same root,
each about their own thing, so there the conversation is the root post and the customer
(`threads:{root}:{username}`); in someone else's thread that mentions us it is the root alone
(`threads:{root}`). Our own posts and replies are never cases (`is_reply_owned_by_me`, the owner id,
our username from the root post or from the config's `ingest.brand_handles.threads`).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from socialdesk.domain.enums import MentionKind
from socialdesk.plugins.mentions import Author, MalformedPayload, NormalizedMention, NormalizeResult, Skipped
from socialdesk.plugins.payloads import (
    BrandAccounts,
    as_list,
    as_object,
    flag,
    from_epoch,
    from_iso,
    opt_id,
    opt_list,
    opt_object,
    opt_str,
    req_id,
    unknown_author,
)
from socialdesk.sources.threads.spec import PLATFORM

CASE_FIELDS = frozenset({"replies", "mentions"})
OTHER_FIELDS = {"delete": "a post was deleted", "publish": "our own post was published"}
THREADS_TOPICS = frozenset({"moderate", "interaction"})
_MEDIA_WORDS = {
    "IMAGE": "[image]",
    "VIDEO": "[video]",
    "CAROUSEL_ALBUM": "[carousel]",
    "AUDIO": "[audio]",
    "REPOST_FACADE": "[repost]",
}

Outcome = NormalizedMention | Skipped


def is_threads_delivery(payload: Any) -> bool:
    """A Threads webhook in either envelope (what the source claims on the shared Meta route)."""
    if not isinstance(payload, dict):
        return False
    if payload.get("object") == "threads":
        return True
    return "values" in payload and payload.get("topic") in THREADS_TOPICS


@dataclass(frozen=True, slots=True)
class _Context:
    user_id: str | None  # THREADS_USER_ID: the brand's account
    brand: BrandAccounts
    field: str
    time: Any  # the delivery's time, for an item without its own
    where: str
    root_ours: bool = False  # the poller knows the root is one of our posts

    def own_account(self, owner_id: str | None, username: str | None) -> bool:
        if owner_id is not None and owner_id == self.user_id:
            return True
        return self.brand.is_own(PLATFORM, account_id=owner_id, handle=username)


class ThreadsNormalizer:
    def __init__(self, user_id: str | None) -> None:
        self.user_id = user_id

    # -- webhooks ------------------------------------------------------------------------------
    def webhook(self, payload: Any, brand: BrandAccounts) -> NormalizeResult:
        root = as_object(payload, "body")
        result = NormalizeResult()
        if "values" in root:
            values = root["values"]
            items = as_list(values, "values") if isinstance(values, list) else [as_object(values, "values")]
            for i, item in enumerate(items):
                where = "values" if not isinstance(values, list) else f"values[{i}]"
                change = as_object(item, where)
                _add(result, self._change(change, brand, root.get("time"), where))
            return result
        if root.get("object") != "threads" or "entry" not in root:
            raise MalformedPayload("body: not a Threads webhook (expected 'values', or object 'threads')")
        for i, raw in enumerate(as_list(root["entry"], "entry")):
            entry = as_object(raw, f"entry[{i}]")
            changes = opt_list(entry, "changes", f"entry[{i}]")
            if not changes:
                result.skipped.append(Skipped("entry without changes"))
            for j, change in enumerate(changes):
                where = f"entry[{i}].changes[{j}]"
                _add(result, self._change(as_object(change, where), brand, entry.get("time"), where))
        return result

    def _change(self, change: dict[str, Any], brand: BrandAccounts, time: Any, where: str) -> Outcome:
        field = opt_str(change, "field", where) or ""
        if field in OTHER_FIELDS:
            return Skipped(OTHER_FIELDS[field])
        if field not in CASE_FIELDS:
            return Skipped(f"unsupported field '{field}'")
        value = opt_object(change, "value", where)
        context = _Context(self.user_id, brand, field, time, f"{where}.value")
        return media(value, context)

    # -- polled pages --------------------------------------------------------------------------
    def poll_page(self, payload: Any, brand: BrandAccounts) -> NormalizeResult:
        root = as_object(payload, "body")
        edge = opt_str(root, "threads_poll", "body")
        if edge not in ("mentions", "conversation"):
            raise MalformedPayload("threads_poll: expected 'mentions' or 'conversation'")
        field = "mentions" if edge == "mentions" else "replies"
        root_ours = edge == "conversation" and flag(root, "root_ours")
        result = NormalizeResult()
        for i, item in enumerate(opt_list(root, "data", "body")):
            where = f"data[{i}]"
            context = _Context(self.user_id, brand, field, None, where, root_ours=root_ours)
            _add(result, media(as_object(item, where), context))
        return result


def _add(result: NormalizeResult, outcome: Outcome) -> None:
    if isinstance(outcome, NormalizedMention):
        result.mentions.append(outcome)
    else:
        result.skipped.append(outcome)


def media(value: dict[str, Any], context: _Context) -> Outcome:
    """One Threads media object (a post or a reply) as a mention, or why it is not one."""
    where = context.where
    media_id = req_id(value, "id", where)
    username = (opt_str(value, "username", where) or "").strip() or None
    owner = opt_object(value, "owner", where)
    owner_id = (
        opt_id(owner, "id", f"{where}.owner")
        or opt_id(owner, "owner_id", f"{where}.owner")
        or opt_id(value, "owner_id", where)
    )
    root_post = opt_object(value, "root_post", where)
    replied_to = opt_object(value, "replied_to", where)
    root_id = opt_id(root_post, "id", f"{where}.root_post")
    parent_id = opt_id(replied_to, "id", f"{where}.replied_to")
    root_owner = opt_id(root_post, "owner_id", f"{where}.root_post")
    root_username = opt_str(root_post, "username", f"{where}.root_post")
    root_ours = (
        context.root_ours
        or context.field == "replies"  # the replies field is about media the brand's account owns
        or context.own_account(root_owner, root_username)
    )
    if flag(value, "is_reply_owned_by_me") or context.own_account(owner_id, username):
        return Skipped("own post")
    if root_ours and username and root_username and username.casefold() == root_username.casefold():
        return Skipped("own post")  # the brand answering in its own thread, named by the root post
    is_reply = flag(value, "is_reply") or parent_id is not None
    root = root_id or media_id
    author = (
        Author(id=owner_id or username, handle=username, url=f"https://www.threads.net/@{username}")
        if username
        else (Author(id=owner_id) if owner_id else unknown_author(media_id))
    )
    conversation = f"threads:{root}:{author.id}" if root_ours and root != media_id else f"threads:{root}"
    extra = {"reply_to_id": media_id, "root_id": root, "field": context.field}
    if context.user_id:
        extra["threads_user_id"] = context.user_id
    hidden = opt_str(value, "hide_status", where)
    if hidden:
        extra["hide_status"] = hidden
    if flag(value, "is_quote_post"):
        extra["quote"] = "true"
    return NormalizedMention(
        platform=PLATFORM,
        external_id=media_id,
        kind=MentionKind.REPLY if is_reply else MentionKind.POST,
        author=author,
        text=_text(value, where),
        posted_at=_when(value, context),
        conversation_key=conversation,
        parent_external_id=parent_id if is_reply else None,
        url=opt_str(value, "permalink", where),
        extra=extra,
    )


def _text(value: dict[str, Any], where: str) -> str:
    text = (opt_str(value, "text", where) or "").strip()
    if text:
        return text
    kind = opt_str(value, "media_type", where) or ""
    return _MEDIA_WORDS.get(kind, "[post without text]")


def _when(value: dict[str, Any], context: _Context) -> datetime:
    if value.get("timestamp") is not None:
        return from_iso(value["timestamp"], f"{context.where}.timestamp")
    if context.time is not None:
        return from_epoch(context.time, "time")
    raise MalformedPayload(f"{context.where}.timestamp: missing, and the delivery has no time")
