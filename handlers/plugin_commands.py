"""`/social <name>` subcommands contributed by plugins: role check, the plugin's `run`, a private answer.

A plugin command is answered like every built-in one: privately, with its usage on a `CommandError`. If
its `run` raises anything else, the plugin is switched off (reported in the duty channel) and the caller
gets the usual apology; the rest of `/social` is unaffected.
"""

from __future__ import annotations

from functools import partial

from sqlmodel import Session

from socialdesk.casework.roles import Actor, Role
from socialdesk.domain.errors import DomainError
from socialdesk.handlers.context import HandlerContext
from socialdesk.handlers.errors import APOLOGY
from socialdesk.plugin_host.facts import find_case
from socialdesk.plugins.kinds import CaseFacts, Command, CommandCall, CommandError

# Who may run a plugin's command: its declared role, or a role above it.
ALLOWED: dict[str, frozenset[Role]] = {
    "agent": frozenset({Role.AGENT, Role.LEAD, Role.MANAGER}),
    "lead": frozenset({Role.LEAD, Role.MANAGER}),
    "manager": frozenset({Role.MANAGER}),
}


class PluginCommandRefused(DomainError):
    """Shown privately: the role is missing, or the plugin said the call was wrong."""


def usage_lines(ctx: HandlerContext) -> list[str]:
    return [
        f"`{c.usage}`: {c.summary}" if c.summary else f"`{c.usage}`" for c in ctx.plugins.commands().values()
    ]


def run_plugin_command(
    ctx: HandlerContext, command: Command, *, actor: Actor, args: tuple[str, ...], text: str, channel_id: str
) -> str:
    allowed = ALLOWED.get(command.role, ALLOWED["manager"])
    if not actor.roles & allowed:
        needed = " or ".join(sorted(r.value for r in allowed))
        raise PluginCommandRefused(
            f"You need the {needed} role to run `/social {command.name}`. Ask an admin to add you under "
            "`roles:` in the socialdesk config."
        )

    def lookup(ref: str) -> CaseFacts | None:
        with Session(ctx.engine) as session:
            return find_case(session, ref)

    call = CommandCall(
        name=command.name,
        args=args,
        text=text,
        user_id=actor.user_id,
        channel_id=channel_id,
        now=ctx.clock.now(),
        case=lookup,
    )
    try:
        run = partial(command.run, call)
        answer = ctx.plugins.guarded(command, "command", run, None, expected=(CommandError,))
    except CommandError as exc:
        raise PluginCommandRefused(f"{exc}\nUsage: `{command.usage}`") from None
    return APOLOGY if answer is None else str(answer)
