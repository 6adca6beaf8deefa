"""The review over time: the windows before, during and after the crisis with their figures
(`read_figures`), and the chart over them (`read_chart`, `render_png`).

During is ``[start, end or now)``; before is as long, just before it; after is as long again after the
end, cut at now (and missing while the crisis runs). Mentions are counted by their post time; the case
figures use the definitions in `socialdesk.domain.metrics`, applied to the cases *opened* in each window: a
review asks how long the people who wrote during the crisis waited, wherever their answer fell.

The chart shows mentions per hour (per 10 minutes when the whole range is under 6 hours), the negative
ones stacked at the bottom, the crisis shaded and each published statement marked. A PNG drawn like
`socialdesk.slack.blocks.digest_chart`: a `Figure` on its own Agg canvas, never `pyplot` (no global state,
any thread).

The data travels as JSON on the outbox row and is drawn when the upload goes out (`png_from_json`),
so the row stays a few kilobytes, as the digest's does.
"""

from __future__ import annotations

import io
import math
from collections.abc import Iterable
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from sqlalchemy import Table, case, func, select
from sqlmodel import Session

from socialdesk.clock import as_utc
from socialdesk.domain import metrics
from socialdesk.domain.crisis_review import Figures, ReviewChart, Window
from socialdesk.domain.metrics import NEGATIVE, CaseFacts, Period
from socialdesk.domain.models import Mention
from socialdesk.store.digest_repo import CASE, C, within

if TYPE_CHECKING:
    from socialdesk.domain.crisis_review import CrisisReview

MENTION: Table = Mention.__table__  # type: ignore[attr-defined]  # SQLModel sets it at class creation
M = MENTION.c
# Case figures count what was answered or decided by the time of the review: from the beginning of time.
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
# Below this range the chart counts per 10 minutes, else per hour.
FINE_RANGE = timedelta(hours=6)
MAX_TICKS = 24
_VOLUME_COLOUR = "#4a7bd0"  # the digest's colours, so the two charts read alike
_NEGATIVE_COLOUR = "#d9534f"
_STATEMENT_COLOUR = "#2e8b57"
_CRISIS_SHADE = "#f0ad4e"


# --- figures ---------------------------------------------------------------------------------------


def read_figures(
    session: Session, crisis_id: int, *, started: datetime, ended: datetime | None, now: datetime
) -> Figures:
    """The three windows of a crisis (see the module docstring) and their figures."""
    end = max(ended or now, started)  # a clock behind the start gives an empty crisis, not an error
    length = end - started
    spans = {"before": Period(started - length, started), "during": Period(started, end)}
    note = "The crisis is still running: there is no after yet."
    if ended is not None:
        after_end = max(min(ended + length, now), ended)
        spans["after"] = Period(ended, after_end)
        note = "" if after_end == ended + length else "So far: the after window is still filling."
    whole = Period(spans["before"].start, spans.get("after", spans["during"]).end)
    facts = _case_facts(session, whole)
    windows = {name: _window(session, crisis_id, name, span, facts, now) for name, span in spans.items()}
    return Figures(windows["before"], windows["during"], windows.get("after"), note)


def _window(
    session: Session, crisis_id: int, name: str, span: Period, facts: list[CaseFacts], now: datetime
) -> Window:
    negative = case((M.sentiment.in_([s.value for s in NEGATIVE]), 1), else_=0)
    tagged = case((C.crisis_id == crisis_id, 1), else_=0)
    stmt = (
        select(func.count(), func.sum(negative), func.sum(tagged), func.avg(M.sentiment_score))
        .select_from(MENTION.outerjoin(CASE, M.case_id == C.id))
        .where(within(M.posted_at, span))
    )
    count, negatives, crisis_mentions, mean = session.connection().execute(stmt).one()
    cohort = [f for f in facts if f.opened_at in span]
    upto_now = Period(_EPOCH, max(now, _EPOCH))
    waits = metrics.first_response_times(cohort, upto_now)
    met, counted = metrics.sla_tally(cohort, upto_now)
    return Window(
        name=name,
        start=span.start,
        end=span.end,
        mentions=int(count or 0),
        crisis_mentions=int(crisis_mentions or 0),
        negative=int(negatives or 0),
        mean_score=None if mean is None else float(mean),
        cases_opened=metrics.volume(cohort, span),
        answered=len(waits),
        frt_median=metrics.median(waits),
        frt_p90=metrics.nearest_rank(waits, 90),
        sla_met=met,
        sla_counted=counted,
    )


