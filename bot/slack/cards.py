"""Case cards and their companions as Block Kit: pure functions of a view, never of the database or a clock.

The case service builds a ``CaseView`` (with ``now`` filled in), these functions turn it into a
``SlackMessage``, and the notifier posts or updates it. Re-rendering the same view yields the same
blocks, so ``chat.update`` after every state change is safe and idempotent.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from bot.domain.case_view import AuthorView, CaseView, HistoryView, MentionView
from bot.domain.casework import OUTCOMES
from bot.domain.enums import CaseStatus, Category, MentionKind, Priority, Sentiment
from bot.slack.blocks import (
    MAX_BLOCKS,
    MAX_FALLBACK_TEXT,
    MAX_SECTION_TEXT,
    Block,
    ButtonStyle,
    actions_block,
    button,
    compact_count,
    context_block,
    divider_block,
    due_phrase,
    duration,
    escape_mrkdwn,
    fit_mrkdwn,
    header_block,
    link,
    one_line,
    overflow,
    quote,
    section_block,
    short_day,
    slack_date,
    truncate,
    user_mention,
    utc,
)
from bot.slack.ids import ActionId, OverflowOption, case_block_id, encode_case_value, encode_overflow_value

__all__ = ["SlackMessage", "render_case_card", "render_followup", "render_history"]


@dataclass(frozen=True, slots=True)
class SlackMessage:
    """What chat.postMessage / chat.update / chat.postEphemeral need: fallback ``text`` and ``blocks``."""

    text: str
    blocks: list[dict[str, Any]]


PRIORITY_EMOJI: dict[Priority, str] = {
    Priority.P1: "🔴",
    Priority.P2: "🟠",
    Priority.P3: "🟡",
    Priority.P4: "🟢",
}

STATUS_LABEL: dict[CaseStatus, str] = {
    CaseStatus.NEW: "New",
    CaseStatus.CLAIMED: "Claimed",
    CaseStatus.WAITING_CUSTOMER: "Waiting on customer",
    CaseStatus.ESCALATED: "Escalated",
    CaseStatus.RESOLVED: "Resolved",
    CaseStatus.SPAM: "Spam",
}

SENTIMENT_LABEL: dict[Sentiment, str] = {
    Sentiment.VERY_NEGATIVE: "Very negative",
    Sentiment.NEGATIVE: "Negative",
    Sentiment.NEUTRAL: "Neutral",
    Sentiment.POSITIVE: "Positive",
    Sentiment.VERY_POSITIVE: "Very positive",
}

KIND_LABEL: dict[MentionKind, str] = {
    MentionKind.POST: "post",
    MentionKind.COMMENT: "comment",
    MentionKind.REPLY: "reply",
    MentionKind.DIRECT: "direct message",
    MentionKind.REVIEW: "review",
}

# Per-mention quote budget in the history view: enough to recognise a post, small enough for 20+ of them.
_HISTORY_QUOTE_CHARS = 600
# Fixed blocks around the mentions in the history view: header, summary, divider, "n more" note.
_HISTORY_FIXED_BLOCKS = 4
_SNIPPET_CHARS = 80


# --- the case card ------------------------------------------------------------------------------


def render_case_card(case: CaseView) -> SlackMessage:
    """The card posted in the team channel for one case, and re-rendered on every change."""
    blocks: list[Block] = [
        header_block(_header_text(case), block_id=case_block_id(case.id, "header")),
        context_block(_status_line(case), block_id=case_block_id(case.id, "status")),
        section_block(_author_line(case.author), block_id=case_block_id(case.id, "author")),
        section_block(
            quote(case.first.text_masked, MAX_SECTION_TEXT), block_id=case_block_id(case.id, "text")
        ),
        context_block(_source_line(case.first), block_id=case_block_id(case.id, "source")),
        section_block(block_id=case_block_id(case.id, "facts"), fields=_facts(case)),
        actions_block(_actions(case), block_id=case_block_id(case.id, "actions")),
    ]
    return SlackMessage(text=_card_fallback(case), blocks=blocks)


def _header_text(case: CaseView) -> str:
    # Plain text (headers cannot carry mrkdwn), so the assignee mention lives in the status line below.
    return (
        f"{PRIORITY_EMOJI[case.priority]} #{case.id} · {case.priority.value} · "
        f"{case.platform.label} {_category(case.category).lower()} · {STATUS_LABEL[case.status]}"
    )


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
        status,
        _privacy_marker(case.is_private, case.first.kind),
        f"team {escape_mrkdwn(case.team)}" if case.team else "",
    ]
    if case.mention_count > 1:
        parts.append(f"{case.mention_count} mentions")
    return [" · ".join(part for part in parts if part)]


def _privacy_marker(is_private: bool, kind: MentionKind) -> str:
    # Agents must know before replying whether the whole internet will read the answer.
    if is_private:
        return f"🔒 private {KIND_LABEL[kind]}"
    return f"🌐 public {KIND_LABEL[kind]}"


def _author_line(author: AuthorView) -> str:
    handle = _handle(author)
    name = author.name.strip()
    if not name or name.lstrip("@") == author.handle.strip().lstrip("@"):
        # Only one thing to show (Messenger gives ids only; some platforms give no display name).
        parts = [f"*{link(author.url, truncate(handle, 120))}*"]
    else:
        parts = [f"*{fit_mrkdwn(name, 200)}* {link(author.url, truncate(handle, 120))}"]
    if author.verified:
        parts.append("✔ verified")
    if author.followers is not None:
        parts.append(f"{compact_count(author.followers)} followers")
    return " · ".join(parts)


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
        f"*Sentiment*\n{_sentiment(case.sentiment, case.sentiment_score)}",
        f"*Category*\n{_category(case.category)}",
        f"*Priority*\n{priority}",
        f"*First response*\n{_sla(case)}",
        f"*Customer history*\n{history_summary(case.history, now=case.now)}",
    ]


def _sla(case: CaseView) -> str:
    if case.first_response_at is not None:
        answered = utc(case.first_response_at)
        late = answered > utc(case.first_response_due)
        return f"answered {slack_date(answered)}" + (" (after the due time)" if late else "")
    due = f"due {slack_date(case.first_response_due)}"
    # A closed case without a response (spam, resolved silently) has nothing left to be late for.
    if case.now is None or not case.status.is_open:
        return due
    return f"{due} · *{due_phrase(case.first_response_due, case.now)}*"


def history_summary(history: HistoryView, *, now: datetime | None = None) -> str:
    """``First contact`` or ``3 earlier cases: 2 resolved, 1 escalated; last #17 on 12 Nov``."""
    if history.total <= 0:
        return "First contact"
    noun = "case" if history.total == 1 else "cases"
    counts = [
        (history.resolved, "resolved"),
        (history.escalated, "escalated"),
        (history.open, "open"),
        (history.spam, "spam"),
    ]
    breakdown = ", ".join(f"{count} {label}" for count, label in counts if count > 0)
    text = f"{history.total} earlier {noun}" + (f": {breakdown}" if breakdown else "")
    if history.recent:
        last_id, _, opened_at = history.recent[0]
        text += f"; last #{last_id} on {short_day(opened_at, now=now)}"
    return text


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
    ]


