"""The managers' digest as Block Kit: a pure function of a `socialdesk.domain.digest.Digest`.

Every figure is shown with its change against the previous period: ▲/▼ and a percentage for counts
and durations (`metrics.change`), points for ratios (`metrics.point_change`, "▲ 3 pts"), nothing when
there is no base to compare with. Arrows say which way a number moved, not whether that is good: a
longer first response is ▲ too.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from socialdesk.domain import metrics
from socialdesk.domain.digest import CrisisInPeriod, Digest, GroupReport, OpenNow, Review, Satisfaction
from socialdesk.domain.enums import Platform, Sentiment
from socialdesk.domain.metrics import Figures, Outcome, Shift
from socialdesk.slack.blocks.cards import SlackMessage
from socialdesk.slack.blocks.kit import (
    MAX_BLOCKS,
    MAX_FALLBACK_TEXT,
    Block,
    context_block,
    divider_block,
    duration,
    escape_mrkdwn,
    header_block,
    section_block,
    slack_date,
    truncate,
    user_mention,
)
from socialdesk.slack.blocks.triage_review_view import triage_review_lines

NO_DATA = "—"
TOP_AGENTS = 15  # busiest first; a manager scans the top of the table, the rest is one line
_SECTION_BUDGET = 2900  # under Slack's 3,000 per section text, with room for the joining newlines
DEFINITIONS = (
    "Local days in the desk's time zone; spam (marked by an agent or categorised by triage) left out of "
    "every figure. First response: post to our first reply, for "
    "cases first answered in the period (median · p90). SLA: a case counts when answered on time, or when "
    "its due time passed unanswered. Resolution rate: cases opened in the period and resolved by its end. "
    "FCR: resolved with one reply, no escalation, no reopen within 7 days. AHT: claim to resolve. CSAT: "
    "share of 4-5 answers; NPS: % 9-10 minus % 0-6. ▲▼ compare with the previous period."
)
_SENTIMENT_LABELS = {
    Sentiment.VERY_NEGATIVE: "very negative",
    Sentiment.NEGATIVE: "negative",
    Sentiment.NEUTRAL: "neutral",
    Sentiment.POSITIVE: "positive",
    Sentiment.VERY_POSITIVE: "very positive",
}


# --- wording of one figure -------------------------------------------------------------------------


def arrow(relative: float | None) -> str:
    """``+0.12`` as ``▲ 12%``; a change under half a percent as ``= 0%``; no base as nothing."""
    if relative is None:
        return ""
    shown = round(relative * 100)
    if shown == 0:
        return "= 0%"
    return f"{'▲' if shown > 0 else '▼'} {abs(shown)}%"


def arrow_points(delta: float | None) -> str:
    """A ratio's change in points: ``+0.031`` as ``▲ 3 pts``."""
    if delta is None:
        return ""
    shown = round(delta * 100)
    if shown == 0:
        return "= 0 pts"
    return f"{'▲' if shown > 0 else '▼'} {abs(shown)} pts"


def percent(ratio: float | None) -> str:
    return NO_DATA if ratio is None else f"{round(ratio * 100)}%"


def span(delta: timedelta | None) -> str:
    return NO_DATA if delta is None else duration(delta)


def _with(value: str, change: str) -> str:
    return f"{value} {change}" if change and value != NO_DATA else value


def _count(now: int, before: int) -> str:
    return _with(f"{now:,}", arrow(metrics.change(now, before)))


def _ratio(now: float | None, before: float | None) -> str:
    return _with(percent(now), arrow_points(metrics.point_change(now, before)))


def _time(now: timedelta | None, before: timedelta | None) -> str:
    return _with(span(now), arrow(metrics.change(now, before)))


def _frt(now: Figures, before: Figures) -> str:
    if now.frt_median is None:
        return NO_DATA
    return f"{_time(now.frt_median, before.frt_median)} · p90 {span(now.frt_p90)}"


