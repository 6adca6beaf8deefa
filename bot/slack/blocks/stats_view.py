"""`/social stats` as Block Kit, and the wording of each figure (the Home tab reuses it). Pure functions
of `socialdesk.domain.metrics.Summary` values: no database, no clock."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import timedelta

from socialdesk.domain.metrics import Summary
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
)

NO_DATA = "—"
# What each figure means, shown under the numbers: people argue about numbers they cannot read.
DEFINITIONS = (
    "First response: customer's post to our first reply on the platform, for cases first answered in "
    "the period (median · p90). SLA: met when the first reply was sent by its due time; a case counts "
    "when it was answered on time or when its due time passed, so unanswered overdue cases are misses. "
    "FCR: resolved with one reply, no escalation, not reopened within 7 days. Spam is left out."
)
_SECTION_BUDGET = 2900  # under Slack's 3,000 per section, with room for the join newlines


def percent(ratio: float | None) -> str:
    """``0.923`` as ``92%``; no data as a dash."""
    return NO_DATA if ratio is None else f"{round(ratio * 100)}%"


def span(delta: timedelta | None) -> str:
    return NO_DATA if delta is None else duration(delta)


def sla_text(summary: Summary) -> str:
    if not summary.sla_counted:
        return NO_DATA
    return f"{percent(summary.sla_compliance)} ({summary.sla_met}/{summary.sla_counted})"


def frt_text(summary: Summary) -> str:
    if summary.frt_median is None:
        return NO_DATA
    return f"{span(summary.frt_median)} · p90 {span(summary.frt_p90)}"


def oldest_text(summary: Summary) -> str:
    oldest = summary.oldest_open
    if oldest is None:
        return NO_DATA
    return f"#{oldest.case_id}, {duration(summary.period.end - oldest.opened_at)} old"


def summary_fields(summary: Summary) -> list[str]:
    """The ten figures as section fields (Slack's maximum per section)."""
    return [
        f"*Opened*\n{summary.opened}",
        f"*Answered*\n{summary.answered}",
        f"*First response*\n{frt_text(summary)}",
        f"*SLA met*\n{sla_text(summary)}",
        f"*Resolved*\n{summary.resolved}",
        f"*Resolution rate*\n{percent(summary.resolution_rate)}",
        f"*First-contact resolution*\n{percent(summary.fcr)}",
        f"*Avg handling time*\n{span(summary.aht)}",
        f"*Open now*\n{summary.backlog}",
        f"*Oldest open*\n{oldest_text(summary)}",
    ]


def team_line(team: str, summary: Summary) -> str:
    return " · ".join(
        [
            f"*{escape_mrkdwn(team)}*",
            f"{summary.opened} opened",
            f"{summary.answered} answered",
            f"first response {span(summary.frt_median)}",
            f"SLA {sla_text(summary)}",
            f"{summary.resolved} resolved",
            f"FCR {percent(summary.fcr)}",
            f"{summary.backlog} open",
        ]
    )


def _chunks(lines: list[str], budget: int) -> list[str]:
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


def render_stats(*, label: str, anchor: str, overall: Summary, teams: Mapping[str, Summary]) -> SlackMessage:
    """The private answer to `/social stats`: all teams first, then one line per team.

    ``label`` names the period ("today", "this week"); ``anchor`` says where it starts in the desk's
    own zone ("00:00 Europe/London"), because Slack shows the start in each reader's zone and "today"
    depends on where you are.
    """
    period = overall.period
    since = slack_date(period.start, fmt="{date_short_pretty} {time}")
    blocks: list[Block] = [
        header_block(f"📊 Social care stats · {label}", block_id="stats:header"),
        context_block(
            [f"Since {since} ({escape_mrkdwn(anchor)}) up to {slack_date(period.end, fmt='{time}')}"],
            block_id="stats:period",
        ),
        section_block("*All teams*", block_id="stats:overall", fields=summary_fields(overall)),
    ]
    lines = [team_line(name, summary) for name, summary in teams.items()]
    if lines:
        blocks.append(divider_block(block_id="stats:divider"))
        # Leave room for the definitions footer; a workspace with hundreds of teams loses the tail.
        room = MAX_BLOCKS - len(blocks) - 1
        for index, text in enumerate(_chunks(lines, _SECTION_BUDGET)[:room]):
            blocks.append(section_block(text, block_id=f"stats:teams:{index}"))
    blocks.append(context_block([DEFINITIONS], block_id="stats:definitions"))
    fallback = (
        f"Stats {label}: {overall.opened} opened, {overall.answered} answered, "
        f"median first response {span(overall.frt_median)}, SLA {percent(overall.sla_compliance)}, "
        f"{overall.resolved} resolved, {overall.backlog} open"
    )
    return SlackMessage(text=truncate(fallback, MAX_FALLBACK_TEXT), blocks=blocks)