def _card_fallback(case: CaseView) -> str:
    # Shown in notifications and by screen readers; escaped because Slack parses it like mrkdwn.
    snippet = _snippet(case.first.text_masked)
    text = (
        f"#{case.id} {case.priority.value} {case.platform.label} {_category(case.category).lower()} "
        f"from {_handle(case.author)}: {snippet}"
    )
    return fit_mrkdwn(text, MAX_FALLBACK_TEXT)


# --- follow-ups ---------------------------------------------------------------------------------


def render_followup(mention: MentionView, *, first_posted_at: datetime | None = None) -> SlackMessage:
    """A later mention of the same case, posted in the card's thread.

    ``first_posted_at`` (when the case's first mention was posted) turns the timestamp into
    "2 min after the first post"; without it the post time is shown instead.
    """
    handle = _handle(mention.author)
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
            [f"↪ Follow-up from {who} · {when} · {_privacy_marker(_is_private(mention), mention.kind)}"],
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
    snippet = _snippet(mention.text_masked)
    fallback = fit_mrkdwn(f"Follow-up on #{mention.case_id} from {handle}: {snippet}", MAX_FALLBACK_TEXT)
    return SlackMessage(text=fallback, blocks=blocks)


def _relative_to_first(posted_at: datetime, first_posted_at: datetime) -> str:
    delta = utc(posted_at) - utc(first_posted_at)
    if abs(delta.total_seconds()) < 60:
        return "within a minute of the first post"
    side = "after" if delta.total_seconds() > 0 else "before"  # platforms deliver out of order
    return f"{duration(delta)} {side} the first post"


