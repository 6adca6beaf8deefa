"""X Account Activity webhook deliveries (v1.1 object shapes).

`{"for_user_id": "<our account>", "tweet_create_events": [tweet, ...]}` carries posts that mention
or reply to us (and our own posts); `{"for_user_id": ..., "direct_message_events": [...], "users":
{id: user}}` carries DMs in both directions. Every other `*_events` key (favorite, follow, block,
mute, typing indicators, read receipts, deletions...) and `user_event` is Skipped.

Conversation keys: a post `x:{id}`, a reply `x:{in_reply_to_status_id}` (v1.1 carries no
conversation id; the poller's v2 `conversation_id` names the thread's root instead); a DM
`x_dm:{sender_id}`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from socialdesk.domain.enums import MentionKind, Platform
from socialdesk.plugins.mentions import Author, MalformedPayload, NormalizedMention, NormalizeResult, Skipped
from socialdesk.plugins.payloads import (
    BrandAccounts,
    as_list,
    as_object,
    flag,
    from_epoch,
    from_twitter,
    opt_id,
    opt_int,
    opt_object,
    opt_str,
    req_id,
    req_object,
    require_snowflake_time,
)

OWN_POST = "own post"
ECHO = "echo of our own message"


@dataclass(frozen=True, slots=True)
class _Context:
    brand: BrandAccounts
    for_user_id: str | None  # the subscribed account: ours
    users: dict[str, Any]  # the DM delivery's user map

    def is_own(self, user_id: str | None, handle: str | None = None) -> bool:
        if user_id is not None and user_id == self.for_user_id:
            return True
        return self.brand.is_own(Platform.X, account_id=user_id, handle=handle)


def user_author(user: dict[str, Any], user_id: str, where: str) -> Author:
    """An X v1.1 user object as an Author."""
    handle = opt_str(user, "screen_name", where) or ""
    return Author(
        id=user_id,
        handle=handle,
        name=opt_str(user, "name", where) or "",
        followers=opt_int(user, "followers_count"),
        verified=flag(user, "verified"),
        url=f"https://x.com/{handle}" if handle else None,
    )


def tweet_text(tweet: dict[str, Any], where: str) -> str:
    extended = opt_object(tweet, "extended_tweet", where)
    for text in (
        opt_str(extended, "full_text", f"{where}.extended_tweet"),
        opt_str(tweet, "full_text", where),
        opt_str(tweet, "text", where),
    ):
        if text is not None:
            return text if text.strip() else "[post without text]"
    raise MalformedPayload(f"{where}.text: missing")


def _tweet(tweet: dict[str, Any], ctx: _Context, where: str) -> NormalizedMention | Skipped:
    tweet_id = opt_id(tweet, "id_str", where) or req_id(tweet, "id", where)
    user = req_object(tweet, "user", where)
    user_id = opt_id(user, "id_str", f"{where}.user") or req_id(user, "id", f"{where}.user")
    author = user_author(user, user_id, f"{where}.user")
    if tweet.get("retweeted_status") is not None:
        return Skipped("retweet")
    if ctx.is_own(user_id, author.handle):
        return Skipped(OWN_POST)
    parent = opt_id(tweet, "in_reply_to_status_id_str", where)
    parent = parent or opt_id(tweet, "in_reply_to_status_id", where)
    if tweet.get("created_at") is not None:
        posted_at = from_twitter(tweet["created_at"], f"{where}.created_at")
    elif tweet.get("timestamp_ms") is not None:
        posted_at = from_epoch(tweet["timestamp_ms"], f"{where}.timestamp_ms")
    else:
        posted_at = require_snowflake_time(tweet_id, f"{where}.created_at")
    extra = {"tweet_id": tweet_id}
    if ctx.for_user_id is not None:
        extra["for_user_id"] = ctx.for_user_id
    reply_user = opt_id(tweet, "in_reply_to_user_id_str", where)
    if reply_user is not None:
        extra["in_reply_to_user_id"] = reply_user
    quoted = opt_id(tweet, "quoted_status_id_str", where)
    if quoted is not None:
        extra["quoted_id"] = quoted
    handle = author.handle or "i"
    return NormalizedMention(
        platform=Platform.X,
        external_id=tweet_id,
        kind=MentionKind.REPLY if parent else MentionKind.POST,
        author=author,
        text=tweet_text(tweet, where),
        posted_at=posted_at,
        conversation_key=f"x:{parent or tweet_id}",
        parent_external_id=parent,
        url=f"https://x.com/{handle}/status/{tweet_id}",
        extra=extra,
    )


def _direct_message(event: dict[str, Any], ctx: _Context, where: str) -> NormalizedMention | Skipped:
    kind = opt_str(event, "type", where)
    if kind != "message_create":
        return Skipped(f"direct message event '{kind}'")
    event_id = req_id(event, "id", where)
    create = req_object(event, "message_create", where)
    cw = f"{where}.message_create"
    sender_id = req_id(create, "sender_id", cw)
    user = ctx.users.get(sender_id)
    author = Author(sender_id)
    if isinstance(user, dict):
        author = user_author(user, sender_id, f"users.{sender_id}")
    if ctx.is_own(sender_id, author.handle):
        return Skipped(ECHO)
    data = opt_object(create, "message_data", cw)
    dw = f"{cw}.message_data"
    text = (opt_str(data, "text", dw) or "").strip()
    attachment = opt_object(data, "attachment", dw)
    if attachment:
        label = f"[{opt_str(attachment, 'type', f'{dw}.attachment') or 'media'} attachment]"
        text = f"{text}\n{label}" if text else label
    if not text:
        return Skipped("message without text or attachments")
    if event.get("created_timestamp") is not None:
        posted_at = from_epoch(event["created_timestamp"], f"{where}.created_timestamp")
    else:
        posted_at = require_snowflake_time(event_id, f"{where}.created_timestamp")
    extra = {"dm_event_id": event_id, "recipient_id": sender_id}
    if ctx.for_user_id is not None:
        extra["for_user_id"] = ctx.for_user_id
    quick = opt_object(data, "quick_reply_response", dw)
    metadata = opt_str(quick, "metadata", f"{dw}.quick_reply_response")
    if metadata:
        extra["quick_reply_metadata"] = metadata
    return NormalizedMention(
        platform=Platform.X,
        external_id=event_id,
        kind=MentionKind.DIRECT,
        author=author,
        text=text,
        posted_at=posted_at,
        conversation_key=f"x_dm:{sender_id}",
        is_private=True,
        extra=extra,
    )


def normalize(payload: Any, brand: BrandAccounts) -> NormalizeResult:
    root = as_object(payload, "body")
    ctx = _Context(brand, opt_id(root, "for_user_id", "body"), opt_object(root, "users", "body"))
    result = NormalizeResult()
    recognised = False
    for key, value in root.items():
        if key == "tweet_create_events":
            recognised = True
            for i, item in enumerate(as_list(value, key)):
                _add(result, _tweet(as_object(item, f"{key}[{i}]"), ctx, f"{key}[{i}]"))
        elif key == "direct_message_events":
            recognised = True
            for i, item in enumerate(as_list(value, key)):
                _add(result, _direct_message(as_object(item, f"{key}[{i}]"), ctx, f"{key}[{i}]"))
        elif key.endswith("_events") or key == "user_event":
            recognised = True
            label = key.removesuffix("_events").removesuffix("_event").replace("_", " ")
            count = len(value) if isinstance(value, list) else 1
            result.skipped.extend(Skipped(f"{label} event") for _ in range(count))
    if not recognised:
        raise MalformedPayload("body: not an X Account Activity delivery (no '*_events' key)")
    return result


def _add(result: NormalizeResult, outcome: NormalizedMention | Skipped) -> None:
    if isinstance(outcome, NormalizedMention):
        result.mentions.append(outcome)
    else:
        result.skipped.append(outcome)
