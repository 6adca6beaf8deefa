"""SQLModel tables. Times are stored as timezone-aware UTC (naive on SQLite; read back with `as_utc`)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Column, DateTime, Index, Integer, Text, UniqueConstraint
from sqlmodel import Field, SQLModel

from socialdesk.domain.column_types import EnumText, PlatformText
from socialdesk.domain.enums import (
    CaseStatus,
    Category,
    InboxStatus,
    MentionKind,
    OutboxStatus,
    Platform,
    Priority,
    ReplyStatus,
    ReplyVisibility,
    Sentiment,
)


def _ts(index: bool = False, nullable: bool = True) -> Any:
    return Field(default=None, sa_column=Column(DateTime(timezone=True), index=index, nullable=nullable))


class InboxItem(SQLModel, table=True):
    """A raw inbound request body, made durable before the platform is told 200."""

    __tablename__ = "inbox"
    __table_args__ = (UniqueConstraint("source", "body_sha256", name="uq_inbox_source_body"),)

    id: int | None = Field(default=None, primary_key=True)
    source: str = Field(index=True, max_length=32)
    received_at: datetime = Field(sa_column=Column(DateTime(timezone=True), nullable=False, index=True))
    body_sha256: str = Field(max_length=64)
    body: str = Field(sa_column=Column(Text, nullable=False))
    content_type: str = Field(default="", max_length=128)
    status: InboxStatus = Field(
        default=InboxStatus.PENDING, sa_column=Column(EnumText(InboxStatus), nullable=False, index=True)
    )
    reason: str | None = Field(default=None, sa_column=Column(Text))
    attempts: int = 0
    processed_at: datetime | None = _ts()


class Mention(SQLModel, table=True):
    """One inbound post, comment, review or direct message, normalized."""

    __tablename__ = "mention"
    __table_args__ = (
        UniqueConstraint("platform", "external_id", name="uq_mention_platform_external"),
        Index("ix_mention_platform_author", "platform", "author_id"),
    )

    id: int | None = Field(default=None, primary_key=True)
    platform: Platform = Field(sa_column=Column(PlatformText(), nullable=False))
    external_id: str = Field(max_length=512)
    kind: MentionKind = Field(sa_column=Column(EnumText(MentionKind), nullable=False))
    is_private: bool = False
    conversation_key: str = Field(index=True, max_length=256)
    parent_external_id: str | None = Field(default=None, index=True, max_length=512)
    case_id: int | None = Field(default=None, foreign_key="case.id", index=True)
    inbox_id: int | None = Field(default=None, foreign_key="inbox.id")

    author_id: str = Field(max_length=128)
    author_handle: str = Field(default="", max_length=128)
    author_name: str = Field(default="", max_length=256)
    author_followers: int | None = None
    author_verified: bool = False
    author_url: str | None = Field(default=None, max_length=512)

    # The unmasked text is kept only so that a reply can quote/answer it; Slack only ever sees text_masked.
    text_raw: str = Field(sa_column=Column(Text, nullable=False))
    text_masked: str = Field(sa_column=Column(Text, nullable=False))
    url: str | None = Field(default=None, max_length=1024)
    extra: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    posted_at: datetime = Field(sa_column=Column(DateTime(timezone=True), nullable=False))
    # Indexed for the early warning's minute-by-minute count of recent mentions (bot/crisis/early_warning.py).
    received_at: datetime = Field(sa_column=Column(DateTime(timezone=True), nullable=False, index=True))

    sentiment_score: float = 0.0
    sentiment: Sentiment = Field(
        default=Sentiment.NEUTRAL, sa_column=Column(EnumText(Sentiment), nullable=False)
    )
    category: Category = Field(default=Category.OTHER, sa_column=Column(EnumText(Category), nullable=False))
    slack_ts: str | None = Field(default=None, max_length=32)  # the thread message, for follow-ups
    # A review's stars (1-5) and what the card shows beside its text, as [label, value] pairs (title, app
    # version, location); see NormalizedMention.rating/details.
    rating: int | None = None
    details: list[list[str]] = Field(
        default_factory=list, sa_column=Column(JSON, nullable=False, server_default="[]")
    )
    # An edited review updates this row in place (the text, rating and details above are its newest
    # version; each earlier one is kept, masked, in the case's `edited` event): when it last changed and
    # how often.
    edited_at: datetime | None = _ts()
    edit_count: int = Field(default=0, sa_column=Column(Integer, nullable=False, server_default="0"))


class Case(SQLModel, table=True):
    """One customer's conversation on one platform: the unit of work; `id` is the public #number."""

    __tablename__ = "case"

    id: int | None = Field(default=None, primary_key=True)
    platform: Platform = Field(sa_column=Column(PlatformText(), nullable=False))
    conversation_key: str = Field(index=True, max_length=256)
    status: CaseStatus = Field(
        default=CaseStatus.NEW, sa_column=Column(EnumText(CaseStatus), nullable=False, index=True)
    )
    priority: Priority = Field(default=Priority.P4, sa_column=Column(EnumText(Priority), nullable=False))
    priority_reason: str = Field(default="", max_length=512)
    category: Category = Field(default=Category.OTHER, sa_column=Column(EnumText(Category), nullable=False))
    sentiment: Sentiment = Field(
        default=Sentiment.NEUTRAL, sa_column=Column(EnumText(Sentiment), nullable=False)
    )
    is_private: bool = False
    team: str = Field(index=True, max_length=64)
    route: str = Field(default="", max_length=128)  # the routing rule that chose the team

    author_id: str = Field(max_length=128)
    author_handle: str = Field(default="", max_length=128)
    author_name: str = Field(default="", max_length=256)

    opened_at: datetime = Field(sa_column=Column(DateTime(timezone=True), nullable=False, index=True))
    first_response_due: datetime = Field(sa_column=Column(DateTime(timezone=True), nullable=False))
    first_response_at: datetime | None = _ts()
    last_activity_at: datetime = Field(sa_column=Column(DateTime(timezone=True), nullable=False))
    resolved_at: datetime | None = _ts()
    assignee: str | None = Field(default=None, max_length=32)
    mention_count: int = 1

    # Measures kept on the case so that digests compute FRT, AHT, FCR and resolution rate exactly.
    claimed_at: datetime | None = _ts()
    reply_count: int = 0
    escalation_count: int = 0
    reopen_count: int = 0
    outcome: str | None = Field(default=None, max_length=64)

    # SLA clocks beyond the first response (see bot/domain/sla.py and the SLA scan).
    resolution_due: datetime | None = _ts()
    sla_level: str = Field(default="ok", max_length=16)  # ok, at_risk, breached, paged: never goes back
    snoozed_until: datetime | None = _ts()  # a lead silenced alerts for this case until then
    waiting_since: datetime | None = _ts()  # waiting on the customer since (the resolution clock pauses)
    paused_seconds: int = 0  # total time spent waiting on the customer
    resolution_level: str = Field(default="ok", max_length=16)  # sla_level's twin for the resolution clock
    # When the SLA scan must next look at the case (the next level of a running clock, or a snooze's
    # end). Working-time thresholds cannot be computed in SQL, so this is what makes the scan one
    # indexed range read instead of a loop over every open case. It may be early, never late: the scan
    # recomputes from the due times and moves it on (NULL when no clock is left to watch).
    sla_check_at: datetime | None = _ts()

    slack_channel: str | None = Field(default=None, max_length=32)
    slack_ts: str | None = Field(default=None, max_length=32)
    # The crisis whose keywords the case matched while it ran: its card goes to the war room, it gets
    # the playbook's SLA targets and the crisis reply is offered first (bot/crisis/intake.py).
    crisis_id: int | None = Field(default=None, index=True)
    # The flood roll-up the case joined instead of getting a card at once (bot/flood/); kept after a
    # promotion to its own card, so the roll-up's count stays the number of cases it collected.
    rollup_id: int | None = Field(default=None, index=True)
    # False for spam, praise and other posts that ask nothing of us: no SLA clock, no nudge, no page.
    # Triage sets it; an agent can change it from the card (`/social triage`), see bot/triage/.
    needs_reply: bool = True
    # True when the case was opened from history (an import, or a post older than the alerting age):
    # it is a case like any other but never alerts about the past.
    historical: bool = False
    # What enricher plugins added: {"<plugin>": {"tags": [...], "fields": {"name": "value"}}}; shown by
    # card sections and `/social show` (see socialdesk.plugins.Enricher).
    enrichment: dict[str, Any] = Field(
        default_factory=dict, sa_column=Column(JSON, nullable=False, server_default="{}")
    )
    version: int = 0


