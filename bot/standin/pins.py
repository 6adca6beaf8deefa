"""pins.* methods: pin a message to its channel, list a channel's pinned messages.

Only messages are pinned here (socialdesk pins nothing else). Slack also posts a "pinned a message"
notice into the channel; the stand-in does not, so a test's message counts stay what the bot posted.
"""

from __future__ import annotations

import re
from typing import Any

from socialdesk.standin.args import ApiError, Args
from socialdesk.standin.history import listed_json
from socialdesk.standin.models import Pin
from socialdesk.standin.workspace import BOT_USER_ID, Workspace

_TS = re.compile(r"^[0-9]+\.[0-9]+$")


def add(ws: Workspace, args: Args) -> dict[str, Any]:
    channel = ws.resolve_channel(args.string("channel"), allow_name=False)
    if BOT_USER_ID not in channel.members:
        raise ApiError("not_in_channel")
    ts = args.string("timestamp")
    if ts is None:
        raise ApiError("no_item_specified")
    if not _TS.match(ts):
        raise ApiError("bad_timestamp")
    if ws.find_message(channel.id, ts) is None:
        raise ApiError("message_not_found")
    if any(pin.ts == ts for pin in channel.pins):
        raise ApiError("already_pinned")
    channel.pins.append(Pin(ts=ts, created=ws.now(), created_by=BOT_USER_ID))
    return {}


def list_pins(ws: Workspace, args: Args) -> dict[str, Any]:
    channel = ws.resolve_channel(args.string("channel"), allow_name=False)
    items = []
    for pin in reversed(channel.pins):  # the latest pin first, as Slack lists them
        message = ws.find_message(channel.id, pin.ts)
        if message is None:
            continue  # deleted since it was pinned: Slack drops the pin with the message
        shown = listed_json(message, ws, channel, with_metadata=False)
        shown["permalink"] = ws.permalink(message)
        items.append(
            {
                "type": "message",
                "channel": channel.id,
                "message": shown,
                "created": pin.created,
                "created_by": pin.created_by,
            }
        )
    return {"items": items}
