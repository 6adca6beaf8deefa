"""`/crisis`: list, start, status, statement, approve, reject, publish, update, role, severity, end,
review, lessons, help. Every answer is private; what changes is posted in the war room by the desk."""

from __future__ import annotations

import re
import shlex
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from slack_bolt import App

from socialdesk.casework.roles import Actor
from socialdesk.crisis.service import CrisisDesk
from socialdesk.domain.commands import UsageError, unescape_slack
from socialdesk.domain.crisis import CrisisError
from socialdesk.domain.crisis_models import Crisis
from socialdesk.domain.playbooks.schema import TARGET_LIMITS
from socialdesk.handlers.context import HandlerContext
from socialdesk.handlers.crisis_review import post_review
from socialdesk.handlers.errors import answer_privately
from socialdesk.slack.blocks.card_text import SlackMessage
from socialdesk.slack.blocks.command_views import render_text
from socialdesk.slack.blocks.crisis_commands_view import (
    render_crisis_help,
    render_playbook_list,
    render_status,
)
from socialdesk.slack.blocks.crisis_modals import end_modal, lessons_modal, update_modal

_USER_REF = re.compile(r"^<@([UW][A-Z0-9]+)(?:\|[^>]*)?>$|^([UW][A-Z0-9]{2,})$")
_CRISIS_REF = re.compile(r"^(?:c|crisis)?#?(\d{1,9})$", re.IGNORECASE)


@dataclass(frozen=True)
class CrisisCall:
    ctx: HandlerContext
    desk: CrisisDesk
    actor: Actor
    words: list[str]  # after the subcommand, unescaped
    raw_words: list[str]  # the same, as Slack escaped them: user mentions stay `<@U123|ana>`
    rest: str  # the raw text after the subcommand, unescaped
    channel_name: str
    trigger_id: str
    client: Any

    def crisis(self, *, include_ended: bool = False, words: list[str] | None = None) -> Crisis:
        given = self.words if words is None else words
        ref = _CRISIS_REF.match(given[0]) if given else None
        crisis_id = int(ref.group(1)) if ref else None
        return self.desk.find(
            crisis_id=crisis_id, channel_name=self.channel_name, include_ended=include_ended
        )

    def crisis_id(self, *, include_ended: bool = False, words: list[str] | None = None) -> int:
        crisis = self.crisis(include_ended=include_ended, words=words)
        assert crisis.id is not None
        return crisis.id

    def open_statement(self, crisis_id: int) -> int:
        view = self.desk.views(crisis_id).open_statement
        if view is None:
            raise CrisisError("There is no statement waiting: `/crisis statement` drafts one.")
        return view.id


Subcommand = Callable[[CrisisCall], SlackMessage | None]


def _split(text: str) -> list[str]:
    try:
        return shlex.split(text)
    except ValueError:  # an unbalanced quote: fall back to plain words
        return text.split()


def register(app: App, ctx: HandlerContext) -> None:
    @app.command("/crisis")
    @answer_privately
    def crisis(ack: Any, command: dict[str, Any], respond: Any, client: Any) -> None:
        ack()
        if ctx.crisis is None:
            raise CrisisError(
                "No crisis playbooks are installed: add YAML files to the playbooks folder "
                "(`socialdesk playbooks validate`)."
            )
        text = str(command.get("text") or "").strip()
        name, _, rest = text.partition(" ")
        call = CrisisCall(
            ctx=ctx,
            desk=ctx.crisis,
            actor=ctx.actor(command),
            words=_split(unescape_slack(rest)),
            raw_words=_split(rest),
            rest=unescape_slack(rest).strip(),
            channel_name=str(command.get("channel_name") or ""),
            trigger_id=str(command.get("trigger_id") or ""),
            client=client,
        )
        handler = SUBCOMMANDS.get(name.lower() or "help")
        if handler is None:
            raise UsageError(f"`/crisis {name}` is not a crisis command.\n{render_crisis_help().text}")
        message = handler(call)
        if message is not None:
            respond(text=message.text, blocks=message.blocks, response_type="ephemeral")


def _list(call: CrisisCall) -> SlackMessage:
    return render_playbook_list(call.desk.playbook_list(), call.desk.running())


def _start(call: CrisisCall) -> SlackMessage:
    if not call.words:
        raise UsageError(
            "Which playbook? `/crisis start <playbook> [severity] [summary]`; `/crisis list` shows them."
        )
    playbook = call.desk.playbook(call.words[0])
    severity: str | None = None
    summary_words = call.words[1:]
    if summary_words and playbook.severity_name(summary_words[0]):
        severity, summary_words = summary_words[0], summary_words[1:]
    summary = " ".join(summary_words) or playbook.title
    return render_text(
        call.desk.start(playbook_id=playbook.id, severity=severity, summary=summary, actor=call.actor).message
    )