def _sla(now: Figures, before: Figures) -> str:
    if not now.sla_counted:
        return NO_DATA
    return f"{_ratio(now.sla_compliance, before.sla_compliance)} ({now.sla_met:,}/{now.sla_counted:,})"


def _open(open_now: OpenNow, at: datetime, *, label: str = "") -> str:
    """``1,234 open (oldest #42, 3 d 2 h)``; ``label`` follows the count ("open" in a team line)."""
    count = f"{open_now.count:,}" + (f" {label}" if label else "")
    if open_now.oldest_id is None or open_now.oldest_opened_at is None:
        return count
    age = duration(at - open_now.oldest_opened_at)
    return f"{count} (oldest #{open_now.oldest_id}, {age})"


def _satisfaction(now: Satisfaction, before: Satisfaction) -> str:
    parts: list[str] = []
    if now.csat_answers:
        mean = f", mean {now.csat_mean:.1f}" if now.csat_mean is not None else ""
        parts.append(f"CSAT {_ratio(now.csat, before.csat)} ({now.csat_answers:,} answers{mean})")
    if now.nps_answers and now.nps is not None:
        change = ""
        if before.nps is not None:
            delta = round(now.nps - before.nps)
            change = " = 0" if delta == 0 else f" {'▲' if delta > 0 else '▼'} {abs(delta)}"
        parts.append(f"NPS {now.nps:+.0f}{change} ({now.nps_answers:,} answers)")
    return " · ".join(parts) if parts else "no survey answers"


def overall_fields(report: GroupReport, at: datetime) -> list[str]:
    """The ten figures of a group as section fields (Slack's maximum per section)."""
    now, before = report.now, report.before
    return [
        f"*Cases opened*\n{_count(now.opened, before.opened)}",
        f"*Answered*\n{_count(now.answered, before.answered)}",
        f"*First response*\n{_frt(now, before)}",
        f"*SLA met*\n{_sla(now, before)}",
        f"*Resolved*\n{_count(now.resolved, before.resolved)}",
        f"*Resolution rate*\n{_ratio(now.resolution_rate, before.resolution_rate)}",
        f"*First-contact resolution*\n{_ratio(now.fcr, before.fcr)}",
        f"*Avg handling time*\n{_time(now.aht, before.aht)}",
        f"*Open now*\n{_open(report.open_now, at)}",
        f"*Satisfaction*\n{_satisfaction(report.satisfaction, report.satisfaction_before)}",
    ]


def team_line(report: GroupReport, at: datetime) -> str:
    now, before = report.now, report.before
    parts = [
        f"*{escape_mrkdwn(report.name)}*",
        f"{_count(now.opened, before.opened)} opened",
        f"first response {_time(now.frt_median, before.frt_median)}",
        f"SLA {_ratio(now.sla_compliance, before.sla_compliance)}",
        f"{_count(now.resolved, before.resolved)} resolved",
        f"FCR {_ratio(now.fcr, before.fcr)}",
        f"AHT {span(now.aht)}",
        _open(report.open_now, at, label="open"),
    ]
    if report.satisfaction.csat is not None:
        parts.append(f"CSAT {percent(report.satisfaction.csat)}")
    return " · ".join(parts)


# --- sections --------------------------------------------------------------------------------------


def _chunks(lines: Iterable[str], budget: int = _SECTION_BUDGET) -> list[str]:
    """Lines joined into texts of at most ``budget`` chars, never splitting a line."""
    out: list[str] = []
    current: list[str] = []
    used = 0
    for line in lines:
        cost = len(line) + (1 if current else 0)
        if current and used + cost > budget:
            out.append("\n".join(current))
            current, used = [], 0
            cost = len(line)
        current.append(line)
        used += cost
    if current:
        out.append("\n".join(current))
    return out


def _title(digest: Digest) -> str:
    if digest.kind == "daily":
        return f"📬 Daily digest · {digest.first_day:%a %d %b %Y}"
    week = digest.key.split(":", 1)[-1]
    return f"📈 Weekly review · {digest.first_day:%d %b} to {digest.last_day:%d %b %Y} ({week})"


