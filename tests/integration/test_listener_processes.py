"""`serve` with SLACK_LISTENER_PROCESSES: the web process verifies and acks, a listener process does
the work (claims, modals) against the same database and the Slack stand-in."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from urllib.parse import urlencode

import httpx
import pytest
from sqlmodel import Session

from socialdesk.app import Runtime, build_runtime
from socialdesk.clock import ManualClock
from socialdesk.domain.models import Case
from socialdesk.slack.ids import ActionId, CallbackId, encode_case_value
from socialdesk.slack.transport.offload import ListenerProcesses, attach_listener_processes, offloadable
from socialdesk.standin import SlackStandin
from socialdesk.standin.models import RecordedCall
from tests import support
from tests.integration.helpers import generic_mention, post_generic, settle


@pytest.fixture
def listeners(runtime: Runtime) -> Iterator[ListenerProcesses]:
    processes = attach_listener_processes(runtime, build_runtime=build_runtime)
    assert processes is not None  # the default is one listener process
    yield processes
    processes.stop()


class Waiter:
    """Wakes the test when the stand-in has answered a given call (no sleeping, a deadline)."""

    def __init__(self, standin: SlackStandin, method: str) -> None:
        self.event = threading.Event()
        self.calls: list[RecordedCall] = []

        def seen(call: RecordedCall) -> None:
            if call.method == method:
                self.calls.append(call)
                self.event.set()

        standin.on_call(seen)

    def wait(self, seconds: float = 30.0) -> list[RecordedCall]:
        assert self.event.wait(seconds), "the listener process did not answer in time"
        return self.calls


def _post(server: str, body: str) -> httpx.Response:
    headers = support.slack_headers(body, content_type="application/x-www-form-urlencoded")
    return httpx.post(f"{server}/slack/events", content=body.encode(), headers=headers, timeout=10)


def test_a_claim_is_acked_here_and_worked_in_the_listener_process(
    server: str, runtime: Runtime, clock: ManualClock, standin: SlackStandin, listeners: ListenerProcesses
) -> None:
    post_generic(server, generic_mention("m-1", "my order never came", created_at=clock.now()))
    settle(runtime, clock)
    answered = Waiter(standin, "response_url")
    body = support.slash_command_body("/social", "claim 1", response_url=standin.response_url("lp1"))
    response = _post(server, body)
    assert response.status_code == 200 and response.content == b""
    [answer] = answered.wait()
    assert answer.args["text"] == "You claimed #1."
    with Session(runtime.engine) as session:
        case = session.get(Case, 1)
        assert case is not None and case.assignee == "U0AGENT01"


def test_a_button_opens_its_modal_from_the_listener_process(
    server: str, runtime: Runtime, clock: ManualClock, standin: SlackStandin, listeners: ListenerProcesses
) -> None:
    post_generic(server, generic_mention("m-1", "I was charged twice", created_at=clock.now()))
    settle(runtime, clock)
    opened = Waiter(standin, "views.open")
    action = {"type": "button", "action_id": ActionId.ESCALATE.value, "value": encode_case_value(1)}
    body = support.block_action_body(action, response_url=standin.response_url("lp2"))
    body = body.replace("1234.5678.abcdef", standin.new_trigger_id("U0AGENT01"))
    assert _post(server, body).status_code == 200
    opened.wait()
    assert any(v.payload.get("callback_id") == CallbackId.ESCALATE_MODAL for v in standin.views())


def test_forged_requests_are_not_handed_over(
    server: str, runtime: Runtime, standin: SlackStandin, listeners: ListenerProcesses
) -> None:
    body = support.slash_command_body("/social", "claim 1", response_url=standin.response_url("lp3"))
    headers = support.slack_headers(body, content_type="application/x-www-form-urlencoded")
    headers["X-Slack-Signature"] = "v0=" + "0" * 64
    response = httpx.post(f"{server}/slack/events", content=body.encode(), headers=headers, timeout=10)
    assert response.status_code == 401


def test_only_commands_and_block_actions_are_offloadable() -> None:
    form = "application/x-www-form-urlencoded"
    assert offloadable(urlencode({"command": "/social", "text": "help"}), form)
    assert offloadable(urlencode({"payload": json.dumps({"type": "block_actions"})}), form)
    assert not offloadable(urlencode({"payload": json.dumps({"type": "view_submission"})}), form)
    assert not offloadable(urlencode({"payload": "not json"}), form)
    assert not offloadable(json.dumps({"type": "event_callback"}), "application/json")


def test_a_killed_listener_process_is_replaced_and_the_next_command_is_worked(
    server: str, runtime: Runtime, clock: ManualClock, standin: SlackStandin, listeners: ListenerProcesses
) -> None:
    import os
    import signal

    post_generic(server, generic_mention("m-3", "my order never came", created_at=clock.now()))
    settle(runtime, clock)
    [victim] = listeners._processes
    assert victim.pid is not None
    os.kill(victim.pid, signal.SIGKILL)
    victim.join(10)
    assert not victim.is_alive()
    answered = Waiter(standin, "response_url")
    body = support.slash_command_body("/social", "claim 1", response_url=standin.response_url("lp3"))
    assert _post(server, body).status_code == 200
    [answer] = answered.wait(60)
    assert answer.args["text"] == "You claimed #1."
    assert listeners._processes[0].pid != victim.pid and listeners._processes[0].is_alive()
