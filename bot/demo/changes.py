"""What one demo step changed, for the terminal: private answers, cards posted or re-rendered (with their
threads), direct messages from the bot, and what reached the customer on their platform.

A `Snapshot` is taken before the step and compared after it, so the demo shows only what the step did,
the way a person watching Slack (and the customer's screen) would notice it.
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from rich.console import Console
from rich.text import Text

from bot.demo.platforms import DemoPlatforms, Mark, render_seen
from bot.demo.terminal import render_channel, render_message
from bot.standin import SlackStandin


@dataclass(frozen=True)
class Snapshot:
    messages: dict[str, dict[str, str]]  # channel (or user id, for a DM) -> ts -> fingerprint
    ephemerals: int
    platforms: Mark


def take(standin: SlackStandin, channels: list[str], platforms: DemoPlatforms) -> Snapshot:
    return Snapshot(
        {name: {str(m["ts"]): _fingerprint(m) for m in channel_messages(standin, name)} for name in channels},
        len(standin.ephemerals()),
        platforms.mark(),
    )


def show_answers(console: Console, before: Snapshot, standin: SlackStandin, users: Mapping[str, str]) -> None:
    """Ephemeral answers (to a command, a click, or the bot telling someone privately)."""
    for ephemeral in standin.ephemerals()[before.ephemerals :]:
        message = {"ts": ephemeral.ts, "text": ephemeral.text, "blocks": ephemeral.blocks}
        who = users.get(ephemeral.user or "", ephemeral.user or "you")
        console.print(render_channel(f"only visible to {who}", [message], users))


def show_slack(
    console: Console,
    before: Snapshot,
    standin: SlackStandin,
    channels: list[str],
    users: Mapping[str, str],
) -> None:
    """Cards and DMs that are new or changed since `before`, each shown whole with its thread."""
    for name in channels:
        known = before.messages.get(name, {})
        for message in channel_messages(standin, name):
            earlier = known.get(str(message["ts"]))
            if earlier == _fingerprint(message):
                continue
            where = f"DM to {users[name]}" if name in users else name
            note = "✚ new message in" if earlier is None else "↻ updated in"
            console.print(Text(f"{note} #{where}", style="bold blue"))
            console.print(render_message(message, channel_name=where, users=users))


def show_customers(console: Console, before: Snapshot, platforms: DemoPlatforms) -> None:
    for seen in platforms.since(before.platforms):
        console.print(render_seen(seen))


def channel_messages(standin: SlackStandin, channel: str) -> list[dict[str, Any]]:
    try:
        return [dataclasses.asdict(m) for m in standin.messages(channel)]
    except Exception:  # the channel (or the DM) does not exist yet: nothing was posted there
        return []


def _fingerprint(message: Mapping[str, object]) -> str:
    # A card is re-rendered in place (chat.update) and its thread grows: either counts as a change.
    return json.dumps([message.get("text"), message.get("blocks"), message.get("replies")], sort_keys=True)
