"""Block Kit for private command answers: help, the queue. Pure functions."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from socialdesk.clock import as_utc
from socialdesk.domain.commands import SOCIAL_USAGE
from socialdesk.domain.models import Case
from socialdesk.slack.blocks.cards import SlackMessage


def render_help(extra: Sequence[str] = ()) -> SlackMessage:
    """Every built-in subcommand, then `extra`: the usage lines of the plugins' subcommands."""
    lines = "\n".join(f"• {usage}" for usage in (*SOCIAL_USAGE.values(), *extra))
    text = f"*socialdesk commands*\nCase numbers work with or without `#`.\n{lines}"
    return SlackMessage(
        text="socialdesk commands", blocks=[{"type": "section", "text": {"type": "mrkdwn", "text": text}}]
    )


def _due_words(case: Case, now: datetime) -> str:
    minutes = int((as_utc(case.first_response_due) - now).total_seconds() // 60)
    if case.first_response_at is not None:
        return "answered"
    return f"due in {minutes} min" if minutes >= 0 else f"overdue by {-minutes} min"


def render_queue(cases: list[Case], *, now: datetime, scope: str) -> SlackMessage:
    if not cases:
        text = f"No open cases{scope}. :tada:"
        return SlackMessage(text=text, blocks=[{"type": "section", "text": {"type": "mrkdwn", "text": text}}])
    rows = []
    for case in cases:
        who = f"<@{case.assignee}>" if case.assignee else "unclaimed"
        handle = f"@{case.author_handle}" if case.author_handle else case.author_name or case.author_id
        rows.append(
            f"*#{case.id}* {case.priority.value} · {case.platform.label} · {case.category.value} · "
            f"{handle} · {_due_words(case, now)} · {who}"
            # No card of its own yet: it is counted in a flood roll-up message (bot/flood/).
            + (" · in roll-up" if case.rollup_id is not None and case.slack_ts is None else "")
        )
    header = f"*Open cases{scope}* ({len(cases)} shown, most urgent first)"
    body = "\n".join(rows)
    # 3,000 characters per section: split the rows over sections rather than cutting them.
    blocks: list[dict[str, object]] = [{"type": "section", "text": {"type": "mrkdwn", "text": header}}]
    chunk: list[str] = []
    for row in rows:
        if sum(len(r) + 1 for r in chunk) + len(row) > 2900:
            blocks.append({"type": "section", "text": {"type": "mrkdwn", "text": "\n".join(chunk)}})
            chunk = []
        chunk.append(row)
    if chunk:
        blocks.append({"type": "section", "text": {"type": "mrkdwn", "text": "\n".join(chunk)}})
    return SlackMessage(text=f"{header}\n{body}"[:3000], blocks=blocks)


def render_text(text: str) -> SlackMessage:
    """A one-line private confirmation ("You claimed #42.")."""
    return SlackMessage(text=text, blocks=[{"type": "section", "text": {"type": "mrkdwn", "text": text}}])
