"""`/social stats [today|week]`: the figures from `socialdesk.domain.metrics` for all teams and each team.

`stats_message` is the whole subcommand; the `/social` table in `socialdesk.handlers.commands` calls it.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from sqlmodel import Session

from socialdesk.casework.roles import Actor
from socialdesk.domain import metrics
from socialdesk.domain.commands import UsageError
from socialdesk.handlers.context import HandlerContext
from socialdesk.slack.blocks.cards import SlackMessage
from socialdesk.slack.blocks.stats_view import render_stats
from socialdesk.store.metrics_repo import case_facts

# word -> (how the answer names the period, where it starts on the local clock, the period maker)
PERIODS: dict[str, tuple[str, str, Callable[[datetime, str], metrics.Period]]] = {
    "today": ("today", "00:00", metrics.today),
    "week": ("this week", "Monday 00:00", metrics.week),
}


def stats_message(ctx: HandlerContext, args: tuple[str, ...], actor: Actor) -> SlackMessage:
    """The private answer to `/social stats [today|week]` (today when no period is given).

    Everyone may see every team's figures: they are the desk's shared scoreboard, and ``actor`` is
    taken so that scoping to a user's teams can come later without changing callers.
    """
    del actor  # see the docstring: not used for scoping yet
    word = args[0].lower() if args else "today"
    if len(args) > 1 or word not in PERIODS:
        given = " ".join(args)[:40]
        raise UsageError(f"`{given}` is not a period I know: use `today` or `week`.", "stats")
    label, start_words, make_period = PERIODS[word]
    timezone = ctx.config.timezone
    period = make_period(ctx.clock.now(), timezone)
    with Session(ctx.engine) as session:
        facts = case_facts(session, period)
    return render_stats(
        label=label,
        anchor=f"{start_words} {timezone}",
        overall=metrics.summarize(facts, period),
        teams=metrics.summarize_by_team(facts, period, teams=[team.name for team in ctx.config.teams]),
    )