Index("ix_case_author", Case.platform, Case.author_id)
# The queue's order (`/social queue`, the Home tab): most urgent open cases first, overall and per team.
_CASE_TABLE: Any = Case.__table__  # type: ignore[attr-defined]  # SQLModel sets it at class creation
Index("ix_case_queue", *(_CASE_TABLE.c[n] for n in ("status", "priority", "first_response_due", "id")))
Index("ix_case_team_queue", *(_CASE_TABLE.c[n] for n in ("team", "status", "priority", "first_response_due")))
# The SLA scan's range read; partial, so answered and finished cases (NULL) take no room in it.
Index(
    "ix_case_sla_check",
    _CASE_TABLE.c.sla_check_at,
    sqlite_where=_CASE_TABLE.c.sla_check_at.isnot(None),
    postgresql_where=_CASE_TABLE.c.sla_check_at.isnot(None),
)


class CaseEvent(SQLModel, table=True):
    """Audit trail: every state change of a case, who did it and when."""

    __tablename__ = "case_event"

    id: int | None = Field(default=None, primary_key=True)
    case_id: int = Field(foreign_key="case.id", index=True)
    at: datetime = Field(sa_column=Column(DateTime(timezone=True), nullable=False))
    actor: str = Field(max_length=64)  # a Slack user id, or "system"
    kind: str = Field(max_length=32)
    detail: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))


