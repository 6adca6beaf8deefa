"""Case card buttons and the overflow menu. Each acks at once; state changes are one short transaction
and reach the card through the outbox; modals open after the ack."""

from __future__ import annotations

from typing import Any

from slack_bolt import App
from sqlmodel import Session

from socialdesk.casework.roles import Capability
from socialdesk.domain.enums import ReplyVisibility
from socialdesk.domain.errors import DomainError
from socialdesk.handlers.context import HandlerContext
from socialdesk.handlers.errors import answer_privately
from socialdesk.handlers.replies import open_reply_modal
from socialdesk.slack.blocks.cards import render_history
from socialdesk.slack.blocks.modals import assign_modal, escalate_modal, resolve_modal
from socialdesk.slack.ids import ActionId, OverflowOption, decode_case_value, decode_overflow_value
from socialdesk.store.case_views import case_history, load_case_view


def _unreadable() -> DomainError:
    return DomainError("That button belongs to a card this version cannot read; use `/social show <case>`.")


def _button_case(action: dict[str, Any]) -> int:
    try:
        return decode_case_value(str(action.get("value", "")))
    except ValueError as exc:
        raise _unreadable() from exc


def _overflow_choice(action: dict[str, Any]) -> tuple[int, OverflowOption]:
    try:
        return decode_overflow_value(str((action.get("selected_option") or {}).get("value", "")))
    except ValueError as exc:
        raise _unreadable() from exc


def _private(respond: Any, text: str, blocks: list[dict[str, Any]] | None = None) -> None:
    respond(text=text, blocks=blocks, response_type="ephemeral", replace_original=False)


def register(app: App, ctx: HandlerContext) -> None:
    def open_modal(client: Any, body: dict[str, Any], case_id: int, build: Any) -> None:
        with Session(ctx.engine) as session:
            view = load_case_view(session, case_id, now=ctx.clock.now())
        client.views_open(trigger_id=body.get("trigger_id"), view=build(view))

    @app.action(ActionId.CLAIM.value)
    @answer_privately
    def claim(ack: Any, action: dict[str, Any], body: dict[str, Any], respond: Any) -> None:
        ack()
        outcome = ctx.work.claim(case_id=_button_case(action), actor=ctx.actor(body))
        _private(respond, outcome.message)

    @app.action(ActionId.UNCLAIM.value)
    @answer_privately
    def unclaim(ack: Any, action: dict[str, Any], body: dict[str, Any], respond: Any) -> None:
        ack()
        _private(respond, ctx.work.unclaim(case_id=_button_case(action), actor=ctx.actor(body)).message)

    @app.action(ActionId.REOPEN.value)
    @answer_privately
    def reopen(ack: Any, action: dict[str, Any], body: dict[str, Any], respond: Any) -> None:
        ack()
        _private(respond, ctx.work.reopen(case_id=_button_case(action), actor=ctx.actor(body)).message)

    @app.action(ActionId.ESCALATE.value)
    @answer_privately
    def escalate(ack: Any, action: dict[str, Any], body: dict[str, Any], client: Any, respond: Any) -> None:
        ack()
        teams = [(t.name, t.description) for t in ctx.config.teams]
        open_modal(client, body, _button_case(action), lambda view: escalate_modal(view, teams))

    @app.action(ActionId.RESOLVE.value)
    @answer_privately
    def resolve(ack: Any, action: dict[str, Any], body: dict[str, Any], client: Any, respond: Any) -> None:
        ack()
        open_modal(client, body, _button_case(action), resolve_modal)

    @app.action(ActionId.REPLY.value)
    @answer_privately
    def reply(ack: Any, action: dict[str, Any], body: dict[str, Any], client: Any, respond: Any) -> None:
        ack()
        trigger = str(body.get("trigger_id", ""))
        open_reply_modal(ctx, client, trigger, ctx.actor(body), _button_case(action), ReplyVisibility.PUBLIC)

    @app.action(ActionId.OVERFLOW.value)
    @answer_privately
    def overflow(ack: Any, action: dict[str, Any], body: dict[str, Any], client: Any, respond: Any) -> None:
        ack()
        case_id, option = _overflow_choice(action)
        actor = ctx.actor(body)
        match option:
            case OverflowOption.SHOW_HISTORY:
                with Session(ctx.engine) as session:
                    message = render_history(*case_history(session, case_id, now=ctx.clock.now()))
                _private(respond, message.text, message.blocks)
            case OverflowOption.UNCLAIM:
                _private(respond, ctx.work.unclaim(case_id=case_id, actor=actor).message)
            case OverflowOption.MARK_SPAM:
                _private(respond, ctx.work.mark_spam(case_id=case_id, actor=actor).message)
            case OverflowOption.ASSIGN:
                actor.require(Capability.ASSIGN)
                open_modal(client, body, case_id, assign_modal)
            case OverflowOption.PRIVATE_REPLY:
                trigger = str(body.get("trigger_id", ""))
                open_reply_modal(ctx, client, trigger, actor, case_id, ReplyVisibility.PRIVATE)
