"""`socialdesk socket` end to end: the real command in its own process, Slack's Web API as the stand-in
and Slack's Socket Mode websocket as `SocketModeStandin`, both on loopback (real sockets).

A mention comes in through the signed generic webhook (still HTTP in Socket Mode) and its card is
posted; then a `/social` command, a Claim click and an `app_home_opened` event arrive as Socket Mode
envelopes, and each must be acked over the websocket and worked like its HTTP twin.
"""

from __future__ import annotations

import itertools
import os
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from sqlmodel import Session, select
from typer.testing import CliRunner

from benchmarks.ingest import free_port, wait_healthy
from socialdesk.cli import cli
from socialdesk.domain.models import Case
from socialdesk.slack.ids import ActionId
from socialdesk.standin import SlackStandin, StoredMessage
from socialdesk.standin.socket_mode import SocketModeStandin
from socialdesk.standin.workspace import APP_ID, TEAM_ID
from socialdesk.store.db import make_engine
from tests import support
from tests.integration.helpers import generic_mention, post_generic
from tests.integration.serve_harness import SERVE, until, write_config

MARIA = "U0AGENT01"
SUPPORT = "C0SUPPORT1"
ACK_DEADLINE = 3.0  # Slack's own limit for acking an envelope
SETTLE = 15.0
_tokens = itertools.count(1)


@dataclass
class SocketDeployment:
    folder: Path
    slack: SlackStandin
    sockets: SocketModeStandin
    port: int
    process: subprocess.Popen[bytes]

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def answers(self, token: str) -> list[dict[str, Any]]:
        """What the app posted to the response_url issued under `token`."""
        return [c.args for c in self.slack.calls_to("response_url") if c.path.endswith(f"/response/{token}")]


def socket_env(folder: Path, slack: SlackStandin, *, app_token: str | None) -> dict[str, str]:
    env = {
        **os.environ,
        "DATABASE_URL": f"sqlite:///{folder / 'socialdesk.db'}",
        "SOCIALDESK_CONFIG": str(write_config(folder)),
        "SLACK_BOT_TOKEN": support.BOT_TOKEN,
        "SLACK_SIGNING_SECRET": support.SIGNING_SECRET,
        "SLACK_API_URL": slack.url,
        "WEBHOOK_SECRET": support.WEBHOOK_SECRET,
        "SLACK_CHANNEL_INTERVAL": "0",
        "SOCIALDESK_LOG_LEVEL": "WARNING",
    }
    for name in ("SLACK_APP_TOKEN", "SOCIALDESK_FAILPOINT", "SOCIALDESK_TEST_DATABASE_URL"):
        env.pop(name, None)
    if app_token is not None:
        env["SLACK_APP_TOKEN"] = app_token
    return env


def run_socket(
    folder: Path, slack: SlackStandin, *, app_token: str | None
) -> subprocess.CompletedProcess[str]:
    """`socialdesk socket` expected to give up by itself; the timeout turns a hang into a failure."""
    return subprocess.run(
        [sys.executable, "-c", SERVE, "socket", "--host", "127.0.0.1", "--port", str(free_port())],
        env=socket_env(folder, slack, app_token=app_token),
        cwd=folder,
        capture_output=True,
        text=True,
        timeout=60,
    )


@pytest.fixture
def slack() -> Iterator[SlackStandin]:
    with SlackStandin(token=support.BOT_TOKEN) as server:
        yield server


@pytest.fixture
def deployment(tmp_path: Path, slack: SlackStandin) -> Iterator[SocketDeployment]:
    with SocketModeStandin(slack) as sockets:
        port = free_port()
        process = subprocess.Popen(
            [sys.executable, "-c", SERVE, "socket", "--host", "127.0.0.1", "--port", str(port)],
            env=socket_env(tmp_path, slack, app_token=slack.app_token),
            cwd=tmp_path,
        )
        try:
            wait_healthy(port, process)
            yield SocketDeployment(tmp_path, slack, sockets, port, process)
        finally:
            if process.poll() is None:
                process.terminate()
                try:
                    process.wait(20)
                except subprocess.TimeoutExpired:
                    process.kill()
                    process.wait()


def _card(slack: SlackStandin) -> StoredMessage | None:
    return next((m for m in slack.messages("social-support") if m.blocks), None)


def _claim_button(card: StoredMessage) -> tuple[str, dict[str, Any]]:
    for block in card.blocks or []:
        for element in block.get("elements", []) if block["type"] == "actions" else []:
            if element.get("action_id") == ActionId.CLAIM.value:
                return block["block_id"], element
    raise AssertionError("the card has no Claim button")


def _slash_command(deployment: SocketDeployment, text: str, token: str) -> dict[str, Any]:
    """The fields of a slash command as Slack puts them in a `slash_commands` envelope's payload."""
    slack = deployment.slack
    return {
        "token": "legacy-verification-token",
        "team_id": TEAM_ID,
        "team_domain": "socialdesk-standin",
        "channel_id": SUPPORT,
        "channel_name": "social-support",
        "user_id": MARIA,
        "user_name": "maria",
        "command": "/social",
        "text": text,
        "api_app_id": APP_ID,
        "is_enterprise_install": "false",
        "response_url": slack.response_url(token, channel=SUPPORT, user=MARIA),
        "trigger_id": slack.new_trigger_id(MARIA),
    }


