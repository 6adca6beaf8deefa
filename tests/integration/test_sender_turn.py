"""One sender per database while a `serve` runs (socialdesk.sender_turn): a command that sends from its own
process (`socialdesk digest send`, `socialdesk sla scan --send`) leaves its rows to the running serve
instead of draining the outbox beside it; on SQLite, where no row lock guards a send, it used to read
serve's in-flight marker as a crash and post serve's card a second time. SQLite by default, PostgreSQL
with SOCIALDESK_TEST_DATABASE_URL."""

from __future__ import annotations

import json
import secrets
from collections import Counter
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from typing import Any

import pytest
from click.testing import Result
from slack_sdk import WebClient
from sqlalchemy import Engine
from sqlmodel import Session, select
from typer.testing import CliRunner

from socialdesk.app import Runtime
from socialdesk.app_outbox import build_outbox
from socialdesk.cli import cli
from socialdesk.clock import ManualClock
from socialdesk.domain.enums import OutboxStatus
from socialdesk.domain.models import OutboxMessage
from socialdesk.leader import LeaderElector, leader_running
from socialdesk.metrics import Metrics
from socialdesk.outbox.queue import enqueue
from socialdesk.outbox.renderers import RenderTable
from socialdesk.outbox.sender import OutboxSender
from socialdesk.plugin_host.registry import EMPTY
from socialdesk.sender_turn import SenderLock, command_may_send, lock_path
from socialdesk.services import start_background, stop_background
from socialdesk.slack.transport.channels import ChannelDirectory
from socialdesk.slack.transport.outbox_api import SlackCalls
from socialdesk.standin import SlackStandin
from socialdesk.store.db import is_sqlite, session_scope
from tests import support
from tests.integration.digest_seed import seed_tuesday

CHANNEL = "C0SUPPORT1"  # an id: no channel lookups


class CommandDuringCall:
    """Serve's ChatApi, which runs the command while its own first post is in flight (after the row was
    marked and claimed, before Slack has it): the moment a second sender would meet that row."""

    def __init__(self, inner: SlackCalls, command: Callable[[], Result]) -> None:
        self._inner, self._command = inner, command
        self.results: list[Result] = []

    def call(self, method: str, args: dict[str, Any]) -> dict[str, Any]:
        if not self.results:
            self.results.append(self._command())
        return self._inner.call(method, args)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._inner, name)


@pytest.fixture
def cli_env(database_url: str, standin: SlackStandin, monkeypatch: pytest.MonkeyPatch) -> None:
    for name, value in {
        "DATABASE_URL": database_url,
        "SLACK_BOT_TOKEN": support.BOT_TOKEN,
        "SLACK_SIGNING_SECRET": support.SIGNING_SECRET,
        "SLACK_API_URL": standin.url,
        "SLACK_CHANNEL_INTERVAL": "0",
    }.items():
        monkeypatch.setenv(name, value)


@pytest.fixture
def serve_sends(database_url: str) -> Iterator[None]:
    """What a running `serve` holds while it sends: the sender's lock (SQLite), the leader's (PostgreSQL)."""
    lock, elector = SenderLock(database_url), LeaderElector(database_url)
    assert lock.hold()
    assert elector.step()
    yield
    elector.stop()
    lock.release()


def _serve_outbox(engine: Engine, standin: SlackStandin, clock: ManualClock, api: Any = None) -> OutboxSender:
    client = WebClient(token=support.BOT_TOKEN, base_url=standin.url, timeout=10, retry_handlers=[])
    channels = ChannelDirectory(client=client, engine=engine)
    if api is None:
        return build_outbox(
            engine=engine,
            client=client,
            channels=channels,
            plugins=EMPTY,
            clock=clock,
            metrics=Metrics(),
            per_channel_interval=0,
        )
    return OutboxSender(
        engine=engine,
        api=api,
        renderers=RenderTable(),
        clock=clock,
        metrics=Metrics(),
        per_channel_interval=0,
    )


def _posts_by_outbox_id(standin: SlackStandin) -> Counter[int]:
    return Counter(
        int(call.args["metadata"]["event_payload"]["outbox_id"])
        for call in standin.calls_to("chat.postMessage")
        if isinstance(call.response, dict) and call.response.get("ok") and call.args.get("metadata")
    )


COMMANDS = {
    "sla scan --send": ["sla", "scan", "--send"],
    "digest send": ["digest", "send", "--date", "2026-11-24"],
}


