"""What a drain of the inbox did: counts, the cases it touched, and the metric increments it owes."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

from socialdesk.domain.enums import Platform


@dataclass
class DrainReport:
    items: int = 0
    mentions: int = 0
    cases_opened: int = 0
    followups: int = 0
    duplicates: int = 0
    edits: int = 0  # edited reviews that updated the case they opened (bot/ingest/edits.py)
    ignored: int = 0
    failed: int = 0
    survey_answers: int = 0  # bare scores stored on a surveyed case, opening nothing
    case_ids: list[int] = field(default_factory=list)
    # Counter increments of work not committed yet: applied to the metrics once it is (a batch rolled
    # back and worked again one by one must not count its rows twice).
    mention_results: Counter[tuple[str, str]] = field(default_factory=Counter)  # (platform, result)
    inbox_statuses: Counter[str] = field(default_factory=Counter)

    def counted(self, platform: Platform, result: str) -> None:
        self.mention_results[(platform.value, result)] += 1

    def add(self, other: DrainReport) -> None:
        """`other`'s committed work, added to this report."""
        for name in (
            "items",
            "mentions",
            "cases_opened",
            "followups",
            "duplicates",
            "edits",
            "ignored",
            "failed",
            "survey_answers",
        ):
            setattr(self, name, getattr(self, name) + getattr(other, name))
        self.case_ids.extend(other.case_ids)
