"""`/social privacy export <author>` and `/social privacy erase <author> [confirm]`, for leads and managers.

The export is answered with counts and the CLI command that writes the file: the JSON holds the raw,
unmasked texts, and Slack (wide, long-lived channels and DMs) only ever sees masked text. Erasure
cannot be undone, so the first call only says what would go and asks for `confirm`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from sqlmodel import Session

from socialdesk.casework.roles import Capability
from socialdesk.domain.commands import UsageError, unescape_slack
from socialdesk.privacy.erase import erase
from socialdesk.privacy.export import export, summary
from socialdesk.privacy.subject import AuthorRef, parse_author
from socialdesk.slack.blocks.cards import SlackMessage
from socialdesk.slack.blocks.command_views import render_text

if TYPE_CHECKING:  # socialdesk.handlers.commands imports this module for its subcommand table
    from socialdesk.handlers.commands import Call

CONFIRM = "confirm"


def privacy_command(call: Call) -> SlackMessage:
    call.actor.require(Capability.PRIVACY)
    args = call.cmd.args
    if len(args) < 2 or args[0].lower() not in ("export", "erase"):
        raise UsageError("Export or erase whom? e.g. `/social privacy export x:@dana_flies`.", "privacy")
    ref = parse_author(unescape_slack(args[1]))
    if args[0].lower() == "export":
        return _export(call, ref)
    if len(args) > 2 and args[2].lower() == CONFIRM:
        return _erase(call, ref)
    return _ask_to_confirm(call, ref)


def _counts(ref: AuthorRef, call: Call) -> dict[str, int]:
    with Session(call.ctx.engine) as session:
        return summary(export(session, ref, now=call.ctx.clock.now()))


def _describe(counts: dict[str, int]) -> str:
    return ", ".join(f"{n} {name.replace('_', ' ')}" for name, n in counts.items())


def _export(call: Call, ref: AuthorRef) -> SlackMessage:
    counts = _counts(ref, call)
    return render_text(
        f"socialdesk holds {_describe(counts)} for `{ref}`. The export holds their unmasked texts, so it "
        f"is not posted in Slack: on the server run\n`socialdesk privacy export --author {ref} --out "
        f"{ref.platform.value}-export.json`"
    )


def _ask_to_confirm(call: Call, ref: AuthorRef) -> SlackMessage:
    counts = _counts(ref, call)  # also the clear "unknown author" error before anyone confirms
    return render_text(
        f"This erases the personal data of `{ref}` ({_describe(counts)}): texts, handle, name and raw "
        "payloads. Case times, priorities, sentiment and outcomes stay for the figures. It cannot be "
        f"undone. To go ahead: `/social privacy erase {ref} {CONFIRM}`"
    )


def _erase(call: Call, ref: AuthorRef) -> SlackMessage:
    ctx = call.ctx
    report = erase(ctx.engine, ref, actor=call.actor.user_id, now=ctx.clock.now(), config=ctx.config)
    if report.already_erased:
        return render_text(f"`{ref}` was erased already (now `{report.author}`); nothing left to erase.")
    counts = {k: v for k, v in report.counts().items() if v}
    return render_text(
        f"Erased `{ref}`, now `{report.author}`: {_describe(counts)}. Their cards in Slack are being redrawn."
    )
