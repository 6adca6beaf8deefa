"""Signed Slack requests through the runtime's real HTTP app: slash commands and button clicks.

Each request goes to `POST /slack/events` on the served app, signed with the test signing secret, with a
`response_url` on the Slack stand-in, so a private answer ("ephemeral") lands in the stand-in and is
read back by its token. Listener work that runs after Slack's ack is waited for before returning.
"""

from __future__ import annotations

import itertools
import json
from collections.abc import Callable
from typing import Any

import httpx

from socialdesk.standin import SlackStandin
from socialdesk.testing.signing import (
    AGENT,
    SUPPORT_CHANNEL,
    block_action_body,
    slack_headers,
    slash_command_body,
)

FORM = "application/x-www-form-urlencoded"
_tokens = itertools.count(1)


class Answers(list[str]):
    """The texts answered to one command or click, oldest first; `private` is True when every one of
    them went to the caller alone (an ephemeral response), as socialdesk answers every command."""

    def __init__(self, texts: list[str], *, private: bool) -> None:
        super().__init__(texts)
        self.private = private


class SlackRequests:
    """`command("mastodon status")` as an agent types it; `click(action_id, value)` as a button press."""

    def __init__(self, url: Callable[[], str], slack: SlackStandin, wait: Callable[[], None]) -> None:
        self._url = url  # the served app's origin, started on first use
        self._slack = slack
        self._wait = wait  # waits for the listener threads (Runtime.wait_for_listeners)

    def post(self, body: str, *, content_type: str = FORM) -> httpx.Response:
        """POST a signed body to /slack/events and wait for the work it started."""
        response = httpx.post(
            f"{self._url()}/slack/events",
            content=body.encode(),
            headers=slack_headers(body, content_type=content_type),
            timeout=10,
        )
        self._wait()
        return response

    def command(
        self, text: str, *, user: str = AGENT, channel: str = SUPPORT_CHANNEL, slash: str = "/social"
    ) -> Answers:
        """Run `/social <text>` (or `slash`); the texts of the private answers it produced, in order."""
        token = f"cmd{next(_tokens)}"
        body = slash_command_body(
            slash,
            text,
            user_id=user,
            channel_id=channel,
            response_url=self._slack.response_url(token, channel=channel, user=user),
            trigger_id=self._slack.new_trigger_id(user),
        )
        response = self.post(body)
        assert response.status_code == 200, f"{slash} {text}: HTTP {response.status_code} {response.text}"
        return self.answers(token)

    def click(
        self,
        action_id: str,
        value: str,
        *,
        user: str = AGENT,
        channel: str = SUPPORT_CHANNEL,
        message_ts: str = "1.0",
    ) -> Answers:
        """Press a button (`action_id`, `value`) on the message at `message_ts`; the private answers."""
        token = f"act{next(_tokens)}"
        action: dict[str, Any] = {
            "type": "button",
            "action_id": action_id,
            "value": value,
            "block_id": "testing",
            "action_ts": "1.0",
        }
        body = block_action_body(
            action,
            user_id=user,
            channel_id=channel,
            message_ts=message_ts,
            response_url=self._slack.response_url(token, channel=channel, user=user, message_ts=message_ts),
            trigger_id=self._slack.new_trigger_id(user),
        )
        response = self.post(body)
        assert response.status_code == 200, f"click {action_id}: HTTP {response.status_code} {response.text}"
        return self.answers(token)

    def answers(self, token: str) -> Answers:
        """What was posted to the response_url of token: Slack's default response_type is ephemeral."""
        calls = [c for c in self._slack.calls_to("response_url") if c.path.endswith(f"/response/{token}")]
        private = all(c.args.get("response_type", "ephemeral") == "ephemeral" for c in calls)
        return Answers([str(c.args.get("text", "")) for c in calls], private=private)


def post_webhook(
    url: str, name: str, body: bytes | dict[str, Any] | list[Any], *, headers: dict[str, str] | None = None
) -> httpx.Response:
    """POST `body` (JSON-encoded when not bytes) to `/webhooks/<name>` with `headers` (a signature)."""
    content = body if isinstance(body, bytes) else json.dumps(body).encode()
    sent = {"Content-Type": "application/json", **(headers or {})}
    return httpx.post(f"{url}/webhooks/{name}", content=content, headers=sent, timeout=10)


def get_webhook(url: str, name: str, query: dict[str, str]) -> httpx.Response:
    """GET `/webhooks/<name>?...`: the platform's subscription check (challenge)."""
    return httpx.get(f"{url}/webhooks/{name}", params=query, timeout=10)
