"""Case cards and their companions as Block Kit: pure functions of a view, never of the database or a clock.

The case service builds a ``CaseView`` (with ``now`` filled in), these functions turn it into a
``SlackMessage``, and the notifier posts or updates it. Re-rendering the same view yields the same
blocks, so ``chat.update`` after every state change is safe and idempotent.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from socialdesk.domain.case_view import CaseView, MentionView
from socialdesk.domain.casework import OUTCOMES
from socialdesk.domain.enums import CaseStatus
from socialdesk.slack.blocks.card_text import (
    KIND_LABEL,
    PRIORITY_EMOJI,
    SENTIMENT_LABEL,
    STATUS_LABEL,
    SlackMessage,
    author_line,
    category_label,
    handle_of,
    history_summary,
    privacy_marker,
    review_line,
    review_prefix,
    sentiment_label,
    snippet_of,
)
from socialdesk.slack.blocks.history_card import render_history
from socialdesk.slack.blocks.kit import (
    MAX_FALLBACK_TEXT,
    MAX_SECTION_TEXT,
    Block,
    ButtonStyle,
    actions_block,
    button,
    context_block,
    due_phrase,
    duration,
    escape_mrkdwn,
    fit_mrkdwn,
    header_block,
    link,
    overflow,
    quote,
    section_block,
    slack_date,
    truncate,
    user_mention,
    utc,
)
from socialdesk.slack.blocks.plugin_sections import plugin_blocks
from socialdesk.slack.blocks.sla_alerts import sla_header_marker, sla_status
from socialdesk.slack.blocks.triage_view import triage_menu
from socialdesk.slack.ids import (
    ActionId,
    OverflowOption,
    case_block_id,
    encode_case_value,
    encode_overflow_value,
)

# The labels and the history view moved to their own modules; importers of this one keep working.
__all__ = [
    "KIND_LABEL",
    "PRIORITY_EMOJI",
    "SENTIMENT_LABEL",
    "STATUS_LABEL",
    "SlackMessage",
    "history_summary",
    "render_case_card",
    "render_followup",
    "render_history",
]


# --- the case card ------------------------------------------------------------------------------


def render_case_card(case: CaseView) -> SlackMessage:
    """The card posted in the team channel for one case, and re-rendered on every change."""
    blocks: list[Block] = [
        header_block(_header_text(case), block_id=case_block_id(case.id, "header")),
        context_block(_status_line(case), block_id=case_block_id(case.id, "status")),
        section_block(author_line(case.author), block_id=case_block_id(case.id, "author")),
        *_review_blocks(case),
        section_block(
            quote(case.first.text_masked, MAX_SECTION_TEXT), block_id=case_block_id(case.id, "text")
        ),
        context_block(_source_line(case.first), block_id=case_block_id(case.id, "source")),
        section_block(block_id=case_block_id(case.id, "facts"), fields=_facts(case)),
        *_undelivered(case),
        *plugin_blocks(case),
        actions_block(_actions(case), block_id=case_block_id(case.id, "actions")),
    ]
    return SlackMessage(text=_card_fallback(case), blocks=blocks)


def _undelivered(case: CaseView) -> list[Block]:
    """The platform said our last reply never arrived: the agent must see it before calling it done."""
    if not case.undelivered:
        return []
    text = f"⚠️ *The last reply was not delivered:* {escape_mrkdwn(case.undelivered)}"
    return [context_block([fit_mrkdwn(text, 2900)], block_id=case_block_id(case.id, "undelivered"))]


def _review_blocks(case: CaseView) -> list[Block]:
    """A review's stars, details (title, version, location) and edits, above its text."""
    line = review_line(case.first)
    return [context_block([line], block_id=case_block_id(case.id, "review"))] if line else []


def _header_text(case: CaseView) -> str:
    # Plain text (headers cannot carry mrkdwn), so the assignee mention lives in the status line below.
    text = (
        f"{PRIORITY_EMOJI[case.priority]} #{case.id} · {case.priority.value} · "
        f"{case.platform.label} {category_label(case.category).lower()} · {STATUS_LABEL[case.status]}"
    )
    marker = sla_header_marker(case)  # amber or red: seen in the channel without opening the card
    return f"{text} · {marker}" if marker else text


def _status_line(case: CaseView) -> list[str]:
    who = user_mention(case.assignee)
    match case.status:
        case CaseStatus.NEW:
            status = "*New* · unclaimed"
        case CaseStatus.CLAIMED:
            status = f"*Claimed by {who}*" if who else "*Claimed*"
            if case.claimed_at is not None:
                status += f", {slack_date(case.claimed_at, fmt='{time}')}"
        case CaseStatus.RESOLVED:
            status = "*Resolved*" + (f" · handled by {who}" if who else "")
            if case.outcome:
                status += f" · {escape_mrkdwn(OUTCOMES.get(case.outcome, case.outcome))}"
        case _:
            status = f"*{STATUS_LABEL[case.status]}*" + (f" · {who}" if who else "")
    parts = [
        *sla_status(case),
        status,
        privacy_marker(case.is_private, case.first.kind),
        f"team {escape_mrkdwn(case.team)}" if case.team else "",
    ]
    if case.mention_count > 1:
        parts.append(f"{case.mention_count} mentions")
    return [" · ".join(part for part in parts if part)]


def _source_line(mention: MentionView) -> list[str]:
    where = link(mention.url, f"View original on {mention.platform.label}") if mention.url else ""
    posted = f"posted {slack_date(mention.posted_at)}"
    return [" · ".join(part for part in (where, posted) if part)]