def _click(deployment: SocketDeployment, card: StoredMessage, token: str) -> dict[str, Any]:
    """A block_actions payload: Maria clicks the card's own Claim button."""
    slack = deployment.slack
    block_id, button = _claim_button(card)
    return {
        "type": "block_actions",
        "user": {"id": MARIA, "username": "maria", "name": "maria", "team_id": TEAM_ID},
        "api_app_id": APP_ID,
        "token": "legacy-verification-token",
        "container": {"type": "message", "message_ts": card.ts, "channel_id": SUPPORT, "is_ephemeral": False},
        "trigger_id": slack.new_trigger_id(MARIA),
        "team": {"id": TEAM_ID, "domain": "socialdesk-standin"},
        "enterprise": None,
        "is_enterprise_install": False,
        "channel": {"id": SUPPORT, "name": "social-support"},
        "message": {"type": "message", "ts": card.ts, "text": card.text, "blocks": card.blocks},
        "state": {"values": {}},
        "response_url": slack.response_url(token, channel=SUPPORT, user=MARIA, message_ts=card.ts),
        "actions": [
            {
                **button,
                "block_id": block_id,
                "action_ts": f"{time.time():.6f}",
            }
        ],
    }


def _home_opened() -> dict[str, Any]:
    return {
        "token": "legacy-verification-token",
        "team_id": TEAM_ID,
        "api_app_id": APP_ID,
        "event": {"type": "app_home_opened", "user": MARIA, "channel": "D0SDMARIA1", "tab": "home"},
        "type": "event_callback",
        "event_id": "Ev0SOCKET01",
        "event_time": int(time.time()),
        "authorizations": [{"team_id": TEAM_ID, "user_id": "U0SDBOT001", "is_bot": True}],
        "is_ext_shared_channel": False,
    }


def test_commands_clicks_and_events_arrive_over_socket_mode(deployment: SocketDeployment) -> None:
    slack, sockets = deployment.slack, deployment.sockets
    sockets.wait_connected()
    assert [c.headers.get("authorization") for c in slack.calls_to("apps.connections.open")] == [
        f"Bearer {slack.app_token}"
    ]

    # Webhooks stay on HTTP in Socket Mode: a mention in, a card out.
    mention = generic_mention(
        "sock-1", "My order never arrived, can someone help?", created_at=datetime.now(UTC)
    )
    assert post_generic(deployment.base, mention).status_code == 200
    until(lambda: _card(slack) is not None, "the case card in #social-support", SETTLE)
    card = _card(slack)
    assert card is not None

    # /social queue: acked at once, with no payload (the answer goes to the response_url, privately).
    token = f"sock{next(_tokens)}"
    ack = sockets.wait_for_ack(sockets.slash_command(_slash_command(deployment, "queue", token)))
    assert ack.payload is None and ack.seconds < ACK_DEADLINE
    until(lambda: bool(deployment.answers(token)), "the private answer to /social queue", SETTLE)
    [answer] = deployment.answers(token)
    assert answer["response_type"] == "ephemeral"
    assert "*#1*" in answer["text"] and "@casey" in answer["text"] and "unclaimed" in answer["text"]

    # Claim on the card: acked, the case is Maria's in the database, and the card is updated in place.
    token = f"sock{next(_tokens)}"
    ack = sockets.wait_for_ack(sockets.interactive(_click(deployment, card, token)))
    assert ack.seconds < ACK_DEADLINE
    engine = make_engine(f"sqlite:///{deployment.folder / 'socialdesk.db'}")
    try:

        def claimed() -> Case | None:
            with Session(engine) as session:
                case = session.exec(select(Case)).one()
                return case if case.assignee == MARIA and case.claimed_at is not None else None

        until(lambda: claimed() is not None, "the case claimed by Maria", SETTLE)
    finally:
        engine.dispose()
    until(
        lambda: any(c.args.get("ts") == card.ts for c in slack.calls_to("chat.update")),
        "chat.update of the card",
        SETTLE,
    )
    updated = next(m for m in slack.messages("social-support") if m.ts == card.ts)
    assert updated.edited_ts is not None and f"<@{MARIA}>" in str(updated.blocks)

    # An Events API envelope: acked, and the Home tab published.
    ack = sockets.wait_for_ack(sockets.events_api(_home_opened()))
    assert ack.payload is None and ack.seconds < ACK_DEADLINE
    until(lambda: slack.home_view(MARIA) is not None, "the Home tab published for Maria", SETTLE)

    assert sockets.connects == 1 and sockets.refused == 0

    # SIGTERM: a clean stop (exit 0, not death by the signal uvicorn raises again) closes the websocket.
    deployment.process.terminate()
    assert deployment.process.wait(20) == 0
    until(lambda: sockets.connected == 0, "the websocket closed", SETTLE)


def test_without_an_app_token_socket_exits_2_and_says_why(
    tmp_path: Path, slack: SlackStandin, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)  # no stray .env
    env: dict[str, str | None] = {**socket_env(tmp_path, slack, app_token=None), "SLACK_APP_TOKEN": None}
    result = CliRunner().invoke(cli, ["socket", "--host", "127.0.0.1", "--port", "0"], env=env)
    assert result.exit_code == 2, result.output
    assert "SLACK_APP_TOKEN: is not set" in result.output and "xapp-" in result.output
    assert slack.calls_to("apps.connections.open") == []


def test_a_bot_token_as_app_token_is_refused_and_the_process_ends(
    tmp_path: Path, slack: SlackStandin
) -> None:
    done = run_socket(tmp_path, slack, app_token=support.BOT_TOKEN)
    assert done.returncode == 2, done.stderr
    stderr = " ".join(done.stderr.split())  # rich wraps long lines
    assert "not_allowed_token_type" in stderr and "xapp-" in stderr, done.stderr
    assert "Traceback" not in done.stderr
    [call] = slack.calls_to("apps.connections.open")
    assert call.response == {"ok": False, "error": "not_allowed_token_type"}
