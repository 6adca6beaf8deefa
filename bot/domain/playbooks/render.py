"""Crisis statements: fill a playbook's templates with the slots, and check a text before approval.

Templates are Jinja2 written by whoever maintains the playbooks and filled with text the lead typed,
so they run in a `SandboxedEnvironment` with no globals and `StrictUndefined` (a misspelt slot is an
error, not a statement that says "affecting  customers"), as canned replies do (bot/domain/canned.py).
`trim_blocks` and `lstrip_blocks` let a `{% for %}` sit on its own line in a YAML block without
leaving blank lines behind. Output is plain text for social platforms: nothing is HTML-escaped.

`check_statement` is the lint that blocks approval: too long for the target, a forbidden phrase or
pattern, personal data, or nothing at all. The loader runs the same check on every template filled
with the playbook's own defaults, so a playbook that cannot produce an acceptable statement fails at
deploy rather than in the middle of a crisis.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass
from datetime import datetime, tzinfo
from functools import lru_cache
from typing import Final
from zoneinfo import ZoneInfo

from jinja2 import StrictUndefined, Template, TemplateError
from jinja2.sandbox import SandboxedEnvironment

from socialdesk.domain.errors import DomainError
from socialdesk.domain.keywords import matcher_for
from socialdesk.domain.playbooks.schema import (
    PLATFORM_OF_TARGET,
    SLOTS,
    TARGET_LIMITS,
    Playbook,
    SlotDefaults,
    StatementKind,
)
from socialdesk.domain.redact import CARD, EMAIL, IBAN, ORDER, PHONE, POSTCODE, Masking, find_personal_data
from socialdesk.domain.voice import platform_length

# Besides the slots, every template may name the company and the playbook.
CONTEXT_NAMES: Final[frozenset[str]] = frozenset({*SLOTS, "brand", "playbook_title"})
LIST_SLOTS: Final[frozenset[str]] = frozenset({"confirmed_facts", "unknowns", "actions"})
# What the lead may fill in; the times, severity and summary come from the crisis itself.
FILLABLE: Final[frozenset[str]] = frozenset(SlotDefaults.model_fields)
TARGET_LABELS: Final[dict[str, str]] = {"x": "X", "facebook": "Facebook", "status_page": "Status page"}

_KIND_WORDS: Final[dict[str, str]] = {
    EMAIL: "an email address",
    PHONE: "a phone number",
    CARD: "a payment card number",
    IBAN: "a bank account number (IBAN)",
    POSTCODE: "a postcode",
    ORDER: "an order number",
}
_BULLET_RE: Final = re.compile(r"^\s*(?:[-*\u2022]|\d+[.)])\s+")
_TRAILING_SPACE_RE: Final = re.compile(r"[ \t]+$", re.MULTILINE)
_BLANK_LINES_RE: Final = re.compile(r"\n{3,}")
# Links are searched for email addresses only: the digits in an incident URL are an id, not a phone.
_URL_RE: Final = re.compile(r"(?<![\w@])(?:https?://|www\.)[^\s<>\"]+", re.IGNORECASE)


class StatementRenderError(DomainError):
    """A statement template could not be filled in; the message names playbook, kind and target."""

    def __init__(self, playbook_id: str, kind: str, target: str, reason: str) -> None:
        what = f"the {kind} for {TARGET_LABELS.get(target, target)}" if kind else "the statement"
        super().__init__(f"Playbook '{playbook_id}': {what} could not be filled in: {reason}")
        self.playbook_id = playbook_id
        self.kind = kind
        self.target = target


# --- the environment --------------------------------------------------------------------------------
def _environment() -> SandboxedEnvironment:
    env = SandboxedEnvironment(
        undefined=StrictUndefined, autoescape=False, trim_blocks=True, lstrip_blocks=True
    )
    env.globals.clear()  # range, cycler, joiner, namespace, lipsum: nothing a statement needs
    return env


ENV: Final = _environment()


@lru_cache(maxsize=256)
def compile_template(source: str) -> Template:
    """Compile once per source; raises `jinja2.TemplateSyntaxError` on a broken template."""
    return ENV.from_string(source)


def tidy(text: str) -> str:
    """Trailing spaces off every line, at most one blank line in a row, no leading/trailing space."""
    text = _TRAILING_SPACE_RE.sub("", text)
    return _BLANK_LINES_RE.sub("\n\n", text).strip()


# --- slots ------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class StatementSlots:
    """The values a statement template is filled with (the names of `schema.SLOTS`)."""

    headline: str
    time: str  # when the statement is issued, "14:20 CET, 25 Nov"
    started: str  # when the crisis started, same format
    scope: str
    confirmed_facts: list[str]
    unknowns: list[str]
    actions: list[str]
    empathy: str
    what_to_do: str
    where_updates: str
    next_update: str  # "" when there is none (a resolution)
    severity: str  # the severity's label
    summary: str

    def as_dict(self) -> dict[str, str | list[str]]:
        return asdict(self)


def format_time(moment: datetime, tz: tzinfo | str) -> str:
    """ "14:20 CET, 25 Nov": local time, the zone's abbreviation, day and month."""
    zone = ZoneInfo(tz) if isinstance(tz, str) else tz
    local = moment.astimezone(zone)
    return f"{local:%H:%M} {local:%Z}, {local.day} {local:%b}"


