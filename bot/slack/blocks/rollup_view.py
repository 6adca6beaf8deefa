"""The roll-up message and its private "Show all" pages as Block Kit: pure functions of a view.

A roll-up stands in for many low-priority cases while a channel is flooded (bot/flood/): counts, a few
samples (masked text, like cards) and a way to page through every case and claim one."""

from __future__ import annotations

from typing import Any

from socialdesk.domain.enums import CaseStatus
from socialdesk.domain.rollup_views import RollupCase, RollupPage, RollupView
from socialdesk.slack.blocks.card_text import (
    PRIORITY_EMOJI,
    STATUS_LABEL,
    SlackMessage,
    category_label,
    snippet_of,
)
from socialdesk.slack.blocks.kit import (
    MAX_FALLBACK_TEXT,
    Block,
    actions_block,
    button,
    context_block,
    escape_mrkdwn,
    fit_mrkdwn,
    header_block,
    section_block,
    slack_date,
    truncate,
    utc,
)
from socialdesk.slack.ids import ActionId, RollupActionId, encode_case_value, encode_rollup_value

PAGE_SIZE = 10  # a page is 1 + 10 + 1 blocks, far under Slack's 50
_HANDLE_CHARS = 60


def _block(rollup_id: int, part: str) -> str:
    return f"rollup:{rollup_id}:{part}"


def _who(row: RollupCase) -> str:
    handle = row.author_handle.strip().lstrip("@")
    return fit_mrkdwn(f"@{handle}" if handle else f"user {row.author_id}", _HANDLE_CHARS)


def _sample_line(row: RollupCase) -> str:
    # Customer text is escaped and cut like a card's snippet, so it cannot ping or fake a link.
    snippet = escape_mrkdwn(snippet_of(row.text_masked))
    return (
        f"{PRIORITY_EMOJI[row.priority]} *#{row.case_id}* {row.priority.value} · {row.platform.label} · "
        f"{_who(row)}: “{snippet}”"
    )


def render_rollup(view: RollupView) -> SlackMessage:
    """The channel message: posted once, then updated from the current state."""
    rid, topic = view.rollup_id, category_label(view.topic)
    noun = "case" if view.case_count == 1 else "cases"
    collecting = utc(view.now) < utc(view.closes_at)
    span = f"{slack_date(view.first_at, fmt='{time}')} to {slack_date(view.last_at, fmt='{time}')}"
    state = (
        f"collecting until {slack_date(view.closes_at, fmt='{time}')}"
        if collecting
        else "closed: newer cases go to a new roll-up"
    )
    platforms = " · ".join(f"{p.label} {n}" for p, n in view.by_platform) or "none"
    priorities = " · ".join(f"{PRIORITY_EMOJI[p]} {p.value} {n}" for p, n in view.by_priority) or "none"
    blocks: list[Block] = [
        header_block(f"📥 {topic} roll-up · {view.case_count} {noun}", block_id=_block(rid, "header")),
        context_block([f"{span} · {state}"], block_id=_block(rid, "span")),
        section_block(
            block_id=_block(rid, "counts"),
            fields=[f"*By platform*\n{platforms}", f"*By priority*\n{priorities}"],
        ),
    ]
    if view.samples:
        lines = "\n".join(_sample_line(row) for row in view.samples)
        blocks.append(section_block(f"*Latest*\n{lines}", block_id=_block(rid, "samples")))
    note = (
        "Many low-priority posts arrived at once, so they are collected here instead of a card each. "
        "Every one is in `/social queue` and the App Home; claiming one gives it its own card."
    )
    if view.promoted:
        note += f" {view.promoted} already {'has' if view.promoted == 1 else 'have'} a card of their own."
    blocks.append(context_block([note], block_id=_block(rid, "note")))
    blocks.append(
        actions_block(
            [button("Show all", action_id=RollupActionId.SHOW_ALL.value, value=encode_rollup_value(rid))],
            block_id=_block(rid, "actions"),
        )
    )
    fallback = f"{topic} roll-up: {view.case_count} low-priority {noun} collected while the channel is busy"
    return SlackMessage(text=truncate(fallback, MAX_FALLBACK_TEXT), blocks=blocks)


def _page_row(row: RollupCase) -> Block:
    status = STATUS_LABEL[row.status] + (f" · <@{row.assignee}>" if row.assignee else "")
    text = f"{_sample_line(row)}\n{status}"
    accessory: dict[str, Any] | None = None
    if row.status is CaseStatus.NEW and row.assignee is None:
        accessory = button("Claim", action_id=ActionId.CLAIM.value, value=encode_case_value(row.case_id))
    return section_block(text, block_id=f"rollup:case:{row.case_id}", accessory=accessory)


def render_rollup_page(page: RollupPage) -> SlackMessage:
    """One private page of a roll-up's cases, oldest first, each claimable; Previous and Next page."""
    rid = page.rollup_id
    first = page.page * page.page_size + 1 if page.total else 0
    last = page.page * page.page_size + len(page.cases)
    title = f"*{category_label(page.topic)} roll-up* · cases {first} to {last} of {page.total}"
    blocks: list[Block] = [section_block(title, block_id=_block(rid, f"page:{page.page}"))]
    blocks.extend(_page_row(row) for row in page.cases)
    nav = []
    if page.page > 0:
        nav.append(
            button(
                "Previous",
                action_id=RollupActionId.PAGE_PREVIOUS.value,
                value=encode_rollup_value(rid, page.page - 1),
            )
        )
    if page.page + 1 < page.pages:
        nav.append(
            button(
                "Next",
                action_id=RollupActionId.PAGE_NEXT.value,
                value=encode_rollup_value(rid, page.page + 1),
            )
        )
    if nav:
        blocks.append(actions_block(nav, block_id=_block(rid, "nav")))
    return SlackMessage(text=title.replace("*", ""), blocks=blocks)
