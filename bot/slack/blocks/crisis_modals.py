"""Crisis modals: start a playbook (from an early warning), send a statement back with a reason,
edit a statement (its facts, or a target's text by hand), post an update, end, and lessons learned."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from socialdesk.domain.crisis_views import StatementView
from socialdesk.domain.playbooks.schema import Playbook
from socialdesk.slack.blocks.crisis_view import TARGET_LABELS
from socialdesk.slack.blocks.inputs import input_block, modal, static_select, text_input
from socialdesk.slack.blocks.kit import escape_mrkdwn, section_block
from socialdesk.slack.ids import CrisisCallbackId, CrisisValue, encode_crisis_value


class CrisisInput:
    """block_id (= action_id) of each crisis modal input."""

    PLAYBOOK = "crisis_playbook"
    SEVERITY = "crisis_severity"
    SUMMARY = "crisis_summary"
    REASON = "crisis_reason"
    NEWS = "crisis_news"
    LESSONS = "crisis_lessons"
    SLOT_PREFIX = "crisis_slot_"
    TEXT_PREFIX = "crisis_text_"


# The slots a lead edits in the statement form, with their labels; lists are one item per line.
EDITABLE_SLOTS: tuple[tuple[str, str, bool], ...] = (
    ("headline", "Headline (one factual line)", False),
    ("scope", "Who and what is affected", False),
    ("confirmed_facts", "Confirmed facts (one per line)", True),
    ("unknowns", "What we do not know yet (one per line)", True),
    ("actions", "What we are doing (one per line)", True),
    ("what_to_do", "What customers should do", False),
    ("where_updates", "Where updates are (status page link)", False),
)


def start_modal(
    playbooks: Sequence[Playbook],
    *,
    chosen: str | None,
    severity: str | None,
    detected: str | None = None,
    warning: str | None = None,
) -> dict[str, Any]:
    """The form that starts a playbook. From an early warning, ``detected`` is what the warning saw
    ("Spike of negative posts about login on Facebook and X"): internal words, shown as context and
    never put in the summary, which becomes the public headline of the holding statement. The lead
    writes that (or leaves the playbook's template to carry it). ``warning`` (the warning's notice key)
    rides in the form's metadata, so the crisis takes the warning's cases in."""
    options = [(p.title, p.id) for p in playbooks]
    picked = next((p for p in playbooks if p.id == chosen), playbooks[0] if playbooks else None)
    severities = [(s.label, name) for name, s in (picked.severities.items() if picked else [])]
    blocks: list[dict[str, Any]] = []
    if detected:
        blocks.append(
            section_block(
                f"*What the early warning saw* (internal, never published):\n{escape_mrkdwn(detected)}",
                block_id="crisis-start-detected",
            )
        )
    blocks += [
        input_block(CrisisInput.PLAYBOOK, "Playbook", static_select(options, initial=chosen)),
        input_block(
            CrisisInput.SEVERITY,
            "Severity",
            static_select(severities, initial=severity or (picked.default_severity if picked else None)),
            hint="The severity sets the update cadence and who must approve statements.",
        ),
        input_block(
            CrisisInput.SUMMARY,
            "Public headline (customers read it in the statements)",
            text_input(max_length=300, placeholder="Some customers cannot log in to the app"),
            hint="One factual line for customers: the holding statement's headline, the crisis name "
            "and its war room's. Approvers see the whole statement before anything is published.",
        ),
    ]
    metadata = ""
    if detected or warning:
        metadata = encode_crisis_value(CrisisValue(playbook_id=chosen, summary=detected, warning=warning))
    return modal(
        callback_id=CrisisCallbackId.START,
        title="Start a playbook",
        blocks=blocks,
        submit="Start",
        private_metadata=metadata,
    )


def reject_modal(view: StatementView) -> dict[str, Any]:
    blocks = [
        section_block(
            f"Statement #{view.id} goes back to <@{view.drafted_by}> with your reason.",
            block_id="crisis-reject-intro",
        ),
        input_block(CrisisInput.REASON, "What must change", text_input(multiline=True, max_length=1000)),
    ]
    value = encode_crisis_value(CrisisValue(crisis_id=view.crisis_id, statement_id=view.id))
    return modal(
        callback_id=CrisisCallbackId.REJECT,
        title="Send back",
        blocks=blocks,
        submit="Send back",
        private_metadata=value,
    )


def edit_modal(view: StatementView, slots: Mapping[str, Any]) -> dict[str, Any]:
    """Facts first (the text is drawn again from them), then each target's text for hand edits; a
    text left as it was is redrawn from the facts, a text changed by hand is kept."""
    blocks: list[dict[str, Any]] = [
        section_block(
            "Changing anything resets the approvals: approvers see the new text.",
            block_id="crisis-edit-intro",
        ),
    ]
    for name, label, is_list in EDITABLE_SLOTS:
        current = slots.get(name)
        initial = "\n".join(current) if isinstance(current, list) else (str(current) if current else None)
        blocks.append(
            input_block(
                f"{CrisisInput.SLOT_PREFIX}{name}",
                label,
                text_input(multiline=is_list, initial=initial, max_length=1500),
                optional=True,
            )
        )
    for target, text in view.texts.items():
        blocks.append(
            input_block(
                f"{CrisisInput.TEXT_PREFIX}{target}",
                f"{TARGET_LABELS.get(target, target)} text (edit by hand if needed)",
                text_input(multiline=True, initial=text, max_length=3000),
                optional=True,
            )
        )
    value = encode_crisis_value(CrisisValue(crisis_id=view.crisis_id, statement_id=view.id))
    return modal(
        callback_id=CrisisCallbackId.EDIT,
        title=f"Edit statement #{view.id}"[:24],
        blocks=blocks,
        submit="Save",
        private_metadata=value,
    )


def update_modal(crisis_id: int, title: str) -> dict[str, Any]:
    blocks = [
        section_block(
            f"An update for *{escape_mrkdwn(title)}*, drafted from the playbook and approved like "
            "the holding statement.",
            block_id="crisis-update-intro",
        ),
        input_block(
            CrisisInput.NEWS,
            "What changed (the update's headline)",
            text_input(max_length=300, placeholder="Login works again for most customers"),
        ),
    ]
    return modal(
        callback_id=CrisisCallbackId.UPDATE,
        title="Post an update",
        blocks=blocks,
        submit="Draft",
        private_metadata=encode_crisis_value(CrisisValue(crisis_id=crisis_id)),
    )


def end_modal(crisis_id: int, title: str) -> dict[str, Any]:
    blocks = [
        section_block(
            f"Ending *{escape_mrkdwn(title)}* drafts the resolution statement for approval and "
            "stops reminders and crisis routing.",
            block_id="crisis-end-intro",
        ),
        input_block(
            CrisisInput.SUMMARY, "What happened and what was done", text_input(multiline=True, max_length=500)
        ),
    ]
    return modal(
        callback_id=CrisisCallbackId.END,
        title="End the crisis",
        blocks=blocks,
        submit="End",
        private_metadata=encode_crisis_value(CrisisValue(crisis_id=crisis_id)),
    )


def lessons_modal(crisis_id: int, current: str | None) -> dict[str, Any]:
    blocks = [
        input_block(
            CrisisInput.LESSONS,
            "Lessons learned: what worked, what to change in the playbook",
            text_input(multiline=True, initial=current, max_length=3000),
        ),
    ]
    return modal(
        callback_id=CrisisCallbackId.LESSONS,
        title="Lessons learned",
        blocks=blocks,
        submit="Save",
        private_metadata=encode_crisis_value(CrisisValue(crisis_id=crisis_id)),
    )