def _as_list(value: object) -> list[str]:
    """A list slot from a list, or from the lines of a text box (bullets and blank lines dropped)."""
    items = value if isinstance(value, list | tuple) else str(value).splitlines()
    cleaned = (_BULLET_RE.sub("", str(item)).strip() for item in items)
    return [item for item in cleaned if item]


def _is_blank(value: object) -> bool:
    if value is None:
        return True
    if isinstance(value, str):
        return not value.strip()
    return isinstance(value, list | tuple) and not _as_list(value)


def slots_for(
    playbook: Playbook,
    *,
    summary: str,
    severity: str | None,
    started_at: datetime,
    issued_at: datetime,
    next_update_at: datetime | None,
    filled: Mapping[str, object],
    tz: tzinfo | str,
) -> StatementSlots:
    """The slots for one statement: what the lead filled in, else the playbook's defaults.

    `filled` takes the names of `SlotDefaults` (headline, scope, confirmed_facts, ...); a value left
    blank (None, "", an empty list) keeps the default. A list slot may also come as the lines of a text
    box. `severity` is a severity name of the playbook ("sev2", its label is used) or a label as is.
    The headline defaults to the summary. An unknown name in `filled` raises `StatementRenderError`.
    """
    unknown = sorted(set(filled) - FILLABLE)
    if unknown:
        known = ", ".join(sorted(FILLABLE))
        raise StatementRenderError(
            playbook.id, "", "", f"{', '.join(unknown)} cannot be filled in; the slots are {known}"
        )
    values: dict[str, object] = playbook.slots.model_dump()
    values.update({name: value for name, value in filled.items() if not _is_blank(value)})
    headline = values.get("headline")
    if not severity or severity in playbook.severities:
        label = playbook.severity(severity).label
    else:
        label = severity.strip()
    return StatementSlots(
        headline=" ".join(str(headline).split()) if not _is_blank(headline) else " ".join(summary.split()),
        time=format_time(issued_at, tz),
        started=format_time(started_at, tz),
        scope=str(values["scope"]).strip(),
        confirmed_facts=_as_list(values["confirmed_facts"]),
        unknowns=_as_list(values["unknowns"]),
        actions=_as_list(values["actions"]),
        empathy=str(values["empathy"]).strip(),
        what_to_do=str(values["what_to_do"]).strip(),
        where_updates=str(values["where_updates"]).strip(),
        next_update=format_time(next_update_at, tz) if next_update_at is not None else "",
        severity=label,
        summary=summary.strip(),
    )


# --- rendering --------------------------------------------------------------------------------------
def statement_context(playbook: Playbook, slots: StatementSlots) -> dict[str, object]:
    return {**slots.as_dict(), "brand": playbook.brand, "playbook_title": playbook.title}


def render_source(source: str, context: Mapping[str, object]) -> str:
    """Fill one template; jinja2 errors (syntax, undefined, sandbox) propagate unchanged."""
    return tidy(compile_template(source).render(dict(context)))


