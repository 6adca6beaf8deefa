"""The history of a case (ephemeral, from the overflow menu or `/social show`): every mention and the
customer's earlier cases. Pure, like the card."""

from __future__ import annotations

from collections.abc import Sequence

from socialdesk.domain.case_view import CaseView, MentionView
from socialdesk.slack.blocks.card_text import (
    KIND_LABEL,
    STATUS_LABEL,
    SlackMessage,
    author_line,
    handle_of,
    history_summary,
    review_line,
    sentiment_label,
)
from socialdesk.slack.blocks.kit import (
    MAX_BLOCKS,
    Block,
    context_block,
    divider_block,
    header_block,
    link,
    quote,
    section_block,
    short_day,
    slack_date,
    utc,
)
from socialdesk.slack.blocks.plugin_sections import plugin_blocks
from socialdesk.slack.ids import case_block_id

_HISTORY_QUOTE_CHARS = 600
# Fixed blocks around the mentions in the history view: header, summary, divider, "n more" note.
_HISTORY_FIXED_BLOCKS = 4


def render_history(case: CaseView, mentions: Sequence[MentionView]) -> SlackMessage:
    """Every mention of the case, oldest first, plus the customer's earlier cases.

    Long conversations keep the opening mention and the newest ones: together they say what the
    customer asked and where things stand, and the message stays under Slack's 50 blocks.
    """
    ordered = sorted(mentions, key=lambda m: (utc(m.posted_at), m.id))
    extra = plugin_blocks(case)  # the tags and the plugins' card sections, as on the card
    room = (MAX_BLOCKS - _HISTORY_FIXED_BLOCKS - len(extra)) // 2  # two blocks per mention
    omitted = max(len(ordered) - room, 0)
    shown = ordered if not omitted else [ordered[0], *ordered[len(ordered) - (room - 1) :]]

    blocks: list[Block] = [
        header_block(
            f"History of #{case.id} · {handle_of(case.author)}", block_id=case_block_id(case.id, "hist")
        ),
        section_block(_history_overview(case, len(ordered)), block_id=case_block_id(case.id, "hist:summary")),
        *extra,
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
        f"{author_line(case.author)}",
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
        f"{link(mention.url, handle_of(mention.author))} · {marker} · {slack_date(mention.posted_at)}",
        sentiment_label(mention.sentiment, mention.sentiment_score),
    ]
    review = review_line(mention)  # stars, title, version or location, edits: as on the card
    return [
        context_block(
            [" · ".join(meta), *([review] if review else [])],
            block_id=case_block_id(case.id, f"{prefix}:meta"),
        ),
        section_block(
            quote(mention.text_masked, _HISTORY_QUOTE_CHARS),
            block_id=case_block_id(case.id, f"{prefix}:text"),
        ),
    ]
