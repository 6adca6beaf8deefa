"""Bolt listeners only: ack, parse, call one service, render. Each module has a `register(app, ctx)`."""

from __future__ import annotations

from slack_bolt import App

from socialdesk.handlers import (
    actions,
    commands,
    crisis,
    crisis_actions,
    errors,
    events,
    home,
    replies,
    rollup,
    sla,
    triage,
    views,
)
from socialdesk.handlers.context import HandlerContext


def register_all(app: App, ctx: HandlerContext) -> None:
    errors.register(app, ctx)
    commands.register(app, ctx)
    actions.register(app, ctx)
    views.register(app, ctx)
    replies.register(app, ctx)
    events.register(app, ctx)
    home.register(app, ctx)
    sla.register(app, ctx)
    crisis.register(app, ctx)
    crisis_actions.register(app, ctx)
    rollup.register(app, ctx)
    triage.register(app, ctx)