def _volume_lines(digest: Digest) -> list[str]:
    def line(label: str, counts: list[tuple[str, int, int]]) -> str:
        if not counts:
            return f"*{label}* no cases"
        body = " · ".join(f"{escape_mrkdwn(name)} {_count(now, before)}" for name, now, before in counts)
        return f"*{label}* {body}"

    lines = [
        line("By platform", [(_platform_label(c.name), c.now, c.before) for c in digest.platforms]),
        line("By category", [(c.name, c.now, c.before) for c in digest.categories]),
    ]
    if digest.spam.now or digest.spam.before:
        lines.append(f"*Spam* {_count(digest.spam.now, digest.spam.before)}, left out of every figure")
    return lines


def stars_change(delta: float | None) -> str:
    """An average rating's change: ``-0.62`` as ``▼ 0.62★``; under a hundredth as ``= 0★``."""
    if delta is None:
        return ""
    shown = round(delta, 2)
    if shown == 0:
        return "= 0★"
    return f"{'▲' if shown > 0 else '▼'} {abs(shown):.2f}★"


def rating_lines(digest: Digest) -> list[str]:
    """Each review source's average rating and reviews by stars, against the previous period:
    ``*App Store* 2.60★ ▼ 2.07★ (was 4.67★) · 5 reviews ▲ 67% · 5★ 1 · 4★ 1 · 3★ 0 · 2★ 1 · 1★ 2``."""
    lines: list[str] = []
    for source in digest.ratings:
        now, before = source.average_now, source.average_before
        average = NO_DATA if now is None else f"{now:.2f}★"
        was = f" (was {before:.2f}★)" if before is not None else ""
        count = _count(sum(source.now), sum(source.before))
        stars = " · ".join(f"{n}★ {source.now[n - 1]:,}" for n in range(5, 0, -1))
        name = escape_mrkdwn(_platform_label(source.platform))
        shown = _with(average, stars_change(source.change))
        lines.append(f"*{name}* {shown}{was} · {count} reviews · {stars}")
    return ["*Ratings by review source*", *lines] if lines else []


def _platform_label(value: str) -> str:
    try:
        return Platform(value).label
    except ValueError:
        return value


def _sentiment_lines(digest: Digest) -> list[str]:
    if not digest.sentiment:
        return ["*Sentiment* no cases"]
    mix = " · ".join(f"{_SENTIMENT_LABELS[s]} {percent(share)}" for s, share in digest.sentiment.items())
    lines = [f"*Sentiment* {mix}"]
    if digest.negative_topics:
        topics = " · ".join(
            f"{escape_mrkdwn(t.name)} {t.negative:,} ({percent(t.negative_share)} of {t.total:,})"
            for t in digest.negative_topics
        )
        lines.append(f"*Most negative topics* {topics}")
    if digest.negative_keywords:
        words = " · ".join(f"{escape_mrkdwn(w)} ({n:,})" for w, n in digest.negative_keywords)
        lines.append(f"*Words in negative posts* {words}")
    return lines


def _work_lines(digest: Digest) -> list[str]:
    if digest.escalations:
        moves = " · ".join(
            f"{escape_mrkdwn(src)} → {escape_mrkdwn(dst)} {n:,}" for src, dst, n in digest.escalations
        )
        lines = [f"*Escalations* {moves}"]
    else:
        lines = ["*Escalations* none"]
    if digest.canned:
        used = " · ".join(f"`{escape_mrkdwn(c.id)}` {c.sent:,}" for c in digest.canned[:8])
        lines.append(f"*Canned replies* {percent(digest.canned_share)} of replies started from one: {used}")
    else:
        lines.append("*Canned replies* none used")
    return lines + _crisis_lines(digest)


def _crisis_lines(digest: Digest) -> list[str]:
    """Every crisis that started, ran or ended in the period, with its severity and times (local)."""
    if not digest.crises:
        return ["*Crises* No crises"]
    zone = ZoneInfo(digest.timezone)
    lines = [f"*Crises* {len(digest.crises)} in this period"]
    lines += [crisis_line(crisis, zone, digest.built_at) for crisis in digest.crises]
    return lines


