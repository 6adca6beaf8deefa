"""The roll-up message's "Show all" and its private pages' Previous / Next: ack, load one page, answer
privately. Claim buttons on a page are the cards' own `case.claim` (handlers/actions.py)."""

from __future__ import annotations

from typing import Any

from slack_bolt import App
from sqlmodel import Session

from socialdesk.domain.errors import DomainError
from socialdesk.flood.rollup_repo import rollup_page
from socialdesk.handlers.context import HandlerContext
from socialdesk.handlers.errors import answer_privately
from socialdesk.slack.blocks.rollup_view import PAGE_SIZE, render_rollup_page
from socialdesk.slack.ids import RollupActionId, decode_rollup_value


def _page(ctx: HandlerContext, action: dict[str, Any]) -> tuple[str, list[dict[str, Any]]]:
    try:
        rollup_id, page = decode_rollup_value(str(action.get("value", "")))
    except ValueError as exc:
        raise DomainError("That button belongs to a roll-up this version cannot read.") from exc
    with Session(ctx.engine) as session:
        try:
            data = rollup_page(session, rollup_id, page=page, page_size=PAGE_SIZE)
        except LookupError as exc:
            raise DomainError(f"Roll-up {rollup_id} no longer exists.") from exc
    message = render_rollup_page(data)
    return message.text, message.blocks


def register(app: App, ctx: HandlerContext) -> None:
    @app.action(RollupActionId.SHOW_ALL.value)
    @answer_privately
    def show_all(ack: Any, action: dict[str, Any], respond: Any) -> None:
        ack()
        text, blocks = _page(ctx, action)
        # Private: a page is for the person who asked; the channel keeps its one summary message.
        respond(text=text, blocks=blocks, response_type="ephemeral", replace_original=False)

    def turn_page(ack: Any, action: dict[str, Any], respond: Any) -> None:
        ack()
        text, blocks = _page(ctx, action)
        respond(text=text, blocks=blocks, response_type="ephemeral", replace_original=True)

    for action_id in (RollupActionId.PAGE_PREVIOUS, RollupActionId.PAGE_NEXT):
        app.action(action_id.value)(answer_privately(turn_page))
