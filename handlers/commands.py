"""`/social` (`/crisis` is in handlers/crisis.py): every answer is private to the caller (ephemeral).

The listener acks at once, then parses and calls one service per subcommand; slow work (modals,
platform replies) happens after the ack.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from slack_bolt import App
from sqlmodel import Session

from socialdesk.casework.roles import Actor
from socialdesk.domain.commands import SOCIAL_USAGE, SocialCommand, UsageError, parse_social, unescape_slack
from socialdesk.domain.enums import Platform, ReplyVisibility
from socialdesk.domain.models import Case
from socialdesk.handlers.context import HandlerContext
from socialdesk.handlers.errors import answer_privately
from socialdesk.handlers.plugin_commands import run_plugin_command, usage_lines
from socialdesk.handlers.privacy import privacy_command
from socialdesk.handlers.replies import reply_command
from socialdesk.handlers.sla import snooze_command
from socialdesk.handlers.stats import stats_message
from socialdesk.handlers.triage import triage_command
from socialdesk.plugin_host.sections import with_sections
from socialdesk.slack.blocks.cards import SlackMessage, render_history
from socialdesk.slack.blocks.command_views import render_help, render_queue, render_text
from socialdesk.slack.blocks.modals import escalate_modal
from socialdesk.store.case_views import case_history, load_case_view
from socialdesk.store.queue_repo import open_cases

_USER_REF = re.compile(r"^<@([UW][A-Z0-9]+)(?:\|[^>]*)?>$|^([UW][A-Z0-9]{2,})$")


@dataclass(frozen=True)
class Call:
    """One `/social` invocation: the parsed command, who sent it, and how to open a modal."""

    ctx: HandlerContext
    cmd: SocialCommand
    actor: Actor
    trigger_id: str
    client: Any
    text: str
    channel_id: str = ""

    def raw_after(self, words: int) -> str:
        """The command text after its first `words` words, exactly as typed (quotes and apostrophes
        kept: a reply or a note is prose, not arguments)."""
        parts = re.split(r"\s+", self.text.strip(), maxsplit=words)
        return unescape_slack(parts[words]) if len(parts) > words else ""


Subcommand = Callable[[Call], SlackMessage | None]


def register(app: App, ctx: HandlerContext) -> None:
    @app.command("/social")
    @answer_privately
    def social(ack: Any, command: dict[str, Any], respond: Any, client: Any) -> None:
        ack()
        parsed = parse_social(command.get("text") or "", extra=ctx.plugins.commands().keys())
        call = Call(
            ctx,
            parsed,
            ctx.actor(command),
            str(command.get("trigger_id", "")),
            client,
            str(command.get("text") or ""),
            str(command.get("channel_id") or ""),
        )
        message = _run(call)
        if message is not None:
            respond(text=message.text, blocks=message.blocks, response_type="ephemeral")


def _run(call: Call) -> SlackMessage | None:
    handler = SUBCOMMANDS.get(call.cmd.name)
    plugin_command = call.ctx.plugins.commands().get(call.cmd.name)
    if handler is None and plugin_command is not None:
        answer = run_plugin_command(
            call.ctx,
            plugin_command,
            actor=call.actor,
            args=call.cmd.args,
            text=call.raw_after(1),
            channel_id=call.channel_id,
        )
        return render_text(answer)
    if handler is None:
        raise UsageError(f"Unknown command. {SOCIAL_USAGE['help']}")
    return handler(call)


def _show(call: Call) -> SlackMessage:
    with Session(call.ctx.engine) as session:
        view, mentions = case_history(session, call.cmd.case_id(), now=call.ctx.clock.now())
        case = session.get(Case, view.id)
        if case is not None:
            view = with_sections(call.ctx.plugins, view, case)
    return render_history(view, mentions)


def _queue(call: Call) -> SlackMessage:
    ctx, cmd = call.ctx, call.cmd
    team: str | None = None
    platform: Platform | None = None
    mine = "--mine" in cmd.args
    crisis = "crisis" in cmd.args
    for arg in (a for a in cmd.args if a not in ("--mine", "crisis")):
        if arg in {t.name for t in ctx.config.teams}:
            team = arg
        elif arg in {p.value for p in Platform.known()}:
            platform = Platform(arg)
        else:
            raise UsageError(f"`{arg}` is neither a team nor a platform.", "queue")
    scope = (
        "".join(f" for {s}" for s in (team, platform.label if platform else None) if s)
        + (" assigned to you" if mine else "")
        + (" in a crisis" if crisis else "")
    )
    with Session(ctx.engine) as session:
        cases = open_cases(
            session,
            team=team,
            platform=platform,
            assignee=call.actor.user_id if mine else None,
            crisis=crisis,
        )
    return render_queue(cases, now=ctx.clock.now(), scope=scope)


def _claim(call: Call) -> SlackMessage:
    return render_text(call.ctx.work.claim(case_id=call.cmd.case_id(), actor=call.actor).message)


def _unclaim(call: Call) -> SlackMessage:
    return render_text(call.ctx.work.unclaim(case_id=call.cmd.case_id(), actor=call.actor).message)


def _assign(call: Call) -> SlackMessage:
    case_id = call.cmd.case_id()
    if len(call.cmd.args) < 2:
        raise UsageError("Whom to? Mention them: `/social assign 42 @maria`.", "assign")
    match = _USER_REF.match(call.cmd.args[1])
    if match is None:
        raise UsageError(
            f"`{call.cmd.args[1]}` is not a Slack user; pick them from the @ menu so Slack sends their id.",
            "assign",
        )
    assignee = match.group(1) or match.group(2)
    return render_text(call.ctx.work.assign(case_id=case_id, actor=call.actor, assignee=assignee).message)


def _escalate(call: Call) -> SlackMessage | None:
    case_id = call.cmd.case_id()
    if len(call.cmd.args) < 2:
        with Session(call.ctx.engine) as session:
            view = load_case_view(session, case_id, now=call.ctx.clock.now())
        teams = [(t.name, t.description) for t in call.ctx.config.teams]
        call.client.views_open(trigger_id=call.trigger_id, view=escalate_modal(view, teams))
        return None
    outcome = call.ctx.work.escalate(
        case_id=case_id, actor=call.actor, team=call.cmd.args[1].lower(), reason=call.cmd.rest(2)
    )
    return render_text(outcome.message)


def _resolve(call: Call) -> SlackMessage:
    case_id = call.cmd.case_id()
    return render_text(
        call.ctx.work.resolve(case_id=case_id, actor=call.actor, outcome=call.cmd.rest()).message
    )


def _reopen(call: Call) -> SlackMessage:
    return render_text(call.ctx.work.reopen(case_id=call.cmd.case_id(), actor=call.actor).message)


def _note(call: Call) -> SlackMessage:
    case_id = call.cmd.case_id()
    text = call.raw_after(2)
    if not text.strip():
        raise UsageError("The note has no text.", "note")
    return render_text(call.ctx.work.note(case_id=case_id, actor=call.actor, text=text).message)


def _reply(visibility: ReplyVisibility) -> Subcommand:
    def run(call: Call) -> SlackMessage | None:
        return reply_command(
            call.ctx,
            actor=call.actor,
            args=call.cmd.args,
            text=call.raw_after(2),
            trigger_id=call.trigger_id,
            client=call.client,
            visibility=visibility,
        )

    return run


SUBCOMMANDS: dict[str, Subcommand] = {
    "help": lambda call: render_help(usage_lines(call.ctx)),
    "show": _show,
    "queue": _queue,
    "claim": _claim,
    "unclaim": _unclaim,
    "assign": _assign,
    "escalate": _escalate,
    "resolve": _resolve,
    "reopen": _reopen,
    "note": _note,
    "reply": _reply(ReplyVisibility.PUBLIC),
    "dm": _reply(ReplyVisibility.PRIVATE),
    "stats": lambda call: stats_message(call.ctx, call.cmd.args, call.actor),
    "snooze": snooze_command,
    "triage": triage_command,
    "privacy": privacy_command,
}
