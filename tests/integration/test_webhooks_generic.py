"""The generic webhook through the real HTTP server: accepted, forged, stale, malformed, redelivered."""

from __future__ import annotations

import json
from datetime import timedelta

import httpx
from sqlmodel import Session, select

from socialdesk.app import Runtime, build_runtime
from socialdesk.clock import ManualClock
from socialdesk.connectors.signing import sign_generic
from socialdesk.domain.enums import InboxStatus
from socialdesk.domain.models import Case, InboxItem, Mention
from socialdesk.standin import SlackStandin
from tests import support
from tests.conftest import make_settings
from tests.integration.helpers import generic_mention, post_generic


def _inbox(runtime: Runtime) -> list[InboxItem]:
    with Session(runtime.engine) as s:
        return list(s.exec(select(InboxItem)).all())


def _cases(runtime: Runtime) -> list[Case]:
    with Session(runtime.engine) as s:
        return list(s.exec(select(Case).order_by(Case.id)).all())  # type: ignore[arg-type]


def _counter(runtime: Runtime, source: str, outcome: str) -> float:
    value = runtime.metrics.registry.get_sample_value(
        "socialdesk_webhook_requests_total", {"source": source, "outcome": outcome}
    )
    return value or 0.0


def test_signed_mention_becomes_a_card_in_the_team_channel(
    server: str, runtime: Runtime, standin: SlackStandin, clock: ManualClock
) -> None:
    payload = generic_mention("r-1", "Where do I find the export button? Thanks!", created_at=clock.now())
    response = post_generic(server, payload)
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["ok"] is True and body["duplicate"] is False
    # Durable before the answer: the row is there and pending before any processing ran.
    assert [i.status for i in _inbox(runtime)] == [InboxStatus.PENDING]

    runtime.drain()

    cases = _cases(runtime)
    assert len(cases) == 1
    assert cases[0].team == "support"
    posts = standin.calls_to("chat.postMessage")
    assert len(posts) == 1
    messages = standin.messages("social-support")
    assert len(messages) == 1
    card = messages[0]
    rendered = json.dumps(card.blocks)
    assert "export button" in rendered
    action_ids = {
        el["action_id"] for block in card.blocks if block["type"] == "actions" for el in block["elements"]
    }
    assert {"case.claim", "case.reply", "case.escalate", "case.resolve", "case.overflow"} <= action_ids
    with Session(runtime.engine) as s:
        case = s.get(Case, cases[0].id)
        assert case is not None and case.slack_ts == card.ts


def test_forged_signature_is_refused_and_nothing_is_stored(
    server: str, runtime: Runtime, clock: ManualClock
) -> None:
    payload = generic_mention("r-2", "hello", created_at=clock.now())
    response = post_generic(server, payload, secret="not-the-secret")
    assert response.status_code == 401
    assert "signature" in response.json()["error"]
    missing = httpx.post(f"{server}/webhooks/generic", content=json.dumps(payload).encode(), timeout=5)
    assert missing.status_code == 401
    assert _inbox(runtime) == []
    assert _counter(runtime, "generic", "forged") == 2


def test_stale_timestamp_is_refused_with_403(server: str, runtime: Runtime, clock: ManualClock) -> None:
    body = json.dumps(generic_mention("r-3", "hello", created_at=clock.now())).encode()
    old = int((clock.now() - timedelta(minutes=10)).timestamp())
    headers = {
        "Content-Type": "application/json",
        **sign_generic(body, support.WEBHOOK_SECRET, timestamp=old),
    }
    response = httpx.post(f"{server}/webhooks/generic", content=body, headers=headers, timeout=5)
    assert response.status_code == 403
    assert _inbox(runtime) == []
    fresh = int(clock.now().timestamp())
    headers = {
        "Content-Type": "application/json",
        **sign_generic(body, support.WEBHOOK_SECRET, timestamp=fresh),
    }
    assert (
        httpx.post(f"{server}/webhooks/generic", content=body, headers=headers, timeout=5).status_code == 200
    )


