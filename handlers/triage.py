"""Correcting triage: the card's "Correct triage" menu, its form, and `/social triage <case> <word>`.
Each acks, parses, calls `CaseWork.correct_triage` and answers privately; the card follows through the
outbox."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from slack_bolt import App
from sqlmodel import Session

from socialdesk.domain.commands import parse_triage
from socialdesk.domain.enums import Category, Priority
from socialdesk.domain.errors import DomainError
from socialdesk.domain.triage_fix import NO_REPLY_WORD, TriageChange, change_of
from socialdesk.handlers.context import HandlerContext
from socialdesk.handlers.errors import answer_privately
from socialdesk.handlers.views import answer, modal_case
from socialdesk.slack.blocks.cards import SlackMessage
from socialdesk.slack.blocks.command_views import render_text
from socialdesk.slack.blocks.inputs import state_value
from socialdesk.slack.blocks.triage_view import triage_modal
from socialdesk.slack.ids import TRIAGE_EDIT, ActionId, CallbackId, InputId, decode_triage_value
from socialdesk.store.case_views import load_case_view

if TYPE_CHECKING:  # socialdesk.handlers.commands imports this module for its subcommand table
    from socialdesk.handlers.commands import Call


def _menu_choice(action: dict[str, Any]) -> tuple[int, str]:
    try:
        return decode_triage_value(str((action.get("selected_option") or {}).get("value", "")))
    except ValueError as exc:
        raise DomainError(
            "That menu belongs to a card this version cannot read; use `/social triage <case> <value>`."
        ) from exc


def _word_change(word: str) -> TriageChange:
    try:
        return change_of(word)
    except ValueError as exc:
        raise DomainError(str(exc)) from exc


def triage_command(call: Call) -> SlackMessage:
    """`/social triage 42 P2`: a wrong command gets the usage line, privately."""
    case_id, change = parse_triage(call.cmd)
    return render_text(call.ctx.work.correct_triage(case_id=case_id, actor=call.actor, change=change).message)


def _form_change(state: dict[str, Any]) -> TriageChange:
    """The form's three fields as one change; spam never needs a reply."""
    category = state_value(state, InputId.TRIAGE_CATEGORY)
    priority = state_value(state, InputId.TRIAGE_PRIORITY)
    reply = state_value(state, InputId.TRIAGE_REPLY)
    chosen_category = Category(category) if category in {c.value for c in Category} else None
    needs_reply = None if reply is None else reply != NO_REPLY_WORD
    if chosen_category is Category.SPAM:
        needs_reply = False
    return TriageChange(
        category=chosen_category,
        priority=Priority(priority) if priority in {p.value for p in Priority} else None,
        needs_reply=needs_reply,
    )


def register(app: App, ctx: HandlerContext) -> None:
    @app.action(ActionId.TRIAGE.value)
    @answer_privately
    def menu(ack: Any, action: dict[str, Any], body: dict[str, Any], client: Any, respond: Any) -> None:
        ack()
        case_id, word = _menu_choice(action)
        if word == TRIAGE_EDIT:
            with Session(ctx.engine) as session:
                view = load_case_view(session, case_id, now=ctx.clock.now())
            client.views_open(trigger_id=body.get("trigger_id"), view=triage_modal(view))
            return
        outcome = ctx.work.correct_triage(case_id=case_id, actor=ctx.actor(body), change=_word_change(word))
        respond(text=outcome.message, response_type="ephemeral", replace_original=False)

    @app.view(CallbackId.TRIAGE_MODAL.value)
    def form(ack: Any, body: dict[str, Any], view: dict[str, Any]) -> None:
        field = InputId.TRIAGE_CATEGORY.value
        try:
            case_id = modal_case(view)
        except DomainError as exc:  # a forged or stale form: say so under the field, never a 500
            ack(response_action="errors", errors={field: str(exc)[:150]})
            return
        change = _form_change(view.get("state") or {})
        if change.empty:
            ack(response_action="errors", errors={field: "Choose a category, a priority or a reply setting."})
            return
        answer(
            ack,
            field,
            lambda: ctx.work.correct_triage(case_id=case_id, actor=ctx.actor(body), change=change),
        )