def _case_facts(session: Session, span: Period) -> list[CaseFacts]:
    """The measured fields of the cases opened in ``span``: only the columns the figures read."""
    stmt = select(
        C.id,
        C.team,
        C.platform,
        C.priority,
        C.status,
        C.opened_at,
        C.first_response_due,
        C.first_response_at,
        C.resolved_at,
    ).where(within(C.opened_at, span))
    return [
        CaseFacts(
            case_id=int(row.id),
            team=row.team,
            platform=row.platform,
            priority=row.priority,
            status=row.status,
            opened_at=as_utc(row.opened_at),
            first_response_due=as_utc(row.first_response_due),
            first_response_at=as_utc(row.first_response_at) if row.first_response_at else None,
            resolved_at=as_utc(row.resolved_at) if row.resolved_at else None,
        )
        for row in session.connection().execute(stmt)
    ]


# --- chart -----------------------------------------------------------------------------------------


def read_chart(
    session: Session,
    figures: Figures,
    *,
    title: str,
    statements: Iterable[tuple[datetime, str]],
    now: datetime,
    timezone: str,
) -> ReviewChart:
    """The chart over ``figures``' windows; ``statements`` are ``(published_at, kind)``."""
    first = figures.before.start
    last = max(figures.after.end if figures.after is not None else now, first)
    # Two columns per mention, streamed: a loud crisis may have tens of thousands.
    rows = session.connection().execute(
        select(M.posted_at, M.sentiment).where(within(M.posted_at, Period(first, last)))
    )
    return chart_series(
        title=title,
        timezone=timezone,
        first=first,
        last=last,
        posts=((as_utc(at), sentiment in NEGATIVE) for at, sentiment in rows),
        crisis_start=figures.during.start,
        crisis_end=figures.during.end,
        statements=statements,
    )


