"""X API v2 response pages fetched by the poller: `{"data": [...], "includes": {"users": [...]},
"meta": {...}}` from GET /2/users/:id/mentions or /2/tweets/search/recent, and DM event pages
from GET /2/dm_events (items with an `event_type`).

- The author comes from `author_id` and the `includes.users` expansion (username, name,
  `public_metrics.followers_count`, `verified`); a page fetched without `author_id` names nobody.
- `referenced_tweets` type `replied_to` is the parent; type `retweeted` is Skipped.
- The conversation key is `x:{conversation_id}` (the thread's root post), else the parent, else
  the post's own id; DMs use `x_dm:{sender_id}` like the webhook.
- Long posts carry their whole text in `note_tweet.text`.
- Without `created_at` (not requested in `tweet.fields`) the time is read from the snowflake id.
- `data` may be one object (single-post lookup); a DM send receipt (`dm_event_id` only) is
  Skipped; `errors` entries (partial errors) are Skipped with their title.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from socialdesk.domain.enums import MentionKind, Platform
from socialdesk.plugins.mentions import Author, MalformedPayload, NormalizedMention, NormalizeResult, Skipped
from socialdesk.plugins.payloads import (
    BrandAccounts,
    as_list,
    as_object,
    flag,
    from_iso,
    opt_id,
    opt_int,
    opt_list,
    opt_object,
    opt_str,
    req_id,
    require_snowflake_time,
    unknown_author,
)

OWN_POST = "own post"
ECHO = "echo of our own message"


def _users(root: dict[str, Any]) -> dict[str, dict[str, Any]]:
    includes = opt_object(root, "includes", "body")
    users: dict[str, dict[str, Any]] = {}
    for i, raw in enumerate(opt_list(includes, "users", "includes")):
        user = as_object(raw, f"includes.users[{i}]")
        users[req_id(user, "id", f"includes.users[{i}]")] = user
    return users


def _author(user_id: str | None, users: dict[str, dict[str, Any]], external_id: str) -> Author:
    if user_id is None:
        return unknown_author(external_id)
    user = users.get(user_id)
    if user is None:
        return Author(id=user_id)
    where = f"includes.users[{user_id}]"
    handle = opt_str(user, "username", where) or ""
    verified_type = opt_str(user, "verified_type", where)
    return Author(
        id=user_id,
        handle=handle,
        name=opt_str(user, "name", where) or "",
        followers=opt_int(opt_object(user, "public_metrics", where), "followers_count"),
        verified=flag(user, "verified") or verified_type not in (None, "none"),
        url=f"https://x.com/{handle}" if handle else None,
    )


def _posted_at(item: dict[str, Any], external_id: str, where: str) -> datetime:
    if item.get("created_at") is not None:
        return from_iso(item["created_at"], f"{where}.created_at")
    return require_snowflake_time(external_id, f"{where}.created_at")


def _references(item: dict[str, Any], where: str) -> dict[str, str]:
    """`referenced_tweets` as {type: id}."""
    found: dict[str, str] = {}
    for i, raw in enumerate(opt_list(item, "referenced_tweets", where)):
        ref = as_object(raw, f"{where}.referenced_tweets[{i}]")
        kind = opt_str(ref, "type", f"{where}.referenced_tweets[{i}]") or ""
        found[kind] = req_id(ref, "id", f"{where}.referenced_tweets[{i}]")
    return found


def _post(
    item: dict[str, Any], users: dict[str, dict[str, Any]], brand: BrandAccounts, where: str
) -> NormalizedMention | Skipped:
    post_id = req_id(item, "id", where)
    refs = _references(item, where)
    if "retweeted" in refs:
        return Skipped("retweet")
    author = _author(opt_id(item, "author_id", where), users, post_id)
    if brand.is_own(Platform.X, account_id=author.id, handle=author.handle):
        return Skipped(OWN_POST)
    note = opt_object(item, "note_tweet", where)
    text = opt_str(note, "text", f"{where}.note_tweet") or opt_str(item, "text", where)
    if text is None:
        raise MalformedPayload(f"{where}.text: missing")
    if not text.strip():
        text = "[post without text]"
    parent = refs.get("replied_to")
    conversation = opt_id(item, "conversation_id", where)
    extra = {"tweet_id": post_id}
    if conversation is not None:
        extra["conversation_id"] = conversation
    reply_user = opt_id(item, "in_reply_to_user_id", where)
    if reply_user is not None:
        extra["in_reply_to_user_id"] = reply_user
    if "quoted" in refs:
        extra["quoted_id"] = refs["quoted"]
    return NormalizedMention(
        platform=Platform.X,
        external_id=post_id,
        kind=MentionKind.REPLY if parent else MentionKind.POST,
        author=author,
        text=text,
        posted_at=_posted_at(item, post_id, where),
        conversation_key=f"x:{conversation or parent or post_id}",
        parent_external_id=parent,
        url=f"https://x.com/{author.handle or 'i'}/status/{post_id}",
        extra=extra,
    )


def _dm_event(
    item: dict[str, Any], users: dict[str, dict[str, Any]], brand: BrandAccounts, where: str
) -> NormalizedMention | Skipped:
    kind = opt_str(item, "event_type", where)
    if kind != "MessageCreate":
        return Skipped(f"direct message event '{kind}'")
    event_id = req_id(item, "id", where)
    sender_id = opt_id(item, "sender_id", where)
    if sender_id is None:
        return Skipped("direct message without sender_id (cannot tell a customer from ourselves)")
    author = _author(sender_id, users, event_id)
    if brand.is_own(Platform.X, account_id=sender_id, handle=author.handle):
        return Skipped(ECHO)
    text = (opt_str(item, "text", where) or "").strip()
    if not text:
        return Skipped("message without text")
    extra = {"dm_event_id": event_id, "recipient_id": sender_id}
    conversation = opt_id(item, "dm_conversation_id", where)
    if conversation is not None:
        extra["dm_conversation_id"] = conversation
    return NormalizedMention(
        platform=Platform.X,
        external_id=event_id,
        kind=MentionKind.DIRECT,
        author=author,
        text=text,
        posted_at=_posted_at(item, event_id, where),
        conversation_key=f"x_dm:{sender_id}",
        is_private=True,
        extra=extra,
    )


def _item(
    item: dict[str, Any], users: dict[str, dict[str, Any]], brand: BrandAccounts, where: str
) -> NormalizedMention | Skipped:
    if "event_type" in item:
        return _dm_event(item, users, brand, where)
    if "dm_event_id" in item and "text" not in item:
        return Skipped("receipt of a direct message we sent")
    return _post(item, users, brand, where)


def normalize(payload: Any, brand: BrandAccounts) -> NormalizeResult:
    root = as_object(payload, "body")
    if not any(key in root for key in ("data", "meta", "errors")):
        raise MalformedPayload("body: not an X API v2 response (expected 'data', 'meta' or 'errors')")
    data = root.get("data")
    items = [] if data is None else [data] if isinstance(data, dict) else as_list(data, "data")
    users = _users(root)
    result = NormalizeResult()
    for i, raw in enumerate(items):
        where = f"data[{i}]"
        outcome = _item(as_object(raw, where), users, brand, where)
        if isinstance(outcome, NormalizedMention):
            result.mentions.append(outcome)
        else:
            result.skipped.append(outcome)
    for i, raw in enumerate(opt_list(root, "errors", "body")):
        error = as_object(raw, f"errors[{i}]")
        title = opt_str(error, "title", f"errors[{i}]") or opt_str(error, "detail", f"errors[{i}]")
        result.skipped.append(Skipped(f"API error: {title or 'unspecified'}"))
    return result
