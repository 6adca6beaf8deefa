"""Small Block Kit builders and text helpers shared by the renderers in this package.

Every limit Slack enforces on a message is written down here once and applied by the builders, so a
renderer cannot produce a block Slack would refuse (``invalid_blocks`` loses the whole card).
User content is cut to fit; ids and values are ours, so a too-long one is a bug and raises instead.

Lengths are measured in UTF-16 code units, which is never less than ``len()``: a text that fits by that
measure fits whichever way Slack counts, even when it is full of emoji.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from typing import Any, Literal

Block = dict[str, Any]

# Slack's published limits (see shared/data/README.md); a validator elsewhere checks the same numbers.
MAX_BLOCKS = 50
MAX_SECTION_TEXT = 3000
MAX_FIELD_TEXT = 2000
MAX_FIELDS = 10
MAX_HEADER_TEXT = 150
MAX_CONTEXT_ELEMENTS = 10
MAX_CONTEXT_TEXT = 2000
MAX_ACTION_ELEMENTS = 25
MAX_BUTTON_TEXT = 75
MAX_BUTTON_VALUE = 2000
MAX_ACTION_ID = 255
MAX_BLOCK_ID = 255
MAX_OPTION_TEXT = 75
MAX_OPTION_VALUE = 150
MAX_URL = 1000  # Slack allows 3000; real post and profile urls are far shorter
MAX_OVERFLOW_OPTIONS = 5
# The top-level ``text`` may be 40,000 chars, but it is a notification line: keep it short on purpose.
MAX_FALLBACK_TEXT = 300

ELLIPSIS = "…"

ButtonStyle = Literal["primary", "danger"]


# --- text --------------------------------------------------------------------------------------


def text_units(text: str) -> int:
    """Length as UTF-16 code units: astral characters (most emoji) count twice."""
    return len(text) + sum(1 for ch in text if ord(ch) > 0xFFFF)


def truncate(text: str, limit: int, *, ellipsis: str = ELLIPSIS) -> str:
    """``text`` cut to at most ``limit`` units, ending in ``ellipsis`` when anything was cut."""
    if text_units(text) <= limit:
        return text
    budget = limit - text_units(ellipsis)
    if budget <= 0:
        return ellipsis[:limit]
    return _cut(text, budget).rstrip() + ellipsis


def escape_mrkdwn(text: str) -> str:
    """Escape the three characters Slack treats as control characters in mrkdwn.

    Customer text is escaped before it reaches a card: otherwise a post containing ``<!channel>`` would
    ping the whole channel, and ``<https://evil|your bank>`` would render as a disguised link.
    """
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def truncate_escaped(escaped: str, limit: int, *, ellipsis: str = ELLIPSIS) -> str:
    """Like ``truncate`` for already-escaped mrkdwn: never leaves half an entity (``&am…``) behind."""
    if text_units(escaped) <= limit:
        return escaped
    budget = max(limit - text_units(ellipsis), 0)
    head = _drop_partial_entity(_cut(escaped, budget))
    return head.rstrip() + ellipsis


def fit_mrkdwn(raw: str, limit: int) -> str:
    """Untrusted ``raw`` text escaped for mrkdwn and cut to ``limit``."""
    return truncate_escaped(escape_mrkdwn(raw), limit)


def one_line(text: str) -> str:
    """Collapse all whitespace (newlines included) so a snippet reads well in a notification."""
    return " ".join(text.split())


def quote(raw: str, limit: int) -> str:
    """Untrusted ``raw`` as a mrkdwn block quote (``> `` on every line), escaped, within ``limit``.

    Built line by line so the quote markers are counted in the budget and a cut lands inside the
    last line that fits, never on a marker.
    """
    if not raw.strip():
        return "> _(no text)_"  # an image-only post; an empty quote would look like a rendering bug
    lines = [line.rstrip() for line in escape_mrkdwn(raw.strip()).splitlines()]
    budget = limit - text_units(ELLIPSIS)
    out: list[str] = []
    used = 0
    for index, line in enumerate(lines):
        quoted = f"> {line}" if line else ">"
        sep = 1 if out else 0
        cost = sep + text_units(quoted)
        remaining = len(lines) - index - 1
        # The last line may use the ellipsis' share of the budget too.
        if used + cost <= (limit if remaining == 0 else budget):
            out.append(quoted)
            used += cost
            continue
        room = budget - used - sep
        if room > 2:  # room for "> " and at least one character
            out.append(_drop_partial_entity(_cut(quoted, room)).rstrip() + ELLIPSIS)
        elif out:
            # Earlier lines kept within `budget`, so the ellipsis still fits.
            out[-1] += ELLIPSIS
        else:
            out.append("> " + ELLIPSIS)
        break
    return "\n".join(out)


def link(url: str | None, label: str) -> str:
    """A mrkdwn link ``<url|label>`` with an escaped label, or just the label when the url is unsafe.

    Only http(s) urls become links: a ``javascript:`` or ``slack://`` url from a platform payload should
    not become clickable in an agent's client.
    """
    safe_label = escape_mrkdwn(label)
    # A monster url would push the closing '>' past a text limit, and a cut there breaks the whole line.
    if not url or len(url) > MAX_URL or not re.match(r"^https?://[^\s]+$", url, re.IGNORECASE):
        return safe_label
    # '|' and '>' would end the url early; Slack wants '&' escaped even inside links.
    safe_url = url.replace("&", "&amp;").replace("<", "%3C").replace(">", "%3E").replace("|", "%7C")
    return f"<{safe_url}|{safe_label}>"


def user_mention(user_id: str | None) -> str | None:
    """``<@U123>`` for a Slack user id; escaped plain text for anything else (e.g. an email)."""
    if not user_id:
        return None
    if re.fullmatch(r"[UW][A-Z0-9]{2,}", user_id):
        return f"<@{user_id}>"
    return escape_mrkdwn(user_id)


def compact_count(value: int) -> str:
    """Follower counts the way people say them: 950, 1.2k, 48k, 1.5M, 12M."""
    if value < 1000:
        return str(max(value, 0))
    for unit, suffix in ((1_000_000_000, "B"), (1_000_000, "M"), (1_000, "k")):
        if value >= unit:
            scaled = value / unit
            # One decimal below 10 (1.2k), none above (48k); "1000k" must roll up to "1M".
            shown = f"{scaled:.1f}".removesuffix(".0") if scaled < 9.95 else f"{round(scaled)}"
            if shown == "1000" and suffix != "B":
                return "1M" if suffix == "k" else "1B"
            return shown + suffix
    return str(value)  # pragma: no cover - the loop always returns for value >= 1000


# --- time --------------------------------------------------------------------------------------


def utc(value: datetime) -> datetime:
    """Treat a naive datetime as UTC (SQLite hands them back naive) and convert aware ones to UTC."""
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def slack_date(when: datetime, *, fmt: str = "{date_short_pretty} {time}") -> str:
    """Slack date formatting: each reader sees their own timezone; the fallback is explicit UTC."""
    moment = utc(when)
    fallback = moment.strftime("%d %b %Y %H:%M UTC").lstrip("0")
    return f"<!date^{int(moment.timestamp())}^{fmt}|{fallback}>"


def short_day(when: datetime, *, now: datetime | None = None) -> str:
    """``12 Nov``, with the year only when it is not the current one (``12 Nov 2023``)."""
    moment = utc(when)
    day = f"{moment.day} {moment.strftime('%b')}"
    if now is not None and utc(now).year != moment.year:
        day += f" {moment.year}"
    return day


def duration(delta: timedelta) -> str:
    """A magnitude in words: ``under a minute``, ``12 min``, ``2 h 5 min``, ``3 d 4 h``."""
    minutes = int(abs(delta).total_seconds() // 60)
    if minutes < 1:
        return "under a minute"
    if minutes < 60:
        return f"{minutes} min"
    hours, minutes = divmod(minutes, 60)
    if hours < 24:
        return f"{hours} h" + (f" {minutes} min" if minutes else "")
    days, hours = divmod(hours, 24)
    return f"{days} d" + (f" {hours} h" if hours else "")


def due_phrase(due: datetime, now: datetime) -> str:
    """``due in 12 min`` / ``due now`` / ``overdue by 5 min``, relative to the given ``now``."""
    delta = utc(due) - utc(now)
    if delta < timedelta(0):
        return f"overdue by {duration(delta)}"
    if delta < timedelta(minutes=1):
        return "due now"
    return f"due in {duration(delta)}"


# --- blocks ------------------------------------------------------------------------------------


def plain_text(text: str, limit: int) -> dict[str, Any]:
    # Slack rejects empty text objects; a lone space is the smallest visible-nothing it accepts.
    return {"type": "plain_text", "text": truncate(text, limit) or " ", "emoji": True}


def mrkdwn(text: str, limit: int = MAX_SECTION_TEXT) -> dict[str, Any]:
    """A mrkdwn text object from text the caller has already escaped."""
    return {"type": "mrkdwn", "text": truncate_escaped(text, limit) or " "}


def header_block(text: str, *, block_id: str) -> Block:
    return {
        "type": "header",
        "block_id": _check_id(block_id, MAX_BLOCK_ID),
        "text": plain_text(text, MAX_HEADER_TEXT),
    }


def section_block(
    text: str | None = None,
    *,
    block_id: str,
    fields: Sequence[str] = (),
    accessory: dict[str, Any] | None = None,
) -> Block:
    if text is None and not fields:
        raise ValueError("a section needs text or fields")
    if len(fields) > MAX_FIELDS:
        raise ValueError(f"a section takes at most {MAX_FIELDS} fields, got {len(fields)}")
    block: Block = {"type": "section", "block_id": _check_id(block_id, MAX_BLOCK_ID)}
    if text is not None:
        block["text"] = mrkdwn(text, MAX_SECTION_TEXT)
    if fields:
        block["fields"] = [mrkdwn(field, MAX_FIELD_TEXT) for field in fields]
    if accessory is not None:
        block["accessory"] = accessory
    return block


def context_block(texts: Sequence[str], *, block_id: str) -> Block:
    elements = [mrkdwn(text, MAX_CONTEXT_TEXT) for text in texts if text][:MAX_CONTEXT_ELEMENTS]
    if not elements:
        raise ValueError("a context block needs at least one element")
    return {"type": "context", "block_id": _check_id(block_id, MAX_BLOCK_ID), "elements": elements}


def divider_block(*, block_id: str) -> Block:
    return {"type": "divider", "block_id": _check_id(block_id, MAX_BLOCK_ID)}


def button(text: str, *, action_id: str, value: str, style: ButtonStyle | None = None) -> dict[str, Any]:
    element: dict[str, Any] = {
        "type": "button",
        "action_id": _check_id(action_id, MAX_ACTION_ID),
        "text": plain_text(text, MAX_BUTTON_TEXT),
        "value": _check_id(value, MAX_BUTTON_VALUE),
    }
    if style is not None:
        element["style"] = style
    return element


def overflow(*, action_id: str, options: Sequence[tuple[str, str]]) -> dict[str, Any]:
    """An overflow menu from ``(label, value)`` pairs; Slack wants between 2 and 5 options."""
    if not 2 <= len(options) <= MAX_OVERFLOW_OPTIONS:
        raise ValueError(f"an overflow menu takes 2..{MAX_OVERFLOW_OPTIONS} options, got {len(options)}")
    return {
        "type": "overflow",
        "action_id": _check_id(action_id, MAX_ACTION_ID),
        "options": [
            {"text": plain_text(label, MAX_OPTION_TEXT), "value": _check_id(value, MAX_OPTION_VALUE)}
            for label, value in options
        ],
    }


def actions_block(elements: Sequence[dict[str, Any]], *, block_id: str) -> Block:
    if not 1 <= len(elements) <= MAX_ACTION_ELEMENTS:
        raise ValueError(f"an actions block takes 1..{MAX_ACTION_ELEMENTS} elements, got {len(elements)}")
    primaries = sum(1 for element in elements if element.get("style") == "primary")
    if primaries > 1:
        # Slack's guidance: one primary action per surface, or nothing reads as the next step.
        raise ValueError("at most one primary button per actions block")
    return {"type": "actions", "block_id": _check_id(block_id, MAX_BLOCK_ID), "elements": list(elements)}


# --- internals ---------------------------------------------------------------------------------


def _cut(text: str, budget: int) -> str:
    """The longest prefix of ``text`` that fits ``budget`` units (never splits a surrogate pair)."""
    if len(text) <= budget and text_units(text) <= budget:
        return text
    used = 0
    for index, ch in enumerate(text):
        used += 2 if ord(ch) > 0xFFFF else 1
        if used > budget:
            return text[:index]
    return text


_PARTIAL_ENTITY = re.compile(r"&[a-z]{0,3}$")


def _drop_partial_entity(text: str) -> str:
    # Our escaping only produces &amp; &lt; &gt;, so a '&' followed by up to three letters at the end of a
    # cut is the start of one of those, sliced in half.
    return _PARTIAL_ENTITY.sub("", text)


def _check_id(value: str, limit: int) -> str:
    if not value or len(value) > limit:
        raise ValueError(f"id/value must be 1..{limit} chars, got {len(value)}: {value[:40]!r}")
    return value