@pytest.mark.usefixtures("cli_env", "serve_sends")
@pytest.mark.parametrize("command", list(COMMANDS))
def test_a_command_beside_a_running_serve_never_posts_its_card_in_flight(
    command: str, runtime: Runtime, standin: SlackStandin, clock: ManualClock
) -> None:
    seed_tuesday(runtime.engine)
    with session_scope(runtime.engine) as session:
        enqueue(
            session,
            dedupe_key="serve-card",
            method="chat.postMessage",
            channel=CHANNEL,
            payload={"text": "serve's card"},
            now=clock.now(),
        )
    client = WebClient(token=support.BOT_TOKEN, base_url=standin.url, timeout=10, retry_handlers=[])
    inner = SlackCalls(client, ChannelDirectory(client=client, engine=runtime.engine))
    during = CommandDuringCall(inner, lambda: CliRunner().invoke(cli, COMMANDS[command]))
    serve = _serve_outbox(runtime.engine, standin, clock, api=during)
    try:
        assert serve.drain().sent == 1
    finally:
        serve.close()
    [result] = during.results
    assert result.exit_code == 0, result.output
    # The card went once, by serve; the command posted nothing (it used to look serve's card up, not
    # find it yet, and post it: the card twice).
    assert [c.args["text"] for c in standin.calls_to("chat.postMessage")] == ["serve's card"]
    assert standin.calls_to("conversations.history") == []
    assert "the running `socialdesk serve` sends" in result.stderr
    if command == "digest send":
        out = json.loads(result.stdout.splitlines()[-1])
        # Left to serve: the digest, its chart, and serve's own card in flight.
        assert out["queued"] is True and out["sent_by"] == "serve" and out["still_pending"] == 3, out

    # Serve's next pass sends what the command queued (the digest and its chart; no alert was due),
    # due at the command's clock, the system's.
    serve = _serve_outbox(runtime.engine, standin, ManualClock(datetime.now(UTC)))
    try:
        serve.drain()
    finally:
        serve.close()
    with Session(runtime.engine) as session:
        rows = session.exec(select(OutboxMessage)).all()
    assert {r.status for r in rows} == {OutboxStatus.SENT}, [
        (r.dedupe_key, r.status, r.last_error) for r in rows
    ]
    assert set(_posts_by_outbox_id(standin).values()) == {1}


@pytest.mark.usefixtures("cli_env")
def test_a_command_with_no_serve_running_sends_itself(runtime: Runtime, standin: SlackStandin) -> None:
    seed_tuesday(runtime.engine)
    result = CliRunner().invoke(cli, COMMANDS["digest send"])
    assert result.exit_code == 0, result.output
    out = json.loads(result.stdout.splitlines()[-1])
    assert out == {
        "key": "digest:daily:2026-11-24",
        "queued": True,
        "still_pending": 0,
        "sent_by": "this command",
    }
    assert len(standin.files()) == 1


def test_the_sender_lock_is_one_process_at_a_time_on_sqlite(database_url: str, engine: Engine) -> None:
    serve, command = SenderLock(database_url), SenderLock(database_url)
    if not is_sqlite(database_url):
        assert lock_path(database_url) is None
        assert serve.hold() and command.hold()  # PostgreSQL: the leader's lock decides
        return
    assert serve.hold() and serve.hold()  # held: asking again keeps it
    assert not command.hold()
    with command_may_send(engine, database_url) as ours:
        assert ours is False
    serve.release()
    with command_may_send(engine, database_url) as ours:
        assert ours is True
        assert not serve.hold()  # a serve started meanwhile waits for the command
    assert serve.hold()
    serve.release()
    assert lock_path("sqlite://") is None and lock_path("sqlite:///:memory:") is None


def test_on_postgresql_a_command_asks_whether_a_serve_leads(database_url: str, engine: Engine) -> None:
    if is_sqlite(database_url):
        assert leader_running(engine) is False
        return
    key = secrets.randbits(62)  # this test's own lock: other runs on the server hold the default one
    elector = LeaderElector(database_url, lock_key=key)
    assert leader_running(engine, lock_key=key) is False
    assert elector.step()
    try:
        assert leader_running(engine, lock_key=key) is True
    finally:
        elector.stop()
    assert leader_running(engine, lock_key=key) is False


def test_serve_sends_nothing_while_a_command_holds_the_sqlite_lock(
    runtime: Runtime, database_url: str
) -> None:
    command = SenderLock(database_url)
    assert command.hold()
    background = start_background(runtime)
    try:
        if is_sqlite(database_url):
            assert runtime.sends_to_slack() is False
            command.release()
        assert runtime.sends_to_slack() is background.elector.is_leader()
    finally:
        stop_background(runtime, background)
        command.release()