def render_statement(
    playbook: Playbook, kind: StatementKind | str, target: str, slots: StatementSlots
) -> str:
    """The text of one statement for one target, from the target's template or the default one."""
    kind = StatementKind(kind)
    source = playbook.templates(kind).for_target(target)
    try:
        return render_source(source, statement_context(playbook, slots))
    except TemplateError as exc:
        raise StatementRenderError(
            playbook.id, f"{kind.value} statement", target, exc.message or type(exc).__name__
        ) from exc


def render_all(playbook: Playbook, kind: StatementKind | str, slots: StatementSlots) -> dict[str, str]:
    """target -> text for every target the playbook publishes to, in `publish_to` order."""
    return {target: render_statement(playbook, kind, target, slots) for target in playbook.publish_to}


def render_canned_reply(playbook: Playbook, slots: StatementSlots, reply: Mapping[str, str]) -> str:
    """The playbook's reply for incoming cases, filled with the slots and the canned-reply placeholders.

    `reply` is `socialdesk.domain.canned.ReplyContext.as_dict()` (customer_name, case_ref, ...).
    """
    try:
        return render_source(playbook.canned_reply, {**statement_context(playbook, slots), **reply})
    except TemplateError as exc:
        raise StatementRenderError(
            playbook.id, "canned reply", "a case", exc.message or type(exc).__name__
        ) from exc


# --- the check --------------------------------------------------------------------------------------
def target_length(target: str, text: str) -> int:
    """The length as the target counts it: X weighs characters and shortens links, others count them."""
    platform = PLATFORM_OF_TARGET.get(target)
    return platform_length(text, platform) if platform is not None else len(text)


def _and_list(items: list[str]) -> str:
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1]


def _because(reason: str | None) -> str:
    return f" ({reason})" if reason else ""


def _personal_data(text: str, masking: Masking, public_contacts: Sequence[str]) -> list[str]:
    for contact in public_contacts:  # the brand's own helpline or address is meant to be there
        if contact.strip():
            pattern = r"\s+".join(re.escape(word) for word in contact.split())
            text = re.sub(pattern, " ", text, flags=re.IGNORECASE)
    links = _URL_RE.findall(text)
    found = dict(find_personal_data(_URL_RE.sub(" ", text), masking))
    emails_only = masking.model_copy(
        update={"phones": False, "cards": False, "postcodes": False, "order_patterns": []}
    )
    for link in links:
        for kind, count in find_personal_data(link, emails_only).items():
            found[kind] = found.get(kind, 0) + count
    return [_KIND_WORDS.get(kind, kind) for kind in _KIND_WORDS if found.get(kind)]


def check_statement(
    playbook: Playbook,
    target: str,
    text: str,
    masking: Masking,
    *,
    public_contacts: Sequence[str] = (),
) -> list[str]:
    """What blocks approving `text` for `target`, worded for the lead; [] when it may go out.

    `public_contacts` (the config's `BrandVoice.public_contacts`) are the brand's own phone numbers and
    addresses, which a statement may give.
    """
    body = text.strip()
    if not body:
        return ["the text is empty"]
    problems: list[str] = []
    limit = TARGET_LIMITS.get(target)
    length = target_length(target, body)
    if limit is not None and length > limit:
        problems.append(f"{TARGET_LABELS.get(target, target)}: {length} characters, the limit is {limit}")
    forbidden = playbook.forbidden
    for phrase in dict.fromkeys(forbidden.phrases):
        if phrase.strip() and matcher_for((phrase,)).matches(body):
            problems.append(
                f'contains the forbidden phrase "{phrase}"{_because(forbidden.reasons.get(phrase))}'
            )
    for pattern in forbidden.patterns:
        found = re.search(pattern, body, re.IGNORECASE)
        if found:
            problems.append(
                f'contains "{found.group(0)}", which the forbidden pattern "{pattern}" catches'
                f"{_because(forbidden.reasons.get(pattern))}"
            )
    if forbidden.personal_data:
        kinds = _personal_data(body, masking, public_contacts)
        if kinds:
            problems.append(f"contains personal data ({_and_list(kinds)})")
    return problems


__all__ = [
    "CONTEXT_NAMES",
    "StatementRenderError",
    "StatementSlots",
    "check_statement",
    "format_time",
    "render_all",
    "render_canned_reply",
    "render_statement",
    "slots_for",
    "tidy",
]
