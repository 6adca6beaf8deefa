"""Modals for escalate, resolve and assign: pure functions of the case and the config's choices."""

from __future__ import annotations

from typing import Any

from socialdesk.domain.case_view import CaseView
from socialdesk.domain.casework import OUTCOMES
from socialdesk.slack.blocks.inputs import input_block, modal, static_select, text_input, users_select
from socialdesk.slack.blocks.kit import MAX_SECTION_TEXT, context_block, quote, section_block
from socialdesk.slack.ids import CallbackId, InputId, case_block_id, encode_case_value


def _summary(case: CaseView) -> list[dict[str, Any]]:
    handle = f"@{case.author.handle}" if case.author.handle else case.author.name or case.author.id
    return [
        context_block(
            [f"#{case.id} · {case.priority.value} · {case.platform.label} · {handle} · team {case.team}"],
            block_id=case_block_id(case.id, "m:ctx"),
        ),
        section_block(
            quote(case.first.text_masked, MAX_SECTION_TEXT), block_id=case_block_id(case.id, "m:q")
        ),
    ]


def escalate_modal(case: CaseView, teams: list[tuple[str, str]]) -> dict[str, Any]:
    """`teams` as (name, description); the case's own team is left out."""
    choices = [(f"{name} — {about}" if about else name, name) for name, about in teams if name != case.team]
    blocks = [
        *_summary(case),
        input_block(
            InputId.ESCALATE_TEAM, "Escalate to", static_select(choices, placeholder="Choose a team")
        ),
        input_block(
            InputId.ESCALATE_REASON,
            "Why",
            text_input(multiline=True, placeholder="What does that team need to know?", max_length=500),
            hint="Posted in the new team's channel with the case; never sent to the customer.",
        ),
    ]
    return modal(
        callback_id=CallbackId.ESCALATE_MODAL,
        title=f"Escalate #{case.id}",
        blocks=blocks,
        submit="Escalate",
        private_metadata=encode_case_value(case.id),
    )


def resolve_modal(case: CaseView) -> dict[str, Any]:
    blocks = [
        *_summary(case),
        input_block(
            InputId.RESOLVE_OUTCOME,
            "Outcome",
            static_select(list((label, code) for code, label in OUTCOMES.items()), initial="answered"),
        ),
        input_block(
            InputId.RESOLVE_NOTE,
            "Note",
            text_input(multiline=True, placeholder="Anything the next person should know", max_length=1000),
            optional=True,
        ),
    ]
    return modal(
        callback_id=CallbackId.RESOLVE_MODAL,
        title=f"Resolve #{case.id}",
        blocks=blocks,
        submit="Resolve",
        private_metadata=encode_case_value(case.id),
    )


def assign_modal(case: CaseView) -> dict[str, Any]:
    blocks = [
        *_summary(case),
        input_block(InputId.ASSIGN_USER, "Assign to", users_select(initial=case.assignee)),
    ]
    return modal(
        callback_id=CallbackId.ASSIGN_MODAL,
        title=f"Assign #{case.id}",
        blocks=blocks,
        submit="Assign",
        private_metadata=encode_case_value(case.id),
    )
