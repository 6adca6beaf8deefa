"""The digest's breakdowns in SQL: volume by platform, category and sentiment, negative topics,
escalations, backlog now, canned-reply usage, survey scores and the crises of the period.

Each query groups in the database and returns a handful of rows; the formulas they serve are in
`socialdesk.domain.metrics.breakdown` and `socialdesk.domain.metrics.satisfaction`.
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, cast

from sqlalchemy import Integer, Table, and_, case, func, literal, not_, or_, select
from sqlalchemy import cast as sa_cast
from sqlmodel import Session

from socialdesk.clock import as_utc
from socialdesk.domain.casework import EventKind
from socialdesk.domain.crisis_models import Crisis
from socialdesk.domain.enums import OPEN_STATUSES, ReplyStatus
from socialdesk.domain.metrics import NEGATIVE, Period
from socialdesk.domain.models import Mention, SurveyResponse
from socialdesk.store.digest_repo import (
    CASE,
    EVENT,
    REPLY,
    STREAM_ROWS,
    C,
    epoch_seconds,
    group_key,
    not_spam,
    within,
)

MENTION = cast(Table, Mention.__table__)  # type: ignore[attr-defined]  # SQLModel sets it at class creation
SURVEY = cast(Table, SurveyResponse.__table__)  # type: ignore[attr-defined]
CRISIS = cast(Table, Crisis.__table__)  # type: ignore[attr-defined]
# Enough text for the top words to be stable; a week of a busy desk would otherwise read 100k texts.
MAX_TOPIC_TEXTS = 20_000
QUARTER = 900.0  # seconds


def _which(column: Any, periods: Sequence[Period]) -> Any:
    return case(*((within(column, p), literal(i)) for i, p in enumerate(periods)), else_=literal(-1))


def _any(column: Any, periods: Sequence[Period]) -> Any:
    return or_(*(within(column, p) for p in periods))


def volume_mix(session: Session, periods: Sequence[Period]) -> list[dict[tuple[str, str, str], int]]:
    """For each period, ``count(opened_at in period) group by (platform, category, sentiment)`` (spam
    left out): the SQL behind `metrics.volume_by` and `metrics.sentiment_mix`, all three splits from one
    read of the ``opened_at`` index."""
    which = _which(C.opened_at, periods)
    keys = [group_key(C.platform), group_key(C.category), group_key(C.sentiment)]
    stmt: Any = (
        select(which, *keys, func.count())
        .where(not_spam(), _any(C.opened_at, periods))
        .group_by(which, *keys)
    )
    out: list[dict[tuple[str, str, str], int]] = [{} for _ in periods]
    for index, platform, category, sentiment, count in session.connection().execute(stmt):
        if 0 <= int(index) < len(periods):
            out[int(index)][(str(platform), str(category), str(sentiment))] = int(count)
    return out


def ratings_by_platform(session: Session, periods: Sequence[Period]) -> list[dict[str, dict[int, int]]]:
    """For each period, the reviews posted in it by platform and stars: ``count(mention.posted_at in
    period, rating not null) group by (platform, rating)``, spam cases left out as everywhere. An edited
    review counts once, with its newest stars, in the period it was first posted."""
    posted = MENTION.c.posted_at
    which = _which(posted, periods)
    stmt: Any = (
        select(which, MENTION.c.platform, MENTION.c.rating, func.count())
        .select_from(MENTION.join(CASE, MENTION.c.case_id == C.id))
        .where(MENTION.c.rating.is_not(None), not_spam(), _any(posted, periods))
        .group_by(which, MENTION.c.platform, MENTION.c.rating)
    )
    out: list[dict[str, dict[int, int]]] = [{} for _ in periods]
    for index, platform, rating, count in session.connection().execute(stmt):
        if 0 <= int(index) < len(periods):
            out[int(index)].setdefault(str(platform), {})[int(rating)] = int(count)
    return out


def spam_counts(session: Session, periods: Sequence[Period]) -> list[int]:
    """For each period, the spam cases opened in it (marked or categorised as spam): what every other
    figure leaves out, counted so that the digest can say how much it left out."""
    which = _which(C.opened_at, periods)
    stmt: Any = (
        select(which, func.count()).where(not_(not_spam()), _any(C.opened_at, periods)).group_by(which)
    )
    out = [0 for _ in periods]
    for index, count in session.connection().execute(stmt):
        if 0 <= int(index) < len(periods):
            out[int(index)] = int(count)
    return out


def split(mix: dict[tuple[str, str, str], int], part: int) -> dict[str, int]:
    """One split of a `volume_mix`: 0 platform, 1 category, 2 sentiment."""
    out: dict[str, int] = {}
    for key, count in mix.items():
        out[key[part]] = out.get(key[part], 0) + count
    return out


def negative_by_category(session: Session, period: Period) -> dict[str, tuple[int, int]]:
    """``category -> (negative cases, all cases)`` over the cases opened in the period (for
    `metrics.negative_topics`)."""
    negative = C.sentiment.in_([s.value for s in NEGATIVE])
    key = group_key(C.category)
    stmt = (
        select(key, func.sum(case((negative, 1), else_=0)), func.count())
        .where(not_spam(), within(C.opened_at, period))
        .group_by(key)
    )
    return {str(k): (int(neg or 0), int(total)) for k, neg, total in session.connection().execute(stmt)}


def negative_texts(session: Session, period: Period, *, limit: int = MAX_TOPIC_TEXTS) -> Iterator[str]:
    """The masked texts of the negative mentions of the cases opened in the period (newest first, at
    most ``limit``): what `metrics.top_keywords` reads. Masked, because the digest goes to Slack."""
    m = MENTION.c
    stmt = (
        select(m.text_masked)
        .select_from(MENTION.join(CASE, m.case_id == C.id))
        .where(not_spam(), within(C.opened_at, period), m.sentiment.in_([s.value for s in NEGATIVE]))
        .order_by(m.id.desc())
        .limit(limit)
    )
    for (text,) in session.connection().execute(stmt):
        yield str(text)


def escalation_moves(session: Session, period: Period) -> list[tuple[str, str]]:
    """``(from_team, to_team)`` of every escalation recorded in the period (`metrics.escalations_by_team`)."""
    e = EVENT.c
    stmt = select(e.detail).where(e.kind == EventKind.ESCALATED.value, within(e.at, period))
    moves: list[tuple[str, str]] = []
    for (detail,) in session.connection().execute(stmt):
        detail = detail or {}
        moves.append((str(detail.get("from_team") or "?"), str(detail.get("to_team") or "?")))
    return moves


@dataclass(frozen=True, slots=True)
class OpenCases:
    """The backlog of one team (or everyone) now: how many are open, and the oldest of them."""

    count: int
    oldest_id: int | None
    oldest_opened_at: datetime | None


def backlog_now(session: Session) -> dict[str, OpenCases]:
    """Open cases now per team: ``count(status is open)`` and the open case with the earliest
    ``opened_at`` (lowest id on a tie), as `metrics.open_backlog` / `metrics.oldest_open` at now.
    Reads the status index; the oldest case of each team is then one look-up on ``opened_at``."""
    team = group_key(C.team)
    is_open = and_(C.status.in_([s.value for s in OPEN_STATUSES]), not_spam())  # spam is no backlog
    rows = session.connection().execute(
        select(team, func.count(), func.min(C.opened_at)).where(is_open).group_by(team)
    )
    out: dict[str, OpenCases] = {}
    for name, count, oldest in rows.all():
        oldest_id = None
        if oldest is not None:
            oldest_id = (
                session.connection()
                .execute(select(func.min(C.id)).where(C.opened_at == oldest, C.team == name, is_open))
                .scalar()
            )
        out[str(name)] = OpenCases(int(count), oldest_id, as_utc(oldest) if oldest is not None else None)
    return out


@dataclass(frozen=True, slots=True)
class CrisisRow:
    """A crisis that ran during a period, and how many cases were worked in it."""

    id: int
    title: str
    playbook_id: str
    severity: str
    started_at: datetime
    ended_at: datetime | None
    war_room: str
    cases: int


def crises_in(session: Session, period: Period) -> list[CrisisRow]:
    """The crises that started, ran or ended in the period (``started_at < end`` and not ended before
    its start), oldest first, each with the number of cases tagged with it (the ``crisis_id`` index)."""
    k = CRISIS.c
    rows = (
        session.connection()
        .execute(
            select(k.id, k.title, k.playbook_id, k.severity, k.started_at, k.ended_at, k.war_room)
            .where(k.started_at < period.end, or_(k.ended_at.is_(None), k.ended_at >= period.start))
            .order_by(k.started_at, k.id)
        )
        .all()
    )
    if not rows:
        return []
    ids = [int(r[0]) for r in rows]
    tagged = select(C.crisis_id, func.count()).where(C.crisis_id.in_(ids)).group_by(C.crisis_id)
    counts: dict[int, int] = {int(cid): int(n) for cid, n in session.connection().execute(tagged)}
    return [
        CrisisRow(
            id=int(cid),
            title=str(title),
            playbook_id=str(playbook),
            severity=str(severity),
            started_at=as_utc(started),
            ended_at=as_utc(ended) if ended is not None else None,
            war_room=str(room),
            cases=counts.get(int(cid), 0),
        )
        for cid, title, playbook, severity, started, ended, room in rows
    ]


def canned_counts(session: Session, period: Period) -> dict[str | None, int]:
    """Answers sent in the period per canned reply id (None: written from scratch), surveys left out."""
    r = REPLY.c
    key = r.canned_reply_id
    stmt = (
        select(key, func.count())
        .where(r.status == ReplyStatus.SENT.value, r.purpose.is_(None), within(r.sent_at, period))
        .group_by(key)
    )
    return {(str(k) if k is not None else None): int(n) for k, n in session.connection().execute(stmt)}


def survey_histograms(session: Session, period: Period) -> dict[str, dict[str, dict[int, int]]]:
    """``team -> kind (csat | nps) -> {score: answers}`` for the survey answers received in the period,
    each under its case's current team (for `metrics.csat` / `metrics.nps`). Reads the received_at index."""
    s = SURVEY.c
    team = group_key(C.team)
    stmt = (
        select(team, s.kind, s.score, func.count())
        .select_from(SURVEY.join(CASE, s.case_id == C.id))
        .where(within(s.received_at, period))
        .group_by(team, s.kind, s.score)
    )
    out: dict[str, dict[str, dict[int, int]]] = {}
    for name, kind, score, count in session.connection().execute(stmt):
        out.setdefault(str(name), {}).setdefault(str(kind), {})[int(score)] = int(count)
    return out