class PluginState(SQLModel, table=True):
    """A small value the plugin machinery keeps between runs: the event relay's cursor, a poll cursor."""

    __tablename__ = "plugin_state"

    key: str = Field(primary_key=True, max_length=128)
    value: str = Field(max_length=512)
    updated_at: datetime = Field(sa_column=Column(DateTime(timezone=True), nullable=False))


class OutboxMessage(SQLModel, table=True):
    """A Slack Web API call waiting to be made: the only road from socialdesk to Slack."""

    __tablename__ = "slack_outbox"
    __table_args__ = (Index("ix_outbox_due", "status", "next_attempt_at"),)

    id: int | None = Field(default=None, primary_key=True)
    dedupe_key: str = Field(unique=True, max_length=200)
    method: str = Field(max_length=64)
    channel: str = Field(max_length=80)
    payload: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    # Card posts set case_id so that the returned ts is stored on the case; thread posts and updates
    # name the case whose card ts they need, and wait until it exists.
    case_id: int | None = Field(default=None, index=True)
    mention_id: int | None = None
    needs_case_ts: bool = False
    status: OutboxStatus = Field(
        default=OutboxStatus.PENDING, sa_column=Column(EnumText(OutboxStatus), nullable=False)
    )
    attempts: int = 0
    created_at: datetime = Field(sa_column=Column(DateTime(timezone=True), nullable=False))
    next_attempt_at: datetime = Field(sa_column=Column(DateTime(timezone=True), nullable=False))
    sent_at: datetime | None = _ts()
    result_ts: str | None = Field(default=None, max_length=32)
    last_error: str | None = Field(default=None, sa_column=Column(Text))


class Cursor(SQLModel, table=True):
    """Poller positions (X mentions `since_id` / `next_token`) that must survive restarts."""

    __tablename__ = "cursor"

    key: str = Field(primary_key=True, max_length=128)
    value: str = Field(default="", sa_column=Column(Text, nullable=False))
    updated_at: datetime = Field(sa_column=Column(DateTime(timezone=True), nullable=False))


class SlackChannel(SQLModel, table=True):
    """Channel name -> id, learned from conversations.create / info, so names in config stay readable."""

    __tablename__ = "slack_channel"

    name: str = Field(primary_key=True, max_length=80)
    channel_id: str = Field(max_length=32)


