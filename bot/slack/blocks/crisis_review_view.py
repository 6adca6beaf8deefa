"""The post-crisis review as a Slack message: a pure function of a `socialdesk.crisis.review.CrisisReview`.

Header and key times, the figures before / during / after (one field each), who approved which
statement when, the timeline and the lessons, with an *Add lessons learned* button. The timeline is
what grows without bound (a long crisis has hundreds of events): past a budget it keeps its first and
last events and points at `socialdesk crisis review <id>` for the rest, so the message stays within
Slack's 50 blocks and 3,000 characters per section.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from socialdesk.domain.crisis_review import CrisisReview, StatementEntry
from socialdesk.slack.blocks.card_text import SlackMessage
from socialdesk.slack.blocks.crisis_review_text import (
    DEFINITIONS,
    cadence_line,
    figure_rows,
    first_statement_line,
    window_span,
)
from socialdesk.slack.blocks.digest_view import NO_DATA
from socialdesk.slack.blocks.kit import (
    MAX_BLOCKS,
    MAX_FALLBACK_TEXT,
    Block,
    actions_block,
    button,
    context_block,
    divider_block,
    duration,
    escape_mrkdwn,
    fit_mrkdwn,
    header_block,
    link,
    section_block,
    truncate,
    truncate_escaped,
    user_mention,
)
from socialdesk.slack.ids import CrisisActionId, CrisisValue, encode_crisis_value

_SECTION_BUDGET = 2900  # under Slack's 3,000 per section text, with room for the joining newlines
TIMELINE_SECTIONS = 5  # about 14,000 characters of timeline: more is for the file
STATEMENT_SECTIONS = 10
MAX_LINE = 400  # one timeline or publication line, so a huge error text cannot eat a section
_USER_REF = re.compile(r"(?<![<\w])@([UW][A-Z0-9]{2,})\b")


def _who(user: str | None) -> str:
    if user == "system":
        return "socialdesk"
    return user_mention(user) or "nobody"


def _mentions(escaped: str) -> str:
    """``@U123`` in an event line (already escaped) as a Slack mention."""
    return _USER_REF.sub(r"<@\1>", escaped)


def _chunks(lines: Iterable[str], budget: int = _SECTION_BUDGET) -> list[str]:
    """Lines joined into texts of at most ``budget`` chars, never splitting a line."""
    out: list[str] = []
    current: list[str] = []
    used = 0
    for line in lines:
        cost = len(line) + (1 if current else 0)
        if current and used + cost > budget:
            out.append("\n".join(current))
            current, used, cost = [], 0, len(line)
        current.append(line)
        used += cost
    if current:
        out.append("\n".join(current))
    return out


def _header_context(review: CrisisReview) -> str:
    severity = f"*{escape_mrkdwn(review.severity)}*" + "".join(
        f" ({escape_mrkdwn(c.before)} → {escape_mrkdwn(c.after)} {review.clock(c.at)} by {_who(c.by)})"
        for c in review.severity_changes
    )
    ended = (
        "still running"
        if review.ended_at is None
        else f"ended {review.clock(review.ended_at)} by {_who(review.ended_by)}"
    )
    so_far = " so far" if review.running else ""
    return (
        f"{fit_mrkdwn(review.playbook_title, 100)} · severity {severity} · started "
        f"{review.clock(review.started_at)} by {_who(review.started_by)} · {ended} · "
        f"{duration(review.duration)}{so_far} · war room #{escape_mrkdwn(review.war_room.lstrip('#'))} · "
        f"times in {escape_mrkdwn(review.timezone)}"
    )


def _summary(review: CrisisReview) -> str:
    text = f"*Summary* {escape_mrkdwn(review.summary) or NO_DATA}"
    if review.end_summary:
        text += f"\n*At the end* {escape_mrkdwn(review.end_summary)}"
    return text


def _key_times(review: CrisisReview) -> str:
    steps = {s.statement_id: s for s in review.key_times.steps}
    lines = ["*Key times*", escape_mrkdwn(first_statement_line(review)), escape_mrkdwn(cadence_line(review))]
    for s in review.statements:
        parts = [f"#{s.id} {escape_mrkdwn(s.kind)}"]
        if s.to_approved is not None:
            parts.append(f"approved after {duration(s.to_approved)}")
        if s.to_published is not None:
            parts.append(f"published after {duration(s.to_published)}")
        step = steps.get(s.id)
        if step is not None:
            cadence = "" if step.on_cadence is None else (" (on cadence)" if step.on_cadence else " (late)")
            parts.append(f"{duration(step.gap)} after the previous one{cadence}")
        if len(parts) == 1:
            parts.append(escape_mrkdwn(s.status))
        lines.append(" · ".join(parts))
    return "\n".join(lines)


def _figure_fields(review: CrisisReview) -> list[str]:
    fields = []
    for row in figure_rows(review):
        during = f"{row.during} {row.during_change}".rstrip()
        after = f"{row.after} {row.after_change}".rstrip()
        fields.append(f"*{row.label}*\nbefore {row.before} · during {during} · after {after}")
    return fields


def _figures_context(review: CrisisReview) -> str:
    f = review.figures
    spans = [f"before {window_span(review, f.before)}", f"during {window_span(review, f.during)}"]
    if f.after is not None:
        spans.append(f"after {window_span(review, f.after)}")
    note = f" {escape_mrkdwn(f.after_note)}" if f.after_note else ""
    return f"{' · '.join(spans)}.{note} {DEFINITIONS}"


def _statement_lines(review: CrisisReview, s: StatementEntry) -> list[str]:
    head = f"*{escape_mrkdwn(s.kind.capitalize())} #{s.id}* · {escape_mrkdwn(s.status)} · drafted "
    head += f"{review.clock(s.drafted_at)} by {_who(s.drafted_by)}"
    if s.published_at is not None:
        head += f" · {'published' if s.status == 'published' else 'partly published'} "
        head += review.clock(s.published_at) + (f" by {_who(s.published_by)}" if s.published_by else "")
    lines = [head]
    approvals = [
        f"{_who(a.approver)}{' as ' + escape_mrkdwn(', '.join(a.roles)) if a.roles else ''} "
        f"{review.clock(a.at)}{'' if a.current else ' (voided by an edit)'}"
        for a in s.approvals
    ]
    lines.append("Approved by " + "; ".join(approvals) if approvals else "No approvals")
    if s.rejected_by:
        when = f" {review.clock(s.rejected_at)}" if s.rejected_at else ""
        lines.append(f"Rejected{when} by {_who(s.rejected_by)}: {fit_mrkdwn(s.rejected_reason or '', 300)}")
    for p in s.publications:
        line = f"{escape_mrkdwn(p.target)}: {escape_mrkdwn(p.status)}"
        if p.url:
            line += f" · {link(p.url, 'post')}"
        if p.error:
            line += f" · {escape_mrkdwn(p.error_kind or 'error')}: {fit_mrkdwn(p.error, 200)}"
        lines.append(truncate_escaped(line, MAX_LINE))
    return lines


def _statement_texts(review: CrisisReview) -> list[str]:
    """One text per statement; statements beyond the budget are merged into the last section."""
    texts = ["\n".join(_statement_lines(review, s)) for s in review.statements]
    if len(texts) > STATEMENT_SECTIONS:
        texts = texts[: STATEMENT_SECTIONS - 1] + _chunks(texts[STATEMENT_SECTIONS - 1 :])[:1]
    return texts or ["No statements were drafted."]


def _timeline_lines(review: CrisisReview, budget: int) -> tuple[list[str], bool]:
    """Every event line, or when they do not fit ``budget`` characters the first and last ones around
    a line saying how many were left out; True when cut."""
    lines = [
        truncate_escaped(
            f"`{review.clock(e.at)}` {_who(e.actor)} {_mentions(escape_mrkdwn(e.text))}", MAX_LINE
        )
        for e in review.timeline
    ]
    if sum(len(line) + 1 for line in lines) <= budget:
        return lines, False
    half = budget // 2 - 100
    head: list[str] = []
    used = 0
    while len(head) < len(lines) and used + len(lines[len(head)]) + 1 <= half:
        used += len(lines[len(head)]) + 1
        head.append(lines[len(head)])
    tail: list[str] = []
    used = 0
    while len(head) + len(tail) < len(lines) and used + len(lines[-1 - len(tail)]) + 1 <= half:
        used += len(lines[-1 - len(tail)]) + 1
        tail.insert(0, lines[-1 - len(tail)])
    skipped = len(lines) - len(head) - len(tail)
    return [*head, f"_…{skipped} more events…_", *tail], True


def render_review_message(review: CrisisReview) -> SlackMessage:
    """The review for the war room (or wherever it is asked for); the chart follows in its thread."""
    cid = review.crisis_id
    blocks: list[Block] = [
        header_block(f"📋 Crisis {cid} review: {review.title}", block_id=f"crisis-review:{cid}:header"),
        context_block([_header_context(review)], block_id=f"crisis-review:{cid}:context"),
        section_block(_summary(review), block_id=f"crisis-review:{cid}:summary"),
        section_block(_key_times(review), block_id=f"crisis-review:{cid}:times"),
        section_block(
            "*Before, during and after*",
            block_id=f"crisis-review:{cid}:figures",
            fields=_figure_fields(review),
        ),
        context_block([_figures_context(review)], block_id=f"crisis-review:{cid}:definitions"),
        divider_block(block_id=f"crisis-review:{cid}:divider:statements"),
    ]
    for index, text in enumerate(_statement_texts(review)):
        blocks.append(section_block(text, block_id=f"crisis-review:{cid}:statement:{index}"))
    blocks.append(divider_block(block_id=f"crisis-review:{cid}:divider:timeline"))
    tail_blocks = 4  # the timeline note, lessons, the button and the chart line
    sections = max(1, min(TIMELINE_SECTIONS, MAX_BLOCKS - len(blocks) - tail_blocks))
    # A closed section holds at least its budget less one line, so this many characters always fit.
    lines, cut = _timeline_lines(review, sections * (_SECTION_BUDGET - MAX_LINE - 1) - 50)
    for index, text in enumerate(_chunks(["*Timeline*", *lines])[:sections]):
        blocks.append(section_block(text, block_id=f"crisis-review:{cid}:timeline:{index}"))
    note = f"{len(review.timeline)} events" + (
        f"; full timeline: `socialdesk crisis review {cid}`" if cut else ""
    )
    blocks += [
        context_block([note], block_id=f"crisis-review:{cid}:timeline-note"),
        section_block(
            f"*Lessons learned*\n{escape_mrkdwn(review.lessons_text)}",
            block_id=f"crisis-review:{cid}:lessons",
        ),
        actions_block(
            [
                button(
                    "Add lessons learned",
                    action_id=CrisisActionId.LESSONS.value,
                    value=encode_crisis_value(CrisisValue(crisis_id=cid)),
                )
            ],
            block_id=f"crisis-review:{cid}:actions",
        ),
        context_block(["Chart of the mentions in the thread."], block_id=f"crisis-review:{cid}:chart"),
    ]
    keys = review.key_times
    first = NO_DATA if keys.to_first_statement is None else duration(keys.to_first_statement)
    fallback = (
        f"Crisis {cid} review: {review.title}. First statement after {first}, {keys.updates} updates, "
        f"{review.figures.during.mentions:,} mentions during the crisis"
    )
    return SlackMessage(text=truncate(fallback, MAX_FALLBACK_TEXT), blocks=blocks)