def crisis_line(crisis: CrisisInPeriod, zone: ZoneInfo, built_at: datetime) -> str:
    """``🚨 *Crisis 3: Login failures in EU* · sev2 · started Tue 24 Nov 09:12, ended Tue 24 Nov 11:40
    (2 h 28 min) · 40 cases · #outage-3-login-failures-in-eu``."""

    def at(moment: datetime) -> str:
        return f"{moment.astimezone(zone):%a %d %b %H:%M}"

    when = f"started {at(crisis.started_at)}"
    if crisis.ended_at is not None:
        when += f", ended {at(crisis.ended_at)} ({duration(crisis.ended_at - crisis.started_at)})"
    else:
        when += f", still running ({duration(built_at - crisis.started_at)} so far)"
    cases = f"{crisis.cases:,} case" + ("" if crisis.cases == 1 else "s")
    return (
        f"🚨 *Crisis {crisis.id}: {escape_mrkdwn(crisis.title)}* · {escape_mrkdwn(crisis.severity)} · "
        f"{when} · {cases} · #{escape_mrkdwn(crisis.war_room)}"
    )


def _agent_lines(digest: Digest) -> list[str]:
    if not digest.agents:
        return ["*Agents* nobody resolved or first-answered a case"]
    lines = ["*Agents* (cases resolved · first replies · median first response)"]
    for row in digest.agents[:TOP_AGENTS]:
        who = user_mention(row.agent) or escape_mrkdwn(row.agent)
        lines.append(f"{who} {row.handled:,} · {row.first_responses:,} · {span(row.frt_median)}")
    if len(digest.agents) > TOP_AGENTS:
        lines.append(f"…and {len(digest.agents) - TOP_AGENTS} more")
    return lines


def _shift_value(shift: Shift, value: float) -> str:
    if shift.unit == "stars":
        return f"{value:.2f}★"
    if shift.unit == "ratio":
        return percent(value)
    if shift.unit == "minutes":
        return duration(timedelta(minutes=value))
    return f"{value:,.0f}"


def _outcome_line(outcome: Outcome, titles: dict[str, str], *, code: bool) -> str:
    name = f"`{escape_mrkdwn(outcome.name)}`" if code else f"*{escape_mrkdwn(outcome.name)}*"
    title = titles.get(outcome.name)
    named = f"{name} {escape_mrkdwn(title)}" if title and title != outcome.name else name
    csat = f" · CSAT {percent(outcome.csat)} ({outcome.csat_answers})" if outcome.csat_answers else ""
    return (
        f"{named}: FCR {percent(outcome.fcr)} · reopened {percent(outcome.reopen_rate)}{csat} · "
        f"{outcome.cases:,} cases"
    )


def review_lines(review: Review) -> list[str]:
    lines = [
        f"*Improvement review* · this week against the {len(review.weeks)} before; a figure is flagged when "
        "it is outside the mean ± 2 sd of those weeks (and moved more than a minimum)"
    ]
    for shift in review.shifts:
        mark = "▲" if shift.direction == "up" else "▼"
        lines.append(
            f"{mark} *{escape_mrkdwn(shift.metric)}* {_shift_value(shift, shift.current)}, usually "
            f"{_shift_value(shift, shift.low)} to {_shift_value(shift, shift.high)}"
        )
    if not review.shifts:
        lines.append("No figure moved beyond its normal variation.")
    if review.steady:
        lines.append("Within normal variation: " + ", ".join(escape_mrkdwn(s) for s in review.steady))
    lines.append(f"*Canned replies with the worst outcomes* (at least {review.min_cases} resolved cases)")
    canned = [_outcome_line(o, review.canned_titles, code=True) for o in review.worst_canned]
    lines += canned or ["not enough data"]
    lines.append(f"*Routes with the worst outcomes* (at least {review.min_cases} resolved cases)")
    lines += [_outcome_line(o, {}, code=False) for o in review.worst_routes] or ["not enough data"]
    for drop in review.rating_drops:
        name = escape_mrkdwn(_platform_label(drop.metric))
        band = f"{_shift_value(drop, drop.low)} to {_shift_value(drop, drop.high)}"
        lines.append(
            f"▼ *{name} rating* fell to {_shift_value(drop, drop.current)}, usually {band}: "
            "beyond its normal variation"
        )
    if review.triage is not None:
        lines += triage_review_lines(review.triage)
    return lines


