"""The demo's pretend Slack users: they type slash commands, click card buttons and work modals by
sending the same signed requests Slack would send to POST /slack/events."""

from __future__ import annotations

import hashlib
import hmac
import json
import re
import time
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode

import httpx

from socialdesk.slack.ids import (
    ActionId,
    AlertActionId,
    OverflowOption,
    decode_case_value,
    decode_overflow_value,
)
from socialdesk.standin import SlackStandin, StoredMessage
from socialdesk.standin.models import StoredView
from socialdesk.standin.workspace import TEAM_ID

BUTTON_VERBS = {"claim", "reply", "escalate", "resolve", "unclaim", "reopen"}
# Buttons on SLA alerts rather than cards ("Snooze 1 h" on a grouped breach alert), by their verb.
ALERT_VERBS = {a.value.rpartition(".")[2]: a.value for a in AlertActionId}
OVERFLOW_VERBS = {o.value for o in OverflowOption}


class DemoInputError(ValueError):
    """A line the demo cannot act on; the message tells the user what to type instead."""


@dataclass
class PretendUser:
    base_url: str
    signing_secret: str
    standin: SlackStandin
    user_id: str
    user_name: str
    directory: dict[str, str] = field(default_factory=dict)  # everyone's name -> Slack user id
    _seq: int = 0

    def _post(self, body: str, content_type: str) -> httpx.Response:
        ts = str(int(time.time()))  # Bolt checks signatures against the real clock
        sig = (
            "v0="
            + hmac.new(self.signing_secret.encode(), f"v0:{ts}:{body}".encode(), hashlib.sha256).hexdigest()
        )
        headers = {"Content-Type": content_type, "X-Slack-Request-Timestamp": ts, "X-Slack-Signature": sig}
        return httpx.post(f"{self.base_url}/slack/events", content=body.encode(), headers=headers, timeout=10)

    def _response_url(self, channel: str, message_ts: str | None = None) -> str:
        self._seq += 1
        return self.standin.response_url(
            f"demo-{self._seq}", channel=channel, user=self.user_id, message_ts=message_ts
        )

    def command(self, line: str, *, channel: str) -> httpx.Response:
        command, _, text = line.strip().partition(" ")
        text = escape_mentions(text, self.directory)
        channel_id = self.standin.channel_id(channel)
        body = urlencode(
            {
                "token": "demo",
                "team_id": TEAM_ID,
                "team_domain": "demo",
                "channel_id": channel_id,
                "channel_name": channel,
                "user_id": self.user_id,
                "user_name": self.user_name,
                "command": command,
                "text": text,
                "api_app_id": "A0SOCIALDESK",
                "response_url": self._response_url(channel),
                "trigger_id": self.standin.new_trigger_id(self.user_id),
            }
        )
        return self._post(body, "application/x-www-form-urlencoded")

    def _interaction(self, kind: str, **fields: Any) -> httpx.Response:
        payload: dict[str, Any] = {
            "type": kind,
            "team": {"id": TEAM_ID, "domain": "demo"},
            "user": {"id": self.user_id, "username": self.user_name, "name": self.user_name},
            "api_app_id": "A0SOCIALDESK",
            "token": "demo",
            "trigger_id": self.standin.new_trigger_id(self.user_id),
            **fields,
        }
        return self._post(urlencode({"payload": json.dumps(payload)}), "application/x-www-form-urlencoded")

    def click(self, case_id: int, verb: str, *, channels: list[str]) -> httpx.Response:
        channel, message, action = self._find_action(case_id, verb, channels)
        return self.press(channel, message, action)

    def press(self, channel: str, message: StoredMessage, action: dict[str, Any]) -> httpx.Response:
        """A button (or menu choice) on `message` in `channel`, as Slack sends it: the message as shown,
        the element's action_id and value, a response_url for the answer."""
        return self._interaction(
            "block_actions",
            container={"type": "message", "message_ts": message.ts, "channel_id": message.channel},
            channel={"id": message.channel, "name": channel},
            message={"ts": message.ts, "text": message.text, "blocks": message.blocks},
            response_url=self._response_url(channel, message.ts),
            actions=[action],
        )

    def view_action(self, view: StoredView, state: dict[str, Any], action: dict[str, Any]) -> httpx.Response:
        """An element inside an open modal that dispatches (a select, a radio, typing with dispatch_action):
        Slack sends the modal with what every input holds now, and no response_url."""
        return self._interaction(
            "block_actions",
            container={"type": "view", "view_id": view.id},
            view=_view_with_state(view, state),
            actions=[{**action, "action_ts": str(time.time())}],
        )

    def submit(self, view: StoredView, state: dict[str, Any]) -> httpx.Response:
        """The modal's submit button; the answer may be `response_action: errors` (the form stays open)."""
        return self._interaction("view_submission", view=_view_with_state(view, state))

    def _find_action(
        self, case_id: int, verb: str, channels: list[str]
    ) -> tuple[str, StoredMessage, dict[str, Any]]:
        verbs = BUTTON_VERBS | OVERFLOW_VERBS | ALERT_VERBS.keys()
        if verb not in verbs:
            raise DemoInputError(f"unknown button `{verb}`; try one of {', '.join(sorted(verbs))}")
        for channel in channels:
            for message in self.standin.messages(channel):
                for block in message.blocks or []:
                    # Card buttons sit in actions blocks; an alert's per-case button is a section's accessory.
                    elements = block.get("elements", []) if block.get("type") == "actions" else []
                    if block.get("type") == "section" and isinstance(block.get("accessory"), dict):
                        elements = [block["accessory"]]
                    for element in elements:
                        action = _match(element, case_id, verb)
                        if action is not None:
                            return channel, message, {**action, "block_id": block.get("block_id", "")}
        raise DemoInputError(f"no card or alert for case #{case_id} has a `{verb}` button right now")


def escape_mentions(text: str, directory: dict[str, str]) -> str:
    """`@sam` as Slack sends it for a command with `should_escape` (our manifest's setting): `<@U…|sam>`."""

    def escaped(found: re.Match[str]) -> str:
        user_id = directory.get(found.group(1).lower())
        return f"<@{user_id}|{found.group(1)}>" if user_id else found.group(0)

    return re.sub(r"(?<![\w<])@(\w+)", escaped, text)


def _view_with_state(view: StoredView, state: dict[str, Any]) -> dict[str, Any]:
    return {**view.payload, "id": view.id, "hash": view.hash, "state": state}


def _match(element: dict[str, Any], case_id: int, verb: str) -> dict[str, Any] | None:
    action_id = element.get("action_id", "")
    if element.get("type") == "button" and action_id in {f"case.{verb}", ALERT_VERBS.get(verb)}:
        try:
            if decode_case_value(element.get("value", "")) == case_id:
                return {
                    "type": "button",
                    "action_id": action_id,
                    "value": element["value"],
                    "text": element.get("text"),
                    "action_ts": str(time.time()),
                }
        except ValueError:
            return None
    if element.get("type") == "overflow" and action_id == ActionId.OVERFLOW.value and verb in OVERFLOW_VERBS:
        for option in element.get("options", []):
            try:
                option_case, op = decode_overflow_value(option.get("value", ""))
            except ValueError:
                continue
            if option_case == case_id and op.value == verb:
                return {
                    "type": "overflow",
                    "action_id": action_id,
                    "selected_option": option,
                    "action_ts": str(time.time()),
                }
    return None
