"""The outbox's Slack calls over kept-alive connections (socialdesk.slack.transport.web_api), against the
Slack stand-in over real sockets: one connection for many calls, and every answer turned into the same
`CallError` (error, status, Retry-After) or network failure as through slack_sdk's WebClient before."""

from __future__ import annotations

import socket
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from sqlalchemy import Engine

from socialdesk.outbox.sender import _retry_after
from socialdesk.outbox.transport import CallError
from socialdesk.slack.transport.channels import ChannelDirectory
from socialdesk.slack.transport.outbox_api import SlackCalls
from socialdesk.standin import SlackStandin
from socialdesk.store.db import make_engine
from socialdesk.store.migrate import upgrade

TOKEN = "xoxb-transport"
SUPPORT = "C0SUPPORT1"


@pytest.fixture
def standin() -> Iterator[SlackStandin]:
    with SlackStandin(token=TOKEN, channels={"social-support": SUPPORT}) as running:
        yield running


@pytest.fixture
def engine(tmp_path: Any) -> Iterator[Engine]:
    made = make_engine(f"sqlite:///{tmp_path / 'transport.db'}")
    upgrade(made)
    yield made
    made.dispose()


def _client(url: str, timeout: float = 10) -> WebClient:
    # slack_sdk annotates `timeout` as int; the sockets under it take seconds as any number.
    return WebClient(token=TOKEN, base_url=url, timeout=timeout, retry_handlers=[])  # type: ignore[arg-type]


@pytest.fixture
def calls(standin: SlackStandin, engine: Engine) -> Iterator[SlackCalls]:
    client = _client(standin.url)
    made = SlackCalls(client, ChannelDirectory(client=client, engine=engine))
    yield made
    made.close()


def _post(n: int) -> dict[str, Any]:
    return {
        "channel": SUPPORT,
        "text": f"card {n}",
        "metadata": {"event_type": "socialdesk_outbox", "event_payload": {"outbox_id": n}},
    }


def test_many_calls_share_one_connection(standin: SlackStandin, calls: SlackCalls) -> None:
    before = standin.connections
    for n in range(50):
        assert calls.call("chat.postMessage", _post(n))["ok"] is True
    page = calls.history(SUPPORT, oldest="0", cursor=None)  # a form-encoded method on the same connection
    assert [m["metadata"]["event_payload"]["outbox_id"] for m in page["messages"]][:1] == [49]
    assert standin.connections - before == 1
    assert len(standin.messages(SUPPORT)) == 50


def _through_web_client(url: str, method: str, args: dict[str, Any]) -> CallError:
    """What the outbox made of an answer before: slack_sdk's SlackApiError, as outbox_api turned it."""
    with pytest.raises(SlackApiError) as caught:
        _client(url).api_call(method, json=args)
    response = caught.value.response
    error = str(response.get("error") or f"http_{response.status_code}")
    return CallError(error, status=response.status_code, headers=dict(response.headers or {}))


FAULTS: dict[str, Callable[[SlackStandin], object]] = {
    "ratelimited": lambda s: s.fail("chat.postMessage", status=429, retry_after=7),
    "server error page": lambda s: s.fail("chat.postMessage", status=503),
    "ok false": lambda s: s.fail("chat.postMessage", error="channel_not_found"),
    "ok false 200 is_archived": lambda s: s.fail("chat.postMessage", error="is_archived"),
}


@pytest.mark.parametrize("fault", sorted(FAULTS))
def test_refusals_are_the_errors_the_web_client_gave(
    fault: str, standin: SlackStandin, calls: SlackCalls
) -> None:
    FAULTS[fault](standin)
    before = _through_web_client(standin.url, "chat.postMessage", _post(1))
    FAULTS[fault](standin)
    with pytest.raises(CallError) as caught:
        calls.call("chat.postMessage", _post(1))
    now = caught.value
    assert now.status == before.status
    if fault == "server error page":
        # No JSON: the WebClient reported its decoding message ("Received a response in a non-JSON
        # format: ..."), now `http_503`; the sender's reason was and is `http_503` (status >= 500 first),
        # and the error metric's label no longer carries the page's text.
        assert before.error.startswith("Received a response in a non-JSON format")
        assert now.error == "http_503"
    else:
        assert now.error == before.error
    assert _retry_after(now.headers) == _retry_after(before.headers)
    if fault == "ratelimited":
        assert (now.error, now.status, _retry_after(now.headers)) == ("ratelimited", 429, 7.0)
    # The connection survives a refusal: the next call goes over it.
    connections = standin.connections
    assert calls.call("chat.postMessage", _post(2))["ok"] is True
    assert standin.connections == connections


def test_no_answer_is_a_network_failure_and_the_next_call_reconnects(
    standin: SlackStandin, engine: Engine
) -> None:
    client = _client(standin.url, timeout=0.3)
    calls = SlackCalls(client, ChannelDirectory(client=client, engine=engine))
    try:
        assert calls.call("chat.postMessage", _post(1))["ok"] is True
        rule = standin.fail("chat.postMessage", delay=1.0)
        with pytest.raises(OSError):  # the sender's "network: ..." (sender._send_one)
            calls.call("chat.postMessage", _post(2))
        assert rule.used.is_set()
        client.timeout = 10  # changed while running, as on a WebClient: the next call takes it
        before = standin.connections
        assert calls.call("chat.postMessage", _post(3))["ok"] is True
        assert standin.connections == before + 1  # the timed-out connection was not reused
    finally:
        calls.close()


def test_a_refused_connection_is_a_network_failure(engine: Engine) -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]  # nothing listens here once the probe is closed
    client = _client(f"http://127.0.0.1:{port}/api/")
    calls = SlackCalls(client, ChannelDirectory(client=client, engine=engine))
    try:
        with pytest.raises(ConnectionError):
            calls.call("chat.postMessage", _post(1))
    finally:
        calls.close()
