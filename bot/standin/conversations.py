"""conversations.* methods: create, invite, join, info, list channels, set their topic and purpose.

conversations.history is in `socialdesk.standin.history`."""

from __future__ import annotations

import base64
import re
from typing import Any

from socialdesk.standin.args import ApiError, Args
from socialdesk.standin.models import Channel, ChannelLabel
from socialdesk.standin.spec import CHANNEL_NAME_MAX
from socialdesk.standin.workspace import BOT_USER_ID, TEAM_ID, Workspace

_ALLOWED_NAME = re.compile(r"^[a-z0-9_\-]+$")
_ONLY_PUNCTUATION = re.compile(r"^[_\-]+$")
_LIST_LIMIT_MAX = 1000
LABEL_MAX = 250  # Slack refuses a longer topic or purpose with too_long


def create(ws: Workspace, args: Args) -> dict[str, Any]:
    name = args.string("name") or ""
    check_channel_name(name)
    if ws.channel_named(name) is not None:
        raise ApiError("name_taken")
    channel = ws.add_channel(name, is_private=args.flag("is_private"))
    return {"channel": channel_json(channel, ws)}


def check_channel_name(name: str) -> None:
    """Slack's channel naming rules: lower-case letters, digits, `-` and `_`, at most 80 characters."""
    if not name:
        raise ApiError("invalid_name_required")
    if len(name) > CHANNEL_NAME_MAX:
        raise ApiError("invalid_name_maxlength")
    if not _ALLOWED_NAME.match(name):
        raise ApiError("invalid_name_specials")
    if _ONLY_PUNCTUATION.match(name):
        raise ApiError("invalid_name_punctuation")


def invite(ws: Workspace, args: Args) -> dict[str, Any]:
    channel = ws.resolve_channel(args.string("channel"), allow_name=False)
    users = args.csv("users")
    if not users:
        raise ApiError("no_user")
    if BOT_USER_ID not in channel.members:
        raise ApiError("not_in_channel")
    if BOT_USER_ID in users:
        raise ApiError("cant_invite_self")
    unknown = [u for u in users if u not in ws.users]
    if unknown:
        raise ApiError("user_not_found")
    if all(u in channel.members for u in users):
        raise ApiError("already_in_channel")
    channel.members.update(users)
    return {"channel": channel_json(channel, ws)}


def join(ws: Workspace, args: Args) -> dict[str, Any]:
    channel = ws.resolve_channel(args.string("channel"), allow_name=False)
    if channel.is_private or channel.is_im:
        raise ApiError("method_not_supported_for_channel_type")
    already = BOT_USER_ID in channel.members
    channel.members.add(BOT_USER_ID)
    body: dict[str, Any] = {"channel": channel_json(channel, ws)}
    if already:
        body["warning"] = "already_in_channel"
        body["response_metadata"] = {"warnings": ["already_in_channel"]}
    return body


def info(ws: Workspace, args: Args) -> dict[str, Any]:
    channel = ws.resolve_channel(args.string("channel"), allow_name=False)
    body = channel_json(channel, ws)
    if args.flag("include_num_members"):
        body["num_members"] = len(channel.members)
    return {"channel": body}


def set_topic(ws: Workspace, args: Args) -> dict[str, Any]:
    channel = _labelled_channel(ws, args)
    channel.topic = _label(ws, args.string("topic") or "")
    return {"channel": channel_json(channel, ws)}


def set_purpose(ws: Workspace, args: Args) -> dict[str, Any]:
    channel = _labelled_channel(ws, args)
    channel.purpose = _label(ws, args.string("purpose") or "")
    return {"channel": channel_json(channel, ws)}


def _labelled_channel(ws: Workspace, args: Args) -> Channel:
    """The channel whose topic or purpose the bot may set, refused the ways Slack refuses it."""
    channel = ws.resolve_channel(args.string("channel"), allow_name=False)
    if channel.is_im:
        raise ApiError("method_not_supported_for_channel_type")
    if channel.is_archived:
        raise ApiError("is_archived")
    if BOT_USER_ID not in channel.members:
        raise ApiError("not_in_channel")
    return channel


def _label(ws: Workspace, value: str) -> ChannelLabel:
    if len(value) > LABEL_MAX:
        raise ApiError("too_long")
    return ChannelLabel(value=value, creator=BOT_USER_ID, last_set=ws.now())


def list_channels(ws: Workspace, args: Args) -> dict[str, Any]:
    types = set(args.csv("types") or ["public_channel"])
    limit = args.integer("limit", 100) or 100
    if not 1 <= limit <= _LIST_LIMIT_MAX:
        raise ApiError("invalid_limit")
    offset = _decode_cursor(args.string("cursor"))
    exclude_archived = args.flag("exclude_archived")
    matching = [
        c for c in ws.channels.values() if _type_of(c) in types and not (exclude_archived and c.is_archived)
    ]
    page = matching[offset : offset + limit]
    next_offset = offset + limit
    next_cursor = _encode_cursor(next_offset) if next_offset < len(matching) else ""
    return {
        "channels": [channel_json(c, ws) for c in page],
        "response_metadata": {"next_cursor": next_cursor},
    }


def _type_of(channel: Channel) -> str:
    if channel.is_im:
        return "im"
    return "private_channel" if channel.is_private else "public_channel"


def _encode_cursor(offset: int) -> str:
    return base64.b64encode(f"offset:{offset}".encode()).decode()


def _decode_cursor(cursor: str | None) -> int:
    if not cursor:
        return 0
    try:
        kind, _, number = base64.b64decode(cursor, validate=True).decode().partition(":")
        if kind != "offset":
            raise ValueError(kind)
        return int(number)
    except ValueError:
        raise ApiError("invalid_cursor") from None


def channel_json(channel: Channel, ws: Workspace) -> dict[str, Any]:
    """A conversation object in the shape Slack's conversations.* methods return."""
    if channel.is_im:
        return {
            "id": channel.id,
            "created": channel.created,
            "is_im": True,
            "is_org_shared": False,
            "user": channel.im_user,
            "is_user_deleted": False,
        }
    return {
        "id": channel.id,
        "name": channel.name,
        "is_channel": not channel.is_private,
        "is_group": channel.is_private,
        "is_im": False,
        "is_mpim": False,
        "is_private": channel.is_private,
        "created": channel.created,
        "is_archived": channel.is_archived,
        "is_general": channel.is_general,
        "unlinked": 0,
        "name_normalized": channel.name,
        "is_shared": False,
        "is_org_shared": False,
        "is_ext_shared": False,
        "is_pending_ext_shared": False,
        "pending_shared": [],
        "context_team_id": TEAM_ID,
        "updated": channel.created * 1000,
        "creator": channel.creator,
        "shared_team_ids": [TEAM_ID],
        "pending_connected_team_ids": [],
        "is_member": BOT_USER_ID in channel.members,
        "last_read": "0000000000.000000",
        "topic": _label_json(channel.topic),
        "purpose": _label_json(channel.purpose),
        "previous_names": [],
    }


def _label_json(label: ChannelLabel) -> dict[str, Any]:
    return {"value": label.value, "creator": label.creator, "last_set": label.last_set}
