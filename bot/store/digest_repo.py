"""The digest's core figures added up in SQL: one pass over the cases for several periods at once.

A week of a busy desk is hundreds of thousands of cases: copying them into Python as `CaseFacts` would
take seconds and hundreds of megabytes. These queries return counts per team and period instead, with
the same selections as the definitions in `socialdesk.domain.metrics` (`tally_of` there is the reference;
`tests/integration/test_digest_sql.py` checks both agree). Percentiles need the sample: one float per
answered case comes back, and the definitions rank it.

Time arithmetic goes through `epoch_seconds`, compiled per database: SQLite keeps datetimes as text.
"""

from __future__ import annotations

from array import array
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, fields, replace
from datetime import UTC, timedelta
from typing import Any, cast

from sqlalchemy import (
    ColumnElement,
    Float,
    String,
    Table,
    and_,
    case,
    exists,
    func,
    literal,
    literal_column,
    not_,
    null,
    or_,
    select,
    type_coerce,
)
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.functions import FunctionElement
from sqlmodel import Session

from socialdesk.domain.casework import EventKind
from socialdesk.domain.enums import CaseStatus, Category, ReplyStatus
from socialdesk.domain.metrics import FCR_REOPEN_WINDOW, Period, Tally, WaitStats, median, nearest_rank
from socialdesk.domain.models import Case, CaseEvent, PlatformReply

# Core tables: these queries are built from column expressions, not ORM entities.
CASE = cast(Table, Case.__table__)  # type: ignore[attr-defined]  # SQLModel sets it at class creation
EVENT = cast(Table, CaseEvent.__table__)  # type: ignore[attr-defined]
REPLY = cast(Table, PlatformReply.__table__)  # type: ignore[attr-defined]
C = CASE.c
OVERALL = "*"  # the group key of "all teams" in `frt_stats`
STREAM_ROWS = 20_000  # rows fetched at a time by the queries that return one row per case


class epoch_seconds(FunctionElement[float]):
    """Seconds since 1970 of a datetime column, as a float, on SQLite (text) and PostgreSQL."""

    type = Float()
    inherit_cache = True
    name = "epoch_seconds"


@compiles(epoch_seconds, "sqlite")
def _epoch_sqlite(element: Any, compiler: Any, **kw: Any) -> str:
    return f"((julianday({compiler.process(element.clauses, **kw)}) - 2440587.5) * 86400.0)"


@compiles(epoch_seconds, "postgresql")
def _epoch_postgresql(element: Any, compiler: Any, **kw: Any) -> str:
    return f"CAST(EXTRACT(EPOCH FROM {compiler.process(element.clauses, **kw)}) AS DOUBLE PRECISION)"


def millis(start: Any, end: Any) -> Any:
    """``end - start`` in whole milliseconds. Rounded row by row: SQLite's julianday arithmetic carries
    float noise below a millisecond, and sums of whole numbers stay exact."""
    return func.round((epoch_seconds(end) - epoch_seconds(start)) * 1000)


def within(column: Any, period: Period) -> ColumnElement[bool]:
    """``start <= column < end``, bound as UTC (SQLite compares the stored naive UTC text)."""
    return and_(column >= period.start.astimezone(UTC), column < period.end.astimezone(UTC))


def group_key(column: Any) -> Any:
    """A column to GROUP BY as an expression: on a plain column SQLite walks that column's index to
    skip a sort of a few groups, reading a million rows in index order (4x slower than a scan)."""
    return type_coerce(column, String).concat(literal_column("''"))


def _flag(condition: ColumnElement[bool]) -> Any:
    return case((condition, 1), else_=0)