class PlatformReply(SQLModel, table=True):
    """One answer to a customer on the platform. The unique `idempotency_key` (the click or command that
    asked for it) is written before the platform is called, so one click can never send twice."""

    __tablename__ = "platform_reply"

    id: int | None = Field(default=None, primary_key=True)
    idempotency_key: str = Field(unique=True, max_length=200)
    case_id: int = Field(foreign_key="case.id", index=True)
    mention_id: int | None = Field(default=None, foreign_key="mention.id")
    actor: str = Field(max_length=64)
    visibility: ReplyVisibility = Field(sa_column=Column(EnumText(ReplyVisibility), nullable=False))
    platform: Platform = Field(sa_column=Column(PlatformText(), nullable=False))
    text: str = Field(sa_column=Column(Text, nullable=False))
    canned_reply_id: str | None = Field(default=None, max_length=64)
    # None for an agent's answer. Set for a brand message that is not an answer ("survey:csat"): it is
    # sent like a reply but never stops the SLA clock or counts as a response (bot/casework/replies.py).
    purpose: str | None = Field(default=None, max_length=32)
    status: ReplyStatus = Field(
        default=ReplyStatus.PENDING, sa_column=Column(EnumText(ReplyStatus), nullable=False, index=True)
    )
    created_at: datetime = Field(sa_column=Column(DateTime(timezone=True), nullable=False))
    attempted_at: datetime | None = _ts()
    sent_at: datetime | None = _ts()
    external_id: str | None = Field(default=None, max_length=128)  # the platform's id of our reply
    error_kind: str | None = Field(default=None, max_length=32)
    error: str | None = Field(default=None, sa_column=Column(Text))


class Notice(SQLModel, table=True):
    """Every alert, nudge, page and digest, recorded under a unique key before it goes out, so that
    replicas, retries and restarts send each one exactly once (e.g. `sla:42:breached`,
    `digest:daily:2026-11-24`)."""

    __tablename__ = "notice"

    id: int | None = Field(default=None, primary_key=True)
    key: str = Field(unique=True, max_length=200)
    kind: str = Field(max_length=32, index=True)
    case_id: int | None = Field(default=None, index=True)
    created_at: datetime = Field(sa_column=Column(DateTime(timezone=True), nullable=False))
    sent_at: datetime | None = _ts()
    detail: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))


class SurveyResponse(SQLModel, table=True):
    """A satisfaction score for a case: CSAT 1-5 or NPS 0-10, from a reply or a survey tool."""

    __tablename__ = "survey_response"
    __table_args__ = (UniqueConstraint("case_id", "kind", "source_ref", name="uq_survey_case_kind_ref"),)

    id: int | None = Field(default=None, primary_key=True)
    case_id: int = Field(foreign_key="case.id", index=True)
    kind: str = Field(max_length=8)  # csat or nps
    score: int
    source: str = Field(max_length=16)  # reply or webhook
    source_ref: str = Field(max_length=200)  # the mention id or the survey tool's response id
    comment: str | None = Field(default=None, sa_column=Column(Text))
    received_at: datetime = Field(sa_column=Column(DateTime(timezone=True), nullable=False, index=True))


class TriageCorrection(SQLModel, table=True):
    """An agent's correction of triage: what the model said, what the agent chose, on the masked text.

    Kept as a labelled example: the weekly review counts them and `socialdesk triage train
    --from-corrections` learns from them. Only the masked text is stored, never the raw one."""

    __tablename__ = "triage_correction"

    id: int | None = Field(default=None, primary_key=True)
    case_id: int = Field(foreign_key="case.id", index=True)
    at: datetime = Field(sa_column=Column(DateTime(timezone=True), nullable=False, index=True))
    actor: str = Field(max_length=64)
    field: str = Field(max_length=16)  # category, priority or needs_reply
    from_value: str = Field(max_length=32)
    to_value: str = Field(max_length=32)
    platform: str = Field(max_length=32)
    text_masked: str = Field(sa_column=Column(Text, nullable=False))
    # The model's own answer at ingest (not the rules' override), so agreement is measured on the model.
    model_category: str = Field(default="", max_length=32)
    model_priority: str = Field(default="", max_length=8)
    model_needs_reply: bool = True
    model_version: str = Field(default="", max_length=64)


# The crisis tables live in their own module; importing it here registers them with every user of these.
from socialdesk.domain import crisis_models as _crisis_models  # noqa: E402,F401
from socialdesk.domain import rollup_models as _rollup_models  # noqa: E402,F401
