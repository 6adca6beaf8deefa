"""An agent's correction of triage (category, priority, "needs a reply"): the words that name one, what
it changes, and the model's answer it is measured against. Pure: no database, no Slack, no clock.

One vocabulary serves the slash command (`/social triage 42 P2`) and the card's menu (each choice's
value carries the same word), so the two cannot drift apart.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from socialdesk.domain.enums import Category, Priority

__all__ = [
    "NEEDS_REPLY_WORD",
    "NO_REPLY_WORD",
    "FieldChange",
    "ModelAnswer",
    "TriageChange",
    "TriageField",
    "TriageValues",
    "accepted_words",
    "bool_text",
    "change_of",
    "model_answer",
    "parse_triage_words",
    "planned_changes",
    "priority_reason",
    "unchanged_message",
    "value_label",
    "values_at_open",
    "with_implied",
]

NO_REPLY_WORD = "no-reply"
NEEDS_REPLY_WORD = "needs-reply"

# Accepted spellings of the reply words (people type what they think it is called).
_NO_REPLY = frozenset({"no-reply", "noreply", "no_reply", "no-reply-needed"})
_NEEDS_REPLY = frozenset({"needs-reply", "needs_reply", "needsreply", "reply"})


class TriageField(StrEnum):
    """The fields an agent can correct; the values stored in `triage_correction.field`."""

    CATEGORY = "category"
    PRIORITY = "priority"
    NEEDS_REPLY = "needs_reply"

    @property
    def label(self) -> str:
        return "needs a reply" if self is TriageField.NEEDS_REPLY else self.value


@dataclass(frozen=True, slots=True)
class TriageChange:
    """What the agent asked for; None leaves a field as it is."""

    category: Category | None = None
    priority: Priority | None = None
    needs_reply: bool | None = None

    @property
    def empty(self) -> bool:
        return self.category is None and self.priority is None and self.needs_reply is None

    def merged(self, other: TriageChange) -> TriageChange:
        """Both changes at once; ``ValueError`` when they ask for two different values of one field."""
        out: dict[str, Any] = {}
        for name in ("category", "priority", "needs_reply"):
            mine, theirs = getattr(self, name), getattr(other, name)
            if mine is not None and theirs is not None and mine != theirs:
                raise ValueError(f"two different values for the {TriageField(name).label}")
            out[name] = mine if mine is not None else theirs
        return TriageChange(**out)


@dataclass(frozen=True, slots=True)
class TriageValues:
    """A case's triage as it stands (or as the model gave it)."""

    category: Category
    priority: Priority
    needs_reply: bool


@dataclass(frozen=True, slots=True)
class FieldChange:
    """One field that a correction really changes, with its values as stored (`bool_text` for booleans)."""

    field: TriageField
    before: str
    after: str


@dataclass(frozen=True, slots=True)
class ModelAnswer:
    """What triage said when the case opened: the model's own answer when ingest recorded it (the
    "opened" event's ``triage`` detail), else the case's values at open. Kept beside each correction."""

    category: str
    priority: str
    needs_reply: bool
    model_version: str = ""


def bool_text(value: bool) -> str:
    return "true" if value else "false"


def change_of(word: str) -> TriageChange:
    """The change one word names: a category, ``P1``..``P4``, ``spam`` (category spam and no reply
    needed), ``no-reply`` or ``needs-reply``. ``ValueError`` (with the words it takes) otherwise."""
    cleaned = word.strip().lower()
    if cleaned == Category.SPAM.value:
        return TriageChange(category=Category.SPAM, needs_reply=False)
    if cleaned in {c.value for c in Category}:
        return TriageChange(category=Category(cleaned))
    if cleaned.upper() in {p.value for p in Priority}:
        return TriageChange(priority=Priority(cleaned.upper()))
    if cleaned in _NO_REPLY:
        return TriageChange(needs_reply=False)
    if cleaned in _NEEDS_REPLY:
        return TriageChange(needs_reply=True)
    raise ValueError(f"`{word[:40]}` is not a category, a priority or a reply setting. {accepted_words()}")


def accepted_words() -> str:
    categories = ", ".join(c.value for c in Category)
    return f"Use one of: {categories}; P1, P2, P3, P4; {NO_REPLY_WORD}, {NEEDS_REPLY_WORD}."