# --- history (ephemeral, from the overflow menu) ------------------------------------------------


def render_history(case: CaseView, mentions: Sequence[MentionView]) -> SlackMessage:
    """Every mention of the case, oldest first, plus the customer's earlier cases.

    Long conversations keep the opening mention and the newest ones: together they say what the
    customer asked and where things stand, and the message stays under Slack's 50 blocks.
    """
    ordered = sorted(mentions, key=lambda m: (utc(m.posted_at), m.id))
    room = (MAX_BLOCKS - _HISTORY_FIXED_BLOCKS) // 2  # two blocks per mention
    omitted = max(len(ordered) - room, 0)
    shown = ordered if not omitted else [ordered[0], *ordered[len(ordered) - (room - 1) :]]

    blocks: list[Block] = [
        header_block(
            f"History of #{case.id} · {_handle(case.author)}", block_id=case_block_id(case.id, "hist")
        ),
        section_block(_history_overview(case, len(ordered)), block_id=case_block_id(case.id, "hist:summary")),
        divider_block(block_id=case_block_id(case.id, "hist:div")),
    ]
    for index, mention in enumerate(shown):
        if omitted and index == 1:
            blocks.append(
                context_block(
                    [f"… {omitted} more {'mention' if omitted == 1 else 'mentions'} not shown"],
                    block_id=case_block_id(case.id, "hist:omitted"),
                )
            )
        blocks.extend(_history_entry(case, mention))
    if not shown:
        blocks.append(context_block(["No mentions recorded."], block_id=case_block_id(case.id, "hist:none")))

    text = f"History of #{case.id}: {len(ordered)} {'mention' if len(ordered) == 1 else 'mentions'}"
    return SlackMessage(text=text, blocks=blocks)


def _history_overview(case: CaseView, mention_count: int) -> str:
    lines = [
        f"{_author_line(case.author)}",
        f"*This case:* {mention_count} {'mention' if mention_count == 1 else 'mentions'} · "
        f"opened {slack_date(case.opened_at)} · {STATUS_LABEL[case.status]}",
        f"*Customer history:* {history_summary(case.history, now=case.now)}",
    ]
    for case_id, status, opened_at in case.history.recent[:5]:
        lines.append(f"• #{case_id} · {STATUS_LABEL[status].lower()} · {short_day(opened_at, now=case.now)}")
    return "\n".join(lines)


def _history_entry(case: CaseView, mention: MentionView) -> list[Block]:
    prefix = f"hist:m{mention.id}"
    marker = "opened the case" if mention.id == case.first.id else KIND_LABEL[mention.kind]
    meta = [
        f"{link(mention.url, _handle(mention.author))} · {marker} · {slack_date(mention.posted_at)}",
        _sentiment(mention.sentiment, mention.sentiment_score),
    ]
    return [
        context_block([" · ".join(meta)], block_id=case_block_id(case.id, f"{prefix}:meta")),
        section_block(
            quote(mention.text_masked, _HISTORY_QUOTE_CHARS),
            block_id=case_block_id(case.id, f"{prefix}:text"),
        ),
    ]


# --- small wording helpers ----------------------------------------------------------------------


def _handle(author: AuthorView) -> str:
    handle = author.handle.strip().lstrip("@")
    # No handle (Messenger and Facebook send ids only): say so rather than dress an id up as a handle.
    return f"@{handle}" if handle else f"user {author.id}"


def _snippet(text: str) -> str:
    return truncate(one_line(text), _SNIPPET_CHARS) or "(no text)"


def _category(category: Category) -> str:
    return category.value.replace("_", " ").capitalize()


def _sentiment(sentiment: Sentiment, score: float) -> str:
    return f"{SENTIMENT_LABEL[sentiment]} ({score:+.2f})"


def _is_private(mention: MentionView) -> bool:
    return mention.is_private
