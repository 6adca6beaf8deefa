"""What a Slack card shows about a case: built by the case service, rendered by pure functions."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from bot.domain.enums import CaseStatus, Category, MentionKind, Platform, Priority, Sentiment


@dataclass(frozen=True, slots=True)
class AuthorView:
    id: str
    handle: str
    name: str
    followers: int | None
    verified: bool
    url: str | None


@dataclass(frozen=True, slots=True)
class HistoryView:
    """The customer's earlier cases with us (same platform and author), newest first."""

    total: int = 0
    resolved: int = 0
    escalated: int = 0
    spam: int = 0
    open: int = 0
    recent: tuple[tuple[int, CaseStatus, datetime], ...] = ()  # (case id, status, opened_at)


@dataclass(frozen=True, slots=True)
class MentionView:
    id: int
    case_id: int
    platform: Platform
    kind: MentionKind
    is_private: bool
    author: AuthorView
    text_masked: str
    url: str | None
    posted_at: datetime
    sentiment: Sentiment
    sentiment_score: float


@dataclass(frozen=True, slots=True)
class CaseView:
    id: int
    platform: Platform
    status: CaseStatus
    priority: Priority
    priority_reason: str
    category: Category
    sentiment: Sentiment
    sentiment_score: float
    is_private: bool
    team: str
    author: AuthorView
    first: MentionView  # the mention that opened the case
    opened_at: datetime
    first_response_due: datetime
    first_response_at: datetime | None
    assignee: str | None
    mention_count: int
    history: HistoryView = field(default_factory=HistoryView)
    claimed_at: datetime | None = None
    outcome: str | None = None
    now: datetime | None = None  # rendering time, for "due in 12 min"; renderers never read a clock