def quick_reopen(case_id: Any) -> ColumnElement[bool]:
    """The case was reopened within `FCR_REOPEN_WINDOW` of a resolution (`metrics.quickest_reopen`):
    a reopen event no later than 7 days after the latest resolution at or before it, or with no
    resolution before it at all (timing unknown counts as quick)."""
    reopen, closed = EVENT.alias("reopen"), EVENT.alias("closed")
    prior = (
        select(func.max(epoch_seconds(closed.c.at)))
        .where(
            closed.c.case_id == reopen.c.case_id,
            closed.c.kind.in_([EventKind.RESOLVED.value, EventKind.SPAM.value]),
            closed.c.at <= reopen.c.at,
        )
        .scalar_subquery()
    )
    window = FCR_REOPEN_WINDOW.total_seconds()
    return exists().where(
        reopen.c.case_id == case_id,
        reopen.c.kind == EventKind.REOPENED.value,
        or_(prior.is_(None), epoch_seconds(reopen.c.at) - prior <= window),
    )


def first_contact() -> ColumnElement[bool]:
    """`metrics.is_first_contact` in SQL: one reply, no escalation, no quick reopen."""
    return and_(
        C.reply_count == 1,
        C.escalation_count == 0,
        or_(C.reopen_count == 0, not_(quick_reopen(C.id))),
    )


def not_spam() -> ColumnElement[bool]:
    """`CaseFacts.is_spam` in SQL: marked as spam by an agent, or categorised as spam by triage."""
    return and_(C.status != CaseStatus.SPAM, C.category != Category.SPAM)


def bucket(column: Any, periods: Sequence[Period]) -> Any:
    """The index of the period ``column`` falls in, or -1."""
    return case(*((within(column, p), literal(i)) for i, p in enumerate(periods)), else_=literal(-1))


def _touches(periods: Sequence[Period]) -> ColumnElement[bool]:
    span = Period(min(p.start for p in periods), max(p.end for p in periods))
    return or_(
        within(C.opened_at, span),
        within(C.first_response_at, span),
        within(C.first_response_due, span),
        within(C.resolved_at, span),
    )


@dataclass(frozen=True, slots=True)
class PeriodTallies:
    """One period's tallies: per team, for everyone, and the cases each agent resolved and answered."""

    teams: dict[str, Tally]
    overall: Tally
    resolved_by: dict[str, int]  # assignee -> cases resolved in the period
    first_waits: dict[str, WaitStats]  # agent -> the first responses they sent in the period


def _tally_rows(session: Session, periods: Sequence[Period]) -> Any:
    """Cases grouped by team, by the period each of their moments falls in (opened, answered, due,
    resolved), and by the facts the figures test; `counts` then adds each group to its periods. Each row
    computes four period look-ups and seven flags, rather than eleven conditional sums per period."""
    resolved = C.status == CaseStatus.RESOLVED
    b_res = bucket(C.resolved_at, periods)
    counted_resolution = and_(resolved, b_res >= 0)
    replied = and_(counted_resolution, C.reply_count >= 1)
    claimed = and_(counted_resolution, C.claimed_at.is_not(None))
    span = millis(C.claimed_at, C.resolved_at)
    # `metrics.resolution_rate`'s cohort: resolved before the end of the period the case opened in.
    cohort = case(
        *((within(C.opened_at, p), _flag(C.resolved_at < p.end.astimezone(UTC))) for p in periods), else_=0
    )
    # `metrics.sla_compliance`: a miss is decided at the due time, unless the case was closed unanswered
    # before it (then the SLA never applied).
    # Cases without an SLA clock (no reply needed, history) are neither met nor missed.
    clocked = and_(C.needs_reply.is_(True), C.historical.is_(False))
    missed = and_(
        clocked,
        or_(
            C.first_response_at > C.first_response_due,
            and_(
                C.first_response_at.is_(None),
                or_(C.resolved_at.is_(None), C.resolved_at > C.first_response_due),
            ),
        ),
    )
    buckets = [bucket(c, periods) for c in (C.opened_at, C.first_response_at, C.first_response_due)]
    flags = [
        and_(clocked, C.first_response_at <= C.first_response_due),
        missed,
        resolved,
        and_(resolved, cohort == 1),
        replied,
        # Evaluated only for replied resolved cases: the EXISTS behind it runs for the few reopened ones.
        case((replied, _flag(first_contact())), else_=0) == 1,
        claimed,
    ]
    # Packed into two integers, so the GROUP BY sorts on four keys instead of thirteen.
    base = len(periods) + 1
    where = sum(((b + 1) * base**i for i, b in enumerate([*buckets, b_res])), literal(0))
    facts = sum((_flag(f) * (1 << i) for i, f in enumerate(flags)), literal(0))
    keys = [
        group_key(C.team).label("team"),
        case((counted_resolution, C.assignee), else_=None).label("agent"),
        where.label("buckets"),
        facts.label("flags"),
    ]
    handling = func.sum(case((and_(claimed, span > 0), span), else_=0)).label("handling")
    stmt = (
        select(*keys, func.count().label("n"), handling).where(not_spam(), _touches(periods)).group_by(*keys)
    )
    return session.connection().execute(stmt).mappings()


