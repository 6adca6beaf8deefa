"""SLA alerts as Block Kit: the card's amber/red marker, the at-risk nudge in a card's thread, the
grouped breach alert for a team, and the page for the duty leads. Pure functions of their views.

Colours are emoji squares, not the priority circles (🔴 is already P1): 🟧 at risk, 🟥 breached.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from datetime import datetime, timedelta

from socialdesk.domain.case_view import CaseView, SlaAlertView
from socialdesk.slack.blocks.card_text import PRIORITY_EMOJI, SlackMessage, snippet_of
from socialdesk.slack.blocks.kit import (
    MAX_FALLBACK_TEXT,
    Block,
    button,
    context_block,
    due_phrase,
    duration,
    escape_mrkdwn,
    fit_mrkdwn,
    link,
    section_block,
    slack_date,
    user_mention,
    utc,
)
from socialdesk.slack.ids import AlertActionId, case_block_id, encode_case_value

AMBER = "🟧"
RED = "🟥"
# Cases listed one by one (each with its snooze button) in a grouped alert; the rest are named in a line.
MAX_LISTED = 15
_CLOCK_TARGET = {"first_response": "first-response", "resolution": "resolution"}


# --- on the card ----------------------------------------------------------------------------------


def sla_header_marker(case: CaseView) -> str:
    """`🟧 At risk` / `🟥 SLA breached` for the card header; empty while all is well."""
    if case.sla_clock is None:
        return ""
    match case.sla_level:
        case "at_risk":
            return f"{AMBER} At risk"
        case "breached" | "paged":
            return f"{RED} SLA breached"
    return ""


def sla_status(case: CaseView) -> list[str]:
    """Status-line parts: `🟧 *at risk: due in 3 min*`, `🟥 *SLA breached 4 min ago*`, paused, snoozed."""
    parts: list[str] = []
    prefix = "resolution " if case.sla_clock == "resolution" else ""
    due, now = case.sla_due, case.now
    snoozed = case.snoozed_until is not None and (now is None or utc(case.snoozed_until) > utc(now))
    if case.sla_clock is not None and due is not None:
        match case.sla_level:
            case "at_risk":
                when = f": {due_phrase(due, now)}" if now is not None else ""
                parts.append(f"{AMBER} *{prefix}at risk{when}*")
            case "breached" | "paged":
                parts.append(f"{RED} *{prefix}SLA breached{_ago(due, now)}*")
                if case.sla_level == "paged" and not snoozed:  # a snooze holds the page back
                    parts.append("duty lead paged")
        if case.sla_paused:
            parts.append("⏸ resolution clock paused while we wait on the customer")
    if snoozed and case.snoozed_until is not None:
        parts.append(f"🔕 alerts snoozed until {slack_date(case.snoozed_until, fmt='{time}')}")
    return parts


def _ago(due: datetime, now: datetime | None) -> str:
    if now is None:
        return ""
    late = utc(now) - utc(due)
    return " just now" if late < timedelta(minutes=1) else f" {duration(late)} ago"


# --- the nudge (a reply in the card's thread) ----------------------------------------------------


def render_sla_nudge(item: SlaAlertView, *, oncall_group: str | None) -> SlackMessage:
    """At risk: the assignee is named; an unclaimed case calls the team's on-call group (or `@here`)."""
    target = _CLOCK_TARGET.get(item.clock, item.clock).replace("-", " ")
    due = f"{due_phrase(item.due, item.now)} ({slack_date(item.due, fmt='{time}')})"
    if not item.still_due:
        text = f"{AMBER} #{item.case_id} reached {target} at-risk time; it has been answered since."
    elif item.assignee:
        text = f"{AMBER} {user_mention(item.assignee)}, #{item.case_id} is at risk: its {target} is {due}."
    else:
        who = f"<!subteam^{oncall_group}>" if oncall_group else "<!here>"
        text = f"{AMBER} {who} #{item.case_id} is unclaimed and at risk: its {target} is {due}. Who takes it?"
    blocks: list[Block] = [
        section_block(text, block_id=case_block_id(item.case_id, f"sla:{item.clock}:nudge"))
    ]
    fallback = f"#{item.case_id} is at risk: {target} {due_phrase(item.due, item.now)}"
    return SlackMessage(text=fit_mrkdwn(fallback, MAX_FALLBACK_TEXT), blocks=blocks)


# --- grouped alerts --------------------------------------------------------------------------------


