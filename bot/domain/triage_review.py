"""The weekly review's triage figures: how often agents corrected triage on the cases opened in the
week, by the category and the priority triage gave them, and how often the model agreed with agents
per field. Pure: built from `socialdesk.store.triage_review_repo`'s tallies, drawn by
`socialdesk.slack.blocks.triage_review_view`.

A case counts as corrected in a field when its value now differs from what triage gave it at open
(the value before its first correction of that field): set back to the original, it agrees again.
Corrections are counted whenever they were made, up to when the review is built. Every case opened in
the week counts, spam included: spam triage missed is a disagreement like any other.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from socialdesk.domain.enums import Category, Priority

FIELDS = ("category", "priority", "needs_reply")

# (category, priority, needs_reply) as stored now -> cases opened in the week
Values = tuple[str, str, bool]


@dataclass(frozen=True, slots=True)
class CorrectedCase:
    """A case of the week with at least one correction: its values now, and each corrected field's
    value at open (the `from_value` of its first correction)."""

    now: Values
    at_open: Mapping[str, str]


@dataclass(frozen=True, slots=True)
class TriageTallies:
    cases: Mapping[Values, int] = field(default_factory=dict)
    corrected: Sequence[CorrectedCase] = ()


@dataclass(frozen=True, slots=True)
class Share:
    """Cases corrected among those triage put in one group (a category, a priority)."""

    name: str
    corrected: int
    cases: int

    @property
    def share(self) -> float | None:
        return self.corrected / self.cases if self.cases else None


@dataclass(frozen=True, slots=True)
class TriageReview:
    cases: int  # opened in the week
    corrected: int  # with at least one field that differs from triage's answer
    by_category: list[Share]  # by the category triage gave, most cases first
    by_priority: list[Share]  # P1..P4
    agreement: dict[str, float | None]  # per field: 1 - share of cases corrected in it

    @property
    def share(self) -> float | None:
        return self.corrected / self.cases if self.cases else None


def _at_open(case: CorrectedCase) -> Values:
    category, priority, needs_reply = case.now
    reply = case.at_open.get("needs_reply")
    return (
        case.at_open.get("category", category),
        case.at_open.get("priority", priority),
        needs_reply if reply not in ("true", "false") else reply == "true",
    )


def triage_review(tallies: TriageTallies) -> TriageReview:
    by_category: Counter[str] = Counter()
    by_priority: Counter[str] = Counter()
    for (category, priority, _), n in tallies.cases.items():
        by_category[category] += n
        by_priority[priority] += n
    total = sum(tallies.cases.values())
    fixed_category: Counter[str] = Counter()
    fixed_priority: Counter[str] = Counter()
    per_field: Counter[str] = Counter()
    corrected = 0
    for case in tallies.corrected:
        # Counted now under its corrected values: the groups are what triage said, so move it back.
        original = _at_open(case)
        by_category[case.now[0]] -= 1
        by_priority[case.now[1]] -= 1
        by_category[original[0]] += 1
        by_priority[original[1]] += 1
        differs = [name for name, was, now in zip(FIELDS, original, case.now, strict=True) if was != now]
        if not differs:
            continue
        corrected += 1
        per_field.update(differs)
        fixed_category[original[0]] += 1
        fixed_priority[original[1]] += 1
    order = {c.value: i for i, c in enumerate(Category)}
    categories = sorted(
        (Share(name, fixed_category[name], n) for name, n in by_category.items() if n > 0),
        key=lambda s: (-s.cases, order.get(s.name, len(order)), s.name),
    )
    priorities = sorted(
        (Share(name, fixed_priority[name], n) for name, n in by_priority.items() if n > 0),
        key=lambda s: (Priority(s.name).rank if s.name in {p.value for p in Priority} else 9, s.name),
    )
    agreement = {name: (1 - per_field[name] / total if total else None) for name in FIELDS}
    return TriageReview(total, corrected, categories, priorities, agreement)
