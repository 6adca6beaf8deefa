"""The reply form and `/social reply|dm`. The form updates live (canned reply chosen, text typed,
public/private switched) with a preview and the brand-voice check; Send records the reply under the
modal's id (so a double click cannot send twice), closes the form, then calls the platform after the
ack and reports the result in the card's thread (and privately to the agent if it failed)."""

from __future__ import annotations

import logging
from typing import Any

from slack_bolt import App

from socialdesk.casework.replies import ReplyBlocked, ReplyDraft
from socialdesk.casework.roles import Actor
from socialdesk.domain.commands import UsageError, parse_case_ref
from socialdesk.domain.enums import ReplyStatus, ReplyVisibility
from socialdesk.domain.errors import DomainError
from socialdesk.handlers.context import HandlerContext
from socialdesk.handlers.views import modal_case
from socialdesk.slack.blocks.cards import SlackMessage
from socialdesk.slack.blocks.command_views import render_text
from socialdesk.slack.blocks.inputs import state_choices, state_value
from socialdesk.slack.blocks.reply_modal import reply_modal
from socialdesk.slack.ids import CallbackId, InputId

log = logging.getLogger(__name__)

# The public note that follows a private answer on a public post, when no canned "dm-sent" exists.
DEFAULT_DM_NOTE = "Hi {name}, we've sent you a private message so we can help with the details."


def open_reply_modal(
    ctx: HandlerContext, client: Any, trigger_id: str, actor: Actor, case_id: int, visibility: ReplyVisibility
) -> None:
    draft = ctx.replies.draft(case_id=case_id, actor=actor, visibility=visibility)
    client.views_open(
        trigger_id=trigger_id,
        view=reply_modal(draft, text="", visibility=draft.visibility, report=None),
    )


def _text_state(state: dict[str, Any]) -> tuple[str, int]:
    """The typed text and the version of its block (see reply_modal.text_block_id)."""
    for block_id in state.get("values") or {}:
        if block_id.split("~")[0] == InputId.REPLY_TEXT.value:
            version = int(block_id.split("~")[1]) if "~" in block_id else 0
            element = state["values"][block_id].get(InputId.REPLY_TEXT.value) or {}
            return str(element.get("value") or ""), version
    return "", 0


def _visibility(draft: ReplyDraft, state: dict[str, Any]) -> ReplyVisibility:
    chosen = state_value(state, InputId.REPLY_VISIBILITY)
    try:
        value = ReplyVisibility(chosen) if chosen else draft.visibility
    except ValueError:
        value = draft.visibility
    return value if value in draft.visibilities else draft.visibilities[0]


