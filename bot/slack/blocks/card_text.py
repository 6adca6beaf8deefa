"""The wording shared by the case card, the history view and the SLA alerts: labels and small phrases.

Pure functions of their arguments, like every renderer."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from socialdesk.domain.case_view import AuthorView, HistoryView, MentionView
from socialdesk.domain.enums import CaseStatus, Category, MentionKind, Priority, Sentiment
from socialdesk.domain.ratings import stars
from socialdesk.slack.blocks.kit import (
    compact_count,
    escape_mrkdwn,
    fit_mrkdwn,
    link,
    one_line,
    short_day,
    slack_date,
    truncate,
)


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

_SNIPPET_CHARS = 80


def privacy_marker(is_private: bool, kind: MentionKind) -> str:
    # Agents must know before replying whether the whole internet will read the answer.
    if is_private:
        return f"🔒 private {KIND_LABEL[kind]}"
    return f"🌐 public {KIND_LABEL[kind]}"


def author_line(author: AuthorView) -> str:
    handle = handle_of(author)
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


def handle_of(author: AuthorView) -> str:
    handle = author.handle.strip().lstrip("@")
    # No handle (Messenger and Facebook send ids only): say so rather than dress an id up as a handle.
    return f"@{handle}" if handle else f"user {author.id}"


def snippet_of(text: str) -> str:
    return truncate(one_line(text), _SNIPPET_CHARS) or "(no text)"


def category_label(category: Category) -> str:
    return category.value.replace("_", " ").capitalize()


def sentiment_label(sentiment: Sentiment, score: float) -> str:
    return f"{SENTIMENT_LABEL[sentiment]} ({score:+.2f})"


# A review's details on the card: the first few, each value cut, so the line stays one glance long.
_DETAILS_SHOWN = 4
_DETAIL_CHARS = 150


def review_line(mention: MentionView) -> str | None:
    """``★★☆☆☆ 2/5 · *Title* Crashes at login · *Version* 4.2.1 · ✏️ edited 7 Dec``; None for a post
    that is not a review (no stars, no details, never edited)."""
    parts = [f"*{stars(mention.rating)}*"] if mention.rating is not None else []
    for label, value in mention.details[:_DETAILS_SHOWN]:
        parts.append(
            f"*{escape_mrkdwn(truncate(one_line(label), 40))}* {fit_mrkdwn(one_line(value), _DETAIL_CHARS)}"
        )
    if mention.edited_at is not None:
        times = f" ({mention.edit_count} edits)" if mention.edit_count > 1 else ""
        parts.append(f"✏️ edited by the customer {slack_date(mention.edited_at)}{times}")
    return " · ".join(parts) or None


def review_prefix(mention: MentionView) -> str:
    """The stars ahead of a snippet in plain text (notifications): ``★☆☆☆☆ 1/5 ``, or nothing."""
    return f"{stars(mention.rating)} " if mention.rating is not None else ""
