"""Slack messages drawn in a terminal with ``rich``, for ``socialdesk demo``.

Pure functions from the message dicts the Slack stand-in stores (``ts``, ``text``, ``blocks``,
``thread_ts``, ``replies``) to rich renderables; the demo loop decides when to print them.

Everything a customer wrote reaches this module, so it is hostile input twice over: rich markup
(``[bold]``, ``[link=...]``) must not be interpreted, and terminal control characters (an ESC
sequence can recolour or clear the screen, or retitle the window) must not reach the terminal.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from urllib.parse import quote as url_quote

from rich.console import Group, RenderableType
from rich.errors import MarkupError
from rich.padding import Padding
from rich.panel import Panel
from rich.rule import Rule
from rich.table import Table
from rich.text import Text

from bot.slack.ids import decode_case_value, decode_overflow_value

__all__ = ["mrkdwn_to_rich", "render_channel", "render_message"]

# C0 controls except tab/newline, DEL, C1 controls, and the bidi overrides that can make a line display
# differently from what it says.
_UNSAFE_CHARS = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")
# What rich treats as a tag: the same pattern rich.markup uses, with the backslashes in front of it.
_TAG_LIKE = re.compile(r"(\\*)(\[[a-z#/@][^[]*?])")
_ANGLE = re.compile(r"<([^<>\n]*)>")
_PLACEHOLDER = re.compile(r"\x00(\d+)\x00")
# Slack's inline formats need a non-word character (or the edge) outside and no space just inside.
_FORMAT = re.compile(r"(?<!\w)([*_~`])(?!\s)(.+?)(?<!\s)\1(?!\w)")
_FORMAT_STYLE = {"*": "bold", "_": "italic", "~": "strike", "`": "cyan"}
_SAFE_URL = re.compile(r"^(?:https?://|mailto:)", re.IGNORECASE)


# --- mrkdwn -> rich markup ------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Tag:
    """Rich markup we emit ourselves; everything else in a token list is text to be escaped."""

    markup: str


_Token = str | _Tag


def mrkdwn_to_rich(text: str, users: Mapping[str, str]) -> str:
    """Slack mrkdwn as rich console markup, with anything the text says taken literally.

    ``*bold*``, ``_italic_``, ``~strike~``, `` `code` ``; ``<url|label>`` -> a link; ``<@U1>`` ->
    ``@name`` from ``users``; ``<!date^...|fallback>`` -> the fallback; ``>`` quote lines dimmed.
    """
    lines = _sanitize(text).split("\n")
    tokens: list[_Token] = []
    quoting_rest = False
    for index, line in enumerate(lines):
        if index:
            tokens.append("\n")
        quoted = quoting_rest
        if not quoted and line.startswith(">>>"):
            # ">>>" quotes everything after it, to the end of the message.
            quoting_rest = quoted = True
            line = line[3:].lstrip(" ")
        elif not quoted and line.startswith(">"):
            # A literal ">" can only be a quote marker: Slack text escapes the character as &gt;.
            quoted = True
            line = line[1:].removeprefix(" ")
        body = _inline(line, users)
        tokens.extend([_Tag("[dim]"), "▎ ", *body, _Tag("[/dim]")] if quoted else body)
    return _serialize(tokens)


def _inline(line: str, users: Mapping[str, str]) -> list[_Token]:
    # Angle-bracket entities first, parked behind placeholders, so that "*<url|label>*" still reads as
    # a bold link and no '*' inside a url can start a format.
    entities: list[list[_Token]] = []

    def park(match: re.Match[str]) -> str:
        entities.append(_entity(match.group(1), users))
        return f"\x00{len(entities) - 1}\x00"

    return _formatted(_ANGLE.sub(park, line), entities)


def _formatted(text: str, entities: list[list[_Token]]) -> list[_Token]:
    tokens: list[_Token] = []
    position = 0
    for match in _FORMAT.finditer(text):
        tokens.extend(_expand(text[position : match.start()], entities))
        marker, inner = match.group(1), match.group(2)
        style = _FORMAT_STYLE[marker]
        # Code spans are verbatim in Slack; the other formats nest.
        body = _expand(inner, entities) if marker == "`" else _formatted(inner, entities)
        tokens.extend([_Tag(f"[{style}]"), *body, _Tag(f"[/{style}]")])
        position = match.end()
    tokens.extend(_expand(text[position:], entities))
    return tokens


def _expand(text: str, entities: list[list[_Token]]) -> list[_Token]:
    tokens: list[_Token] = []
    position = 0
    for match in _PLACEHOLDER.finditer(text):
        tokens.append(_unescape(text[position : match.start()]))
        tokens.extend(entities[int(match.group(1))])
        position = match.end()
    tokens.append(_unescape(text[position:]))
    return [token for token in tokens if token != ""]


def _entity(inner: str, users: Mapping[str, str]) -> list[_Token]:
    target, _, label = inner.partition("|")
    label = _unescape(label)
    if target.startswith("@"):
        name = users.get(target[1:]) or label.lstrip("@") or target[1:]
        return _styled("bold cyan", f"@{name}")
    if target.startswith("#"):
        return _styled("bold cyan", f"#{label or target[1:]}")
    if target.startswith("!date^"):
        return [label or "(a date)"]
    if target.startswith("!"):
        # Broadcasts (<!here>) and user groups (<!subteam^S1|@team>).
        word = label or "@" + target[1:].split("^", 1)[0]
        return _styled("bold yellow", word)
    url = _unescape(target)
    if _SAFE_URL.match(url):
        # Rich ends a tag at the first ']' and splits its style on spaces: percent-encode both.
        safe = url_quote(url, safe=":/?#@!$&'()*+,;=%~-._")
        return [
            _Tag(f"[link={safe}]"),
            _Tag("[underline]"),
            label or url,
            _Tag("[/underline]"),
            _Tag("[/link]"),
        ]
    return [label or url]


def _styled(style: str, text: str) -> list[_Token]:
    return [_Tag(f"[{style}]"), text, _Tag(f"[/{style}]")]


def _unescape(text: str) -> str:
    # Slack escapes exactly these three; "&amp;" last so "&amp;lt;" stays the literal "&lt;".
    return text.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")


def _sanitize(text: str) -> str:
    return _UNSAFE_CHARS.sub("", text.replace("\r\n", "\n"))


def _serialize(tokens: Sequence[_Token]) -> str:
    merged: list[_Token] = []
    for token in tokens:
        # Neighbouring texts are escaped as one: escaped apart, "a\" + "[b]" would become a live tag.
        if isinstance(token, str) and merged and isinstance(merged[-1], str):
            merged[-1] += token
        else:
            merged.append(token)
    out: list[str] = []
    for index, token in enumerate(merged):
        if isinstance(token, _Tag):
            out.append(token.markup)
        else:
            before_tag = index + 1 < len(merged) and isinstance(merged[index + 1], _Tag)
            out.append(_escape_markup(token, before_tag=before_tag))
    return "".join(out)


def _escape_markup(text: str, *, before_tag: bool) -> str:
    """Like ``rich.markup.escape`` but exact about backslashes.

    Rich reads a run of backslashes before a tag by its parity; ``rich.markup.escape`` gets a trailing
    run wrong (three backslashes before our closing tag would escape it). Doubling the run right before
    one of our tags, and only then, keeps both the backslashes and the tag.
    """
    escaped = _TAG_LIKE.sub(lambda m: m.group(1) * 2 + "\\" + m.group(2), text)
    if before_tag:
        trailing = len(escaped) - len(escaped.rstrip("\\"))
        escaped += "\\" * trailing
    return escaped


def _markup_text(markup: str, *, style: str = "") -> Text:
    try:
        return Text.from_markup(markup, style=style)
    except MarkupError:  # pragma: no cover - our serializer balances tags; never crash the demo anyway
        return Text(markup, style=style)


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
    title = Text.assemble((f"#{_sanitize(channel_name)}", "bold"), (_byline(message, users), "dim"))
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
    parts: list[RenderableType] = [Rule(Text(f"#{_sanitize(name)}", style="bold"), style="blue")]
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
    return "".join(f" · {_sanitize(part)}" for part in parts)


def _clock_time(ts: object) -> str:
    # A Slack ts is "<unix seconds>.<sequence>": a stored fact, so reading it is not reading a clock.
    try:
        return datetime.fromtimestamp(float(str(ts)), UTC).strftime("%H:%M:%S")
    except (TypeError, ValueError, OverflowError, OSError):
        return ""


def _message_body(message: Mapping[str, Any], users: Mapping[str, str]) -> list[RenderableType]:
    blocks = message.get("blocks") or []
    rendered = [part for block in blocks if isinstance(block, Mapping) for part in _block(block, users)]
    if rendered:
        return rendered
    text = message.get("text")
    if isinstance(text, str) and text.strip():
        return [_markup_text(mrkdwn_to_rich(text, users))]
    return [Text("(empty message)", style="dim italic")]


def _block(block: Mapping[str, Any], users: Mapping[str, str]) -> list[RenderableType]:
    renderer = _BLOCK_RENDERERS.get(str(block.get("type")))
    if renderer is None:
        return [Text(f"[{_sanitize(str(block.get('type')))} block]", style="dim")]
    return renderer(block, users)


def _text_object(obj: object, users: Mapping[str, str], *, style: str = "") -> Text:
    if not isinstance(obj, Mapping):
        return Text("", style=style)
    raw = str(obj.get("text", ""))
    if obj.get("type") == "mrkdwn":
        return _markup_text(mrkdwn_to_rich(raw, users), style=style)
    return Text(_sanitize(raw), style=style)


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
            pieces.append(Text(f"[{_sanitize(str(element.get('alt_text', 'image')))}]"))
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

    return [Text(_sanitize(words(block.get("elements"))))]


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
        if element.get("type") == "overflow":
            options = [o for o in element.get("options") or () if isinstance(o, Mapping)]
            labels = " | ".join(_sanitize(str((o.get("text") or {}).get("text", ""))) for o in options)
            line.append(f"[⋯ {labels}]", style="bold")
            for option in options:
                case_id, verb = _overflow_verb(str(option.get("value", "")), action_id)
                case_ids.add(case_id)
                verbs.append(verb)
        else:
            label = _sanitize(str((element.get("text") or {}).get("text", "")))
            line.append(f"[ {label} ]", style=_BUTTON_STYLES.get(str(element.get("style")), "bold"))
            case_ids.add(_case_of(str(element.get("value", ""))))
            verbs.append(action_id.rpartition(".")[2] or action_id)
    if not line:
        return []
    # Show what to type: the demo's "click #42 claim" command names the case and the action's verb.
    only_case = next(iter(case_ids)) if len(case_ids) == 1 else None
    hint = f"→ click #{only_case} " + "|".join(verbs) if only_case else "→ actions: " + ", ".join(verbs)
    return [line, Text(_sanitize(hint), style="dim")]


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
    "image": lambda block, users: [Text(f"🖼  {_sanitize(str(block.get('alt_text', 'image')))}", style="dim")],
    "rich_text": _rich_text,
    "actions": _actions,
}
