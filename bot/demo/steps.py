"""One line typed at the demo's prompt (or read from a script): parse it, act as the pretend user, let the
app finish its work in simulated time, then show what changed.

    /social claim 3          a slash command, as the current user (maria)
    click 3 reply            a card's button or overflow choice
    form canned refund-...   an input in the open modal; `form send` submits it
    as sam /social claim 3   any of the above as another person
    wait 12m                 simulated time: the scheduled jobs run minute by minute (clockwork.py)
    /crisis status, click statement approve, spike ...   the crisis act (crisis_steps.py)
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import httpx
from rich.console import Console
from rich.text import Text

from socialdesk.app import Runtime
from socialdesk.clock import ManualClock
from socialdesk.demo import changes, clockwork, crisis_steps
from socialdesk.demo.forms import SHORTHANDS, FormDesk
from socialdesk.demo.modal_view import render_form
from socialdesk.demo.platforms import DemoPlatforms
from socialdesk.demo.pretend_user import DemoInputError, PretendUser
from socialdesk.demo.terminal import render_channel
from socialdesk.standin import SlackStandin

HELP = """You are maria, an agent; sam another agent (and a lead); priya the team lead; nora is from legal.
Type what you would in Slack:
  /social help | queue [team] | show 3 | claim 3 | reply 3 [text] | dm 3 [text] | note 3 <text>
  /social escalate 3 [team reason] | resolve 3 [outcome] | reopen 3 | assign 3 @sam (leads) | stats
  click 3 claim               a card's buttons: claim reply escalate resolve reopen; its menu:
                              private_reply unclaim assign mark_spam show_history;
                              on a breach alert: click 3 snooze (leads: no pings for an hour)
A button or a command without text opens a form (a modal); fill it in with `form`:
  form                        show the open form again
  form canned refund-billing  start from a canned reply: the preview and brand-voice check update
  form text <words>           type the reply (a banned phrase like "calm down" shows ⛔ and blocks Send)
  form private | form public  where the reply goes;  form ack on|off  the public "we sent you a DM" note
  form team billing | form reason <words>      (escalate)
  form outcome refunded | form note <words>    (resolve)
  form user @sam                               (assign)
  form send | form cancel     submit (a refusal keeps the form open, with the reason) or close it
  as sam <line>               do one line as sam or priya, e.g. `as sam /social claim 3`
Simulated time: nobody watches the clock, the scheduler's SLA scan and digest job do, every minute:
  wait 12m | wait 1h30m       move the clock on, running those jobs each minute; what they post is shown
                              at the minute it happened: amber + nudge, red + one grouped alert, the page
  wait until 08:00 tomorrow   a local time (config zone): the managers' digest, its chart in the thread
  sla scan | digest | time    run that job once now | show the simulated time
