"""Case card buttons. Each acks at once; the work is a short database read or goes through the outbox."""

from __future__ import annotations

from typing import Any

from slack_bolt import App
from sqlmodel import Session

from bot.domain.errors import CaseNotFound, DomainError
from bot.domain.models import Case
from bot.slack.cards import render_history
from bot.slack.ids import CaseAction, OverflowOption, decode_case_value
from bot.store import cases_repo
from bot.store.case_views import case_view, mention_view
from handlers.context import HandlerContext


def _case_id(action: dict[str, Any]) -> int:
    raw = action.get("value") or (action.get("selected_option") or {}).get("value", "")
    try:
        return decode_case_value(str(raw).split("|", 1)[-1] if "|" in str(raw) else str(raw))
    except ValueError as exc:
        raise DomainError("That button belongs to a card this version cannot read; use /social show.") from exc


def register(app: App, ctx: HandlerContext) -> None:
    def history(case_id: int) -> Any:
        with Session(ctx.engine) as session:
            case = session.get(Case, case_id)
            if case is None:
                raise CaseNotFound(case_id)
            view = case_view(session, case, now=ctx.clock.now())
            mentions = [mention_view(m) for m in cases_repo.case_mentions(session, case_id)]
        return render_history(view, mentions)

    @app.action(CaseAction.OVERFLOW.value)
    def overflow(ack: Any, action: dict[str, Any], respond: Any) -> None:
        ack()
        option = (action.get("selected_option") or {}).get("value", "")
        case_id = _case_id(action)
        if option.startswith(OverflowOption.SHOW_HISTORY.value):
            message = history(case_id)
            respond(text=message.text, blocks=message.blocks, response_type="ephemeral", replace_original=False)
            return
        respond(text=_not_yet(case_id), response_type="ephemeral", replace_original=False)

    for action_id in (CaseAction.CLAIM, CaseAction.REPLY, CaseAction.ESCALATE, CaseAction.RESOLVE):

        @app.action(action_id.value)
        def not_yet(ack: Any, action: dict[str, Any], respond: Any) -> None:
            ack()
            respond(text=_not_yet(_case_id(action)), response_type="ephemeral", replace_original=False)


def _not_yet(case_id: int) -> str:
    return (
        f"Working case #{case_id} from Slack (claim, reply, escalate, resolve) is not switched on in this "
        "version yet; answer the customer on the platform and use `/social show` for the history."
    )
