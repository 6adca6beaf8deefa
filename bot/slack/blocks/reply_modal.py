"""The reply form: the customer's message, canned answers, the text, public or private, and a live
preview with the brand-voice check. Pure: a function of the draft, the typed text and the check."""

from __future__ import annotations

from typing import Any

from socialdesk.casework.replies import ReplyDraft
from socialdesk.domain.enums import ReplyVisibility
from socialdesk.domain.voice import VoiceReport
from socialdesk.slack.blocks.cards import history_summary
from socialdesk.slack.blocks.inputs import input_block, modal, radio_buttons, static_select, text_input
from socialdesk.slack.blocks.kit import (
    MAX_SECTION_TEXT,
    context_block,
    divider_block,
    due_phrase,
    escape_mrkdwn,
    quote,
    section_block,
)
from socialdesk.slack.ids import CallbackId, InputId, case_block_id, encode_case_value

MAX_REPLY_CHARS = 3000
_VISIBILITY_LABEL = {
    ReplyVisibility.PUBLIC: "Public reply (everyone can read it)",
    ReplyVisibility.PRIVATE: "Private message to the customer",
}


def text_block_id(version: int) -> str:
    """Slack keeps what was typed in an input across views.update unless its block_id changes; choosing
    a canned reply bumps the version so the new text replaces the old."""
    return InputId.REPLY_TEXT.value if version == 0 else f"{InputId.REPLY_TEXT.value}~{version}"


def reply_modal(
    draft: ReplyDraft,
    *,
    text: str,
    visibility: ReplyVisibility,
    report: VoiceReport | None,
    canned_id: str | None = None,
    text_version: int = 0,
    public_ack: bool = True,
) -> dict[str, Any]:
    case = draft.case
    blocks: list[dict[str, Any]] = [
        context_block([_case_line(draft)], block_id=case_block_id(case.id, "r:ctx")),
        section_block(
            quote(case.first.text_masked, MAX_SECTION_TEXT), block_id=case_block_id(case.id, "r:q")
        ),
        context_block(
            [f"Customer history: {history_summary(case.history, now=case.now)}"],
            block_id=case_block_id(case.id, "r:hist"),
        ),
    ]
    if draft.note:
        note = f"⏱️ {escape_mrkdwn(draft.note)}"
        blocks.append(context_block([note], block_id=case_block_id(case.id, "r:note")))
    if draft.answer_note:  # a review store's rules: one answer (ours replaced), its length as it counts
        rule = f"✏️ {escape_mrkdwn(draft.answer_note)}"
        blocks.append(context_block([rule], block_id=case_block_id(case.id, "r:answer")))
    if draft.suggestions:
        select = static_select(
            [(s.title, s.id) for s in draft.suggestions],
            initial=canned_id,
            placeholder="Start from a canned reply",
        )
        blocks.append(
            {
                **input_block(InputId.REPLY_CANNED, "Canned replies for this case", select, optional=True),
                "dispatch_action": True,
            }
        )
    text_element = text_input(
        multiline=True, initial=text, max_length=MAX_REPLY_CHARS, placeholder="Your reply"
    )
    text_element["dispatch_action_config"] = {"trigger_actions_on": ["on_character_entered"]}
    blocks.append(
        {
            **input_block(text_block_id(text_version), "Reply", text_element),
            "dispatch_action": True,
        }
    )
    blocks[-1]["element"]["action_id"] = InputId.REPLY_TEXT.value
    if len(draft.visibilities) > 1:
        options = [(_VISIBILITY_LABEL[v], v.value) for v in draft.visibilities]
        blocks.append(
            {
                **input_block(
                    InputId.REPLY_VISIBILITY, "Where", radio_buttons(options, initial=visibility.value)
                ),
                "dispatch_action": True,
            }
        )
        if visibility is ReplyVisibility.PRIVATE:
            blocks.append(
                input_block(
                    InputId.REPLY_PUBLIC_ACK,
                    "Also in public",
                    {
                        "type": "checkboxes",
                        "options": [_ACK_OPTION],
                        **({"initial_options": [_ACK_OPTION]} if public_ack else {}),
                    },
                    optional=True,
                )
            )
    else:
        blocks.append(
            context_block(
                ["🔒 This is a private conversation: the answer is a private message."],
                block_id=case_block_id(case.id, "r:private"),
            )
        )
    blocks.append(divider_block(block_id=case_block_id(case.id, "r:div")))
    blocks.extend(_preview(case.id, report))
    return modal(
        callback_id=CallbackId.REPLY_MODAL,
        title=f"Reply to #{case.id}",
        blocks=blocks,
        submit="Send",
        private_metadata=encode_case_value(case.id),
    )


_ACK_OPTION = {
    "text": {"type": "plain_text", "text": "Post a short public note that we've sent them a message"},
    "value": "ack",
}


def _case_line(draft: ReplyDraft) -> str:
    case = draft.case
    handle = f"@{case.author.handle}" if case.author.handle else case.author.name or case.author.id
    due = (
        "answered"
        if case.first_response_at is not None or case.now is None
        else due_phrase(case.first_response_due, case.now)
    )
    return (
        f"#{case.id} · {case.priority.value} · {case.platform.label} · {escape_mrkdwn(handle)} · {due} · "
        f"signing as {escape_mrkdwn(draft.agent_name)}"
    )


def _preview(case_id: int, report: VoiceReport | None) -> list[dict[str, Any]]:
    if report is None:
        return [
            context_block(
                ["Type a reply to see the preview and the brand-voice check."],
                block_id=case_block_id(case_id, "r:pv"),
            )
        ]
    limit = f" / {report.max_length}" if report.max_length else ""
    lines = [f"*Preview* ({report.length}{limit} characters)", quote(report.final_text, 2400)]
    checks = [f"⛔ {escape_mrkdwn(p.message)}" for p in report.blocking]
    checks += [f"⚠️ {escape_mrkdwn(p.message)}" for p in report.warnings]
    if not checks:
        checks = ["✅ Ready to send: no brand-voice problems."]
    return [
        section_block("\n".join(lines), block_id=case_block_id(case_id, "r:pv")),
        section_block("\n".join(checks), block_id=case_block_id(case_id, "r:chk")),
    ]
