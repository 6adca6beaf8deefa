"""The digest's Block Kit (socialdesk.slack.blocks.digest_view) on hand-built digests: valid for Slack per
the stand-in's validator, the arrows and points, "no data" dashes, escaping, limits, the weekly review and
the text preview; and the chart (socialdesk.slack.blocks.digest_chart): buckets in local time, a PNG, data
that survives JSON."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime, timedelta

from socialdesk.domain import metrics
from socialdesk.domain.digest import (
    CannedUse,
    ChartData,
    Count,
    CrisisInPeriod,
    Digest,
    GroupReport,
    OpenNow,
    Review,
    Satisfaction,
)
from socialdesk.domain.enums import Sentiment
from socialdesk.domain.metrics import AgentRow, Figures, Outcome, Shift, Topic, local_days
from socialdesk.slack.blocks.digest_chart import (
    PNG_SIGNATURE,
    arrival_series,
    chart_from_json,
    chart_to_json,
    render_png,
    sla_series,
)
from socialdesk.slack.blocks.digest_view import arrow, arrow_points, as_text, render_digest
from socialdesk.standin import validate_blocks

TZ = "Europe/London"
DAY = local_days(date(2026, 11, 24), date(2026, 11, 24), TZ)
BEFORE = local_days(date(2026, 11, 23), date(2026, 11, 23), TZ)
BUILT = datetime(2026, 11, 25, 8, 0, tzinfo=UTC)


def figures(**overrides: object) -> Figures:
    base = Figures(
        opened=120,
        answered=100,
        frt_median=timedelta(minutes=12),
        frt_p90=timedelta(minutes=50),
        sla_met=90,
        sla_counted=100,
        sla_compliance=0.9,
        resolved=80,
        resolution_rate=0.6,
        fcr=0.7,
        aht=timedelta(minutes=25),
    )
    return replace(base, **overrides)  # type: ignore[arg-type]


NOTHING = metrics.figures(metrics.Tally())
CHART = ChartData("Day of Tue 24 Nov 2026", ["00", "01"], [3, 5], [12.0, None], [date(2026, 11, 24)], [0.9])


def digest(**overrides: object) -> Digest:
    base = Digest(
        kind="daily",
        key="daily:2026-11-24",
        first_day=date(2026, 11, 24),
        last_day=date(2026, 11, 24),
        timezone=TZ,
        period=DAY,
        previous=BEFORE,
        built_at=BUILT,
        overall=GroupReport(
            "All teams",
            figures(),
            figures(opened=100, sla_compliance=0.87, frt_median=timedelta(minutes=15), fcr=0.7),
            satisfaction=Satisfaction(csat=0.86, csat_mean=4.3, csat_answers=52, nps=23.0, nps_answers=40),
            satisfaction_before=Satisfaction(csat=0.80, csat_answers=40, nps=30.0, nps_answers=20),
            open_now=OpenNow(42, 7, BUILT - timedelta(days=3, hours=2)),
        ),
        teams=[
            GroupReport("support", figures(), figures(opened=150)),
            GroupReport("quiet", NOTHING, NOTHING),
        ],
        platforms=[Count("x", 80, 60), Count("facebook", 40, 40), Count("reddit", 0, 5)],
        categories=[Count("complaint", 70, 50)],
        sentiment=metrics.sentiment_mix({Sentiment.NEGATIVE: 30, Sentiment.NEUTRAL: 90}),
        negative_topics=[Topic("complaint", 25, 70)],
        negative_keywords=[("refund", 12), ("<!channel>", 3)],
        escalations=[("support", "billing", 4)],
        agents=[AgentRow("U0AGENT01", 12, 15, timedelta(minutes=9))],
        canned=[CannedUse("ack-complaint", "Acknowledge a complaint", 30)],
        canned_share=0.25,
        chart=CHART,
    )
    return replace(base, **overrides)  # type: ignore[arg-type]


def texts(blocks: list[dict[str, object]]) -> str:
    out: list[str] = []
    for block in blocks:
        text = block.get("text")
        if isinstance(text, dict):
            out.append(str(text["text"]))
        for f in block.get("fields", []) or []:  # type: ignore[attr-defined]
            out.append(str(f["text"]))
        for e in block.get("elements", []) or []:  # type: ignore[attr-defined]
            out.append(str(e.get("text", "")))
    return "\n".join(out)


def test_arrows_and_points() -> None:
    assert (arrow(0.2), arrow(-0.256), arrow(0.004), arrow(None)) == ("▲ 20%", "▼ 26%", "= 0%", "")
    assert (arrow_points(0.031), arrow_points(-0.12), arrow_points(0.001)) == (
        "▲ 3 pts",
        "▼ 12 pts",
        "= 0 pts",
    )


def test_a_daily_digest_is_valid_block_kit_with_changes_against_the_previous_day() -> None:
    message = render_digest(digest())
    assert validate_blocks(message.blocks, surface="message") == []
    body = texts(message.blocks)
    assert "📬 Daily digest · Tue 24 Nov 2026" in body
    assert "*Cases opened*\n120 ▲ 20%" in body  # 120 against 100
    assert "*First response*\n12 min ▼ 20% · p90 50 min" in body  # 12 against 15 min
    assert "*SLA met*\n90% ▲ 3 pts (90/100)" in body
    assert "*Open now*\n42 (oldest #7, 3 d 2 h)" in body
    assert "CSAT 86% ▲ 6 pts (52 answers, mean 4.3) · NPS +23 ▼ 7 (40 answers)" in body
    assert "*support* · 120 ▼ 20% opened" in body
    assert "*quiet* · 0 opened · first response — · SLA —" in body  # no data reads as a dash
    assert "X 80 ▲ 33% · Facebook 40 = 0% · Reddit 0 ▼ 100%" in body
    assert "negative 25% · neutral 75%" in body
    assert "support → billing 4" in body and "`ack-complaint` 30" in body and "25% of replies" in body
    assert "<@U0AGENT01> 12 · 15 · 9 min" in body
    assert "*Crises* No crises" in body
    assert "&lt;!channel&gt; (3)" in body and "<!channel>" not in body  # customer words never ping
    assert message.text.startswith("📬 Daily digest · Tue 24 Nov 2026: 120 opened")


def test_an_empty_day_still_renders() -> None:
    quiet = digest(
        overall=GroupReport("All teams", NOTHING, NOTHING),
        teams=[],
        platforms=[],
        categories=[],
        sentiment={},
        negative_topics=[],
        negative_keywords=[],
        escalations=[],
        agents=[],
        canned=[],
        canned_share=None,
    )
    message = render_digest(quiet)
    assert validate_blocks(message.blocks, surface="message") == []
    body = texts(message.blocks)
    assert "*Cases opened*\n0" in body and "*SLA met*\n—" in body and "no survey answers" in body
    assert "*By platform* no cases" in body and "*Escalations* none" in body and "No crises" in body


def test_the_crises_of_the_day_are_listed_with_severity_and_local_times() -> None:
    ended = CrisisInPeriod(
        3,
        "Login failures <!here>",
        "sev2",
        datetime(2026, 11, 24, 9, 12, tzinfo=UTC),
        datetime(2026, 11, 24, 11, 40, tzinfo=UTC),
        "outage-3-login-failures",
        40,
    )
    running = CrisisInPeriod(
        4, "Checkout errors", "sev1", datetime(2026, 11, 24, 22, 0, tzinfo=UTC), None, "outage-4", 1
    )
    message = render_digest(digest(crises=[ended, running]))
    assert validate_blocks(message.blocks, surface="message") == []
    body = texts(message.blocks)
    assert "No crises" not in body and "*Crises* 2 in this period" in body
    assert (
        "🚨 *Crisis 3: Login failures &lt;!here&gt;* · sev2 · started Tue 24 Nov 09:12, ended Tue 24 Nov "
        "11:40 (2 h 28 min) · 40 cases · #outage-3-login-failures"
    ) in body
    assert (
        "🚨 *Crisis 4: Checkout errors* · sev1 · started Tue 24 Nov 22:00, still running (10 h so far) · "
        "1 case · #outage-4"
    ) in body
    # Summer time: the same instants read an hour later in London in July.
    july = CrisisInPeriod(5, "Recall", "sev3", datetime(2026, 7, 1, 9, 0, tzinfo=UTC), None, "recall-5", 0)
    assert "started Wed 01 Jul 10:00" in texts(render_digest(digest(crises=[july])).blocks)


def test_many_teams_and_agents_stay_within_slacks_limits() -> None:
    crowded = digest(
        teams=[GroupReport(f"team-{i:03d}", figures(), figures()) for i in range(300)],
        agents=[AgentRow(f"U{i:08d}", i, i, timedelta(minutes=i)) for i in range(400)],
    )
    message = render_digest(crowded)
    assert validate_blocks(message.blocks, surface="message") == []
    assert len(message.blocks) <= 50
    assert "…and 385 more" in texts(message.blocks)


def test_the_weekly_review_lists_shifts_and_worst_outcomes() -> None:
    review = Review(
        weeks=[BEFORE] * 4,
        shifts=[
            Shift("SLA met", 0.71, 0.88, 0.01, 0.86, 0.90, unit="ratio"),
            Shift("Median first response", 30.0, 12.0, 1.0, 10.0, 14.0, unit="minutes"),
        ],
        steady=["Cases opened"],
        worst_canned=[Outcome("refund-late", 20, 6, 5, csat_good=2, csat_answers=8)],
        worst_routes=[],
        min_cases=10,
        canned_titles={"refund-late": "Refund delayed"},
    )
    weekly = digest(
        kind="weekly",
        key="weekly:2026-W48",
        first_day=date(2026, 11, 23),
        last_day=date(2026, 11, 29),
        review=review,
    )
    message = render_digest(weekly)
    assert validate_blocks(message.blocks, surface="message") == []
    body = texts(message.blocks)
    assert "📈 Weekly review · 23 Nov to 29 Nov 2026 (2026-W48)" in body
    assert "▼ *SLA met* 71%, usually 86% to 90%" in body
    assert "▲ *Median first response* 30 min, usually 10 min to 14 min" in body
    assert "Within normal variation: Cases opened" in body
    assert "`refund-late` Refund delayed: FCR 30% · reopened 25% · CSAT 25% (8) · 20 cases" in body
    assert "*Routes with the worst outcomes* (at least 10 resolved cases)\nnot enough data" in body


def test_the_text_preview_reads_like_the_message() -> None:
    text = as_text(render_digest(digest()))
    assert text.startswith("*📬 Daily digest · Tue 24 Nov 2026*\n")
    assert "From Tue 24 Nov 2026 (Europe/London days)" in text  # Slack dates as their fallback
    assert "*Cases opened*: 120 ▲ 20%" in text


def test_arrival_series_counts_by_local_hour_on_a_25_hour_day() -> None:
    day = local_days(date(2026, 10, 25), date(2026, 10, 25), TZ)  # clocks go back at 02:00 BST
    start = day.start.timestamp()
    arrivals = [
        (start + 60, 300.0),  # 00:01 BST, answered in 5 min
        (start + 3600 + 60, 600.0),  # 01:01 BST
        (start + 7200 + 60, None),  # 01:01 GMT, the second 01:00 hour; unanswered
        (start + 7200 + 120, 1200.0),
        (day.end.timestamp() + 10, 60.0),  # Monday: not this day
    ]
    labels, volume, frt = arrival_series(arrivals, day, TZ, by="hour")
    assert len(labels) == 25 and labels[:4] == ["00", "01", "01", "02"] and labels[-1] == "23"
    assert volume[:3] == [1, 1, 2] and sum(volume) == 4
    assert frt[:3] == [5.0, 10.0, 20.0] and frt[3] is None  # minutes; the unanswered case has no wait


def test_arrival_series_by_day_for_a_week() -> None:
    week = local_days(date(2026, 11, 23), date(2026, 11, 29), TZ)
    arrivals = [(week.start.timestamp() + 86400 * 2 + 5, 120.0)]
    labels, volume, frt = arrival_series(arrivals, week, TZ, by="day")
    assert labels == ["Mon 23", "Tue 24", "Wed 25", "Thu 26", "Fri 27", "Sat 28", "Sun 29"]
    assert volume == [0, 0, 1, 0, 0, 0, 0] and frt[2] == 2.0


def test_the_chart_is_a_png_and_its_data_survives_json() -> None:
    chart = sla_series("Day", ["00", "01"], [4, 0], [3.5, None], [DAY, BEFORE], [(9, 10), (0, 0)], TZ)
    assert chart.sla == [0.9, None] and chart.sla_days == [date(2026, 11, 24), date(2026, 11, 23)]
    assert chart_from_json(chart_to_json(chart)) == chart
    png = render_png(chart)
    assert png.startswith(PNG_SIGNATURE) and len(png) > 10_000
    assert render_png(chart) == png  # the same data draws the same bytes
    empty = ChartData("Nothing", [], [], [], [], [])
    assert render_png(empty).startswith(PNG_SIGNATURE)