def render_breach_alert(
    items: Sequence[SlaAlertView], *, team: str | None = None, collecting_until: datetime | None = None
) -> SlackMessage:
    """One message listing the cases that breached, each with a "Snooze 1 h" button: a team's (`team`,
    else the one team its cases share), or a war room's, whose cases may be of several teams.
    `collecting_until`: the message is updated with later breaches until then (bot/sla/groups.py)."""
    headline = _headline(items, "breached", "breached")
    teams = sorted({i.team for i in items})
    team = team or (teams[0] if len(teams) == 1 else None)
    suffix = f" · team {escape_mrkdwn(team)}" if team else ""
    blocks: list[Block] = [section_block(f"{RED} *{headline}*{suffix}", block_id="sla:head")]
    for item in items[:MAX_LISTED]:
        accessory = None
        if item.still_due:
            accessory = button(
                "Snooze 1 h", action_id=AlertActionId.SNOOZE_HOUR, value=encode_case_value(item.case_id)
            )
        blocks.append(
            section_block(
                _item_line(item, show_team=team is None),
                block_id=case_block_id(item.case_id, f"sla:{item.clock}"),
                accessory=accessory,
            )
        )
    blocks.extend(_more(items))
    if collecting_until is not None:
        blocks.append(_collecting(collecting_until, "breaches", block_id="sla:window"))
    refs = ", ".join(f"#{i.case_id}" for i in items)
    where = f" ({team})" if team else ""
    return SlackMessage(text=fit_mrkdwn(f"{headline}{where}: {refs}", MAX_FALLBACK_TEXT), blocks=blocks)


def render_page(
    items: Sequence[SlaAlertView], *, leads: Sequence[str], collecting_until: datetime | None = None
) -> SlackMessage:
    """The duty leads, by mention, for cases still unanswered well past their target. Updating the
    message with later pages (`collecting_until`) mentions nobody again: Slack notifies on the post."""
    headline = _headline(items, "is still waiting, well past", "are still waiting, well past")
    who = (
        " ".join(_lead_mention(lead) for lead in leads) or "(no `duty_leads` in the config: nobody was paged)"
    )
    blocks: list[Block] = [section_block(f"🚨 {who}\n*{headline}*", block_id="sla:page:head")]
    blocks.extend(
        section_block(
            _item_line(item, show_team=True), block_id=case_block_id(item.case_id, f"sla:{item.clock}")
        )
        for item in items[:MAX_LISTED]
    )
    blocks.extend(_more(items))
    hint = (
        "Snooze a case with the button on its team's alert or `/social snooze &lt;case&gt; &lt;minutes&gt;`."
    )
    if collecting_until is not None:
        hint += " " + _collecting_text(collecting_until, "pages")
    blocks.append(context_block([hint], block_id="sla:page:hint"))
    refs = ", ".join(f"#{i.case_id}" for i in items)
    return SlackMessage(text=fit_mrkdwn(f"Paged: {headline}: {refs}", MAX_FALLBACK_TEXT), blocks=blocks)


def _collecting_text(until: datetime, what: str) -> str:
    return f"New {what} until {slack_date(until, fmt='{time}')} are added to this message."


def _collecting(until: datetime, what: str, *, block_id: str) -> Block:
    return context_block([_collecting_text(until, what)], block_id=block_id)


def _headline(items: Sequence[SlaAlertView], one: str, many: str) -> str:
    """`8 cases breached their first-response target`; mixed targets are counted per target."""
    n = len(items)
    clocks = Counter(i.clock for i in items)
    if len(clocks) == 1:
        target = f"{_CLOCK_TARGET.get(next(iter(clocks)), 'SLA')} target"
    else:
        counts = ", ".join(f"{count} {clock.replace('_', ' ')}" for clock, count in sorted(clocks.items()))
        target = f"SLA targets ({counts})"
    return f"1 case {one} its {target}" if n == 1 else f"{n} cases {many} their {target}"


def _item_line(item: SlaAlertView, *, show_team: bool) -> str:
    ref = f"#{item.case_id}"
    if item.card_channel and item.card_ts:
        ref = link(f"https://slack.com/archives/{item.card_channel}/p{item.card_ts.replace('.', '')}", ref)
    late = utc(item.now) - utc(item.due)
    parts = [
        f"*{ref}* {PRIORITY_EMOJI[item.priority]} {item.priority.value}",
        item.platform.label,
        escape_mrkdwn("@" + item.author_handle.lstrip("@")) if item.author_handle.strip() else "",
        f"team {escape_mrkdwn(item.team)}" if show_team else "",
        f"opened {duration(utc(item.now) - utc(item.opened_at))} ago",
        (
            f"{_CLOCK_TARGET.get(item.clock, item.clock)} due {slack_date(item.due, fmt='{time}')}"
            + (f", {duration(late)} late" if late >= timedelta(minutes=1) else "")
        ),
        user_mention(item.assignee) or "unclaimed",
    ]
    line = " · ".join(p for p in parts if p)
    if not item.still_due:
        line += " · ✅ answered since"
    quoted = snippet_of(item.snippet)
    return f"{line}\n> {escape_mrkdwn(quoted)}" if quoted else line


def _more(items: Sequence[SlaAlertView]) -> list[Block]:
    rest = items[MAX_LISTED:]
    if not rest:
        return []
    refs = ", ".join(f"#{i.case_id}" for i in rest[:60])
    extra = f" and {len(rest) - 60} more" if len(rest) > 60 else ""
    return [context_block([f"…and {len(rest)} more: {refs}{extra}"], block_id="sla:more")]


def _lead_mention(lead: str) -> str:
    # Config ids: U/W users are mentioned, S user groups pinged as a group.
    return f"<!subteam^{lead}>" if lead.startswith("S") else f"<@{lead}>"
