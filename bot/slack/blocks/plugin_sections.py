"""Block Kit for what plugins add to a case: the enrichers' tags and the plugins' card sections.

Pure, like every renderer: the sections were computed before (socialdesk.plugin_host.sections). Plugin
text is data, escaped like customer text, so a value cannot ping a channel or disguise a link.
"""

from __future__ import annotations

from socialdesk.domain.case_view import CaseView
from socialdesk.slack.blocks.kit import (
    MAX_CONTEXT_ELEMENTS,
    MAX_FIELD_TEXT,
    MAX_FIELDS,
    Block,
    context_block,
    escape_mrkdwn,
    fit_mrkdwn,
    section_block,
)
from socialdesk.slack.ids import case_block_id

# A card stays well under Slack's 50 blocks: the case's own seven, the tags, at most five plugin sections.
MAX_PLUGIN_SECTIONS = 5
MAX_LABEL = 50


def plugin_blocks(case: CaseView) -> list[Block]:
    """The tags enrichers set, and one section per plugin card section (escaped: plugins' text is data)."""
    blocks: list[Block] = []
    if case.tags:
        tags = " ".join(f"`{escape_mrkdwn(t)}`" for t in case.tags[:MAX_CONTEXT_ELEMENTS * 2])
        blocks.append(context_block([f":label: {tags}"], block_id=case_block_id(case.id, "tags")))
    for index, section in enumerate(case.sections[:MAX_PLUGIN_SECTIONS]):
        fields = [
            f"*{fit_mrkdwn(label, MAX_LABEL)}*\n{fit_mrkdwn(value, MAX_FIELD_TEXT - MAX_LABEL - 8)}"
            for label, value in section.fields[:MAX_FIELDS]
        ]
        blocks.append(
            section_block(
                f"*{fit_mrkdwn(section.title, MAX_LABEL)}*",
                block_id=case_block_id(case.id, f"plugin:{index}"),
                fields=fields,
            )
        )
    return blocks
