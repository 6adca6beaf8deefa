"""`/social` and `/crisis`: every answer is private to the caller (ephemeral)."""

from __future__ import annotations

from typing import Any

from slack_bolt import App
from sqlmodel import Session

from bot.domain.commands import SOCIAL_USAGE, SocialCommand, UsageError, parse_social
from bot.domain.enums import Platform
from bot.slack.cards import render_history
from bot.slack.command_views import render_help, render_queue
from bot.store.case_views import case_history
from bot.store.queue_repo import open_cases
from handlers.context import HandlerContext
from handlers.errors import answer_privately

# Subcommands listed in the help whose service lands with the "work the queue" release.
NOT_YET = frozenset(
    {"claim", "unclaim", "assign", "reply", "dm", "escalate", "resolve", "reopen", "note", "stats"}
)


def register(app: App, ctx: HandlerContext) -> None:
    @app.command("/social")
    @answer_privately
    def social(ack: Any, command: dict[str, Any], respond: Any) -> None:
        ack()
        parsed = parse_social(command.get("text") or "")
        message = _run(ctx, parsed, user_id=command.get("user_id", ""))
        respond(text=message.text, blocks=message.blocks, response_type="ephemeral")

    @app.command("/crisis")
    def crisis(ack: Any, respond: Any) -> None:
        ack()
        respond(
            text="Crisis playbooks are not switched on in this version of socialdesk yet. "
            "For now, tell the duty lead in the duty channel.",
            response_type="ephemeral",
        )


def _run(ctx: HandlerContext, cmd: SocialCommand, *, user_id: str) -> Any:
    if cmd.name == "help":
        return render_help()
    if cmd.name == "show":
        return _show(ctx, cmd.case_id())
    if cmd.name == "queue":
        return _queue(ctx, cmd, user_id=user_id)
    if cmd.name in NOT_YET:
        raise UsageError(f"`/social {cmd.name}` is not available in this version yet.", cmd.name)
    raise UsageError(f"Unknown command. {SOCIAL_USAGE['help']}")


def _show(ctx: HandlerContext, case_id: int) -> Any:
    with Session(ctx.engine) as session:
        return render_history(*case_history(session, case_id, now=ctx.clock.now()))


def _queue(ctx: HandlerContext, cmd: SocialCommand, *, user_id: str) -> Any:
    team: str | None = None
    platform: Platform | None = None
    mine = "--mine" in cmd.args
    for arg in (a for a in cmd.args if a != "--mine"):
        if arg in {t.name for t in ctx.config.teams}:
            team = arg
        elif arg in {p.value for p in Platform}:
            platform = Platform(arg)
        else:
            raise UsageError(f"`{arg}` is neither a team nor a platform.", "queue")
    scope = "".join(f" for {s}" for s in (team, platform.label if platform else None) if s) + (
        " assigned to you" if mine else ""
    )
    with Session(ctx.engine) as session:
        cases = open_cases(session, team=team, platform=platform, assignee=user_id if mine else None)
    return render_queue(cases, now=ctx.clock.now(), scope=scope)