def arrivals(session: Session, period: Period) -> Iterator[tuple[float, float | None]]:
    """For the chart: each case opened in the period as ``(opened_at, first response time)`` in epoch
    seconds, the wait None while unanswered. Reads the ``opened_at`` index; one small row per case."""
    raw = epoch_seconds(C.first_response_at) - epoch_seconds(C.opened_at)
    wait = case((C.first_response_at.is_(None), None), (raw > 0, raw), else_=0.0)
    stmt = select(epoch_seconds(C.opened_at), wait).where(not_spam(), within(C.opened_at, period))
    for opened, waited in session.connection().execute(stmt.execution_options(yield_per=STREAM_ROWS)):
        yield float(opened), (None if waited is None else float(waited))


def sla_by_day(session: Session, days: Sequence[Period]) -> list[tuple[int, int]]:
    """``(met, counted)`` of the first-response SLA for each of ``days`` (consecutive periods), by the
    rules of `metrics.sla_tally`: each case is put in the day its SLA was decided, in one scan.

    SQL groups by quarter-hour since the first day's start (plain arithmetic, instead of testing 14
    ranges per row) and Python puts each quarter in its day: every time zone's midnight falls on a
    quarter hour, so no quarter straddles two days, even across a clock change.
    """
    if not days:
        return []
    met = and_(C.first_response_at.is_not(None), C.first_response_at <= C.first_response_due)
    decided = case((met, C.first_response_at), else_=C.first_response_due)
    applies = and_(
        # No reply needed (praise, chatter) or opened from history: no SLA clock, never met nor missed.
        C.needs_reply.is_(True),
        C.historical.is_(False),
        or_(
            C.first_response_at.is_not(None),
            C.resolved_at.is_(None),
            C.resolved_at > C.first_response_due,
        ),
    )
    window = Period(days[0].start, days[-1].end)
    origin = window.start.timestamp()
    quarter = sa_cast((epoch_seconds(decided) - origin) / QUARTER, Integer)
    stmt = (
        select(quarter, func.sum(case((met, 1), else_=0)), func.count())
        .where(
            not_spam(),
            applies,
            # On the decision time only, which no index serves: with indexes on the answer and due
            # times SQLite would read 14 days of cases through them, row by row, slower than one scan.
            within(decided, window),
        )
        .group_by(quarter)
    )
    starts = [d.start.timestamp() for d in days]
    out = [[0, 0] for _ in days]
    for q, hits, count in session.connection().execute(stmt):
        # The quarter's middle, so float noise at a boundary cannot tip it into the previous day.
        index = bisect_right(starts, origin + (int(q) + 0.5) * QUARTER) - 1
        if 0 <= index < len(days):
            out[index][0] += int(hits or 0)
            out[index][1] += int(count)
    return [(hits, count) for hits, count in out]
