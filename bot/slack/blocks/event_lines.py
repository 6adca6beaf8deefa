"""One short line in a card's thread per action: who did what, when. Pure: a function of the event."""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any

from socialdesk.domain.casework import OUTCOMES, EventKind
from socialdesk.domain.ratings import stars, valid_rating
from socialdesk.domain.sla import SlaEventKind
from socialdesk.domain.triage_fix import TriageField, value_label
from socialdesk.slack.blocks.cards import SlackMessage
from socialdesk.slack.blocks.kit import (
    MAX_FALLBACK_TEXT,
    MAX_SECTION_TEXT,
    context_block,
    escape_mrkdwn,
    fit_mrkdwn,
    quote,
    section_block,
    slack_date,
    user_mention,
)
from socialdesk.slack.ids import case_block_id

_UNCERTAIN = frozenset({"unavailable", "unknown"})
_VISIBILITY = {"public": "🌐 publicly", "private": "🔒 privately"}


def render_event_line(
    *, case_id: int, event_id: int, kind: str, actor: str, at: datetime, detail: dict[str, Any]
) -> SlackMessage:
    who = user_mention(actor) or "socialdesk"
    when = slack_date(at, fmt="{time}")
    headline, body = _describe(kind, who, detail)
    blocks = [context_block([f"{headline} · {when}"], block_id=case_block_id(case_id, f"ev:{event_id}"))]
    if body:
        blocks.append(
            section_block(quote(body, MAX_SECTION_TEXT), block_id=case_block_id(case_id, f"ev:{event_id}:b"))
        )
    fallback = fit_mrkdwn(f"#{case_id}: " + _plain(kind, actor, detail), MAX_FALLBACK_TEXT)
    return SlackMessage(text=fallback, blocks=blocks)


def _describe(kind: str, who: str, d: dict[str, Any]) -> tuple[str, str | None]:
    match kind:
        case EventKind.CLAIMED:
            return f"🙋 Claimed by {who}", None
        case EventKind.UNCLAIMED:
            return f"↩️ {who} gave it back to the team", None
        case EventKind.ASSIGNED:
            return f"👉 {who} assigned it to {user_mention(d.get('assignee')) or 'someone'}", None
        case EventKind.REPLIED:
            where = _VISIBILITY.get(str(d.get("visibility")), "")
            canned = (
                f" (canned reply `{escape_mrkdwn(str(d['canned_reply_id']))}`)"
                if d.get("canned_reply_id")
                else ""
            )
            edit = " · replaced our earlier answer (one answer per review)" if d.get("replaces") else ""
            return f"💬 {who} replied {where}{canned}{edit}", str(d.get("text") or "")
        case EventKind.REPLY_FAILED:
            # After a timeout or a crash nobody knows whether it arrived: say so, not "failed".
            verdict = "*could not be confirmed*" if d.get("error_kind") in _UNCERTAIN else "*not delivered*"
            return f"⚠️ A reply by {who} {verdict}: {escape_mrkdwn(str(d.get('error', '')))}", None
        case "reply_undelivered":
            error = escape_mrkdwn(str(d.get("error", "")))
            return f"⚠️ The platform could not deliver the reply: {error}", None
        case EventKind.ESCALATED:
            ping = f" <!subteam^{d['oncall_group']}>" if d.get("oncall_group") else ""
            teams = f"*{escape_mrkdwn(str(d.get('from_team')))}* to *{escape_mrkdwn(str(d.get('to_team')))}*"
            head = f"⬆️ {who} escalated from {teams}{ping}"
            return head, str(d.get("reason") or "") or None
        case EventKind.RESOLVED:
            outcome = str(d.get("outcome") or "")
            return f"✅ Resolved by {who} · {escape_mrkdwn(OUTCOMES.get(outcome, outcome))}", None
        case EventKind.REOPENED:
            return f"🔄 Reopened by {who}", None
        case EventKind.SPAM:
            return f"🚫 Marked as spam by {who}", None
        case EventKind.NOTE:
            return f"📝 Internal note from {who} (not sent to the customer)", str(d.get("text") or "")
        case EventKind.MOVED_PRIVATE:
            return f"🔒 {who} moved the conversation to private messages", None
        case EventKind.TRIAGE_CORRECTED:
            return _triage_line(who, d), None
        case EventKind.EDITED:
            return _edited_line(d), str(d.get("text") or "") or None
        # Satisfaction surveys (bot/surveys): sent by socialdesk itself, answered by the customer.
        case "survey_sent":
            where = _VISIBILITY.get(str(d.get("visibility")), "")
            return f"📋 Satisfaction survey ({_survey_name(d)}) sent to the customer {where}", None
        case "survey_failed":
            verdict = "could not be confirmed" if d.get("error_kind") in _UNCERTAIN else "was not delivered"
            error = escape_mrkdwn(str(d.get("error", "")))
            return f"⚠️ The satisfaction survey ({_survey_name(d)}) {verdict}: {error}", None
        case "survey_answered":
            return _survey_answer(d), str(d.get("comment") or "") or None
        case SlaEventKind.SNOOZED:
            if d.get("until"):
                until = slack_date(datetime.fromisoformat(str(d["until"])))
                return f"🔕 {who} snoozed SLA alerts until {until} (the card still changes colour)", None
            return f"🔔 {who} turned SLA alerts back on", None
        case _:
            return f"{escape_mrkdwn(kind)} by {who}", None


