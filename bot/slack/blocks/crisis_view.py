"""The war room in Block Kit: the crisis card (pinned), each statement with its approvals and
publish results, the checklist, reminders and timeline lines. Pure functions of the views in
bot/crisis/views.py; times use Slack's date tokens so each reader sees their own zone."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from socialdesk.domain.crisis_models import StatementStatus
from socialdesk.domain.crisis_views import CrisisView, StatementView
from socialdesk.domain.playbooks.schema import PLATFORM_OF_TARGET, PUBLISHABLE, TARGET_LIMITS
from socialdesk.domain.voice import platform_length
from socialdesk.slack.blocks.card_text import SlackMessage
from socialdesk.slack.blocks.kit import (
    MAX_FALLBACK_TEXT,
    Block,
    actions_block,
    button,
    context_block,
    divider_block,
    due_phrase,
    escape_mrkdwn,
    header_block,
    section_block,
    slack_date,
    truncate,
)
from socialdesk.slack.ids import CrisisActionId, CrisisValue, encode_crisis_value

TARGET_LABELS = {"x": "X", "facebook": "Facebook", "status_page": "Status page"}
KIND_LABELS = {"holding": "Holding statement", "update": "Update", "resolution": "Resolution statement"}
STATUS_WORDS = {
    StatementStatus.DRAFT: "draft, waiting for approval",
    StatementStatus.REJECTED: "sent back",
    StatementStatus.PUBLISHING: "published in part",
    StatementStatus.PUBLISHED: "published",
    StatementStatus.SUPERSEDED: "replaced by a newer draft",
}
_PUB_MARK = {"sent": "✅", "failed": "⚠️", "sending": "❔", "pending": "⏳"}


def _who(user: str | None) -> str:
    return f"<@{user}>" if user and user != "system" else "socialdesk"


def _target_length(target: str, text: str) -> str:
    platform = PLATFORM_OF_TARGET.get(target)  # the status page is not a platform: plain characters
    count = platform_length(text, platform) if platform is not None else len(text)
    return f"{count}/{TARGET_LIMITS.get(target, 0)}"


def render_crisis_card(view: CrisisView, *, now: datetime) -> SlackMessage:
    ended = view.status == "ended"
    icon = "✅" if ended else "🚨"
    title = f"{icon} Crisis {view.id}: {view.title}"
    blocks: list[Block] = [header_block(title, block_id=f"crisis-{view.id}-head")]
    fields = [
        f"*Playbook*\n{escape_mrkdwn(view.playbook_title)}",
        f"*Severity*\n{escape_mrkdwn(view.severity_label)} (`{escape_mrkdwn(view.severity)}`)",
        f"*Started*\n{slack_date(view.started_at)} by {_who(view.started_by)}",
    ]
    if ended and view.ended_at is not None:
        fields.append(f"*Ended*\n{slack_date(view.ended_at)} by {_who(view.ended_by)}")
    elif view.first_published_at is None:
        fields.append(
            f"*First statement*\ntarget {slack_date(view.first_statement_due)} "
            f"({due_phrase(view.first_statement_due, now)})"
        )
    elif view.next_update_at is not None:
        fields.append(
            f"*Next update*\n{slack_date(view.next_update_at)} ({due_phrase(view.next_update_at, now)}), "
            f"every {view.cadence_minutes} min"
        )
    fields.append(
        f"*Matching cases*\n{view.open_tagged_cases} open of {view.tagged_cases}"
        + (f", first reply within {view.sla_minutes} min" if view.sla_minutes else "")
    )
    fields.append(f"*Statements published*\n{view.published_count}")
    blocks.append(section_block(fields=fields, block_id=f"crisis-{view.id}-facts"))
    if view.summary:
        blocks.append(
            section_block(f"*Summary*\n{escape_mrkdwn(view.summary)}", block_id=f"crisis-{view.id}-summary")
        )
    role_lines = [
        f"• *{escape_mrkdwn(role.name)}*: {', '.join(role.mentions) or '_nobody yet: `/crisis role`_'}"
        for role in view.roles
    ]
    blocks.append(section_block("*Roles*\n" + "\n".join(role_lines), block_id=f"crisis-{view.id}-roles"))
    blocks.append(actions_block(_card_buttons(view, ended), block_id=f"crisis-{view.id}-actions"))
    hint = (
        "This crisis is over. `/crisis review` posts the report."
        if ended
        else "`/crisis status` · `statement` · `update <text>` · `severity <level>` · `role <role> @user` · "
        "`end [summary]` · `review` · `help`"
    )
    blocks.append(
        context_block(
            [hint, f"Updates for customers: {escape_mrkdwn(view.where_updates)}"],
            block_id=f"crisis-{view.id}-hint",
        )
    )
    text = f"{title} ({view.severity}); {'ended' if ended else 'running'}"
    return SlackMessage(text=truncate(text, MAX_FALLBACK_TEXT), blocks=blocks)


def _card_buttons(view: CrisisView, ended: bool) -> list[dict[str, object]]:
    value = encode_crisis_value(CrisisValue(crisis_id=view.id))
    if ended:
        return [button("Post the review", action_id=CrisisActionId.REVIEW, value=value, style="primary")]
    end = button("End crisis", action_id=CrisisActionId.END, value=value, style="danger")
    end["confirm"] = {
        "title": {"type": "plain_text", "text": "End the crisis?"},
        "text": {
            "type": "mrkdwn",
            "text": "Routing and reminders stop; the resolution statement is drafted for approval.",
        },
        "confirm": {"type": "plain_text", "text": "End it"},
        "deny": {"type": "plain_text", "text": "Not yet"},
        "style": "danger",
    }
    return [
        button("Draft update", action_id=CrisisActionId.UPDATE, value=value, style="primary"),
        button("Redraft statement", action_id=CrisisActionId.REDRAFT, value=value),
        end,
    ]


def _approval_lines(view: StatementView) -> list[str]:
    lines = []
    for role in view.chain:
        if role in view.approved_by:
            user, at = view.approved_by[role]
            lines.append(f"✅ *{role}*: <@{user}> at {slack_date(at, fmt='{time}')}")
        else:
            ask = ", ".join(view.approver_mentions.get(role, [])) or "nobody holds this role yet"
            lines.append(f"⏳ *{role}*: waiting ({ask})")
    if view.two_person:
        lines.append(f"_Drafted by {_who(view.drafted_by)}, who cannot approve it._")
    return lines


def _publication_lines(view: StatementView) -> list[str]:
    lines = []
    for pub in view.publications:
        label = TARGET_LABELS.get(pub.target, pub.target)
        mark = _PUB_MARK.get(pub.status, "•")
        if pub.status == "sent":
            where = f"<{pub.url}|posted>" if pub.url else "posted"
            when = f" at {slack_date(pub.sent_at, fmt='{time}')}" if pub.sent_at else ""
            lines.append(f"{mark} {label}: {where}{when}")
        elif pub.status == "failed":
            lines.append(f"{mark} {label}: not posted. {escape_mrkdwn(pub.error or '')}")
        elif pub.status == "sending":
            lines.append(
                f"{mark} {label}: outcome unknown (the call did not finish). Check {label} before "
                f"`/crisis publish retry {pub.target}`."
            )
        else:
            lines.append(f"{mark} {label}: queued")
    return lines


def render_statement(view: StatementView, *, now: datetime) -> SlackMessage:
    kind = KIND_LABELS.get(view.kind, view.kind)
    status = STATUS_WORDS.get(view.status, view.status.value)
    if view.stale and view.status in (StatementStatus.DRAFT, StatementStatus.REJECTED):
        status = "stale: the promised update time has passed"
    bid = f"crisis-stmt-{view.id}"
    blocks: list[Block] = [header_block(f"{kind} #{view.id}: {status}", block_id=f"{bid}-head")]
    for target, text in view.texts.items():
        label = TARGET_LABELS.get(target, target)
        note = "" if target in PUBLISHABLE else " (paste it on the status page; socialdesk does not post it)"
        quoted = "\n".join("> " + escape_mrkdwn(line) if line else ">" for line in text.splitlines())
        blocks.append(
            section_block(
                f"*{label}* ({_target_length(target, text)}){note}\n{quoted}", block_id=f"{bid}-{target}"
            )
        )
        for problem in view.problems.get(target, []):
            blocks.append(context_block([f"⛔ {escape_mrkdwn(problem)}"], block_id=f"{bid}-{target}-p"))
            break  # one line per target is enough to act on; the rest show after a fix
    if view.status is StatementStatus.REJECTED:
        blocks.append(
            section_block(
                f"❌ Sent back by {_who(view.rejected_by)}: {escape_mrkdwn(view.rejected_reason or '')}",
                block_id=f"{bid}-rejected",
            )
        )
    if view.status in (StatementStatus.DRAFT, StatementStatus.REJECTED, StatementStatus.PUBLISHING):
        blocks.append(section_block("\n".join(_approval_lines(view)), block_id=f"{bid}-approvals"))
    pubs = _publication_lines(view)
    if pubs:
        blocks.append(section_block("\n".join(pubs), block_id=f"{bid}-pubs"))
    if view.stale_at is not None and view.status is not StatementStatus.PUBLISHED:
        blocks.append(
            context_block(
                [
                    f"Approvals lapse at {slack_date(view.stale_at, fmt='{time}')}, "
                    "the update time it promises."
                ],
                block_id=f"{bid}-stale",
            )
        )
    buttons = _statement_buttons(view)
    if buttons:
        blocks.append(actions_block(buttons, block_id=f"{bid}-actions"))
    text = f"{kind} #{view.id} for crisis {view.crisis_id}: {status}"
    return SlackMessage(text=truncate(text, MAX_FALLBACK_TEXT), blocks=blocks)


def _statement_buttons(view: StatementView) -> list[dict[str, object]]:
    value = encode_crisis_value(CrisisValue(crisis_id=view.crisis_id, statement_id=view.id))
    if view.status is StatementStatus.PUBLISHING:
        return [button("Retry publish", action_id=CrisisActionId.PUBLISH, value=value, style="primary")]
    if view.status not in (StatementStatus.DRAFT, StatementStatus.REJECTED):
        return []
    ready = view.approved and not view.has_problems
    elements: list[dict[str, object]] = []
    if ready:
        elements.append(button("Publish", action_id=CrisisActionId.PUBLISH, value=value, style="primary"))
    if view.status is StatementStatus.DRAFT and view.missing and not view.stale:
        elements.append(
            button(
                "Approve",
                action_id=CrisisActionId.APPROVE,
                value=value,
                style=None if ready or view.has_problems else "primary",
            )
        )
        elements.append(button("Send back", action_id=CrisisActionId.REJECT, value=value, style="danger"))
    elements.append(button("Edit", action_id=CrisisActionId.EDIT, value=value))
    return elements


def render_checklist(crisis_id: int, title: str, items: Sequence[str]) -> SlackMessage:
    lines = "\n".join(f"{i}. {escape_mrkdwn(item)}" for i, item in enumerate(items, start=1))
    blocks = [
        header_block(f"Checklist: {title}", block_id=f"crisis-{crisis_id}-checklist-head"),
        section_block(lines, block_id=f"crisis-{crisis_id}-checklist"),
    ]
    return SlackMessage(text=truncate(f"Checklist: {title}", MAX_FALLBACK_TEXT), blocks=blocks)


def render_line(text: str, *, block_id: str) -> SlackMessage:
    """A timeline line in the war room (already mrkdwn: mentions and code spans are kept)."""
    return SlackMessage(
        text=truncate(text, MAX_FALLBACK_TEXT), blocks=[section_block(text, block_id=block_id)]
    )


def render_started(view: CrisisView) -> SlackMessage:
    """The announcement in the duty channel, where the early warning was."""
    text = (
        f"🚨 {_who(view.started_by)} started the *{escape_mrkdwn(view.playbook_title)}* playbook at "
        f"*{escape_mrkdwn(view.severity)}*: {escape_mrkdwn(view.summary or view.title)}. "
        f"War room: #{escape_mrkdwn(view.war_room)}"
    )
    return SlackMessage(
        text=truncate(f"Crisis {view.id} started: {view.title}", MAX_FALLBACK_TEXT),
        blocks=[
            section_block(text, block_id=f"crisis-{view.id}-started"),
            divider_block(block_id=f"crisis-{view.id}-started-div"),
        ],
    )
