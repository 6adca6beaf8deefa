"""The crisis act's lines at the demo's prompt:

    /crisis status                     the real slash command, typed in the newest war room (or, before
                                       any crisis, in the duty channel)
    click warning start|dismiss        a button on the newest early warning in the duty channel
    click statement approve|reject|publish|edit    a button on the newest statement in the war room
    click crisis update|redraft|end|review         a button on the crisis card in the war room
    click review lessons               the review's "lessons learned" button
    spike                              forty complaints about a login outage in five simulated minutes
    customer x|facebook <words>        one more customer post, through the platform's webhook

A button is pressed as Slack shows it: its action_id and value are read from the message stored in the
Slack stand-in, so the demo presses exactly what a person would see, and only while it is there.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import TYPE_CHECKING

import httpx
from rich.rule import Rule
from rich.text import Text
from sqlmodel import Session, col, select

from socialdesk.demo import changes, crisis_buttons
from socialdesk.demo.crisis_buttons import KINDS, buttons, verb_of
from socialdesk.demo.delivery import deliver, send_items
from socialdesk.demo.pretend_user import DemoInputError, PretendUser
from socialdesk.demo.spike import SPIKE_SPAN, build_spike, customer_post
from socialdesk.domain.crisis_models import Crisis
from socialdesk.standin import StoredMessage

if TYPE_CHECKING:  # steps imports this module; the Stage is only a type here
    from socialdesk.demo.steps import Stage

Act = Callable[[], httpx.Response | None]

CUSTOMER_PLATFORMS = ("x", "facebook")
# What each kind of crisis message offers, for the help and the error of a typo; what is pressed is
# what the message shows at the time (buttons come and go: Publish only once approved).
VERBS = {
    "warning": "start|dismiss",
    "statement": "approve|reject|publish|edit",
    "crisis": "update|redraft|end|review",
    "review": "lessons",
}


def is_crisis_line(words: list[str]) -> bool:
    first = words[0].lower()
    return (
        first == "/crisis"
        or first in {"spike", "customer"}
        or (first == "click" and len(words) > 1 and words[1].lower() in KINDS)
    )


def war_rooms(stage: Stage) -> list[str]:
    """Every crisis's war room, oldest first: channels the app created during the run."""
    with Session(stage.runtime.engine) as session:
        return list(session.exec(select(Crisis.war_room).order_by(col(Crisis.id))).all())


def crisis_action(stage: Stage, user: PretendUser, text: str, words: list[str]) -> Act:
    """What a crisis line does (`spike` aside: it is a step of its own), checked before it is sent."""
    first = words[0].lower()
    if first == "/crisis":
        rooms = war_rooms(stage)
        channel = rooms[-1] if rooms else stage.runtime.config.duty_channel.lstrip("#")
        return lambda: user.command(text, channel=channel)
    if first == "customer":
        return _customer(stage, words)
    if first == "spike":
        raise DemoInputError("`spike` takes nothing after it: the burst is always the same.")
    return _click(stage, user, words)


def _click(stage: Stage, user: PretendUser, words: list[str]) -> Act:
    kind = words[1].lower()
    if len(words) != 3:
        raise DemoInputError(f"Try `click {kind} {VERBS[kind]}` ({KINDS[kind]}).")
    verb = words[2].lower()
    channel, message = _message_for(stage, kind)
    offered = {verb_of(str(b.get("action_id"))): (bid, b) for bid, b in buttons(message.blocks)}
    if verb not in offered:
        choice = "|".join(v for v in offered if v) or "nothing: it has no buttons left"
        raise DemoInputError(
            f"The {kind} in #{channel} has no `{verb}` button right now. It offers: {choice}."
        )
    block_id, element = offered[verb]
    action = {
        "type": "button",
        "block_id": block_id,
        "action_id": element["action_id"],
        "value": element.get("value", ""),
        "text": element.get("text"),
        "action_ts": str(time.time()),  # Slack always sends one; Bolt does not read it
    }
    return lambda: user.press(channel, message, action)


def _message_for(stage: Stage, kind: str) -> tuple[str, StoredMessage]:
    """The message `click <kind> …` means: where it is and as it stands in the Slack stand-in."""
    if kind == "warning":
        duty = stage.runtime.config.duty_channel.lstrip("#")
        found = [m for m in _messages(stage, duty) if "warning" in crisis_buttons.kinds(m.blocks)]
        if not found:
            raise DemoInputError(f"No early warning in #{duty} yet: `spike`, then `wait 1m` for the job.")
        return duty, found[-1]
    rooms = war_rooms(stage)
    if not rooms:
        raise DemoInputError("No crisis has started, so there is no war room yet: `click warning start`.")
    room = rooms[-1]
    found = [m for m in _messages(stage, room) if kind in crisis_buttons.kinds(m.blocks)]
    if not found:
        raise DemoInputError(f"There is no {kind} in #{room} yet.")
    if kind == "statement":  # the newest by number: an older one may have been redrawn later
        return room, max(found, key=lambda m: crisis_buttons.statement_id(m.blocks) or 0)
    return room, found[-1]


def _messages(stage: Stage, channel: str) -> list[StoredMessage]:
    try:
        return stage.standin.messages(channel)
    except Exception:  # the channel does not exist yet: nothing was posted there
        return []


def _customer(stage: Stage, words: list[str]) -> Act:
    if len(words) < 3 or words[1].lower() not in CUSTOMER_PLATFORMS:
        raise DemoInputError("Try `customer x <what they post>` or `customer facebook <what they post>`.")
    platform, text = words[1].lower(), " ".join(words[2:])
    stage.customers += 1
    item = customer_post(platform, text, stage.clock.now(), stage.customers)

    def post() -> httpx.Response:
        stage.platforms.register(item)
        stage.stats.webhooks_sent += 1
        response = deliver(stage.base_url, item)
        if response.status_code != 200:
            stage.stats.webhooks_failed.append(f"{item.label}: {response.status_code} {response.text}")
        return response

    return post


def run_spike(stage: Stage) -> None:
    """`spike`: the burst, sent over five simulated minutes. The cards it makes are counted, not drawn
    (forty would fill the screen); the early warning comes from the scheduler's job at the next `wait`."""
    console = stage.console
    console.print(
        Rule("[bold]A spike: complaints about login failures, sent as signed webhooks[/bold]", align="left")
    )
    before = stage.snapshot()
    accepted = send_items(stage, build_spike(stage.clock.now()), stage.clock.now())
    new_cards = {
        name: len(changes.channel_messages(stage.standin, name)) - len(before.messages.get(name, {}))
        for name in stage.team_channels()
    }
    where = ", ".join(f"{n} in #{name}" for name, n in new_cards.items() if n > 0) or "none"
    console.print(
        Text(
            f"{accepted} posts in {int(SPIKE_SPAN.total_seconds() // 60)} simulated minutes; new case cards: "
            f"{where} (`channel <name>` shows them). Nobody has looked yet: the early-warning job runs "
            "every minute, so `wait 1m` lets it see the spike.",
            style="dim",
        )
    )
