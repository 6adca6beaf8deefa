"""conversations.history: a channel's messages, newest first, in cursor pages, as a bot token sees them.

What is listed: top-level messages and thread replies also sent to the channel (`reply_broadcast`), as in
Slack; other thread replies only show through their parent's `reply_count` / `latest_reply`. A message's
`metadata` is returned only with `include_all_metadata`, as Slack does.
"""

from __future__ import annotations

import base64
from decimal import Decimal, InvalidOperation
from typing import Any

from socialdesk.standin.args import ApiError, Args
from socialdesk.standin.chat import message_json
from socialdesk.standin.models import Channel, StoredMessage
from socialdesk.standin.workspace import BOT_USER_ID, Workspace

LIMIT_DEFAULT = 100
LIMIT_MAX = 999
_CURSOR_PREFIX = "next_ts:"  # what Slack's own history cursors decode to


def history(ws: Workspace, args: Args) -> dict[str, Any]:
    channel = ws.resolve_channel(args.string("channel"), allow_name=False)
    if BOT_USER_ID not in channel.members:
        # A bot token reads only conversations it is in; Slack answers this, not an empty history.
        raise ApiError("not_in_channel")
    oldest = _bound(args.string("oldest"), "invalid_ts_oldest")
    latest = _bound(args.string("latest"), "invalid_ts_latest")
    inclusive = args.flag("inclusive")
    limit = args.integer("limit", LIMIT_DEFAULT) or LIMIT_DEFAULT
    limit = LIMIT_DEFAULT if limit < 1 else min(limit, LIMIT_MAX)  # Slack caps rather than refuses
    start = _decode_cursor(args.string("cursor"))

    listed = [
        m
        for m in _listed(ws, channel)
        if _within(Decimal(m.ts), oldest, latest, inclusive) and (start is None or Decimal(m.ts) <= start)
    ]
    page, rest = listed[:limit], listed[limit:]
    with_metadata = args.flag("include_all_metadata")
    body: dict[str, Any] = {
        "messages": [listed_json(m, ws, channel, with_metadata=with_metadata) for m in page],
        "has_more": bool(rest),
        "pin_count": len(channel.pins),
        "channel_actions_ts": None,
        "channel_actions_count": 0,
    }
    if rest:
        body["response_metadata"] = {"next_cursor": _encode_cursor(rest[0].ts)}
    return body


def listed_json(
    message: StoredMessage, ws: Workspace, channel: Channel, *, with_metadata: bool
) -> dict[str, Any]:
    """A message as conversations.history and pins.list show it, thread summary and pins included."""
    body = message_json(message, ws)
    if not with_metadata:
        body.pop("metadata", None)
    if message.edited_ts:
        body["edited"] = {"user": message.user, "ts": message.edited_ts}
    if message.thread_ts is not None and message.reply_broadcast:
        body["subtype"] = "thread_broadcast"
    if message.replies:
        users = list(dict.fromkeys(r.user for r in message.replies))
        body.update(
            thread_ts=message.ts,
            reply_count=len(message.replies),
            reply_users=users,
            reply_users_count=len(users),
            latest_reply=message.replies[-1].ts,
            subscribed=False,
        )
    if any(pin.ts == message.ts for pin in channel.pins):
        body["pinned_to"] = [channel.id]
    return body


def _listed(ws: Workspace, channel: Channel) -> list[StoredMessage]:
    """What history lists, newest first."""
    top = ws.messages[channel.id]
    broadcasts = [r for m in top for r in m.replies if r.reply_broadcast]
    return sorted([*top, *broadcasts], key=lambda m: Decimal(m.ts), reverse=True)


def _within(ts: Decimal, oldest: Decimal | None, latest: Decimal | None, inclusive: bool) -> bool:
    if oldest is not None and (ts < oldest or (ts == oldest and not inclusive)):
        return False
    return latest is None or ts < latest or (ts == latest and inclusive)


def _bound(value: str | None, error: str) -> Decimal | None:
    """`oldest` / `latest`: a Unix time with optional microseconds, compared exactly (no float rounding)."""
    if value is None:
        return None
    try:
        bound = Decimal(value)
    except InvalidOperation:
        raise ApiError(error) from None
    if not bound.is_finite() or bound < 0:
        raise ApiError(error)
    return bound


def _encode_cursor(ts: str) -> str:
    return base64.b64encode(f"{_CURSOR_PREFIX}{ts}".encode()).decode()


def _decode_cursor(cursor: str | None) -> Decimal | None:
    """The ts the next page starts at (inclusive), or None for the first page."""
    if not cursor:
        return None
    try:
        decoded = base64.b64decode(cursor, validate=True).decode()
        if not decoded.startswith(_CURSOR_PREFIX):
            raise ValueError(decoded)
        start = Decimal(decoded.removeprefix(_CURSOR_PREFIX))
    except (ValueError, InvalidOperation):
        raise ApiError("invalid_cursor") from None
    if not start.is_finite():
        raise ApiError("invalid_cursor")
    return start
