"""What one demo step changed, for the terminal: private answers, cards posted or re-rendered (with their
threads), direct messages from the bot, files shared (written to disk, since a terminal shows no
image), and what reached the customer on their platform.

A `Snapshot` is taken before the step and compared after it, so the demo shows only what the step did,
the way a person watching Slack (and the customer's screen) would notice it.
"""

from __future__ import annotations

import dataclasses
import json
import struct
import tempfile
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.text import Text

from socialdesk.demo.platforms import DemoPlatforms, Mark, render_seen
from socialdesk.demo.terminal import render_channel, render_message
from socialdesk.standin import SlackStandin
from socialdesk.standin.models import StoredFile, StoredMessage

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


# What a card shows when only its news matters (a fast-forward): the header and status line carry the
# SLA colour, the customer's words say which case it is.
_CARD_GIST = ("header", "status", "text")
# A fast-forward minute that changes more cards than this shows these and counts the rest.
MAX_GIST_CARDS = 4


@dataclass(frozen=True)
class Snapshot:
    messages: dict[str, dict[str, str]]  # channel (or user id, for a DM) -> ts -> fingerprint
    ephemerals: int
    platforms: Mark
    replies: dict[str, dict[str, int]] = field(default_factory=dict)  # channel -> ts -> thread length


def take(standin: SlackStandin, channels: list[str], platforms: DemoPlatforms) -> Snapshot:
    seen = {name: channel_messages(standin, name) for name in channels}
    return Snapshot(
        {name: {str(m["ts"]): _fingerprint(m) for m in messages} for name, messages in seen.items()},
        len(standin.ephemerals()),
        platforms.mark(),
        {name: {str(m["ts"]): len(m["replies"]) for m in messages} for name, messages in seen.items()},
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
    *,
    gist: bool = False,
) -> None:
    """Cards and DMs that are new or changed since `before`, each shown whole with its thread; with
    `gist`, a changed card shows only its top and the thread replies that are new (a fast-forward
    redraws many cards, and their colour and the new nudge are the news)."""
    skipped: dict[str, int] = {}  # with `gist`: updated cards not drawn, by where they are
    shown = 0
    for name in channels:
        known = before.messages.get(name, {})
        where = f"DM to {users[name]}" if name in users else name
        for message in channel_messages(standin, name):
            ts = str(message["ts"])
            earlier = known.get(ts)
            if earlier == _fingerprint(message):
                continue
            note = "✚ new message in" if earlier is None else "↻ updated in"
            if gist and earlier is not None:
                if shown >= MAX_GIST_CARDS:  # forty amber cards tell nothing the first few do not
                    skipped[name] = skipped.get(name, 0) + 1
                    continue
                shown += 1
                message = _gist(message, before.replies.get(name, {}).get(ts, 0))
                note = "↻ updated (its top and what is new in its thread) in"
            console.print(Text(f"{note} #{where}", style="bold blue"))
            console.print(render_message(message, channel_name=where, users=users))
    if skipped:
        counts = ", ".join(f"{n} in #{name}" for name, n in skipped.items())
        console.print(
            Text(f"… and {sum(skipped.values())} more cards changed the same way ({counts}).", "blue")
        )


def _gist(message: dict[str, Any], replies_before: int) -> dict[str, Any]:
    blocks = message.get("blocks") or []
    top = [b for b in blocks if str(b.get("block_id", "")).rpartition(":")[2] in _CARD_GIST] or blocks[:2]
    return {**message, "blocks": top, "replies": message["replies"][replies_before:]}


def show_customers(console: Console, before: Snapshot, platforms: DemoPlatforms) -> None:
    for seen in platforms.since(before.platforms):
        console.print(render_seen(seen))


def show_files(
    console: Console, standin: SlackStandin, saved: dict[str, Path], folder: Path | None
) -> dict[str, Path]:
    """Files shared since the last call (a digest's chart), written to `folder` (a new temporary folder
    when None, left in place after the demo) so a person can open what the terminal cannot draw.
    `saved` remembers what was written already; returns it."""
    for stored in standin.files():
        if not stored.completed or stored.content is None or stored.id in saved:
            continue
        if folder is None:
            folder = Path(tempfile.mkdtemp(prefix="socialdesk-demo-files-"))
        folder.mkdir(parents=True, exist_ok=True)
        path = folder / f"{stored.id}-{Path(stored.filename).name or 'file'}"
        path.write_bytes(stored.content)
        saved[stored.id] = path
        shown = f"🖼  {_describe_file(stored)}\n   saved for you to open: {path}"
        console.print(Text(shown, style="bold magenta"))
    return saved


def _describe_file(stored: StoredFile) -> str:
    content = stored.content or b""
    kind = "a file"
    if content.startswith(PNG_SIGNATURE) and len(content) >= 24:
        # The IHDR chunk right after the signature holds the image's width and height.
        width, height = struct.unpack(">II", content[16:24])
        kind = f"a PNG image, {width} x {height} px"
    title = f" titled “{stored.title}”" if stored.title and stored.title != stored.filename else ""
    return f"{stored.filename} ({kind}, {_size(len(content))}){title}"


def _size(n: int) -> str:
    return f"{n} bytes" if n < 1024 else f"{n / 1024:.0f} KB"


def channel_messages(standin: SlackStandin, channel: str) -> list[dict[str, Any]]:
    """A channel's messages as plain dicts, each shared file (stored by id) described for the terminal."""
    try:
        messages = [_as_dict(m) for m in standin.messages(channel)]
    except Exception:  # the channel (or the DM) does not exist yet: nothing was posted there
        return []
    if any(m["files"] or any(r["files"] for r in m["replies"]) for m in messages):
        files = {f.id: f for f in standin.files()}
        for message in messages:
            for item in [message, *message["replies"]]:
                item["files"] = [_file_view(files.get(i), i) for i in item["files"]]
    return messages


def _as_dict(message: StoredMessage) -> dict[str, Any]:
    """The message as a dict, its replies too. Shallow: the stand-in hands out copies already, and
    `dataclasses.asdict` deep-copies every block again (the demo takes a snapshot of every channel at
    each step, so that copy was most of a step's time)."""
    item = {f.name: getattr(message, f.name) for f in dataclasses.fields(message)}
    item["replies"] = [_as_dict(reply) for reply in message.replies]
    return item


def _file_view(stored: StoredFile | None, file_id: str) -> dict[str, Any]:
    if stored is None:
        return {"id": file_id, "name": file_id}
    return {
        "id": stored.id,
        "name": stored.filename,
        "title": stored.title,
        "alt_txt": stored.alt_txt,
        "size": len(stored.content or b""),
    }


def _fingerprint(message: Mapping[str, object]) -> str:
    # A card is re-rendered in place (chat.update) and its thread grows: either counts as a change.
    return json.dumps([message.get("text"), message.get("blocks"), message.get("replies")], sort_keys=True)