def test_malformed_body_gets_400_with_reason_and_is_kept_as_rejected(server: str, runtime: Runtime) -> None:
    response = post_generic(server, b'{"platform": "x", "text": "no id or author"')
    assert response.status_code == 400
    assert response.json()["error"]
    missing_field = post_generic(server, {"platform": "x", "text": "no id"})
    assert missing_field.status_code == 400
    reason = missing_field.json()["error"]
    assert "id" in reason or "author" in reason
    items = _inbox(runtime)
    assert len(items) == 2
    assert {i.status for i in items} == {InboxStatus.REJECTED}
    assert all(i.reason for i in items)
    runtime.drain()
    assert _cases(runtime) == []


def test_nul_bytes_and_escapes_are_stored_on_every_database(
    server: str, runtime: Runtime, clock: ManualClock
) -> None:
    # PostgreSQL text holds no NUL: a raw NUL byte (malformed), a JSON "\u0000" escape and a UTF-16
    # body (both valid JSON) must still be kept, as rejected or as a case, never a 500.
    raw = post_generic(server, b'{"a": "\x00"}')
    assert raw.status_code == 400, raw.text
    escaped = generic_mention("nul-1", "refund please\u0000now", created_at=clock.now())
    assert post_generic(server, json.dumps(escaped).encode()).status_code == 200
    utf16 = generic_mention("utf16-1", "Where is my parcel? caf\u00e9", created_at=clock.now())
    answer = post_generic(server, json.dumps(utf16).encode("utf-16"))
    assert answer.status_code == 200, answer.text
    assert [i.status for i in _inbox(runtime)] == [
        InboxStatus.REJECTED,
        InboxStatus.PENDING,
        InboxStatus.PENDING,
    ]
    runtime.drain()
    with Session(runtime.engine) as s:
        texts = {m.external_id: m.text_raw for m in s.exec(select(Mention)).all()}
        statuses = {i.status for i in s.exec(select(InboxItem)).all()}
    assert texts == {"nul-1": "refund please\ufffdnow", "utf16-1": "Where is my parcel? caf\u00e9"}
    assert statuses == {InboxStatus.REJECTED, InboxStatus.PROCESSED}


def test_redelivery_is_acknowledged_without_a_second_case(
    server: str, runtime: Runtime, standin: SlackStandin, clock: ManualClock
) -> None:
    payload = generic_mention("r-4", "My invoice is wrong, I was charged twice", created_at=clock.now())
    first = post_generic(server, payload)
    again = post_generic(server, payload)
    assert first.status_code == again.status_code == 200
    assert again.json()["duplicate"] is True
    assert again.json()["inbox_id"] == first.json()["inbox_id"]
    # The same mention re-sent with other bytes (a platform retry with different formatting).
    reshaped = post_generic(server, json.dumps(payload, indent=2).encode())
    assert reshaped.status_code == 200 and reshaped.json()["duplicate"] is False
    runtime.drain()
    assert len(_cases(runtime)) == 1
    with Session(runtime.engine) as s:
        assert len(s.exec(select(Mention)).all()) == 1
    assert len(standin.calls_to("chat.postMessage")) == 1
    assert _cases(runtime)[0].team == "billing"


def test_unconfigured_source_answers_503(
    database_url: str, standin: SlackStandin, clock: ManualClock
) -> None:
    settings = make_settings(database_url, standin.url).model_copy(update={"webhook_secret": None})
    rt = build_runtime(settings, clock=clock, migrate=False)
    with support.live_server(rt.http) as base:
        response = httpx.post(f"{base}/webhooks/generic", content=b"{}", timeout=5)
    rt.engine.dispose()
    assert response.status_code == 503
    assert "WEBHOOK_SECRET" in response.json()["error"]
