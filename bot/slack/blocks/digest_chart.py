"""The digest's chart: arrivals per hour (or per day for the week) with the median first response of
those arrivals, above the SLA compliance of the last 14 days. A PNG drawn with matplotlib's Agg canvas.

The figure is built on `matplotlib.figure.Figure` with its own Agg canvas, never through `pyplot`: no
global state, no GUI backend, safe on the scheduler's thread.
"""

from __future__ import annotations

import io
from bisect import bisect_right
from collections.abc import Iterable, Sequence
from datetime import UTC, date, datetime, timedelta
from typing import Any, Literal
from zoneinfo import ZoneInfo

from socialdesk.domain.digest import ChartData
from socialdesk.domain.metrics import Period, local_days, median

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
_VOLUME_COLOUR = "#4a7bd0"
_FRT_COLOUR = "#d9534f"
_SLA_COLOUR = "#2e8b57"


def _edges(period: Period, tz: str, by: Literal["hour", "day"]) -> tuple[list[float], list[str]]:
    """Bucket starts (epoch seconds) and their local labels. Hours are counted from the period's start,
    so a day when the clocks change has 23 or 25 of them, each labelled with its local wall time; days
    start at local midnight."""
    zone = ZoneInfo(tz)
    if by == "day":
        first = period.start.astimezone(zone).date()
        count = round((period.end - period.start) / timedelta(days=1))
        days = [first + timedelta(days=i) for i in range(count)]
        return [local_days(d, d, tz).start.timestamp() for d in days], [f"{d:%a %d}" for d in days]
    start, end = period.start.timestamp(), period.end.timestamp()
    edges = [start + 3600.0 * i for i in range(round((end - start) / 3600.0))]
    labels = [f"{datetime.fromtimestamp(e, UTC).astimezone(zone):%H}" for e in edges]
    return edges, labels


def arrival_series(
    arrivals: Iterable[tuple[float, float | None]], period: Period, tz: str, *, by: Literal["hour", "day"]
) -> tuple[list[str], list[int], list[float | None]]:
    """``(labels, cases opened per bucket, median first response in minutes per bucket)``.

    ``arrivals`` are ``(opened_at, wait)`` in epoch seconds, the wait None while unanswered. The
    response line shows the cases that arrived in each bucket (`metrics.median` of their waits), so a
    burst and the slower answers it caused line up; unanswered cases have no wait yet and are left out.
    """
    edges, labels = _edges(period, tz, by)
    volume = [0] * len(edges)
    waits: list[list[float]] = [[] for _ in edges]
    end = period.end.timestamp()
    for opened, wait in arrivals:
        index = bisect_right(edges, opened) - 1
        if 0 <= index < len(edges) and opened < end:
            volume[index] += 1
            if wait is not None:
                waits[index].append(wait / 60)
    return labels, volume, [median(w) for w in waits]


def sla_series(
    title: str,
    labels: list[str],
    volume: list[int],
    frt_minutes: list[float | None],
    days: Sequence[Period],
    sla: Sequence[tuple[int, int]],
    tz: str,
) -> ChartData:
    """The chart's data; SLA compliance per day is ``met / counted`` (`metrics.sla_compliance`)."""
    zone = ZoneInfo(tz)
    return ChartData(
        title=title,
        buckets=labels,
        volume=volume,
        frt_minutes=frt_minutes,
        sla_days=[d.start.astimezone(zone).date() for d in days],
        sla=[met / counted if counted else None for met, counted in sla],
    )


def chart_to_json(chart: ChartData) -> dict[str, Any]:
    """The chart's data as JSON, kept on its outbox row: the PNG is drawn when the upload goes out."""
    return {
        "title": chart.title,
        "buckets": chart.buckets,
        "volume": chart.volume,
        "frt_minutes": chart.frt_minutes,
        "sla_days": [d.isoformat() for d in chart.sla_days],
        "sla": chart.sla,
    }


def chart_from_json(data: dict[str, Any]) -> ChartData:
    return ChartData(
        title=str(data["title"]),
        buckets=[str(b) for b in data["buckets"]],
        volume=[int(v) for v in data["volume"]],
        frt_minutes=[None if v is None else float(v) for v in data["frt_minutes"]],
        sla_days=[date.fromisoformat(d) for d in data["sla_days"]],
        sla=[None if v is None else float(v) for v in data["sla"]],
    )


def render_png(chart: ChartData) -> bytes:
    """The chart as PNG bytes (about 60 KB): two panels, 1000 x 640 pixels."""
    # Imported here, not at the top: matplotlib is ~30 MB in every process that imports the app (the
    # web process, each Slack listener process), and only the digest and review jobs draw.
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    figure = Figure(figsize=(10, 6.4), dpi=100, layout="constrained")
    FigureCanvasAgg(figure)
    top, bottom = figure.subplots(2, 1, height_ratios=(3, 2))
    xs = list(range(len(chart.buckets)))
    top.bar(xs, chart.volume, color=_VOLUME_COLOUR, alpha=0.8, label="cases opened")
    top.set_ylabel("cases opened")
    top.set_xticks(xs, chart.buckets, fontsize=8, rotation=0 if len(xs) <= 25 else 90)
    top.set_xlim(-0.6, max(len(xs) - 0.4, 0.4))
    top.set_title(chart.title, loc="left", fontsize=11)
    right = top.twinx()
    points = [(x, v) for x, v in zip(xs, chart.frt_minutes, strict=True) if v is not None]
    if points:
        right.plot(
            *zip(*points, strict=True),
            color=_FRT_COLOUR,
            marker="o",
            markersize=3,
            label="median first response",
        )
    right.set_ylabel("median first response (min)", color=_FRT_COLOUR)
    # Headroom above the tallest bar and point, so the legend never sits on the data.
    top.set_ylim(0, max([*chart.volume, 1]) * 1.3)
    right.set_ylim(0, max([v for _, v in points] + [1]) * 1.3)
    top.legend(
        handles=[*top.get_legend_handles_labels()[0], *right.get_legend_handles_labels()[0]],
        loc="upper center",
        ncols=2,
        fontsize=8,
        frameon=False,
    )
    days = [f"{d:%d %b}" for d in chart.sla_days]
    day_xs = list(range(len(days)))
    known = [(x, v * 100) for x, v in zip(day_xs, chart.sla, strict=True) if v is not None]
    if known:
        bottom.plot(*zip(*known, strict=True), color=_SLA_COLOUR, marker="o", markersize=4)
        for x, v in known:
            bottom.annotate(
                f"{v:.0f}%", (x, v), textcoords="offset points", xytext=(0, 5), ha="center", fontsize=7
            )
    bottom.set_xticks(day_xs, days, fontsize=8)
    bottom.set_ylim(0, 105)
    bottom.set_ylabel("SLA met (%)")
    bottom.set_title(f"First-response SLA compliance, last {len(days)} days", loc="left", fontsize=10)
    bottom.grid(axis="y", alpha=0.3)
    if chart.empty:
        top.text(0.5, 0.5, "No cases in this period", transform=top.transAxes, ha="center", va="center")
    out = io.BytesIO()
    # No timestamp or version in the file: the same data gives the same bytes.
    figure.savefig(out, format="png", metadata={"Software": None})
    return out.getvalue()
