"""The outbox renderers of Slack messages drawn from the current state when sent: they read the store and
draw with the pure Block Kit renderers. `register_slack_renderers` puts them into the outbox's table."""

from __future__ import annotations

from socialdesk.outbox.queue import (
    RENDER_CASE_CARD,
    RENDER_EVENT_LINE,
    RENDER_FOLLOWUP,
    RENDER_MOVED_CARD,
    RENDER_ROLLUP,
    RENDER_SLA_BREACHES,
    RENDER_SLA_NUDGE,
    RENDER_SLA_PAGE,
)
from socialdesk.outbox.renderers import RenderTable
from socialdesk.slack.renderers.cases import (
    DecorateCard,
    card_posted,
    case_card_renderer,
    render_event_line_call,
    render_followup_call,
    render_moved_card_call,
)
from socialdesk.slack.renderers.rollup import rollup_call
from socialdesk.slack.renderers.sla import breaches_call, nudge_call, page_call


def register_slack_renderers(table: RenderTable, *, decorate_card: DecorateCard) -> None:
    """The case card (with what `decorate_card` adds to its view: plugin sections), its thread lines and
    moved card, the SLA alerts and the flood roll-up."""
    table.register(RENDER_CASE_CARD, case_card_renderer(decorate_card), posted=card_posted)
    table.register(RENDER_FOLLOWUP, render_followup_call)
    table.register(RENDER_EVENT_LINE, render_event_line_call)
    table.register(RENDER_MOVED_CARD, render_moved_card_call)
    table.register(RENDER_SLA_NUDGE, nudge_call)
    table.register(RENDER_SLA_BREACHES, breaches_call)
    table.register(RENDER_SLA_PAGE, page_call)
    table.register(RENDER_ROLLUP, rollup_call)
