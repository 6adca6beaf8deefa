"""Modal submissions. Validation problems go back as `response_action: errors` on the offending input,
so the modal stays open with the message under the field; success closes it."""

from __future__ import annotations

import logging
from typing import Any

from slack_bolt import App

from socialdesk.casework.service import Outcome
from socialdesk.domain.casework import AlreadyClaimed, WrongState
from socialdesk.domain.errors import DomainError
from socialdesk.handlers.context import HandlerContext
from socialdesk.slack.blocks.inputs import state_value
from socialdesk.slack.ids import CallbackId, InputId, decode_case_value

log = logging.getLogger(__name__)


def modal_case(view: dict[str, Any]) -> int:
    try:
        return decode_case_value(str(view.get("private_metadata", "")))
    except ValueError as exc:
        raise DomainError("This form belongs to an older socialdesk; open it again from the card.") from exc


def answer(ack: Any, field: str, run: Any) -> Outcome | None:
    """Run the service; a refusal becomes an error under `field` and keeps the modal open."""
    try:
        outcome: Outcome = run()
    except (WrongState, AlreadyClaimed, DomainError) as exc:
        ack(response_action="errors", errors={field: str(exc)[:150]})
        return None
    except Exception:
        log.exception("modal submission failed")
        ack(
            response_action="errors", errors={field: "Something went wrong on our side; nothing was changed."}
        )
        return None
    ack()
    return outcome


def register(app: App, ctx: HandlerContext) -> None:
    @app.view(CallbackId.ESCALATE_MODAL.value)
    def escalate(ack: Any, body: dict[str, Any], view: dict[str, Any]) -> None:
        state = view.get("state") or {}
        team = state_value(state, InputId.ESCALATE_TEAM)
        reason = (state_value(state, InputId.ESCALATE_REASON) or "").strip()
        if not team:
            ack(response_action="errors", errors={InputId.ESCALATE_TEAM.value: "Choose a team."})
            return
        if not reason:
            ack(
                response_action="errors",
                errors={InputId.ESCALATE_REASON.value: "Say why, for the next team."},
            )
            return
        answer(
            ack,
            InputId.ESCALATE_TEAM,
            lambda: ctx.work.escalate(
                case_id=modal_case(view), actor=ctx.actor(body), team=team, reason=reason
            ),
        )

    @app.view(CallbackId.RESOLVE_MODAL.value)
    def resolve(ack: Any, body: dict[str, Any], view: dict[str, Any]) -> None:
        state = view.get("state") or {}
        outcome = state_value(state, InputId.RESOLVE_OUTCOME) or "answered"
        note = (state_value(state, InputId.RESOLVE_NOTE) or "").strip()
        actor = ctx.actor(body)
        try:
            case_id = modal_case(view)
        except DomainError as exc:  # a forged or stale form: say so under the field, never a 500
            ack(response_action="errors", errors={InputId.RESOLVE_OUTCOME.value: str(exc)[:150]})
            return
        done = answer(
            ack,
            InputId.RESOLVE_OUTCOME,
            lambda: ctx.work.resolve(case_id=case_id, actor=actor, outcome=outcome),
        )
        if done is not None and note:
            ctx.work.note(case_id=case_id, actor=actor, text=note)

    @app.view(CallbackId.ASSIGN_MODAL.value)
    def assign(ack: Any, body: dict[str, Any], view: dict[str, Any]) -> None:
        user = state_value(view.get("state") or {}, InputId.ASSIGN_USER)
        if not user:
            ack(response_action="errors", errors={InputId.ASSIGN_USER.value: "Choose someone."})
            return
        answer(
            ack,
            InputId.ASSIGN_USER,
            lambda: ctx.work.assign(case_id=modal_case(view), actor=ctx.actor(body), assignee=user),
        )