def _facts(case: CaseView) -> list[str]:
    reason = case.priority_reason.strip().removeprefix(f"{case.priority.value}:").strip()
    priority = f"{PRIORITY_EMOJI[case.priority]} {case.priority.value}" + (
        f": {escape_mrkdwn(reason)}" if reason else ""
    )
    return [
        f"*Sentiment*\n{sentiment_label(case.sentiment, case.sentiment_score)}",
        f"*Category*\n{category_label(case.category)}",
        f"*Priority*\n{priority}",
        f"*First response*\n{_sla(case)}",
        f"*Customer history*\n{history_summary(case.history, now=case.now)}",
    ]


def _sla(case: CaseView) -> str:
    if case.first_response_at is None and not case.needs_reply:
        return "No reply needed · no SLA clock"
    if case.first_response_at is None and case.no_clock is not None:  # spam, history
        return f"{case.no_clock.capitalize()} · no SLA clock"
    if case.first_response_at is not None:
        answered = utc(case.first_response_at)
        late = answered > utc(case.first_response_due)
        return f"answered {slack_date(answered)}" + (" (after the due time)" if late else "")
    due = f"due {slack_date(case.first_response_due)}"
    # A closed case without a response (spam, resolved silently) has nothing left to be late for.
    if case.now is None or not case.status.is_open:
        return due
    return f"{due} · *{due_phrase(case.first_response_due, case.now)}*"


def _actions(case: CaseView) -> list[dict[str, Any]]:
    value = encode_case_value(case.id)
    if not case.status.is_open:
        # A closed card offers only the way back; anything else would act on a finished case.
        return [button("Reopen", action_id=ActionId.REOPEN, value=value)]
    # One primary button: the next step. Unclaimed cards ask to be claimed; claimed ones to be answered.
    claim_style: ButtonStyle | None = "primary" if case.assignee is None else None
    reply_style: ButtonStyle | None = None if case.assignee is None else "primary"
    return [
        button("Claim", action_id=ActionId.CLAIM, value=value, style=claim_style),
        button("Reply", action_id=ActionId.REPLY, value=value, style=reply_style),
        button("Escalate", action_id=ActionId.ESCALATE, value=value),
        button("Resolve", action_id=ActionId.RESOLVE, value=value),
        overflow(
            action_id=ActionId.OVERFLOW,
            options=[
                ("Private reply", encode_overflow_value(case.id, OverflowOption.PRIVATE_REPLY)),
                ("Unclaim", encode_overflow_value(case.id, OverflowOption.UNCLAIM)),
                ("Assign…", encode_overflow_value(case.id, OverflowOption.ASSIGN)),
                ("Mark spam", encode_overflow_value(case.id, OverflowOption.MARK_SPAM)),
                ("Show history", encode_overflow_value(case.id, OverflowOption.SHOW_HISTORY)),
            ],
        ),
        # Category, priority, "needs a reply": wrong triage fixed in one pick (blocks/triage_view.py).
        triage_menu(case),
    ]


def _card_fallback(case: CaseView) -> str:
    # Shown in notifications and by screen readers; escaped because Slack parses it like mrkdwn.
    short = review_prefix(case.first) + snippet_of(case.first.text_masked)
    text = (
        f"#{case.id} {case.priority.value} {case.platform.label} {category_label(case.category).lower()} "
        f"from {handle_of(case.author)}: {short}"
    )
    return fit_mrkdwn(text, MAX_FALLBACK_TEXT)


# --- follow-ups ---------------------------------------------------------------------------------


def render_followup(mention: MentionView, *, first_posted_at: datetime | None = None) -> SlackMessage:
    """A later mention of the same case, posted in the card's thread.

    ``first_posted_at`` (when the case's first mention was posted) turns the timestamp into
    "2 min after the first post"; without it the post time is shown instead.
    """
    handle = handle_of(mention.author)
    name = mention.author.name.strip()
    who = (f"*{fit_mrkdwn(name, 200)}* " if name else "") + link(mention.author.url, truncate(handle, 120))
    when = (
        _relative_to_first(mention.posted_at, first_posted_at)
        if first_posted_at is not None
        else f"posted {slack_date(mention.posted_at)}"
    )
    prefix = f"mention:{mention.id}"
    blocks: list[Block] = [
        context_block(
            [f"↪ Follow-up from {who} · {when} · {privacy_marker(mention.is_private, mention.kind)}"],
            block_id=case_block_id(mention.case_id, f"{prefix}:from"),
        ),
        section_block(
            quote(mention.text_masked, MAX_SECTION_TEXT),
            block_id=case_block_id(mention.case_id, f"{prefix}:text"),
        ),
    ]
    if mention.url:
        blocks.append(
            context_block(
                [link(mention.url, f"View original on {mention.platform.label}")],
                block_id=case_block_id(mention.case_id, f"{prefix}:source"),
            )
        )
    short = snippet_of(mention.text_masked)
    fallback = fit_mrkdwn(f"Follow-up on #{mention.case_id} from {handle}: {short}", MAX_FALLBACK_TEXT)
    return SlackMessage(text=fallback, blocks=blocks)


def _relative_to_first(posted_at: datetime, first_posted_at: datetime) -> str:
    delta = utc(posted_at) - utc(first_posted_at)
    if abs(delta.total_seconds()) < 60:
        return "within a minute of the first post"
    side = "after" if delta.total_seconds() > 0 else "before"  # platforms deliver out of order
    return f"{duration(delta)} {side} the first post"
