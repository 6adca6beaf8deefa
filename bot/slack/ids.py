"""Every Slack action / callback id socialdesk uses, and the codec for the case payload on buttons.

Handlers match on these enums and renderers emit them, so a typo cannot silently orphan a button.
The button ``value`` is a tiny versioned JSON object rather than a bare number so that the shape can
grow (a new key, a new version) while cards already posted in Slack keep decoding.
"""

from __future__ import annotations

import json
import re
from enum import StrEnum
from typing import Any

__all__ = [
    "TRIAGE_EDIT",
    "VALUE_VERSION",
    "ActionId",
    "AlertActionId",
    "CallbackId",
    "CaseAction",
    "InputId",
    "OverflowOption",
    "case_block_id",
    "decode_case_value",
    "decode_overflow_value",
    "decode_triage_value",
    "encode_case_value",
    "encode_overflow_value",
    "encode_triage_value",
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


VALUE_VERSION = 1

# Slack allows 2000 characters in a button value and 150 in an overflow option value; ours are ~20-35.
_MAX_VALUE_CHARS = 150


def encode_case_value(case_id: int) -> str:
    """The ``value`` of every case button: ``{"v":1,"case":42}``."""
    return _encode({"v": VALUE_VERSION, "case": _check_case_id(case_id)})


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
    if not isinstance(value, str) or not value or len(value) > _MAX_VALUE_CHARS:
        raise ValueError(f"not a socialdesk case value: {_show(value)}")
    try:
        payload = json.loads(value)
    except json.JSONDecodeError as exc:
        raise ValueError(f"not a socialdesk case value (not JSON): {_show(value)}") from exc
    if not isinstance(payload, dict) or "v" not in payload:
        raise ValueError(f"not a socialdesk case value (no version): {_show(value)}")
    version = payload["v"]
    if version != VALUE_VERSION or isinstance(version, bool):
        raise ValueError(f"unknown case value version {version!r} (this build understands v{VALUE_VERSION})")
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


def _encode(payload: dict[str, Any]) -> str:
    # Compact separators keep the value small and byte-stable, so the same case always renders the same card.
    return json.dumps(payload, separators=(",", ":"), sort_keys=False)


def _check_case_id(case_id: int) -> int:
    if not isinstance(case_id, int) or isinstance(case_id, bool) or case_id <= 0:
        raise ValueError(f"case id must be a positive int, got {case_id!r}")
    return case_id


def _show(value: object) -> str:
    # Values come from Slack payloads; keep error messages short and printable.
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."