def _triage_line(who: str, d: dict[str, Any]) -> str:
    """``🏷️ @maria corrected the priority: P4 → *P2*``, with what followed (moved, closed as spam)."""
    field = str(d.get("field") or "")
    try:
        name = TriageField(field).label
        before, after = (value_label(field, str(d.get(k) or "")) for k in ("from", "to"))
    except ValueError:
        name, before, after = field, str(d.get("from") or ""), str(d.get("to") or "")
    line = f"🏷️ {who} corrected the {escape_mrkdwn(name)}: {escape_mrkdwn(before)} → *{escape_mrkdwn(after)}*"
    if d.get("to_team"):
        line += f" · moved to *{escape_mrkdwn(str(d['to_team']))}*"
    if d.get("closed_as_spam"):
        line += " · closed as spam"
    return line


def _edited_line(d: dict[str, Any]) -> str:
    """``✏️ The customer edited their review: ★★★★★ 5/5 → *★☆☆☆☆ 1/5* · now P2 complaint · reopened``."""
    line = "✏️ The customer edited their review"
    before, after = valid_rating(d.get("previous_rating")), valid_rating(d.get("rating"))
    if before != after:
        line += ": " + " → ".join(
            [
                stars(before) if before is not None else "no rating",
                f"*{stars(after)}*" if after else "no rating",
            ]
        )
    if d.get("to_priority"):
        what = escape_mrkdwn(f"{d['to_priority']} {d.get('to_category') or ''}".strip())
        line += f" · now {what}"
    if d.get("reopened"):
        line += " · *reopened*"
    return line


def _survey_name(d: dict[str, Any]) -> str:
    kind = str(d.get("survey") or str(d.get("purpose") or "").partition(":")[2] or "csat")
    return escape_mrkdwn(kind.upper())


def _survey_answer(d: dict[str, Any]) -> str:
    """Says "⭐ CSAT 4/5 from the customer"; NPS adds its band, and a correction what it replaced."""
    name, score, scale = _survey_name(d), d.get("score"), d.get("scale")
    line = f"⭐ {name} {escape_mrkdwn(str(score))}/{escape_mrkdwn(str(scale))} from the customer"
    if name == "NPS" and isinstance(score, int):
        line += " (promoter)" if score >= 9 else " (passive)" if score >= 7 else " (detractor)"
    if d.get("source") == "webhook":
        line += ", through the survey tool"
    if d.get("previous_score") is not None:
        line += f" (was {escape_mrkdwn(str(d['previous_score']))})"
    return line


def _plain(kind: str, actor: str, d: dict[str, Any]) -> str:
    if kind == "survey_answered":
        return _survey_answer(d)
    if kind in ("survey_sent", "survey_failed"):
        return f"satisfaction survey {kind.removeprefix('survey_')}"
    if kind == EventKind.EDITED:
        return _edited_line(d).replace("*", "")
    if kind == EventKind.TRIAGE_CORRECTED:
        return f"triage corrected by {actor}: {d.get('field')} {d.get('from')} → {d.get('to')}"
    extra = d.get("to_team") or d.get("outcome") or d.get("assignee") or ""
    return f"{kind.replace('_', ' ')} by {actor}" + (f" ({extra})" if extra else "")


def render_moved_card(*, case_id: int, to_team: str, to_channel: str, why: str = "escalated") -> SlackMessage:
    """What is left of a card in the old channel after an escalation (or a triage correction that
    re-routed the case, or a crisis that took it in: ``why``): where the case went."""
    target = (
        f"<#{to_channel}>"
        if re.fullmatch(r"[CG][A-Z0-9]{2,}", to_channel)
        else escape_mrkdwn("#" + to_channel.lstrip("#"))
    )
    how = "was re-routed after a triage correction" if why == "rerouted" else "was escalated"
    text = f"➡️ #{case_id} {how} to *{escape_mrkdwn(to_team)}* and continues in {target}."
    if why == "crisis":
        text = f"🚨 #{case_id} is part of a crisis now and continues in its war room, {target}."
    return SlackMessage(
        text=fit_mrkdwn(f"#{case_id} moved to {to_team}", MAX_FALLBACK_TEXT),
        blocks=[section_block(text, block_id=case_block_id(case_id, "moved"))],
    )
