"""Every Slack action / callback id socialdesk uses (case cards, SLA alerts, crisis messages and modals,
roll-ups), and the one codec for button values.

Handlers match on these enums and renderers emit them, so a typo cannot silently orphan a button.
Every button ``value`` is a small versioned JSON object (``{"v":1,...}``, `encode_value` /
`read_value`) rather than a bare number, so the shape can grow (a new key, a new version) while
messages already posted in Slack keep decoding: ``{"v":1,"case":42}`` for a case,
``{"v":1,"crisis_id":3,...}`` for a crisis, ``{"v":1,"rollup":7,"page":0}`` for a roll-up page.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

__all__ = [
    "CRISIS_VALUE_VERSION",
    "TRIAGE_EDIT",
    "VALUE_VERSION",
    "ActionId",
    "AlertActionId",
    "CallbackId",
    "CaseAction",
    "CrisisActionId",
    "CrisisCallbackId",
    "CrisisValue",
    "InputId",
    "OverflowOption",
    "RollupActionId",
    "case_block_id",
    "decode_case_value",
    "decode_crisis_value",
    "decode_overflow_value",
    "decode_rollup_value",
    "decode_triage_value",
    "encode_case_value",
    "encode_crisis_value",
    "encode_overflow_value",
    "encode_rollup_value",
    "encode_triage_value",
    "encode_value",
    "read_value",
]


class ActionId(StrEnum):
    """``action_id`` of the interactive elements on a case card."""

    CLAIM = "case.claim"
    REPLY = "case.reply"
    ESCALATE = "case.escalate"
    RESOLVE = "case.resolve"
    OVERFLOW = "case.overflow"
    UNCLAIM = "case.unclaim"
    REOPEN = "case.reopen"
    TRIAGE = "case.triage"  # the card's "Correct triage" menu (a static select)

    @property
    def verb(self) -> str:
        """The short word after ``case.``: what a demo user types (``click #42 claim``)."""
        return self.value.rpartition(".")[2]


# The handlers were first written against this name; one enum, two names, until they settle on one.
CaseAction = ActionId


class AlertActionId(StrEnum):
    """``action_id`` of the buttons on SLA alerts (not on case cards); the value is a case value."""

    SNOOZE_HOUR = "sla.snooze"  # "Snooze 1 h" on a grouped breach alert


class OverflowOption(StrEnum):
    """The choices inside the card's ``case.overflow`` menu; each option's value starts with one."""

    PRIVATE_REPLY = "private_reply"
    UNCLAIM = "unclaim"
    ASSIGN = "assign"
    MARK_SPAM = "mark_spam"
    SHOW_HISTORY = "show_history"


class CallbackId(StrEnum):
    """``callback_id`` of the modals opened from a card; the view handlers match on these."""

    REPLY_MODAL = "case.reply_modal"
    PRIVATE_REPLY_MODAL = "case.private_reply_modal"
    ESCALATE_MODAL = "case.escalate_modal"
    RESOLVE_MODAL = "case.resolve_modal"
    ASSIGN_MODAL = "case.assign_modal"
    TRIAGE_MODAL = "case.triage_modal"


class InputId(StrEnum):
    """``block_id`` of modal inputs (also their ``action_id``): where `response_action: errors` points."""

    REPLY_TEXT = "reply_text"
    REPLY_VISIBILITY = "reply_visibility"
    REPLY_CANNED = "reply_canned"
    REPLY_PUBLIC_ACK = "reply_public_ack"
    ESCALATE_TEAM = "escalate_team"
    ESCALATE_REASON = "escalate_reason"
    RESOLVE_OUTCOME = "resolve_outcome"
    RESOLVE_NOTE = "resolve_note"
    ASSIGN_USER = "assign_user"
    TRIAGE_CATEGORY = "triage_category"
    TRIAGE_PRIORITY = "triage_priority"
    TRIAGE_REPLY = "triage_reply"


class CrisisActionId(StrEnum):
    """``action_id`` of the buttons on crisis messages (war room, early warnings, the review)."""

    START_FROM_WARNING = "crisis.start"  # on an early warning: opens the start modal
    DISMISS_WARNING = "crisis.dismiss"  # on an early warning: "not a crisis"
    APPROVE = "crisis.approve"
    REJECT = "crisis.reject"  # opens a modal for the reason
    PUBLISH = "crisis.publish"
    EDIT = "crisis.edit"  # opens the statement editor (facts, unknowns, actions, or the text itself)
    UPDATE = "crisis.update"  # opens the update modal
    END = "crisis.end"  # opens the end modal (summary for the resolution statement)
    LESSONS = "crisis.lessons"  # on the review: opens the lessons-learned modal
    REDRAFT = "crisis.redraft"  # on the crisis card: draft the next statement from the playbook
    REVIEW = "crisis.review"  # on an ended crisis's card: post the review in the war room

    @property
    def verb(self) -> str:
        return self.value.rpartition(".")[2]


class CrisisCallbackId(StrEnum):
    START = "crisis.start_modal"
    REJECT = "crisis.reject_modal"
    EDIT = "crisis.edit_modal"
    UPDATE = "crisis.update_modal"
    END = "crisis.end_modal"
    LESSONS = "crisis.lessons_modal"


class RollupActionId(StrEnum):
    SHOW_ALL = "rollup.show_all"  # on the channel message: the first page, privately
    # Previous / Next on a private page: the page named in the value, in place. Two ids because Slack
    # wants action ids unique within a block.
    PAGE_PREVIOUS = "rollup.page_previous"
    PAGE_NEXT = "rollup.page_next"


# --- the codec of button values ---------------------------------------------------------------------

VALUE_VERSION = 1
CRISIS_VALUE_VERSION = VALUE_VERSION  # crisis values were versioned on their own; the same 1

# Slack allows 2000 characters in a button value and 150 in an overflow option value; case and roll-up
# values are ~20-35, a crisis value (a warning's summary) can be longer and goes on buttons only.
_MAX_VALUE_CHARS = 150
MAX_BUTTON_VALUE = 2000


def encode_value(fields: Mapping[str, Any], *, limit: int = MAX_BUTTON_VALUE, what: str = "button") -> str:
    """``{"v":1, **fields}``, compact and in the given key order, so one state always renders the same."""
    text = json.dumps({"v": VALUE_VERSION, **fields}, separators=(",", ":"), sort_keys=False)
    if len(text) > limit:  # Slack refuses the whole message over a value too long
        raise ValueError(f"{what} value too long")
    return text


def read_value(value: object, *, what: str, limit: int = MAX_BUTTON_VALUE) -> dict[str, Any]:
    """The JSON object of a value `encode_value` wrote, its version checked; ``ValueError`` on anything
    else (a forged or foreign payload, a value from a newer build)."""
    if not isinstance(value, str) or not value or len(value) > limit:
        raise ValueError(f"not a socialdesk {what} value: {_show(value)}")
    try:
        payload = json.loads(value)
    except json.JSONDecodeError as exc:
        raise ValueError(f"not a socialdesk {what} value (not JSON): {_show(value)}") from exc
    if not isinstance(payload, dict) or "v" not in payload:
        raise ValueError(f"not a socialdesk {what} value (no version): {_show(value)}")
    version = payload["v"]
    if version != VALUE_VERSION or isinstance(version, bool):
        understood = f"this build understands v{VALUE_VERSION}"
        raise ValueError(f"unknown {what} value version {version!r} ({understood})")
    return payload


def encode_case_value(case_id: int) -> str:
    """The ``value`` of every case button: ``{"v":1,"case":42}``."""
    return encode_value({"case": _check_case_id(case_id)}, limit=_MAX_VALUE_CHARS, what="case")


def encode_overflow_value(case_id: int, option: OverflowOption) -> str:
    """An overflow option's value: the option, ``|``, then the case value (``mark_spam|{"v":1,"case":42}``).

    Overflow options carry no separate button value, so the case has to travel inside each option.
    The option leads so a handler (or a person reading a payload log) can see the choice at a glance.
    """
    return f"{OverflowOption(option).value}|{encode_case_value(case_id)}"


TRIAGE_EDIT = "edit"  # the menu's last choice: the form with all three fields
_TRIAGE_PREFIX = "triage:"
_TRIAGE_WORD = re.compile(r"^[a-z0-9-]{1,16}$")


def encode_triage_value(case_id: int, word: str) -> str:
    """A choice in the card's triage menu: ``triage:P2|{"v":1,"case":42}``.

    The word is the one `/social triage` takes (``complaint``, ``P2``, ``no-reply``...) or
    ``edit`` (open the form), so the menu and the command share one vocabulary; the case value
    travels inside each option, as in the overflow menu."""
    if not _TRIAGE_WORD.match(word.lower()):
        raise ValueError(f"not a triage word: {_show(word)}")
    return f"{_TRIAGE_PREFIX}{word}|{encode_case_value(case_id)}"


def decode_triage_value(value: str) -> tuple[int, str]:
    """The case id and the word of a triage menu choice; ``ValueError`` on anything else (the word's
    meaning is checked by the domain, bot/domain/triage_fix.py)."""
    if not isinstance(value, str) or not value.startswith(_TRIAGE_PREFIX) or "|" not in value:
        raise ValueError(f"not a socialdesk triage value: {_show(value)}")
    word, _, case_value = value.removeprefix(_TRIAGE_PREFIX).partition("|")
    if not _TRIAGE_WORD.match(word.lower()):
        raise ValueError(f"triage value names no valid choice: {_show(value)}")
    return decode_case_value(case_value), word


def decode_case_value(value: str) -> int:
    """The case id named by a button value; ``ValueError`` on anything else."""
    payload = read_value(value, what="case", limit=_MAX_VALUE_CHARS)
    unknown = set(payload) - {"v", "case"}
    if unknown:
        raise ValueError(f"case value has unexpected keys {sorted(unknown)}: {_show(value)}")
    case_id = payload.get("case")
    # bool is an int subclass; `true` must not decode as case 1.
    if not isinstance(case_id, int) or isinstance(case_id, bool) or case_id <= 0:
        raise ValueError(f"case value names no valid case: {_show(value)}")
    return case_id


def decode_overflow_value(value: str) -> tuple[int, OverflowOption]:
    """The case id and option named by an overflow option value; ``ValueError`` on anything else."""
    if not isinstance(value, str) or "|" not in value:
        raise ValueError(f"not a socialdesk overflow value (expected 'option|case value'): {_show(value)}")
    op, _, case_value = value.partition("|")
    try:
        option = OverflowOption(op)
    except ValueError as exc:
        raise ValueError(f"overflow value names an unknown option {op[:40]!r}") from exc
    return decode_case_value(case_value), option


def case_block_id(case_id: int, part: str) -> str:
    """A block_id that is stable across re-renders of one card and unique per case: ``case:42:actions``.

    Stable ids let Slack keep an agent's focus/scroll on update, and let a handler see which card
    an action came from without trusting anything but the value.
    """
    return f"case:{_check_case_id(case_id)}:{part}"


@dataclass(frozen=True, slots=True)
class CrisisValue:
    crisis_id: int | None = None
    statement_id: int | None = None
    playbook_id: str | None = None  # early warnings: the playbook to start
    severity: str | None = None
    # Early warnings: what the warning saw ("Spike of negative posts about login on X"). Internal: the
    # start form shows it as context and never fills a public field with it.
    summary: str | None = None
    warning: str | None = None  # early warnings: the warning's notice key, whose cases join the crisis


_CRISIS_KEYS = ("crisis_id", "statement_id", "playbook_id", "severity", "summary", "warning")


def encode_crisis_value(value: CrisisValue) -> str:
    fields = {key: getattr(value, key) for key in _CRISIS_KEYS if getattr(value, key) is not None}
    return encode_value(fields, what="crisis button")


def decode_crisis_value(raw: str) -> CrisisValue:
    """Raises ValueError on anything that is not a value socialdesk wrote."""
    body = read_value(raw, what="crisis")

    def _int(key: str) -> int | None:
        item = body.get(key)
        if item is None:
            return None
        if not isinstance(item, int) or isinstance(item, bool) or item < 1:
            raise ValueError(f"bad {key}")
        return item

    def _str(key: str) -> str | None:
        item = body.get(key)
        if item is None:
            return None
        if not isinstance(item, str) or len(item) > 500:
            raise ValueError(f"bad {key}")
        return item

    return CrisisValue(
        crisis_id=_int("crisis_id"),
        statement_id=_int("statement_id"),
        playbook_id=_str("playbook_id"),
        severity=_str("severity"),
        summary=_str("summary"),
        warning=_str("warning"),
    )


_ROLLUP_KEYS = {"v", "rollup", "page"}


def encode_rollup_value(rollup_id: int, page: int = 0) -> str:
    """A roll-up button: ``{"v":1,"rollup":7,"page":0}`` names the roll-up and the page it opens."""
    if isinstance(rollup_id, bool) or not isinstance(rollup_id, int) or rollup_id <= 0:
        raise ValueError(f"roll-up id must be a positive int, got {rollup_id!r}")
    if isinstance(page, bool) or not isinstance(page, int) or page < 0:
        raise ValueError(f"page must be a non-negative int, got {page!r}")
    return encode_value({"rollup": rollup_id, "page": page}, limit=_MAX_VALUE_CHARS, what="roll-up")


def decode_rollup_value(value: str) -> tuple[int, int]:
    """(roll-up id, page) from a button value; ``ValueError`` on anything else."""
    payload = read_value(value, what="roll-up", limit=_MAX_VALUE_CHARS)
    if set(payload) != _ROLLUP_KEYS:
        raise ValueError("not a socialdesk roll-up value (unknown shape)")
    rollup_id, page = payload["rollup"], payload["page"]
    for number in (rollup_id, page):
        if isinstance(number, bool) or not isinstance(number, int):
            raise ValueError("roll-up value holds a non-integer")
    if rollup_id <= 0 or page < 0:
        raise ValueError("roll-up value names no valid roll-up or page")
    return rollup_id, page


def _check_case_id(case_id: int) -> int:
    if not isinstance(case_id, int) or isinstance(case_id, bool) or case_id <= 0:
        raise ValueError(f"case id must be a positive int, got {case_id!r}")
    return case_id


def _show(value: object) -> str:
    # Values come from Slack payloads; keep error messages short and printable.
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."