# --- the message -----------------------------------------------------------------------------------


def render_digest(digest: Digest) -> SlackMessage:
    """The digest message for the managers' channel; the chart follows in its thread."""
    at = digest.built_at
    previous = digest.previous
    # The local day itself: a Slack date token would show each reader the start instant in their own
    # zone (or in UTC as its fallback), which names the wrong day for anyone east or west of the brand.
    since = f"{digest.period.start.astimezone(ZoneInfo(digest.timezone)):%a %d %b %Y}"
    compared = (
        f"{previous.start.astimezone(ZoneInfo(digest.timezone)):%a %d %b}"
        if digest.kind == "daily"
        else f"the week of {previous.start.astimezone(ZoneInfo(digest.timezone)):%d %b}"
    )
    blocks: list[Block] = [
        header_block(_title(digest), block_id="digest:header"),
        context_block(
            [
                f"From {since} ({escape_mrkdwn(digest.timezone)} days) · compared with {compared} · "
                f"backlog as of {slack_date(at, fmt='{time}')}"
            ],
            block_id="digest:period",
        ),
        section_block("*All teams*", block_id="digest:overall", fields=overall_fields(digest.overall, at)),
        divider_block(block_id="digest:divider:teams"),
    ]
    body: list[tuple[str, list[str]]] = [
        ("teams", [team_line(t, at) for t in digest.teams] or ["No teams"]),
        ("volume", _volume_lines(digest)),
        ("ratings", rating_lines(digest)),
        ("sentiment", _sentiment_lines(digest)),
        ("work", _work_lines(digest)),
        ("agents", _agent_lines(digest)),
    ]
    if digest.review is not None:
        body.append(("review", review_lines(digest.review)))
    room = MAX_BLOCKS - len(blocks) - 1  # the definitions footer
    for name, lines in body:
        for index, text in enumerate(_chunks(lines)):
            if room <= 0:
                break
            blocks.append(section_block(text, block_id=f"digest:{name}:{index}"))
            room -= 1
    blocks.append(context_block([DEFINITIONS, "Chart in the thread."], block_id="digest:definitions"))
    o = digest.overall.now
    fallback = (
        f"{_title(digest)}: {o.opened:,} opened, median first response {span(o.frt_median)}, "
        f"SLA {percent(o.sla_compliance)}, {o.resolved:,} resolved, {digest.overall.open_now.count:,} open"
    )
    return SlackMessage(text=truncate(fallback, MAX_FALLBACK_TEXT), blocks=blocks)


_SLACK_DATE = re.compile(r"<!date\^\d+\^[^|>]*\|([^>]*)>")


def as_text(message: SlackMessage) -> str:
    """The message as mrkdwn text, block by block, for `socialdesk digest preview` (what a person reads
    in Slack, minus the layout; dates as their UTC fallback)."""
    out: list[str] = []
    for block in message.blocks:
        kind = block.get("type")
        if kind == "header":
            out.append(f"*{block['text']['text']}*")
        elif kind == "context":
            out.append(" · ".join(e.get("text", "") for e in block.get("elements", [])))
        elif kind == "divider":
            out.append("—" * 40)
        elif kind == "section":
            if "text" in block:
                out.append(block["text"]["text"])
            for field in block.get("fields", []):
                out.append(field["text"].replace("\n", ": ", 1))
        out.append("")
    return _SLACK_DATE.sub(r"\1", "\n".join(out)).rstrip() + "\n"