def chart_series(
    *,
    title: str,
    timezone: str,
    first: datetime,
    last: datetime,
    posts: Iterable[tuple[datetime, bool]],
    crisis_start: datetime,
    crisis_end: datetime,
    statements: Iterable[tuple[datetime, str]],
) -> ReviewChart:
    """Counts ``posts`` (``(posted_at, negative)``, as they stream from the database) into buckets
    covering ``[first, last)``."""
    minutes = 10 if last - first < FINE_RANGE else 60
    size = minutes * 60
    # Buckets on round clock times (14:00, 14:10), so the axis reads like a clock.
    start = datetime.fromtimestamp(first.timestamp() // size * size, UTC)
    count = max(1, math.ceil((last.timestamp() - start.timestamp()) / size))
    mentions, negative = [0] * count, [0] * count
    for posted_at, is_negative in posts:
        if not first <= posted_at < last:
            continue
        index = int((posted_at.timestamp() - start.timestamp()) // size)
        if 0 <= index < count:
            mentions[index] += 1
            negative[index] += is_negative
    return ReviewChart(
        title=f"{title}; mentions per {'10 minutes' if minutes == 10 else 'hour'} ({timezone})",
        timezone=timezone,
        bucket_minutes=minutes,
        start=start,
        mentions=tuple(mentions),
        negative=tuple(negative),
        crisis_start=crisis_start,
        crisis_end=crisis_end,
        statements=tuple(sorted(statements)),
    )


def chart_to_json(chart: ReviewChart) -> dict[str, Any]:
    return {
        "title": chart.title,
        "timezone": chart.timezone,
        "bucket_minutes": chart.bucket_minutes,
        "start": chart.start.isoformat(),
        "mentions": list(chart.mentions),
        "negative": list(chart.negative),
        "crisis_start": chart.crisis_start.isoformat(),
        "crisis_end": chart.crisis_end.isoformat(),
        "statements": [[at.isoformat(), kind] for at, kind in chart.statements],
    }


def chart_from_json(data: dict[str, Any]) -> ReviewChart:
    return ReviewChart(
        title=str(data["title"]),
        timezone=str(data["timezone"]),
        bucket_minutes=int(data["bucket_minutes"]),
        start=datetime.fromisoformat(data["start"]),
        mentions=tuple(int(v) for v in data["mentions"]),
        negative=tuple(int(v) for v in data["negative"]),
        crisis_start=datetime.fromisoformat(data["crisis_start"]),
        crisis_end=datetime.fromisoformat(data["crisis_end"]),
        statements=tuple((datetime.fromisoformat(at), str(kind)) for at, kind in data["statements"]),
    )


def _labels(chart: ReviewChart) -> tuple[list[int], list[str]]:
    """At most `MAX_TICKS` bucket starts, in local time; the day is named where it changes."""
    zone = ZoneInfo(chart.timezone)
    step = max(1, math.ceil(len(chart.mentions) / MAX_TICKS))
    ticks = list(range(0, len(chart.mentions), step))
    labels: list[str] = []
    previous = None
    for index in ticks:
        local = (chart.start + timedelta(minutes=chart.bucket_minutes * index)).astimezone(zone)
        labels.append(f"{local:%H:%M}" if local.date() == previous else f"{local:%d %b}\n{local:%H:%M}")
        previous = local.date()
    return ticks, labels


def render_png(chart: ReviewChart) -> bytes:
    """The chart as PNG bytes: one panel, 1000 x 520 pixels."""
    # Imported here, not at the top: matplotlib is ~30 MB in every process that imports the app (the
    # web process, each Slack listener process), and only the digest and review jobs draw.
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    figure = Figure(figsize=(10, 5.2), dpi=100, layout="constrained")
    FigureCanvasAgg(figure)
    axes = figure.subplots()
    size = chart.bucket_minutes * 60

    def x(at: datetime) -> float:  # bucket i spans [i, i + 1)
        return (at.timestamp() - chart.start.timestamp()) / size

    xs = [i + 0.05 for i in range(len(chart.mentions))]  # a thin gap between buckets
    others = [m - n for m, n in zip(chart.mentions, chart.negative, strict=True)]
    axes.axvspan(x(chart.crisis_start), x(chart.crisis_end), color=_CRISIS_SHADE, alpha=0.18, label="crisis")
    axes.bar(
        xs, chart.negative, width=0.9, align="edge", color=_NEGATIVE_COLOUR, alpha=0.85, label="negative"
    )
    axes.bar(
        xs,
        others,
        width=0.9,
        align="edge",
        bottom=chart.negative,
        color=_VOLUME_COLOUR,
        alpha=0.8,
        label="other mentions",
    )
    top = max([*chart.mentions, 1]) * 1.2  # headroom, so the statement labels never sit on the data
    for index, (at, kind) in enumerate(chart.statements):
        axes.axvline(
            x(at),
            color=_STATEMENT_COLOUR,
            linestyle="--",
            linewidth=1.2,
            label="statement published" if index == 0 else None,
        )
        axes.annotate(
            kind, (x(at), top * 0.97), rotation=90, ha="right", va="top", fontsize=7, color=_STATEMENT_COLOUR
        )
    ticks, labels = _labels(chart)
    axes.set_xticks(ticks, labels, fontsize=8)
    axes.set_xlim(0, len(xs))
    axes.set_ylim(0, top)
    axes.set_ylabel(
        "mentions per hour" if chart.bucket_minutes == 60 else f"mentions per {chart.bucket_minutes} min"
    )
    axes.set_title(chart.title, loc="left", fontsize=11)
    axes.grid(axis="y", alpha=0.3)
    # Below the plot: above it, the statement labels would run into it.
    figure.legend(
        *axes.get_legend_handles_labels(), loc="outside lower center", ncols=4, fontsize=8, frameon=False
    )
    if chart.empty:
        axes.text(0.5, 0.5, "No mentions in this period", transform=axes.transAxes, ha="center", va="center")
    out = io.BytesIO()
    # No timestamp or version in the file: the same data gives the same bytes.
    figure.savefig(out, format="png", metadata={"Software": None})
    return out.getvalue()


def png_from_json(data: dict[str, Any]) -> bytes:
    """What the outbox's upload draws from the row's ``chart`` (see `socialdesk.crisis.review_post`)."""
    return render_png(chart_from_json(data))


def review_chart_png(review: CrisisReview) -> bytes:
    return render_png(review.chart)