A crisis (playbooks/service-outage.yaml); nora is from legal, with no socialdesk role of her own:
  spike                       40 complaints about login failures in 5 simulated minutes, on X and
                              Facebook; the early-warning job (every minute) sees them at the next `wait`
  click warning start|dismiss the newest early warning's buttons in #social-duty (start opens a form:
                              form severity sev2 | form summary <words> | form send)
  /crisis help | list | status | statement | update <news> | end <summary> | review | lessons
  /crisis role legal @nora | severity sev1 | approve | reject <reason> | publish
                              typed in the newest war room (in #social-duty before there is one)
  click statement approve|reject|publish|edit   the newest statement's buttons in the war room;
                              forms: form reason <words> | form headline <words> | form facts <a>; <b>
                              form unknowns <a>; <b> | form actions <a>; <b> | form news | form lessons
  click review lessons        the review's button; customer x|facebook <words>  one more customer post
  channels | channel social-billing | channel social-duty | channel outage-1-... | help | quit"""


@dataclass
class DemoStats:
    webhooks_sent: int = 0
    webhooks_failed: list[str] = field(default_factory=list)
    commands: int = 0
    command_errors: list[str] = field(default_factory=list)
    job_failures: list[str] = field(default_factory=list)  # scheduled jobs that raised during a `wait`


@dataclass
class Stage:
    """Everything a step needs: the app, the stand-ins, the pretend people and the screen."""

    console: Console
    runtime: Runtime
    standin: SlackStandin
    clock: ManualClock
    platforms: DemoPlatforms
    people: dict[str, PretendUser]  # by name; the first is "you"
    forms: FormDesk
    stats: DemoStats
    names: dict[str, str]  # Slack user id (and user-group id) -> name, for drawing mentions
    files_dir: Path | None = None  # where shared files are written for a person to open; None: a temp dir
    saved_files: dict[str, Path] = field(default_factory=dict)  # Slack file id -> where it was written
    base_url: str = ""  # the app's HTTP server: where the demo's webhooks go
    customers: int = 0  # posts typed with `customer ...` so far (each is a new person)

    def team_channels(self) -> list[str]:
        return [team.channel_name for team in self.runtime.config.teams]

    def watched(self) -> list[str]:
        """Where a step's effects can show: team channels, the digest and duty channels, the crises' war
        rooms (created while the demo runs), the DMs."""
        config = self.runtime.config
        others = [config.digest.channel or config.managers_channel, config.duty_channel]
        extra = [c.lstrip("#") for c in others if c.lstrip("#") not in self.team_channels()]
        rooms = crisis_steps.war_rooms(self)
        return (
            self.team_channels()
            + list(dict.fromkeys(extra))
            + rooms
            + [p.user_id for p in self.people.values()]
        )

    def card_channels(self) -> list[str]:
        """Where case cards are: the team channels, and the war rooms (a crisis routes its cases there)."""
        return self.team_channels() + crisis_steps.war_rooms(self)

    def snapshot(self) -> changes.Snapshot:
        return changes.take(self.standin, self.watched(), self.platforms)

    def show_channels(self, names: list[str]) -> None:
        for name in names:
            self.console.print(render_channel(name, changes.channel_messages(self.standin, name), self.names))


def run_line(stage: Stage, line: str) -> bool:
    """Act on one input line; False means quit."""
    text = line.strip()
    if not text or text.startswith("#"):
        return True
    console = stage.console
    console.print(Text(f"› {text}", style="bold cyan"))  # as typed: brackets are not markup
    user = next(iter(stage.people.values()))
    found = re.match(r"^as\s+@?(\S+)\s+(.*)$", text)
    if found:
        person = stage.people.get(found.group(1).lower())
        if person is None:
            return _refuse(stage, text, f"Who is `{found.group(1)}`? Try {', '.join(stage.people)}.")
        user, text = person, found.group(2).strip()
    words = text.split() or [""]
    if words[0] in {"quit", "exit"}:
        return False
    if words[0] == "help":
        console.print(Text(HELP))
        return True
    if words[0] == "channels":
        stage.show_channels(stage.team_channels())
        return True
    if words[0] == "channel" and len(words) == 2:
        stage.show_channels([words[1].lstrip("#")])
        return True
    if words[0] == "time":
        console.print(Text(f"It is {clockwork.local_time(stage)} ({stage.runtime.config.timezone}).", "dim"))
        return True
    stage.stats.commands += 1
    try:
        if _run_clockwork(stage, words):
            return True
        if words == ["spike"]:
            crisis_steps.run_spike(stage)
            return True
        act = _action(stage, user, text, words)
    except DemoInputError as exc:
        return _refuse(stage, text, str(exc))
    _step(stage, user, text, act)
    return True


Act = Callable[[], httpx.Response | None]  # one step's request; None when it sent nothing itself


def _run_clockwork(stage: Stage, words: list[str]) -> bool:
    """Lines about simulated time and the scheduled jobs; False when the line is something else."""
    if words[0] == "wait":
        clockwork.wait(stage, words[1:])
    elif words[:2] == ["sla", "scan"] and len(words) == 2:
        clockwork.run_now(stage, clockwork.SLA_JOB)
    elif words == ["digest"]:
        clockwork.run_now(stage, clockwork.DIGEST_JOB)
    else:
        return False
    return True


def _action(stage: Stage, user: PretendUser, text: str, words: list[str]) -> Act:
    """What the line does, checked before anything is sent (a typo costs nothing)."""
    if crisis_steps.is_crisis_line(words):
        return crisis_steps.crisis_action(stage, user, text, words)
    channels = stage.team_channels()
    if words[0].startswith("/"):
        return lambda: user.command(text, channel=channels[0])
    channels = stage.card_channels()
    if words[0] == "click" and len(words) == 3:
        case_id = int(words[1].lstrip("#")) if words[1].lstrip("#").isdigit() else 0
        if case_id <= 0:
            raise DemoInputError(f"`{words[1]}` is not a case number: try `click 3 claim`.")
        return lambda: user.click(case_id, words[2], channels=channels)
    if words[0] == "form":
        return _form_action(stage, user, text)
    raise DemoInputError(f"`{text}` is not something the demo understands. Type `help`.")


def _form_action(stage: Stage, user: PretendUser, text: str) -> Act:
    rest = text[len("form") :].strip()
    word, _, value = rest.partition(" ")
    word = word.lower()
    forms = stage.forms
    if word in SHORTHANDS:
        word, value = SHORTHANDS[word]
    if not word:
        forms.require(user)
        return lambda: None  # nothing to send: _step draws the open form again
    if word in {"send", "submit"}:
        forms.require(user)
        return lambda: _submit(stage, user)
    if word in {"cancel", "close"}:
        return lambda: forms.close(user.user_id)
    form_names = {p.user_name: p.user_id for p in stage.people.values()}
    return lambda: forms.enter(user, word, value, form_names)


def _submit(stage: Stage, user: PretendUser) -> httpx.Response:
    response, errors = stage.forms.submit(user)
    if errors:
        note = f"Not accepted: the form stays open on {user.user_name}'s screen, the reason under the field."
        stage.console.print(Text(note, "yellow"))
    elif response.status_code == 200:
        stage.console.print(Text(f"Accepted: Slack closes {user.user_name}'s form.", "green"))
    return response


def _step(stage: Stage, user: PretendUser, text: str, act: Act) -> None:
    console, watched = stage.console, stage.watched()
    before = changes.take(stage.standin, watched, stage.platforms)
    form_before = stage.forms.current(user.user_id)
    try:
        response = act()
    except DemoInputError as exc:
        _refuse(stage, text, str(exc))
        return
    if response is not None and response.status_code != 200:
        stage.stats.command_errors.append(f"{text}: HTTP {response.status_code}")
        console.print(Text(f"Slack endpoint answered {response.status_code}: {response.text}", "red"))
    stage.runtime.wait_for_listeners()
    stage.runtime.run_until_idle(stage.clock)
    stage.forms.follow()
    changes.show_answers(console, before, stage.standin, stage.names)
    form = stage.forms.current(user.user_id)
    if form is not None and (form is not form_before or text.startswith("form")):
        console.print(render_form(form, owner=user.user_name, users=stage.names))
    # Looked up again: the step may have opened a channel (a crisis's war room), all of it new.
    changes.show_slack(console, before, stage.standin, stage.watched(), stage.names)
    changes.show_files(console, stage.standin, stage.saved_files, stage.files_dir)
    changes.show_customers(console, before, stage.platforms)


def _refuse(stage: Stage, text: str, reason: str) -> bool:
    stage.console.print(Text(reason, "yellow"))
    stage.stats.command_errors.append(f"{text}: {reason}")
    return True
