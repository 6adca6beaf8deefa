"""The App Home tab: published on `app_home_opened`, and again by anyone who calls `refresh_home`."""

from __future__ import annotations

import logging
from typing import Any

from slack_bolt import App
from sqlmodel import Session

from socialdesk.domain import metrics
from socialdesk.handlers.context import HandlerContext
from socialdesk.slack.blocks.home_view import MAX_MINE, MAX_QUEUE, HomeData, render_home
from socialdesk.store.metrics_repo import case_facts, count_open, my_open_cases, unclaimed_cases

log = logging.getLogger(__name__)

# No team membership is recorded yet, so the queue shows every team's unclaimed cases.
ALL_TEAMS = "every team"


def load_home(ctx: HandlerContext, user_id: str) -> HomeData:
    """Everything the Home tab shows for ``user_id``, read in one session."""
    now = ctx.clock.now()
    today = metrics.today(now, ctx.config.timezone)
    with Session(ctx.engine) as session:
        mine = my_open_cases(session, user_id, limit=MAX_MINE)
        mine_total = count_open(session, assignee=user_id)
        queue = unclaimed_cases(session, limit=MAX_QUEUE)
        queue_total = count_open(session, unclaimed=True)
        facts = case_facts(session, today)
    return HomeData(
        user_id=user_id,
        now=now,
        mine=mine,
        mine_total=mine_total,
        queue=queue,
        queue_total=queue_total,
        queue_scope=ALL_TEAMS,
        today=metrics.summarize(facts, today),
        today_anchor=f"00:00 {ctx.config.timezone}",
    )


def refresh_home(ctx: HandlerContext, client: Any, user_id: str) -> None:
    """Publish ``user_id``'s Home tab now (after a change that affects it). Slack API errors propagate."""
    client.views_publish(user_id=user_id, view=render_home(load_home(ctx, user_id)))


def register(app: App, ctx: HandlerContext) -> None:
    @app.event("app_home_opened")
    def on_home_opened(ack: Any, event: dict[str, Any], client: Any) -> None:
        ack()
        # The same event fires for the Messages and About tabs; only the Home tab is ours to draw.
        if event.get("tab", "home") != "home" or not event.get("user"):
            return
        try:
            refresh_home(ctx, client, str(event["user"]))
        except Exception:  # an event has nobody to answer; keep the listener alive and say why in the log
            log.exception("the Home tab could not be published")
