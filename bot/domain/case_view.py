"""What a Slack card shows about a case: built by the case service, rendered by pure functions."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from socialdesk.domain.enums import CaseStatus, Category, MentionKind, Platform, Priority, Sentiment


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
    # A review's stars (1-5) and its details as (label, value): title, app version, location, territory.
    rating: int | None = None
    details: tuple[tuple[str, str], ...] = ()
    edited_at: datetime | None = None  # the customer's last edit of the review (None: never edited)
    edit_count: int = 0


def enrichment_tags(enrichment: Mapping[str, Any]) -> tuple[str, ...]:
    """Every tag enricher plugins put on a case (`Case.enrichment`), once each, sorted."""
    return tuple(sorted({str(tag) for entry in enrichment.values() for tag in entry.get("tags", [])}))


@dataclass(frozen=True, slots=True)
class CardSectionView:
    """A plugin's section on the card: a title and (label, value) pairs, plain text, already cut to size."""

    title: str
    fields: tuple[tuple[str, str], ...]


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
    # The SLA clock that runs now ("first_response" until answered, then "resolution" if the config
    # sets a target; None when none runs), its level (ok, at_risk, breached, paged) and due time.
    sla_clock: str | None = None
    sla_level: str = "ok"
    sla_due: datetime | None = None
    sla_paused: bool = False  # the resolution clock stands still while the customer is being waited on
    snoozed_until: datetime | None = None  # a lead silenced SLA alerts until then
    # Why no SLA clock runs at all ("spam", "no reply needed", "history"); None when one does.
    no_clock: str | None = None
    needs_reply: bool = True  # False: spam, praise and the like; no SLA clock (an agent can change it)
    tags: tuple[str, ...] = ()  # what enricher plugins tagged the case with
    sections: tuple[CardSectionView, ...] = ()  # plugins' card sections, computed before rendering
    # The platform reported that our latest sent reply never reached the customer (WhatsApp `failed`).
    undelivered: str | None = None


@dataclass(frozen=True, slots=True)
class SlaAlertView:
    """One case in an SLA alert, as it stands when the alert is sent."""

    case_id: int
    clock: str  # first_response or resolution
    level: str  # the level alerted
    due: datetime
    priority: Priority
    platform: Platform
    team: str
    opened_at: datetime
    assignee: str | None
    author_handle: str
    snippet: str  # the first mention's masked text
    still_due: bool  # False when the case was answered / resolved between the scan and the send
    card_channel: str | None  # where the card is, for a link to it
    card_ts: str | None
    now: datetime
