"""Private answers of `/crisis`: help, the playbook list, and the status of a crisis."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from socialdesk.domain.crisis_models import Crisis
from socialdesk.domain.crisis_views import CrisisView
from socialdesk.domain.playbooks.schema import Playbook
from socialdesk.slack.blocks.card_text import SlackMessage
from socialdesk.slack.blocks.crisis_view import render_crisis_card, render_statement
from socialdesk.slack.blocks.kit import (
    MAX_FALLBACK_TEXT,
    Block,
    context_block,
    escape_mrkdwn,
    section_block,
    truncate,
)

CRISIS_HELP = (
    "*`/crisis` commands*\n"
    "• `list`: the playbooks and the running crises\n"
    "• `start <playbook> [severity] [summary]`, e.g.\n"
    "   `/crisis start service-outage sev2 Login failures in EU`\n"
    "• `status [crisis]`: where the crisis stands\n"
    "• `statement`: draft (or redraft) the next statement from the playbook\n"
    "• `approve` / `reject <reason>`: approve the waiting statement, or send it back\n"
    "• `publish` (`publish retry x` after checking a post whose outcome is unknown)\n"
    "• `update <what changed>`: draft an update for approval\n"
    "• `role <role> @person`, `severity <level>`\n"
    "• `end [summary]`: end it and draft the resolution statement\n"
    "• `review`: post the post-crisis report here; `lessons`: record the lessons learned\n"
    "In a war room the commands act on its crisis; elsewhere on the only running one, or name it: "
    "`/crisis status 3`."
)


def render_crisis_help() -> SlackMessage:
    return SlackMessage(
        text=truncate(CRISIS_HELP, MAX_FALLBACK_TEXT),
        blocks=[section_block(CRISIS_HELP, block_id="crisis-help")],
    )


def render_playbook_list(playbooks: Sequence[Playbook], running: Sequence[Crisis]) -> SlackMessage:
    active = {c.playbook_id: c for c in running}
    blocks: list[Block] = []
    for playbook in playbooks[:45]:
        levels = ", ".join(f"`{n}` {escape_mrkdwn(s.label)}" for n, s in playbook.severities.items())
        now_running = active.get(playbook.id)
        status = (
            f"\n🚨 *Running*: crisis {now_running.id}, #{escape_mrkdwn(now_running.war_room)}"
            if now_running
            else ""
        )
        blocks.append(
            section_block(
                f"*{escape_mrkdwn(playbook.title)}* (`{playbook.id}`)\n"
                f"{escape_mrkdwn(playbook.scenario[:400])}\n"
                f"Severities: {levels}{status}",
                block_id=f"playbook-{playbook.id}",
            )
        )
    if not blocks:
        blocks.append(section_block("No playbooks are installed.", block_id="playbooks-none"))
    blocks.append(
        context_block(
            ["Start one: `/crisis start <playbook> [severity] [summary]`"], block_id="playbooks-hint"
        )
    )
    return SlackMessage(text=f"{len(playbooks)} playbooks, {len(running)} running", blocks=blocks)


def render_status(view: CrisisView, *, now: datetime) -> SlackMessage:
    card = render_crisis_card(view, now=now)
    blocks = list(card.blocks)
    if view.open_statement is not None:
        statement = render_statement(view.open_statement, now=now)
        # Buttons stay in the war room: a private copy with buttons would outlive the real state.
        blocks.extend(b for b in statement.blocks if b.get("type") != "actions")
    return SlackMessage(text=card.text, blocks=blocks[:50])