def _status(call: CrisisCall) -> SlackMessage:
    crisis_id = call.crisis_id(include_ended=True)
    return render_status(call.desk.views(crisis_id), now=call.ctx.clock.now())


def _statement(call: CrisisCall) -> SlackMessage:
    """`statement` drafts (or redrafts) the next statement; `statement x` shows the waiting statement's
    text for one platform, e.g. to paste the status-page version."""
    target = call.words[0].lower() if call.words else None
    if target in TARGET_LIMITS:
        crisis_id = call.crisis_id(include_ended=True)
        waiting = call.desk.views(crisis_id).open_statement
        if waiting is None or target not in waiting.texts:
            raise CrisisError(f"No waiting statement has a {target} text; `/crisis statement` drafts one.")
        return render_text(f"*Statement #{waiting.id}, {target}:*\n```{waiting.texts[target]}```")
    crisis_id = call.crisis_id(include_ended=True, words=call.words[1:] if target else call.words)
    return render_text(call.desk.draft(crisis_id=crisis_id, actor=call.actor).message)


def _approve(call: CrisisCall) -> SlackMessage:
    crisis_id = call.crisis_id(include_ended=True)
    outcome = call.desk.approve(
        crisis_id=crisis_id, statement_id=call.open_statement(crisis_id), actor=call.actor
    )
    return render_text(outcome.message)


def _reject(call: CrisisCall) -> SlackMessage:
    crisis_id = call.crisis_id(include_ended=True)
    outcome = call.desk.reject(
        crisis_id=crisis_id, statement_id=call.open_statement(crisis_id), actor=call.actor, reason=call.rest
    )
    return render_text(outcome.message)


def _publish(call: CrisisCall) -> SlackMessage:
    crisis_id = call.crisis_id(include_ended=True)
    retry = call.words[1].lower() if len(call.words) >= 2 and call.words[0].lower() == "retry" else None
    outcome = call.desk.publish(
        crisis_id=crisis_id, statement_id=call.open_statement(crisis_id), actor=call.actor, retry_target=retry
    )
    return render_text(outcome.message)


def _update(call: CrisisCall) -> SlackMessage | None:
    crisis = call.crisis()
    assert crisis.id is not None
    if not call.rest:
        call.client.views_open(trigger_id=call.trigger_id, view=update_modal(crisis.id, crisis.title))
        return None
    return render_text(call.desk.draft(crisis_id=crisis.id, actor=call.actor, headline=call.rest).message)


def _role(call: CrisisCall) -> SlackMessage:
    if len(call.words) < 2:
        raise UsageError("`/crisis role <role> @person`, e.g. `/crisis role legal @ana`.")
    match = _USER_REF.match(call.raw_words[1]) if len(call.raw_words) >= 2 else None
    if match is None:
        raise UsageError(f"`{call.words[1]}` is not a Slack user; pick them from the @ menu.")
    user = match.group(1) or match.group(2)
    return render_text(
        call.desk.assign_role(
            crisis_id=call.crisis_id(), role=call.words[0].lower(), user=user, actor=call.actor
        ).message
    )


def _severity(call: CrisisCall) -> SlackMessage:
    if not call.words:
        raise UsageError("`/crisis severity <level>`, e.g. `/crisis severity sev1`.")
    return render_text(
        call.desk.set_severity(crisis_id=call.crisis_id(), severity=call.words[0], actor=call.actor).message
    )


def _end(call: CrisisCall) -> SlackMessage | None:
    crisis = call.crisis()
    assert crisis.id is not None
    if not call.rest:
        call.client.views_open(trigger_id=call.trigger_id, view=end_modal(crisis.id, crisis.title))
        return None
    return render_text(call.desk.end(crisis_id=crisis.id, summary=call.rest, actor=call.actor).message)


def _review(call: CrisisCall) -> SlackMessage:

    crisis = call.crisis(include_ended=True)
    assert crisis.id is not None
    return render_text(post_review(call.ctx, crisis.id, channel=call.channel_name))


def _lessons(call: CrisisCall) -> None:
    crisis = call.crisis(include_ended=True)
    assert crisis.id is not None
    call.client.views_open(trigger_id=call.trigger_id, view=lessons_modal(crisis.id, crisis.lessons))


SUBCOMMANDS: dict[str, Subcommand] = {
    "help": lambda _call: render_crisis_help(),
    "list": _list,
    "start": _start,
    "status": _status,
    "statement": _statement,
    "approve": _approve,
    "reject": _reject,
    "publish": _publish,
    "update": _update,
    "role": _role,
    "severity": _severity,
    "end": _end,
    "review": _review,
    "lessons": _lessons,
}
