"""Failure injection (429 + Retry-After, 5xx, Slack errors, slow answers) and a quick shutdown."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator

import httpx
import pytest
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from socialdesk.standin import SlackStandin

# Generous: stop() is expected to take a few poll intervals (50 ms each), never the delay itself.
QUICK_STOP_SECONDS = 2.0


@pytest.fixture
def slack() -> Iterator[SlackStandin]:
    with SlackStandin(channels={"social-support": "C0SUPPORT1"}) as server:
        yield server


@pytest.fixture
def client(slack: SlackStandin) -> WebClient:
    return WebClient(base_url=slack.url, token=slack.token)


def post(client: WebClient, text: str = "card") -> str:
    return str(client.chat_postMessage(channel="C0SUPPORT1", text=text)["ts"])


def test_rate_limit_answers_429_with_retry_after(slack: SlackStandin, client: WebClient) -> None:
    slack.fail("chat.postMessage", status=429, retry_after=7)
    with pytest.raises(SlackApiError) as caught:
        post(client)
    response = caught.value.response
    assert response.status_code == 429
    assert response.headers["Retry-After"] == "7"
    assert response["error"] == "ratelimited"
    post(client)  # times=1: the next call goes through
    assert len(slack.messages("C0SUPPORT1")) == 1


def test_a_rule_with_no_options_is_a_one_second_rate_limit(slack: SlackStandin) -> None:
    slack.fail("auth.test")
    response = httpx.post(f"{slack.url}auth.test", data={"token": slack.token})
    assert response.status_code == 429 and response.headers["retry-after"] == "1"


def test_server_error_is_a_bare_500(slack: SlackStandin, client: WebClient) -> None:
    slack.fail("chat.postMessage", status=500)
    with pytest.raises(SlackApiError) as caught:
        post(client)
    assert caught.value.response.status_code == 500
    raw = slack.calls_to("chat.postMessage")[0]
    assert raw.status == 500 and isinstance(raw.response, str)


def test_slack_error_is_http_200_with_ok_false(slack: SlackStandin, client: WebClient) -> None:
    slack.fail("chat.postMessage", error="channel_not_found")
    with pytest.raises(SlackApiError) as caught:
        post(client)
    assert caught.value.response.status_code == 200
    assert caught.value.response.data == {"ok": False, "error": "channel_not_found"}


def test_times_and_order(slack: SlackStandin, client: WebClient) -> None:
    slack.fail("chat.postMessage", error="first", times=2)
    slack.fail("chat.postMessage", status=503)
    slack.fail("auth.test", error="not_this_one")
    outcomes = []
    for _ in range(4):
        try:
            post(client)
            outcomes.append("ok")
        except SlackApiError as exc:
            outcomes.append(str(exc.response.get("error") or exc.response.status_code))
    assert outcomes[:2] == ["first", "first"]
    assert slack.calls_to("chat.postMessage")[2].status == 503
    assert outcomes[3] == "ok"
    assert [r.method for r in slack.pending_failures()] == ["auth.test"]
    slack.clear_failures()
    assert client.auth_test()["ok"]


def test_failed_calls_are_recorded_and_change_nothing(slack: SlackStandin, client: WebClient) -> None:
    slack.fail("chat.postMessage", status=429)
    with pytest.raises(SlackApiError):
        post(client, "refused")
    [call] = slack.calls
    assert call.status == 429 and call.args["text"] == "refused"
    assert slack.messages("C0SUPPORT1") == []


def test_failing_the_upload_step(slack: SlackStandin, client: WebClient) -> None:
    issued = client.files_getUploadURLExternal(filename="a.txt", length=1)
    slack.fail("upload", status=500)
    assert httpx.post(issued["upload_url"], content=b"a").status_code == 500
    assert httpx.post(issued["upload_url"], content=b"a").status_code == 200


def test_times_must_be_positive(slack: SlackStandin) -> None:
    with pytest.raises(ValueError):
        slack.fail("auth.test", times=0)


def test_a_delay_alone_answers_normally_but_late(slack: SlackStandin, client: WebClient) -> None:
    rule = slack.fail("auth.test", delay=0.05)
    assert client.auth_test()["ok"] is True
    assert rule.used.is_set() and rule.remaining == 0


def test_a_delay_longer_than_the_client_timeout_is_a_timeout(slack: SlackStandin) -> None:
    slack.fail("chat.postMessage", delay=30)
    with pytest.raises(httpx.ReadTimeout):
        httpx.post(
            f"{slack.url}chat.postMessage",
            data={"token": slack.token, "channel": "C0SUPPORT1", "text": "x"},
            timeout=0.2,
        )
    started = time.monotonic()
    slack.stop()
    assert time.monotonic() - started < QUICK_STOP_SECONDS


def test_stop_cuts_a_held_back_answer_short() -> None:
    slack = SlackStandin().start()
    rule = slack.fail("auth.test", delay=60)
    outcome: list[object] = []

    def call() -> None:
        try:
            outcome.append(httpx.post(f"{slack.url}auth.test", data={"token": slack.token}, timeout=30))
        except httpx.HTTPError as exc:
            outcome.append(exc)

    caller = threading.Thread(target=call)
    caller.start()
    assert rule.used.wait(10), "the delayed call never arrived"
    started = time.monotonic()
    slack.stop()
    caller.join(10)
    assert time.monotonic() - started < QUICK_STOP_SECONDS
    assert len(outcome) == 1 and isinstance(outcome[0], httpx.HTTPError), (
        "the client sees a dropped connection"
    )


def test_stop_with_idle_keep_alive_connections_is_quick() -> None:
    slack = SlackStandin().start()
    with httpx.Client() as keep_alive:
        assert keep_alive.post(f"{slack.url}auth.test", data={"token": slack.token}).json()["ok"]
        started = time.monotonic()
        slack.stop()
        assert time.monotonic() - started < QUICK_STOP_SECONDS
    slack.stop()  # stopping twice is harmless


def test_start_twice_is_an_error(slack: SlackStandin) -> None:
    with pytest.raises(RuntimeError):
        slack.start()