@dataclass(frozen=True, slots=True)
class Counts:
    """`counts` of one period, before the first response percentiles are added (`combine`)."""

    teams: dict[str, Tally]
    resolved_by: dict[str, int]


def tallies(session: Session, periods: Sequence[Period]) -> list[PeriodTallies]:
    """For each period: a `Tally` per team (the case's current team) and overall, with first response
    percentiles, and the agents' counts for `metrics.agent_table` (for the first period).

    Two passes over the cases the periods touch, whatever the number of periods: `counts` and
    `frt_stats` (independent, so a caller may run them side by side and `combine` them).
    """
    return combine(counts(session, periods), frt_stats(session, periods))


def counts(session: Session, periods: Sequence[Period]) -> list[Counts]:
    """For each period, the counts of a `Tally` per team, and the cases each assignee resolved."""
    found: list[dict[str, dict[str, Any]]] = [{} for _ in periods]
    resolved_by: list[dict[str, int]] = [{} for _ in periods]

    def add(index: int, team: str, name: str, value: Any) -> None:
        if 0 <= index < len(periods):
            group = found[index].setdefault(team, {})
            group[name] = group.get(name, 0) + value

    base = len(periods) + 1
    for row in _tally_rows(session, periods) if periods else ():
        team, n, packed, bits = str(row["team"]), int(row["n"]), int(row["buckets"]), int(row["flags"])
        b_open, b_answer, b_due, b_res = ((packed // base**i) % base - 1 for i in range(4))
        met, missed, resolved, cohort, replied, fc, claimed = ((bits >> i) & 1 for i in range(7))
        add(b_open, team, "opened", n)
        add(b_open, team, "resolved_of_opened", n * cohort)
        add(b_answer, team, "answered", n)
        add(b_answer, team, "sla_met", n * met)
        add(b_due, team, "sla_missed", n * missed)
        if resolved and b_res >= 0:
            add(b_res, team, "resolved", n)
            add(b_res, team, "replied_resolved", n * replied)
            add(b_res, team, "first_contact", n * fc)
            add(b_res, team, "handled", n * claimed)
            add(b_res, team, "handling", float(row["handling"] or 0))
            if row["agent"] is not None:
                agent = str(row["agent"])
                resolved_by[b_res][agent] = resolved_by[b_res].get(agent, 0) + n
    return [
        Counts({name: _tally(c) for name, c in sorted(by_team.items())}, by_agent)
        for by_team, by_agent in zip(found, resolved_by, strict=True)
    ]


def combine(
    counted: Sequence[Counts], waits: Sequence[dict[tuple[str, str], WaitStats]]
) -> list[PeriodTallies]:
    """`counts` and `frt_stats` of the same periods, together."""
    out: list[PeriodTallies] = []
    for period_counts, stats in zip(counted, waits, strict=True):
        teams = {name: _with_waits(t, stats.get(("team", name))) for name, t in period_counts.teams.items()}
        out.append(
            PeriodTallies(
                teams=teams,
                overall=_with_waits(_sum(teams.values()), stats.get(("all", OVERALL))),
                resolved_by=period_counts.resolved_by,
                first_waits={name: w for (kind, name), w in stats.items() if kind == "agent"},
            )
        )
    return out


def _tally(c: dict[str, Any]) -> Tally:
    met = int(c.get("sla_met", 0))
    return Tally(
        opened=int(c.get("opened", 0)),
        answered=int(c.get("answered", 0)),
        sla_met=met,
        sla_counted=met + int(c.get("sla_missed", 0)),
        resolved=int(c.get("resolved", 0)),
        resolved_of_opened=int(c.get("resolved_of_opened", 0)),
        replied_resolved=int(c.get("replied_resolved", 0)),
        first_contact=int(c.get("first_contact", 0)),
        handled=int(c.get("handled", 0)),
        handling=timedelta(milliseconds=float(c.get("handling", 0))),
    )


def _with_waits(tally: Tally, stats: WaitStats | None) -> Tally:
    if stats is None:
        return tally
    return replace(tally, frt_median=stats.median, frt_p90=stats.p90)


def _sum(parts: Iterable[Tally]) -> Tally:
    """Counts added up; percentiles do not add, so they are left for `frt_stats` to fill."""
    names = [f.name for f in fields(Tally) if f.name not in ("frt_median", "frt_p90")]
    total: dict[str, Any] = {name: getattr(Tally(), name) for name in names}
    for part in parts:
        for name in names:
            total[name] = total[name] + getattr(part, name)
    return Tally(**total)


def first_replier() -> Any:
    """Who sent a case's first reply: the author of its earliest sent answer (surveys and other brand
    messages, which carry a `purpose`, are not answers)."""
    r = REPLY.c
    return (
        select(r.actor)
        .where(r.case_id == C.id, r.status == ReplyStatus.SENT, r.purpose.is_(None))
        .order_by(r.sent_at, r.id)
        .limit(1)
        .scalar_subquery()
    )


def frt_stats(
    session: Session, periods: Sequence[Period], *, agents: bool = True, teams: bool = True
) -> list[dict[tuple[str, str], WaitStats]]:
    """For each period, `WaitStats` of the first response times of the cases first answered in it
    (`metrics.wait_stats`), keyed ``("team", name)``, ``("all", OVERALL)`` and, for the first period
    only, ``("agent", user id)`` (who sent the first reply: one index look-up per case, so only where
    the agent table needs it). ``teams=False`` keeps only the overall figure (the review's history).

    The waits come back as one float per answered case and are ranked in Python by the definitions
    themselves: that is faster than a window function over a union on SQLite, and a week of waits is a
    few megabytes as `array('d')`.
    """
    if not periods:
        return []
    raw = millis(C.opened_at, C.first_response_at)
    agent = case((within(C.first_response_at, periods[0]), first_replier()), else_=None) if agents else null()
    stmt = select(
        bucket(C.first_response_at, periods), group_key(C.team), agent, case((raw > 0, raw), else_=0)
    ).where(not_spam(), or_(*(within(C.first_response_at, p) for p in periods)))
    samples: list[dict[tuple[str, str], array[float]]] = [{} for _ in periods]
    # Streamed (a server-side cursor on PostgreSQL): a week of waits never sits in memory twice.
    for index, team, who, wait in session.connection().execute(stmt.execution_options(yield_per=STREAM_ROWS)):
        if not 0 <= int(index) < len(periods):
            continue
        groups = samples[int(index)]
        keys = [("all", OVERALL)] + ([("team", str(team))] if teams else [])
        if who is not None:
            keys.append(("agent", str(who)))
        for key in keys:
            groups.setdefault(key, array("d")).append(float(wait))
    return [{key: _stats(values) for key, values in groups.items()} for groups in samples]


def _stats(values: array[float]) -> WaitStats:
    # `metrics.wait_stats` on plain floats (the same `median` and `nearest_rank`), to timedelta at the end.
    ordered = sorted(values)
    return WaitStats(len(ordered), _millis(median(ordered)), _millis(nearest_rank(ordered, 90)))


def _millis(value: float | None) -> timedelta | None:
    return None if value is None else timedelta(milliseconds=value)


__all__ = [
    "OVERALL",
    "Counts",
    "PeriodTallies",
    "bucket",
    "combine",
    "counts",
    "epoch_seconds",
    "first_contact",
    "first_replier",
    "frt_stats",
    "group_key",
    "millis",
    "not_spam",
    "quick_reopen",
    "tallies",
    "within",
]