def parse_triage_words(words: Sequence[str]) -> TriageChange:
    """Up to three words, one per field (`incident P1`); ``ValueError`` on an unknown word, a field named
    twice with different values, or no word at all."""
    if not words:
        raise ValueError(f"What should it be? {accepted_words()}")
    if len(words) > 3:
        raise ValueError("At most one category, one priority and one reply setting.")
    change = TriageChange()
    for word in words:
        change = change.merged(change_of(word))
    return change


def with_implied(current: TriageValues, change: TriageChange) -> TriageChange:
    """What a one-word correction implies: spam needs no reply (``change_of`` says so), and a case taken
    out of spam needs a reply again unless the agent said otherwise in the same correction."""
    leaves_spam = (
        change.category is not None
        and change.category is not Category.SPAM
        and current.category is Category.SPAM
    )
    if leaves_spam and change.needs_reply is None and not current.needs_reply:
        return TriageChange(category=change.category, priority=change.priority, needs_reply=True)
    return change


def planned_changes(current: TriageValues, change: TriageChange) -> list[FieldChange]:
    """The fields the change really moves, in a fixed order (category, priority, needs a reply)."""
    out: list[FieldChange] = []
    if change.category is not None and change.category is not current.category:
        out.append(FieldChange(TriageField.CATEGORY, current.category.value, change.category.value))
    if change.priority is not None and change.priority is not current.priority:
        out.append(FieldChange(TriageField.PRIORITY, current.priority.value, change.priority.value))
    if change.needs_reply is not None and change.needs_reply != current.needs_reply:
        out.append(
            FieldChange(
                TriageField.NEEDS_REPLY, bool_text(current.needs_reply), bool_text(change.needs_reply)
            )
        )
    return out


def value_label(field: TriageField | str, value: str) -> str:
    """How a stored value reads in a sentence: ``complaint``, ``P2``, ``yes`` / ``no``."""
    if TriageField(field) is TriageField.NEEDS_REPLY:
        return "yes" if value == "true" else "no"
    return value


def unchanged_message(case_id: int, current: TriageValues, change: TriageChange) -> str:
    """The refusal of a correction that changes nothing, naming what the case already is."""
    already: list[str] = []
    if change.category is not None:
        already.append(f"is already in category {current.category.value}")
    if change.priority is not None:
        already.append(f"is already {current.priority.value}")
    if change.needs_reply is not None:
        already.append("already needs a reply" if current.needs_reply else "already needs no reply")
    return f"#{case_id} {' and '.join(already)}; nothing changed."


def priority_reason(new: Priority, old: Priority, who: str) -> str:
    """The card's priority reason after a correction: ``P2: set by @maria (was P4)``."""
    name = who.strip().lstrip("@") or "an agent"
    return f"{new.value}: set by @{name} (was {old.value})"


def model_answer(opened_detail: Mapping[str, Any] | None, *, at_open: TriageValues) -> ModelAnswer:
    """The model's answer from the "opened" event's ``triage`` detail
    (``{"category", "priority", "needs_reply", "model_version"}``), field by field where present and
    well-formed, else the case's values at open."""
    triage = (opened_detail or {}).get("triage")
    triage = triage if isinstance(triage, Mapping) else {}
    category = triage.get("category")
    priority = triage.get("priority")
    needs_reply = triage.get("needs_reply")
    version = triage.get("model_version")
    return ModelAnswer(
        category=category if category in {c.value for c in Category} else at_open.category.value,
        priority=priority if priority in {p.value for p in Priority} else at_open.priority.value,
        needs_reply=needs_reply if isinstance(needs_reply, bool) else at_open.needs_reply,
        model_version=str(version)[:64] if isinstance(version, str | int | float) else "",
    )


def values_at_open(current: TriageValues, earlier: Iterable[tuple[str, str]]) -> TriageValues:
    """The case's triage before any agent touched it: ``current`` with each field taken back to the
    ``before`` value of its earliest correction. ``earlier`` is (field, before) in the order made."""
    first: dict[str, str] = {}
    for field, before in earlier:
        first.setdefault(field, before)
    category, priority = current.category, current.priority
    needs_reply = current.needs_reply
    if first.get(TriageField.CATEGORY) in {c.value for c in Category}:
        category = Category(first[TriageField.CATEGORY])
    if first.get(TriageField.PRIORITY) in {p.value for p in Priority}:
        priority = Priority(first[TriageField.PRIORITY])
    if first.get(TriageField.NEEDS_REPLY) in ("true", "false"):
        needs_reply = first[TriageField.NEEDS_REPLY] == "true"
    return TriageValues(category, priority, needs_reply)
