"""Slack mrkdwn to rich console markup, with everything a customer wrote taken literally.

Customer text is hostile input twice over: rich markup (``[bold]``, ``[link=...]``) must not be
interpreted, and terminal control characters (an ESC sequence can recolour or clear the screen)
must not reach the terminal.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from urllib.parse import quote as url_quote

from rich.errors import MarkupError
from rich.text import Text

__all__ = ["markup_text", "mrkdwn_to_rich", "sanitize"]

_UNSAFE_CHARS = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")
# Every '[' with the backslashes in front of it; group 2 is what rich treats as a tag (the pattern
# rich.markup uses), or a lone '[' when the bracket starts no tag.
_BRACKET = re.compile(r"(\\*)(\[(?:[a-z#/@][^[]*?])?)")
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
    lines = sanitize(text).split("\n")
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
        # Broadcasts (<!here>) and user groups (<!subteam^S1|@team>; without a label, named from `users`).
        kind, _, group = target[1:].partition("^")
        word = label or (f"@{users[group]}" if group in users else f"@{kind}")
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


def sanitize(text: str) -> str:
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

    Rich also turns every ``\\[`` left in plain text into ``[``, even where the bracket starts no tag,
    so a backslash in front of such a bracket needs one more backslash to survive: ``\\[`` -> ``\\\\[``.
    """

    def bracket(match: re.Match[str]) -> str:
        backslashes, bracket = match.groups()
        if bracket == "[":
            return backslashes + ("\\" if backslashes else "") + bracket
        return backslashes * 2 + "\\" + bracket

    escaped = _BRACKET.sub(bracket, text)
    if before_tag:
        trailing = len(escaped) - len(escaped.rstrip("\\"))
        escaped += "\\" * trailing
    return escaped


def markup_text(markup: str, *, style: str = "") -> Text:
    try:
        return Text.from_markup(markup, style=style)
    except MarkupError:  # pragma: no cover - our serializer balances tags; never crash the demo anyway
        return Text(markup, style=style)