def register(app: App, ctx: HandlerContext) -> None:
    def redraw(body: dict[str, Any], client: Any, *, pick_canned: bool = False) -> None:
        view = body.get("view") or {}
        state = view.get("state") or {}
        actor = ctx.actor(body)
        case_id = modal_case(view)
        draft = ctx.replies.draft(case_id=case_id, actor=actor)
        visibility = _visibility(draft, state)
        text, version = _text_state(state)
        canned_id = state_value(state, InputId.REPLY_CANNED)
        if pick_canned and canned_id:
            text = ctx.replies.canned_text(case_id=case_id, actor=actor, canned_id=str(canned_id))
            version += 1
        report = (
            ctx.replies.check(
                platform=draft.case.platform, visibility=visibility, text=text, agent_name=draft.agent_name
            )
            if text.strip()
            else None
        )
        ack_state = state_choices(state, InputId.REPLY_PUBLIC_ACK)
        new_view = reply_modal(
            draft,
            text=text,
            visibility=visibility,
            report=report,
            canned_id=str(canned_id) if canned_id else None,
            text_version=version,
            # Ticked by default when the box first appears (switching to private shows it).
            public_ack=InputId.REPLY_PUBLIC_ACK not in (state.get("values") or {}) or "ack" in ack_state,
        )
        client.views_update(view_id=view.get("id"), hash=view.get("hash"), view=new_view)

    def quietly(run: Any) -> None:
        # A live preview that fails must not pester the agent; the Send check will say what is wrong.
        try:
            run()
        except Exception as exc:
            log.warning("reply form update failed: %s", type(exc).__name__)

    @app.action(InputId.REPLY_CANNED.value)
    def canned(ack: Any, body: dict[str, Any], client: Any) -> None:
        ack()
        quietly(lambda: redraw(body, client, pick_canned=True))

    @app.action(InputId.REPLY_TEXT.value)
    def typed(ack: Any, body: dict[str, Any], client: Any) -> None:
        ack()
        quietly(lambda: redraw(body, client))

    @app.action(InputId.REPLY_VISIBILITY.value)
    def switched(ack: Any, body: dict[str, Any], client: Any) -> None:
        ack()
        quietly(lambda: redraw(body, client))

    @app.view(CallbackId.REPLY_MODAL.value)
    def send(ack: Any, body: dict[str, Any], view: dict[str, Any]) -> None:
        state = view.get("state") or {}
        text, version = _text_state(state)
        field = f"{InputId.REPLY_TEXT.value}~{version}" if version else InputId.REPLY_TEXT.value
        actor = ctx.actor(body)
        try:
            case_id = modal_case(view)
            draft = ctx.replies.draft(case_id=case_id, actor=actor)
            visibility = _visibility(draft, state)
            canned_id = state_value(state, InputId.REPLY_CANNED)
            row, _created = ctx.replies.submit(
                case_id=case_id,
                actor=actor,
                text=text,
                visibility=visibility,
                key=f"view:{view.get('id')}",
                canned_id=str(canned_id) if canned_id else None,
            )
        except DomainError as exc:
            ack(response_action="errors", errors={field: str(exc)[:150]})
            return
        except Exception:
            log.exception("reply submission failed")
            ack(
                response_action="errors",
                errors={field: "Something went wrong on our side; nothing was sent."},
            )
            return
        ack()
        assert row.id is not None
        delivery = ctx.replies.deliver(row.id)
        ack_state = state_choices(state, InputId.REPLY_PUBLIC_ACK)
        if (
            delivery.status is ReplyStatus.SENT
            and visibility is ReplyVisibility.PRIVATE
            and "ack" in ack_state
        ):
            _public_note(ctx, actor, case_id, key=f"view:{view.get('id')}:ack")


def _public_note(ctx: HandlerContext, actor: Actor, case_id: int, *, key: str) -> None:
    """After a private answer on a public post: tell the public we answered (the customer's audience
    sees a brand that responds, and nobody's details are posted)."""
    try:
        text = ctx.replies.canned_text(case_id=case_id, actor=actor, canned_id="dm-sent")
    except DomainError:
        draft = ctx.replies.draft(case_id=case_id, actor=actor)
        text = DEFAULT_DM_NOTE.format(name=draft.case.author.name or "there")
    try:
        row, created = ctx.replies.submit(
            case_id=case_id,
            actor=actor,
            text=text,
            visibility=ReplyVisibility.PUBLIC,
            key=key,
            canned_id="dm-sent",
        )
    except DomainError as exc:
        log.warning("public note for #%s not sent: %s", case_id, exc)
        return
    if created and row.id is not None:
        ctx.replies.deliver(row.id)


def reply_command(
    ctx: HandlerContext,
    *,
    actor: Actor,
    args: tuple[str, ...],
    text: str,
    trigger_id: str,
    client: Any,
    visibility: ReplyVisibility,
) -> SlackMessage | None:
    """`/social reply <case> [text]` and `/social dm <case> [text]`: no text opens the form."""
    name = "reply" if visibility is ReplyVisibility.PUBLIC else "dm"
    if not args:
        raise UsageError("Which case? Give its number.", name)
    case_id = parse_case_ref(args[0])
    if not text.strip():
        open_reply_modal(ctx, client, trigger_id, actor, case_id, visibility)
        return None
    try:
        row, created = ctx.replies.submit(
            case_id=case_id, actor=actor, text=text, visibility=visibility, key=f"cmd:{trigger_id}"
        )
    except ReplyBlocked as exc:
        return render_text(f"Not sent: {exc} Edit it, or run `/social {name} {case_id}` for the form.")
    if not created:
        return render_text(f"That reply to #{case_id} was already taken care of.")
    assert row.id is not None
    return render_text(ctx.replies.deliver(row.id).message)
