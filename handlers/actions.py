"""Case card buttons. Each acks at once; the work is a short database read or goes through the outbox."""

from __future__ import annotations

from typing import Any

from slack_bolt import App
from sqlmodel import Session

from bot.domain.errors import DomainError
from bot.slack.cards import render_history
from bot.slack.ids import ActionId, OverflowOption, decode_case_value, decode_overflow_value
from bot.store.case_views import case_history
from handlers.context import HandlerContext
from handlers.errors import answer_privately


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


def register(app: App, ctx: HandlerContext) -> None:
    def history(case_id: int) -> Any:
        with Session(ctx.engine) as session:
            return render_history(*case_history(session, case_id, now=ctx.clock.now()))

    @app.action(ActionId.OVERFLOW.value)
    @answer_privately
    def overflow(ack: Any, action: dict[str, Any], respond: Any) -> None:
        ack()
        case_id, option = _overflow_choice(action)
        if option is OverflowOption.SHOW_HISTORY:
            message = history(case_id)
            respond(
                text=message.text, blocks=message.blocks, response_type="ephemeral", replace_original=False
            )
            return
        respond(text=_not_yet(case_id), response_type="ephemeral", replace_original=False)

    for action_id in (ActionId.CLAIM, ActionId.REPLY, ActionId.ESCALATE, ActionId.RESOLVE):

        @app.action(action_id.value)
        @answer_privately
        def not_yet(ack: Any, action: dict[str, Any], respond: Any) -> None:
            ack()
            respond(text=_not_yet(_button_case(action)), response_type="ephemeral", replace_original=False)


def _not_yet(case_id: int) -> str:
    return (
        f"Working case #{case_id} from Slack (claim, reply, escalate, resolve) is not switched on in this "
        "version yet; answer the customer on the platform and use `/social show` for the history."
    )
