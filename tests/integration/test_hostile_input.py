"""Hostile input through the real HTTP server: oversized bodies, stale and replayed Slack requests,
requests from another workspace, replayed webhooks, stale generic timestamps, template escapes."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from jinja2.exceptions import SecurityError
from slack_bolt import BoltRequest
from sqlmodel import Session, func, select

from socialdesk.app import Runtime
from socialdesk.clock import ManualClock
from socialdesk.config import ConfigError, load_config
from socialdesk.connectors.signing import sign_generic
from socialdesk.demo.feed import build_feed
from socialdesk.domain.canned import CannedTemplateError, check_template
from socialdesk.domain.models import Case, InboxItem
from socialdesk.domain.playbooks.loader import PlaybookError, load_playbook
from socialdesk.domain.playbooks.render import ENV
from socialdesk.standin import SlackStandin
from socialdesk.standin.workspace import TEAM_ID
from socialdesk.web.limits import ROUTE_LIMITS
from tests import support
from tests.conftest import SAMPLE_CONFIG
from tests.integration.helpers import generic_mention, post_generic, post_meta, post_x

ESCAPES = ["{{ ''.__class__.__mro__ }}", "{{ cycler.__init__.__globals__ }}", "{{ x['__class__'] }}"]


def _count(runtime: Runtime, model: Any) -> int:
    with Session(runtime.engine) as s:
        return int(s.exec(select(func.count()).select_from(model)).one())


def _refused(runtime: Runtime, route: str, reason: str) -> float:
    value = runtime.metrics.registry.get_sample_value(
        "socialdesk_requests_refused_total", {"route": route, "reason": reason}
    )
    return value or 0.0


def _answers(standin: SlackStandin, token: str) -> list[str]:
    return [
        str(c.args.get("text", ""))
        for c in standin.calls_to("response_url")
        if f"/response/{token}" in c.path
    ]


def _our_auth_tests(standin: SlackStandin) -> list[Any]:
    """The guard's auth.test calls (Bolt's own authorization makes one with a team_id of its own)."""
    return [c for c in standin.calls_to("auth.test") if "team_id" not in c.args]


def _post_slack(server: str, body: str, *, timestamp: int | None = None, **extra: str) -> httpx.Response:
    headers = support.slack_headers(
        body, content_type="application/x-www-form-urlencoded", timestamp=timestamp
    )
    return httpx.post(
        f"{server}/slack/events", content=body.encode(), headers={**headers, **extra}, timeout=10
    )


# --- size limits ----------------------------------------------------------------------------------


@pytest.mark.parametrize(("method", "path"), sorted(ROUTE_LIMITS))
def test_a_declared_length_over_the_limit_is_refused_before_reading(
    server: str, runtime: Runtime, method: str, path: str
) -> None:
    limit = ROUTE_LIMITS[(method, path)]
    body = b"{" + b" " * limit + b"}"
    response = httpx.request(method, f"{server}{path}", content=body, timeout=10)
    assert response.status_code == 413
    assert f"at most {limit} bytes" in response.json()["error"]
    assert _refused(runtime, path, "too_large") == 1
    assert _count(runtime, InboxItem) == 0


def _chunks(total: int, size: int = 64 * 1024) -> Iterator[bytes]:
    sent = 0
    while sent < total:
        yield b" " * min(size, total - sent)
        sent += size


def test_a_chunked_body_is_counted_as_it_streams(server: str, runtime: Runtime) -> None:
    # No Content-Length: the middleware counts the bytes and stops the route's read at the limit.
    body = b'{"object": "page", "entry": []}' + b" " * (2 * 1024 * 1024)
    headers = {"Content-Type": "application/json", **support_sign_meta(body)}
    response = httpx.post(f"{server}/webhooks/meta", content=_chunks_of(body), headers=headers, timeout=10)
    assert response.status_code == 413
    assert _count(runtime, InboxItem) == 0
    assert _refused(runtime, "/webhooks/meta", "too_large") == 1


def support_sign_meta(body: bytes) -> dict[str, str]:
    from socialdesk.sources.meta.verify import sign_meta

    return sign_meta(body, support.META_APP_SECRET)


def _chunks_of(body: bytes) -> Iterator[bytes]:
    for start in range(0, len(body), 64 * 1024):
        yield body[start : start + 64 * 1024]


def test_a_chunked_body_within_the_limit_is_accepted(
    server: str, runtime: Runtime, clock: ManualClock
) -> None:
    payload = generic_mention("chunked-1", "Is the app down for anyone else?", created_at=clock.now())
    body = json.dumps(payload).encode()
    headers = {"Content-Type": "application/json", **sign_generic(body, support.WEBHOOK_SECRET)}
    response = httpx.post(f"{server}/webhooks/generic", content=_chunks_of(body), headers=headers, timeout=10)
    assert response.status_code == 200, response.text


def test_get_routes_take_no_body_and_unknown_paths_are_not_labelled(server: str, runtime: Runtime) -> None:
    assert httpx.request("GET", f"{server}/healthz", content=b"x" * 10, timeout=10).status_code == 413
    assert httpx.get(f"{server}/healthz", timeout=10).status_code == 200
    assert httpx.post(f"{server}/made-up-{time.time()}", content=b"x" * 10, timeout=10).status_code == 413
    assert _refused(runtime, "/healthz", "too_large") == 1
    assert _refused(runtime, "other", "too_large") == 1


def test_a_survey_body_over_64kb_is_refused(server: str, runtime: Runtime) -> None:
    body = json.dumps({"case": 1, "kind": "csat", "score": 4, "comment": "x" * 70_000}).encode()
    headers = {"Content-Type": "application/json", **sign_generic(body, support.WEBHOOK_SECRET)}
    assert httpx.post(f"{server}/webhooks/survey", content=body, headers=headers).status_code == 413


# --- Slack: stale, replayed, retried, another workspace ---------------------------------------------


def test_a_correctly_signed_request_six_minutes_old_is_refused(server: str, standin: SlackStandin) -> None:
    body = support.slash_command_body("/social", "help", response_url=standin.response_url("stale"))
    response = _post_slack(server, body, timestamp=int(time.time()) - 6 * 60)
    assert response.status_code == 401
    assert _answers(standin, "stale") == []


def test_a_replayed_slack_request_is_refused_the_second_time(
    server: str, runtime: Runtime, standin: SlackStandin
) -> None:
    body = support.slash_command_body("/social", "help", response_url=standin.response_url("replay"))
    stamp = int(time.time())
    assert _post_slack(server, body, timestamp=stamp).status_code == 200
    runtime.wait_for_listeners()
    again = _post_slack(server, body, timestamp=stamp)
    runtime.wait_for_listeners()
    assert again.status_code == 401 and "replayed" in again.json()["error"]
    assert len(_answers(standin, "replay")) == 1
    assert _refused(runtime, "/slack/events", "replayed") == 1
    # The same command re-signed (what a person typing it again produces) is a new request.
    assert _post_slack(server, body, timestamp=stamp + 1).status_code == 200
    runtime.wait_for_listeners()
    assert len(_answers(standin, "replay")) == 2


def _app_mention(event_id: str) -> str:
    return json.dumps(
        {
            "token": "legacy",
            "team_id": TEAM_ID,
            "api_app_id": "A0SDAPP001",
            "type": "event_callback",
            "event_id": event_id,
            "event_time": int(time.time()),
            "event": {
                "type": "app_mention",
                "user": "U0AGENT01",
                "text": "<@U0BOT> hi",
                "ts": "1.000100",
                "channel": "C0SUPPORT1",
            },
        }
    )


def test_a_slack_retry_of_an_event_is_acked_and_not_worked_twice(
    server: str, runtime: Runtime, standin: SlackStandin
) -> None:
    body = _app_mention("Ev0RETRY01")
    first = httpx.post(
        f"{server}/slack/events",
        content=body,
        headers=support.slack_headers(body, content_type="application/json"),
    )
    assert first.status_code == 200
    runtime.wait_for_listeners()
    # Slack's retry: the same event, a new timestamp and signature, and X-Slack-Retry-Num.
    headers = support.slack_headers(body, content_type="application/json", timestamp=int(time.time()) + 1)
    retry = httpx.post(
        f"{server}/slack/events",
        content=body,
        headers={**headers, "X-Slack-Retry-Num": "1", "X-Slack-Retry-Reason": "http_timeout"},
    )
    runtime.wait_for_listeners()
    assert retry.status_code == 200
    runtime.drain()
    said = [c for c in standin.calls_to("chat.postMessage") if "social help" in str(c.args.get("text", ""))]
    assert len(said) == 1


def test_a_request_from_another_workspace_is_refused(
    server: str, runtime: Runtime, standin: SlackStandin
) -> None:
    url = standin.response_url("elsewhere")
    body = support.slash_command_body("/social", "help", response_url=url).replace(TEAM_ID, "T0OTHER999")
    response = _post_slack(server, body)
    runtime.wait_for_listeners()
    assert response.status_code == 403
    assert "another Slack workspace" in response.json()["error"]
    assert _answers(standin, "elsewhere") == []
    assert _refused(runtime, "/slack/events", "other_workspace") == 1
    # The workspace was learnt from auth.test with the bot token, once.
    for token in ("home1", "home2"):
        body = support.slash_command_body("/social", "help", response_url=standin.response_url(token))
        assert _post_slack(server, body).status_code == 200
    runtime.wait_for_listeners()
    assert len(_our_auth_tests(standin)) == 1
    assert len(_answers(standin, "home1")) == 1


def test_an_interaction_from_another_workspace_is_refused(
    server: str, runtime: Runtime, standin: SlackStandin
) -> None:
    action = {"type": "button", "action_id": "case.claim", "value": "v1:1", "block_id": "b", "action_ts": "1"}
    body = support.block_action_body(action, response_url=standin.response_url("act")).replace(
        "T0STANDIN1", "T0OTHER999"
    )
    assert _post_slack(server, body).status_code == 403
    runtime.wait_for_listeners()
    assert _answers(standin, "act") == []


def test_socket_mode_requests_get_the_workspace_check_too(runtime: Runtime, standin: SlackStandin) -> None:
    # Socket Mode hands Bolt the parsed payload with no HTTP and no signature: the Bolt middleware checks.
    form = dict(
        token="legacy",
        team_id="T0OTHER999",
        channel_id="C0SUPPORT1",
        user_id="U0AGENT01",
        command="/social",
        text="help",
        response_url=standin.response_url("socket"),
        trigger_id="1.2.3",
    )
    refused = runtime.bolt.dispatch(BoltRequest(body=form, mode="socket_mode"))
    assert refused.status == 403
    accepted = runtime.bolt.dispatch(BoltRequest(body={**form, "team_id": TEAM_ID}, mode="socket_mode"))
    runtime.wait_for_listeners()
    assert accepted.status == 200
    assert len(_answers(standin, "socket")) == 1


def test_slack_team_id_setting_needs_no_auth_test(
    database_url: str, standin: SlackStandin, clock: ManualClock
) -> None:
    from socialdesk.app import build_runtime
    from tests.conftest import make_settings

    settings = make_settings(database_url, standin.url).model_copy(update={"slack_team_id": TEAM_ID})
    runtime = build_runtime(settings, clock=clock, migrate=False)
    try:
        with support.live_server(runtime.http) as url:
            body = support.slash_command_body("/social", "help", response_url=standin.response_url("cfg"))
            assert _post_slack(url, body).status_code == 200
            runtime.wait_for_listeners()
            assert _post_slack(url, body.replace(TEAM_ID, "T0OTHER999")).status_code == 403
    finally:
        runtime.close()
    assert _our_auth_tests(standin) == []
    assert len(_answers(standin, "cfg")) == 1


def test_unreadable_slack_bodies_are_4xx(server: str) -> None:
    for body, content_type in (
        ("{not json", "application/json"),
        ("\xff", "application/json"),
        ("", "text/plain"),
    ):
        headers = support.slack_headers(body, content_type=content_type)
        response = httpx.post(f"{server}/slack/events", content=body.encode(), headers=headers)
        assert 400 <= response.status_code < 500, (body, response.status_code)
    raw = httpx.post(
        f"{server}/slack/events", content=b"\xff\xfe", headers={"X-Slack-Request-Timestamp": "x"}
    )
    assert raw.status_code == 400
    unsigned = httpx.post(
        f"{server}/slack/events", content=b"a=b", headers={"X-Slack-Request-Timestamp": "soon"}
    )
    assert unsigned.status_code == 401


# --- replayed webhooks ----------------------------------------------------------------------------------


def test_webhooks_replayed_an_hour_later_create_nothing_new(
    server: str, runtime: Runtime, clock: ManualClock
) -> None:
    feed = build_feed(clock.now())
    meta = next(item.body for item in feed if item.source == "meta")
    x = next(item.body for item in feed if item.source == "x")
    generic = generic_mention("replay-1", "My parcel never arrived", created_at=clock.now())
    senders = [
        lambda: post_meta(server, meta),
        lambda: post_x(server, x),
        lambda: post_generic(server, generic),
    ]
    first = [send() for send in senders]
    assert [r.status_code for r in first] == [200, 200, 200]
    runtime.drain()
    cases, inbox = _count(runtime, Case), _count(runtime, InboxItem)
    assert cases >= 3

    clock.advance(timedelta(hours=1))
    again = [send() for send in senders]
    assert [r.status_code for r in again] == [200, 200, 200]
    assert all(r.json()["duplicate"] is True for r in again)
    assert [r.json()["inbox_id"] for r in again] == [r.json()["inbox_id"] for r in first]
    runtime.drain()
    assert (_count(runtime, Case), _count(runtime, InboxItem)) == (cases, inbox)


def test_the_generic_timestamp_header_refuses_stale_requests(
    server: str, runtime: Runtime, clock: ManualClock
) -> None:
    body = json.dumps(generic_mention("ts-1", "Hello?", created_at=clock.now())).encode()
    now = int(clock.now().timestamp())
    stale = sign_generic(body, support.WEBHOOK_SECRET, timestamp=now - 301)
    response = post_generic(server, body, headers=stale)
    assert response.status_code == 403 and "stale" in response.json()["error"]
    assert _count(runtime, InboxItem) == 0
    fresh = sign_generic(body, support.WEBHOOK_SECRET, timestamp=now - 10)
    assert post_generic(server, body, headers=fresh).status_code == 200
    # The timestamp is signed: moving it forward without the secret breaks the signature.
    moved = {**stale, "X-Socialdesk-Timestamp": str(now)}
    assert post_generic(server, body, headers=moved).status_code == 401


# --- templates in a sandbox -------------------------------------------------------------------------------


@pytest.mark.parametrize("source", ESCAPES)
def test_a_canned_reply_reaching_out_of_the_sandbox_fails_to_load(source: str, tmp_path: Path) -> None:
    with pytest.raises(CannedTemplateError):
        check_template(f"Hi {{{{ customer_name }}}} {source}")
    text = SAMPLE_CONFIG.read_text(encoding="utf-8")
    reply = f'\ncanned_replies:\n  - id: escape\n    title: Escape\n    text: "{source}"\n'
    assert "\ncanned_replies:\n" in text
    broken = tmp_path / "config.yaml"
    broken.write_text(text.replace("\ncanned_replies:\n", reply, 1), encoding="utf-8")
    with pytest.raises(ConfigError) as caught:
        load_config(broken)
    message = str(caught.value)
    assert message.count("\n") == 1, message  # one problem, the escape's, named with the reply's id
    assert "canned reply 'escape', text:" in message
    assert "is not allowed" in message or "unknown placeholder" in message


@pytest.mark.parametrize("source", ESCAPES)
def test_a_playbook_template_reaching_out_of_the_sandbox_fails_to_load(source: str, tmp_path: Path) -> None:
    shipped = support_fixture_playbook().read_text(encoding="utf-8")
    assert "canned_reply:" in shipped
    path = tmp_path / "escape.yaml"
    lines = [
        f'canned_reply: "{source}"' if line.startswith("canned_reply:") else line
        for line in shipped.splitlines()
    ]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    with pytest.raises(PlaybookError) as caught:
        load_playbook(path)
    assert "canned_reply" in str(caught.value)


def test_rendering_an_escape_is_refused_by_the_sandbox_itself() -> None:
    # Even a template that got past the load checks cannot reach Python internals when rendered.
    with pytest.raises(SecurityError):
        ENV.from_string("{{ x.__class__.__mro__ }}").render(x="")
    with pytest.raises(SecurityError):
        ENV.from_string("{{ x.__init__.__globals__ }}").render(x=support_fixture_playbook)


def support_fixture_playbook() -> Path:
    return Path(__file__).resolve().parent.parent / "fixtures" / "playbooks" / "minimal.yaml"
