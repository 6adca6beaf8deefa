"""SLA alert listeners: `/social snooze` and the "Snooze 1 h" button on a grouped breach alert."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any

from slack_bolt import App

from socialdesk.casework.roles import Actor
from socialdesk.domain.commands import UsageError
from socialdesk.domain.errors import DomainError
from socialdesk.handlers.context import HandlerContext
from socialdesk.handlers.errors import answer_privately
from socialdesk.sla.snooze import BUTTON_SNOOZE, SlaSnooze, parse_snooze
from socialdesk.slack.blocks.cards import SlackMessage
from socialdesk.slack.blocks.command_views import render_text
from socialdesk.slack.blocks.kit import slack_date
from socialdesk.slack.ids import AlertActionId, decode_case_value

if TYPE_CHECKING:  # socialdesk.handlers.commands imports this module for its subcommand table
    from socialdesk.handlers.commands import Call


def _snooze(ctx: HandlerContext, case_id: int, actor: Actor, until: datetime | None) -> str:
    SlaSnooze(engine=ctx.engine, clock=ctx.clock, notifier=ctx.notifier).snooze(
        case_id=case_id, actor=actor, until=until
    )
    if until is None:
        return f"SLA alerts for #{case_id} are back on."
    return (
        f"SLA alerts for #{case_id} snoozed until {slack_date(until)}. The card still changes colour; "
        "nobody is pinged until then."
    )


def snooze_command(call: Call) -> SlackMessage:
    """`/social snooze <case> <minutes|2h|until HH:MM|off>`."""
    case_id = call.cmd.case_id()
    if len(call.cmd.args) < 2:
        raise UsageError("For how long? Minutes (`30`), hours (`2h`) or a time (`until 14:30`).", "snooze")
    until = parse_snooze(call.cmd.args[1:], now=call.ctx.clock.now(), tz=call.ctx.config.timezone)
    return render_text(_snooze(call.ctx, case_id, call.actor, until))


def register(app: App, ctx: HandlerContext) -> None:
    @app.action(AlertActionId.SNOOZE_HOUR.value)
    @answer_privately
    def snooze_hour(ack: Any, action: dict[str, Any], body: dict[str, Any], respond: Any) -> None:
        ack()
        try:
            case_id = decode_case_value(str(action.get("value", "")))
        except ValueError as exc:
            raise DomainError("That button names no case this version can read.") from exc
        message = _snooze(ctx, case_id, ctx.actor(body), ctx.clock.now() + BUTTON_SNOOZE)
        respond(text=message, response_type="ephemeral", replace_original=False)
