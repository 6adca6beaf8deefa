"""Slack messages drawn in a terminal with ``rich``, for ``socialdesk demo``.

Pure functions from the message dicts the Slack stand-in stores (``ts``, ``text``, ``blocks``,
``thread_ts``, ``replies``) to rich renderables; the demo loop decides when to print them.

Everything a customer wrote reaches this module, so it is hostile input twice over: rich markup
(``[bold]``, ``[link=...]``) must not be interpreted, and terminal control characters (an ESC
sequence can recolour or clear the screen, or retitle the window) must not reach the terminal.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from datetime import UTC, datetime
from typing import Any

from rich.console import Group, RenderableType
from rich.padding import Padding
from rich.panel import Panel
from rich.rule import Rule
from rich.table import Table
from rich.text import Text

from socialdesk.demo.crisis_buttons import kind_of
from socialdesk.slack.ids import decode_case_value, decode_overflow_value

__all__ = ["mrkdwn_to_rich", "render_blocks", "render_channel", "render_message"]

# C0 controls except tab/newline, DEL, C1 controls, and the bidi overrides that can make a line display
# differently from what it says.
from socialdesk.demo.mrkdwn import markup_text, mrkdwn_to_rich, sanitize

# --- blocks -> renderables ------------------------------------------------------------------------


def render_message(
    message: Mapping[str, Any], *, channel_name: str, users: Mapping[str, str]
) -> RenderableType:
    """One channel message as a panel, its thread replies indented underneath with ``↳``."""
    body: list[RenderableType] = list(_message_body(message, users))
    replies = [reply for reply in message.get("replies") or () if isinstance(reply, Mapping)]
    if replies:
        body.append(Text(""))
        body.extend(_render_reply(reply, users) for reply in replies)
    title = Text.assemble((f"#{sanitize(channel_name)}", "bold"), (_byline(message, users), "dim"))
    subtitle = Text(f"{len(replies)} {'reply' if len(replies) == 1 else 'replies'}", style="dim")
    return Panel(
        Group(*body),
        title=title,
        title_align="left",
        subtitle=subtitle if replies else None,
        subtitle_align="right",
        border_style="blue",
        padding=(0, 1),
    )


def render_channel(
    name: str, messages: Sequence[Mapping[str, Any]], users: Mapping[str, str]
) -> RenderableType:
    """A whole channel: a titled rule and its messages, oldest first as stored."""
    parts: list[RenderableType] = [Rule(Text(f"#{sanitize(name)}", style="bold"), style="blue")]
    if not messages:
        parts.append(Text("(no messages yet)", style="dim italic"))
    parts.extend(render_message(message, channel_name=name, users=users) for message in messages)
    return Group(*parts)


def _render_reply(reply: Mapping[str, Any], users: Mapping[str, str]) -> RenderableType:
    grid = Table.grid(padding=(0, 1))
    grid.add_column(width=1, no_wrap=True)
    grid.add_column(ratio=1)
    meta = Text(_byline(reply, users).removeprefix(" · "), style="dim")
    grid.add_row(Text("↳", style="bold blue"), Group(meta, *_message_body(reply, users)))
    return Padding(grid, (0, 0, 0, 2))


def _byline(message: Mapping[str, Any], users: Mapping[str, str]) -> str:
    parts: list[str] = []
    user = message.get("user")
    if isinstance(user, str) and user:
        parts.append("@" + users.get(user, user))
    elif isinstance(message.get("username"), str):
        parts.append(str(message["username"]))
    when = _clock_time(message.get("ts"))
    if when:
        parts.append(when)
    return "".join(f" · {sanitize(part)}" for part in parts)


def _clock_time(ts: object) -> str:
    # A Slack ts is "<unix seconds>.<sequence>": a stored fact, so reading it is not reading a clock.
    try:
        return datetime.fromtimestamp(float(str(ts)), UTC).strftime("%H:%M:%S")
    except (TypeError, ValueError, OverflowError, OSError):
        return ""


def render_blocks(blocks: Sequence[object], users: Mapping[str, str]) -> list[RenderableType]:
    """Display blocks (sections, context, dividers...) as renderables: also the non-input part of a modal."""
    return [part for block in blocks if isinstance(block, Mapping) for part in _block(block, users)]


def _message_body(message: Mapping[str, Any], users: Mapping[str, str]) -> list[RenderableType]:
    rendered = render_blocks(message.get("blocks") or [], users)
    text = message.get("text")
    if not rendered and isinstance(text, str) and text.strip():
        rendered = [markup_text(mrkdwn_to_rich(text, users))]
    rendered.extend(_file_line(f) for f in message.get("files") or ())
    return rendered or [Text("(empty message)", style="dim italic")]


def _file_line(file: object) -> Text:
    """A shared file as Slack lists it under a message: its name, size and title (the image's alt text)."""
    if not isinstance(file, Mapping):  # only the id is known
        return Text(f"📎 file {sanitize(str(file))}", style="magenta")
    parts = [sanitize(str(file.get("name") or file.get("id") or "file"))]
    size = file.get("size")
    if isinstance(size, int) and size > 0:
        parts.append(f"{size} bytes" if size < 1024 else f"{size / 1024:.0f} KB")
    line = Text("📎 " + " · ".join(parts), style="magenta")
    about = file.get("title") or file.get("alt_txt")
    if about and about != file.get("name"):
        line.append(f"\n   {sanitize(str(about))}", style="dim")
    return line


def _block(block: Mapping[str, Any], users: Mapping[str, str]) -> list[RenderableType]:
    renderer = _BLOCK_RENDERERS.get(str(block.get("type")))
    if renderer is None:
        return [Text(f"[{sanitize(str(block.get('type')))} block]", style="dim")]
    return renderer(block, users)


def _text_object(obj: object, users: Mapping[str, str], *, style: str = "") -> Text:
    if not isinstance(obj, Mapping):
        return Text("", style=style)
    raw = str(obj.get("text", ""))
    if obj.get("type") == "mrkdwn":
        return markup_text(mrkdwn_to_rich(raw, users), style=style)
    return Text(sanitize(raw), style=style)


def _section(block: Mapping[str, Any], users: Mapping[str, str]) -> list[RenderableType]:
    parts: list[RenderableType] = []
    if block.get("text"):
        parts.append(_text_object(block["text"], users))
    fields = [field for field in block.get("fields") or () if isinstance(field, Mapping)]
    if fields:
        # Slack lays fields out two per row; so do we.
        grid = Table.grid(padding=(0, 3), expand=True)
        grid.add_column(ratio=1, overflow="fold")
        grid.add_column(ratio=1, overflow="fold")
        for start in range(0, len(fields), 2):
            pair = [_text_object(field, users) for field in fields[start : start + 2]]
            grid.add_row(*pair, *([Text("")] * (2 - len(pair))))
        parts.append(grid)
    accessory = block.get("accessory")
    if isinstance(accessory, Mapping):
        parts.extend(_actions({"elements": [accessory]}, users))
    return parts


def _context(block: Mapping[str, Any], users: Mapping[str, str]) -> list[RenderableType]:
    pieces: list[Text] = []
    for element in block.get("elements") or ():
        if not isinstance(element, Mapping):
            continue
        if element.get("type") == "image":
            pieces.append(Text(f"[{sanitize(str(element.get('alt_text', 'image')))}]"))
        else:
            pieces.append(_text_object(element, users))
    return [Text("  ", style="dim").join(pieces)] if pieces else []


def _rich_text(block: Mapping[str, Any], users: Mapping[str, str]) -> list[RenderableType]:
    # What Slack clients send when a person types in a thread: flattened to its words.
    def words(node: object) -> str:
        if isinstance(node, list):
            return "".join(words(child) for child in node)
        if not isinstance(node, Mapping):
            return ""
        leaf = {
            "text": lambda: str(node.get("text", "")),
            "user": lambda: "@" + users.get(str(node.get("user_id")), str(node.get("user_id"))),
            "link": lambda: str(node.get("text") or node.get("url", "")),
            "emoji": lambda: f":{node.get('name', '')}:",
        }.get(str(node.get("type")))
        return leaf() if leaf else words(node.get("elements") or [])

    return [Text(sanitize(words(block.get("elements"))))]


def _actions(block: Mapping[str, Any], users: Mapping[str, str]) -> list[RenderableType]:
    line = Text()
    verbs: list[str] = []
    case_ids: set[int | None] = set()
    for element in block.get("elements") or ():
        if not isinstance(element, Mapping):
            continue
        action_id = str(element.get("action_id", ""))
        if line:
            line.append(" ")
        if element.get("type") == "static_select" and action_id == "case.triage":
            # The card's triage menu: the demo corrects triage with `/social triage <case> <word>`.
            placeholder = str((element.get("placeholder") or {}).get("text", ""))
            line.append(f"[▾ {sanitize(placeholder)}]", style="bold")
            continue
        if element.get("type") == "overflow":
            options = [o for o in element.get("options") or () if isinstance(o, Mapping)]
            labels = " | ".join(sanitize(str((o.get("text") or {}).get("text", ""))) for o in options)
            line.append(f"[⋯ {labels}]", style="bold")
            for option in options:
                case_id, verb = _overflow_verb(str(option.get("value", "")), action_id)
                case_ids.add(case_id)
                verbs.append(verb)
        else:
            label = sanitize(str((element.get("text") or {}).get("text", "")))
            line.append(f"[ {label} ]", style=_BUTTON_STYLES.get(str(element.get("style")), "bold"))
            case_ids.add(_case_of(str(element.get("value", ""))))
            verbs.append(action_id.rpartition(".")[2] or action_id)
    if not line:
        return []
    # Show what to type: the demo's "click #42 claim" command names the case and the action's verb; a
    # crisis message's buttons are clicked by the kind of message ("click statement approve").
    only_case = next(iter(case_ids)) if len(case_ids) == 1 else None
    crisis_kind = kind_of(str(block.get("block_id", "")))
    if only_case:
        hint = f"→ click #{only_case} " + "|".join(verbs)
    elif crisis_kind:
        hint = f"→ click {crisis_kind} " + "|".join(verbs)
    else:
        hint = "→ actions: " + ", ".join(verbs)
    return [line, Text(sanitize(hint), style="dim")]


def _case_of(value: str) -> int | None:
    try:
        return decode_case_value(value)
    except ValueError:
        return None


def _overflow_verb(value: str, action_id: str) -> tuple[int | None, str]:
    try:
        case_id, option = decode_overflow_value(value)
    except ValueError:
        return None, value or action_id
    return case_id, option.value


_BUTTON_STYLES = {"primary": "bold green", "danger": "bold red"}

_BlockRenderer = Callable[[Mapping[str, Any], Mapping[str, str]], list[RenderableType]]
_BLOCK_RENDERERS: dict[str, _BlockRenderer] = {
    "header": lambda block, users: [_text_object(block.get("text"), users, style="bold")],
    "section": _section,
    "context": _context,
    "divider": lambda block, users: [Rule(style="dim")],
    "image": lambda block, users: [Text(f"🖼  {sanitize(str(block.get('alt_text', 'image')))}", style="dim")],
    "rich_text": _rich_text,
    "actions": _actions,
}
