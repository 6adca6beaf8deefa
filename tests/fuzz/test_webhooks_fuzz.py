"""Arbitrary bodies, correctly signed, to every webhook route through the real server: 2xx or 4xx,
never 5xx, and never a partial write (an accepted row, or a rejected row with its reason, or nothing)."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import httpx
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlmodel import Session, select

from socialdesk.app import Runtime
from socialdesk.connectors.signing import sign_generic
from socialdesk.domain.enums import InboxStatus
from socialdesk.domain.models import Case, InboxItem, Mention
from socialdesk.sources.meta.verify import sign_meta
from socialdesk.sources.x.verify import sign_x
from tests import support
from tests.fuzz.strategies import META_SAMPLES, json_values, mutated
from tests.fuzz.test_normalizers_fuzz import SAMPLES

SIGNERS: dict[str, Callable[[bytes], dict[str, str]]] = {
    "meta": lambda body: sign_meta(body, support.META_APP_SECRET),
    "x": lambda body: sign_x(body, support.X_CONSUMER_SECRET),
    "generic": lambda body: sign_generic(body, support.WEBHOOK_SECRET),
    "survey": lambda body: sign_generic(body, support.WEBHOOK_SECRET),
}
FUZZ = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
bodies = (
    st.binary(max_size=300)
    | json_values.map(lambda v: json.dumps(v).encode())
    | st.sampled_from(["meta", "x", "generic"])
    .flatmap(lambda s: mutated(SAMPLES[s] or META_SAMPLES))
    .map(lambda v: json.dumps(v).encode())
)


def _rows(runtime: Runtime) -> dict[int, InboxItem]:
    with Session(runtime.engine) as s:
        return {i.id: i for i in s.exec(select(InboxItem)).all() if i.id is not None}


def _send(server: str, route: str, body: bytes) -> httpx.Response:
    headers = {"Content-Type": "application/json", **SIGNERS[route](body)}
    return httpx.post(f"{server}/webhooks/{route}", content=body, headers=headers, timeout=10)


def _check(runtime: Runtime, before: dict[int, InboxItem], response: httpx.Response) -> None:
    assert response.status_code < 500, response.text
    after = _rows(runtime)
    new = {k: v for k, v in after.items() if k not in before}
    answer: dict[str, Any] = response.json()
    if response.status_code == 200 and "inbox_id" in answer:
        row = after[answer["inbox_id"]]
        assert row.status is InboxStatus.PENDING or answer["duplicate"]
        assert len(new) == (0 if answer["duplicate"] else 1)
    elif response.status_code == 400 and "inbox_id" in answer:
        row = after[answer["inbox_id"]]
        assert row.status is InboxStatus.REJECTED and row.reason == answer["error"][:2000]
        assert len(new) <= 1
    else:
        assert new == {}, (response.status_code, answer)


@FUZZ
@given(route=st.sampled_from(["meta", "x", "generic"]), body=bodies)
def test_signed_arbitrary_bodies(server: str, runtime: Runtime, route: str, body: bytes) -> None:
    before = _rows(runtime)
    _check(runtime, before, _send(server, route, body))


@FUZZ
@given(body=bodies | json_values.map(lambda v: json.dumps({"case": 1, "kind": "csat", "score": v}).encode()))
def test_signed_arbitrary_survey_answers(server: str, runtime: Runtime, body: bytes) -> None:
    response = _send(server, "survey", body)
    assert response.status_code < 500, response.text
    assert response.status_code in (200, 400)


def test_after_the_fuzz_only_accepted_rows_made_cases(server: str, runtime: Runtime) -> None:
    """Rejected rows stay rejected through the pipeline; every mention comes from an accepted row."""
    for route in ("meta", "x", "generic"):
        for sample in SAMPLES[route][:3]:
            _send(server, route, json.dumps(sample).encode())
        _send(server, route, b'{"entry": 1}')
    runtime.drain()
    rows = _rows(runtime)
    with Session(runtime.engine) as s:
        mentions = list(s.exec(select(Mention)).all())
        cases = list(s.exec(select(Case)).all())
    assert mentions and cases
    assert all(rows[m.inbox_id].status is not InboxStatus.REJECTED for m in mentions if m.inbox_id)
    assert any(r.status is InboxStatus.REJECTED for r in rows.values())
    assert not any(r.status is InboxStatus.FAILED for r in rows.values())
