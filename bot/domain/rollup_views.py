"""What the roll-up message and its private "Show all" pages show: plain data, built by
bot/store/rollup_repo.py and drawn by bot/slack/blocks/rollup_view.py."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from socialdesk.domain.enums import CaseStatus, Category, Platform, Priority


@dataclass(frozen=True, slots=True)
class RollupCase:
    """One case as a roll-up lists it: masked text only, like every card."""

    case_id: int
    priority: Priority
    platform: Platform
    status: CaseStatus
    assignee: str | None
    author_handle: str
    author_id: str
    text_masked: str


@dataclass(frozen=True, slots=True)
class RollupView:
    rollup_id: int
    topic: Category
    now: datetime
    first_at: datetime
    last_at: datetime
    closes_at: datetime
    case_count: int  # counted from the cases, not the row's counter: what it shows is the truth
    promoted: int
    by_platform: list[tuple[Platform, int]]
    by_priority: list[tuple[Priority, int]]
    samples: list[RollupCase]


@dataclass(frozen=True, slots=True)
class RollupPage:
    rollup_id: int
    topic: Category
    page: int  # from 0
    page_size: int
    total: int
    cases: list[RollupCase]

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.page_size))
