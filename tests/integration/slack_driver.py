"""Drives socialdesk as Slack would: signed slash commands, button clicks, overflow choices, modal
submissions and Events API messages, all through POST /slack/events, against the Slack stand-in."""

from __future__ import annotations

import itertools
import json
import time
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

import httpx

from socialdesk.slack.ids import (
    ActionId,
    OverflowOption,
    encode_case_value,
    encode_overflow_value,
    encode_triage_value,
)
from socialdesk.standin import SlackStandin
from socialdesk.standin.models import StoredView
from tests import support

_counter = itertools.count(1)
NAMES = {"U0AGENT01": "maria", "U0AGENT02": "sam", "U0MANAGER1": "priya"}


@dataclass
class SlackDriver:
    server: str
    standin: SlackStandin
    runtime: Any

    # --- sending ---------------------------------------------------------------------------------

    def _post(self, body: str, content_type: str = "application/x-www-form-urlencoded") -> httpx.Response:
        response = httpx.post(
            f"{self.server}/slack/events",
            content=body.encode(),
            headers=support.slack_headers(body, content_type=content_type),
            timeout=10,
        )
        self.runtime.wait_for_listeners()
        return response

    def command(
        self,
        text: str,
        *,
        user: str = "U0AGENT01",
        channel: str = "C0SUPPORT1",
        slash: str = "/social",
        channel_name: str = "social-support",
    ) -> list[str]:
        """Runs `/social <text>` (or `slash`); returns the texts of the private answers it produced."""
        token = f"cmd{next(_counter)}"
        body = urlencode(
            {
                "token": "legacy",
                "team_id": "T0STANDIN1",
                "team_domain": "standin",
                "channel_id": channel,
                "channel_name": channel_name,
                "user_id": user,
                "user_name": NAMES.get(user, user.lower()),
                "command": slash,
                "text": text,
                "api_app_id": "A0SDAPP001",
                "response_url": self.standin.response_url(token, channel=channel, user=user),
                "trigger_id": self.standin.new_trigger_id(user),
            }
        )
        response = self._post(body)
        assert response.status_code == 200, response.text
        return self.answers(token)

    def answers(self, token: str) -> list[str]:
        return [
            str(c.args.get("text", ""))
            for c in self.standin.calls_to("response_url")
            if c.path.endswith(f"/response/{token}")
        ]

    def _action_body(self, action: dict[str, Any], user: str, token: str, channel: str) -> str:
        payload = {
            "type": "block_actions",
            "team": {"id": "T0STANDIN1", "domain": "standin"},
            "user": {"id": user, "username": NAMES.get(user, user), "name": NAMES.get(user, user)},
            "api_app_id": "A0SDAPP001",
            "token": "legacy",
            "container": {"type": "message", "message_ts": "1.0", "channel_id": channel},
            "trigger_id": self.standin.new_trigger_id(user),
            "channel": {"id": channel, "name": "social-support"},
            "message": {"ts": "1.0", "type": "message", "text": "card"},
            "response_url": self.standin.response_url(token, channel=channel, user=user),
            "actions": [{**action, "block_id": "case:1:actions", "action_ts": f"{time.time():.6f}"}],
        }
        return urlencode({"payload": json.dumps(payload)})

    def click(
        self, case_id: int, action: ActionId, *, user: str = "U0AGENT01", channel: str = "C0SUPPORT1"
    ) -> list[str]:
        token = f"act{next(_counter)}"
        element = {"type": "button", "action_id": action.value, "value": encode_case_value(case_id)}
        assert self._post(self._action_body(element, user, token, channel)).status_code == 200
        return self.answers(token)

    def press(
        self, action_id: str, value: str, *, user: str = "U0AGENT01", channel: str = "C0SUPPORT1"
    ) -> list[str]:
        """Any button by its action id and value (crisis messages, early warnings)."""
        token = f"btn{next(_counter)}"
        element = {"type": "button", "action_id": action_id, "value": value}
        assert self._post(self._action_body(element, user, token, channel)).status_code == 200
        return self.answers(token)

    def choose(
        self, case_id: int, option: OverflowOption, *, user: str = "U0AGENT01", channel: str = "C0SUPPORT1"
    ) -> list[str]:
        token = f"ovf{next(_counter)}"
        value = encode_overflow_value(case_id, option)
        element = {
            "type": "overflow",
            "action_id": ActionId.OVERFLOW.value,
            "selected_option": {"text": {"type": "plain_text", "text": option.value}, "value": value},
        }
        assert self._post(self._action_body(element, user, token, channel)).status_code == 200
        return self.answers(token)

    def pick(
        self, case_id: int, word: str, *, user: str = "U0AGENT01", channel: str = "C0SUPPORT1"
    ) -> list[str]:
        """A choice in the card's "Correct triage" menu (a static select): `P1`, `incident`, `edit`..."""
        token = f"sel{next(_counter)}"
        element = {
            "type": "static_select",
            "action_id": ActionId.TRIAGE.value,
            "selected_option": {
                "text": {"type": "plain_text", "text": word},
                "value": encode_triage_value(case_id, word),
            },
        }
        assert self._post(self._action_body(element, user, token, channel)).status_code == 200
        return self.answers(token)

    def submit(
        self, view: StoredView, values: dict[str, dict[str, Any]], *, user: str = "U0AGENT01"
    ) -> httpx.Response:
        """Submits a modal the bot opened; `values` maps block_id to the element state Slack would send."""
        state = {block_id: {block_id.split("~")[0]: element} for block_id, element in values.items()}
        payload = {
            "type": "view_submission",
            "team": {"id": "T0STANDIN1", "domain": "standin"},
            "user": {"id": user, "username": NAMES.get(user, user), "name": NAMES.get(user, user)},
            "api_app_id": "A0SDAPP001",
            "token": "legacy",
            "trigger_id": self.standin.new_trigger_id(user),
            "view": {**view.payload, "id": view.id, "hash": view.hash, "state": {"values": state}},
        }
        return self._post(urlencode({"payload": json.dumps(payload)}))

    def modal_action(
        self,
        view: StoredView,
        action: dict[str, Any],
        values: dict[str, dict[str, Any]],
        *,
        user: str = "U0AGENT01",
    ) -> None:
        """An interactive element inside an open modal (dispatch_action inputs, selects)."""
        state = {block_id: {block_id.split("~")[0]: element} for block_id, element in values.items()}
        payload = {
            "type": "block_actions",
            "team": {"id": "T0STANDIN1", "domain": "standin"},
            "user": {"id": user, "username": NAMES.get(user, user), "name": NAMES.get(user, user)},
            "api_app_id": "A0SDAPP001",
            "token": "legacy",
            "container": {"type": "view", "view_id": view.id},
            "trigger_id": self.standin.new_trigger_id(user),
            "view": {**view.payload, "id": view.id, "hash": view.hash, "state": {"values": state}},
            "actions": [{**action, "action_ts": f"{time.time():.6f}"}],
        }
        assert self._post(urlencode({"payload": json.dumps(payload)})).status_code == 200

    def view(self, view_id: str) -> StoredView:
        return next(v for v in self.standin.views() if v.id == view_id)

    def _event(self, event: dict[str, Any]) -> None:
        """One Events API delivery, in the envelope Slack wraps every event in."""
        envelope = {
            "token": "legacy",
            "team_id": "T0STANDIN1",
            "api_app_id": "A0SDAPP001",
            "type": "event_callback",
            "event_id": f"Ev{next(_counter):08d}",
            "event_time": int(time.time()),
            "event": event,
        }
        response = self._post(json.dumps(envelope), content_type="application/json")
        assert response.status_code == 200, response.text

    def thread_message(self, channel: str, thread_ts: str, text: str, *, user: str = "U0AGENT01") -> None:
        self._event(
            {
                "type": "message",
                "channel": channel,
                "user": user,
                "text": text,
                "ts": f"{time.time():.6f}",
                "thread_ts": thread_ts,
                "channel_type": "channel",
            }
        )

    def open_home(self, *, user: str = "U0AGENT01", tab: str = "home") -> None:
        """What Slack sends when a user opens the app's Home (or Messages) tab."""
        self._event(
            {
                "type": "app_home_opened",
                "user": user,
                "channel": "D0HOME0001",
                "tab": tab,
                "event_ts": f"{time.time():.6f}",
            }
        )

    # --- reading -------------------------------------------------------------------------------

    def last_view(self, callback_id: str) -> StoredView:
        views = [v for v in self.standin.views() if v.payload.get("callback_id") == callback_id]
        assert views, f"no modal {callback_id} was opened"
        return views[-1]


def selected(value: str) -> dict[str, Any]:
    return {
        "type": "static_select",
        "selected_option": {"value": value, "text": {"type": "plain_text", "text": value}},
    }


def typed(value: str) -> dict[str, Any]:
    return {"type": "plain_text_input", "value": value}


def picked_user(user: str) -> dict[str, Any]:
    return {"type": "users_select", "selected_user": user}
