"""The platform stand-ins themselves, over raw HTTP: they must refuse what the real APIs refuse."""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import Iterator
from datetime import timedelta

import httpx
import pytest

from socialdesk.clock import ManualClock
from socialdesk.standin.platforms import GenericReceiverStandIn, GraphApiStandIn, XApiStandIn

TOKEN = "graph-token"
SECRET = "graph-app-secret"
PROOF = hmac.new(SECRET.encode(), TOKEN.encode(), hashlib.sha256).hexdigest()


@pytest.fixture
def graph(clock: ManualClock) -> Iterator[GraphApiStandIn]:
    with GraphApiStandIn(
        now=lambda: clock.now().timestamp(), access_token=TOKEN, app_secret=SECRET
    ) as server:
        yield server


@pytest.fixture
def http() -> Iterator[httpx.Client]:
    with httpx.Client(timeout=5.0) as client:
        yield client


def graph_error(response: httpx.Response) -> tuple[int, int | None]:
    error = response.json()["error"]
    assert set(error) <= {"message", "type", "code", "error_subcode", "fbtrace_id", "is_transient"}
    assert error["fbtrace_id"] and error["type"] in ("OAuthException", "GraphMethodException")
    return error["code"], error.get("error_subcode")


def test_graph_takes_form_bodies_and_bearer_headers(graph, http, clock) -> None:
    post = graph.add_post(created_time=clock.now())
    comment = graph.add_comment(post, created_time=clock.now(), author_id="61")
    form = {
        "recipient": json.dumps({"comment_id": comment}),
        "message": json.dumps({"text": "hi"}),
        "messaging_type": "RESPONSE",
        "appsecret_proof": PROOF,
    }

    answer = http.post(
        f"{graph.base_url}me/messages", data=form, headers={"Authorization": f"Bearer {TOKEN}"}
    )

    assert answer.status_code == 200 and answer.json()["recipient_id"] == "61"
    assert graph.calls[0].params == {
        "recipient": {"comment_id": comment},
        "message": {"text": "hi"},
        "messaging_type": "RESPONSE",
    }


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({}, (104, None)),
        ({"access_token": "nope", "appsecret_proof": PROOF}, (190, None)),
        ({"access_token": TOKEN}, (100, None)),
        ({"access_token": TOKEN, "appsecret_proof": "0" * 64}, (100, None)),
    ],
    ids=["no-token", "bad-token", "no-proof", "bad-proof"],
)
def test_graph_checks_the_token_and_proof(graph, http, clock, params, expected) -> None:
    post = graph.add_post(created_time=clock.now())

    answer = http.post(f"{graph.base_url}{post}/comments", json={"message": "hi", **params})

    assert answer.status_code == 400 and graph_error(answer) == expected and graph.calls == []


def test_graph_expired_token_has_subcode_463(graph, http, clock) -> None:
    post = graph.add_post(created_time=clock.now())
    graph.expire_token()

    answer = http.post(
        f"{graph.base_url}{post}/comments",
        json={"message": "hi", "access_token": TOKEN, "appsecret_proof": PROOF},
    )

    assert graph_error(answer) == (190, 463) and "Session has expired" in answer.json()["error"]["message"]


def test_graph_edges_belong_to_their_object_types(graph, http, clock) -> None:
    auth = {"access_token": TOKEN, "appsecret_proof": PROOF}
    fb_post = graph.add_post(created_time=clock.now())
    fb_comment = graph.add_comment(fb_post, created_time=clock.now())
    media = graph.add_post(platform="instagram", created_time=clock.now())
    ig_comment = graph.add_comment(media, created_time=clock.now())

    def post(path: str, **body: object) -> httpx.Response:
        return http.post(f"{graph.base_url}{path}", json={**auth, **body})

    assert graph_error(post(f"{fb_comment}/replies", message="x")) == (100, 33)
    assert graph_error(post(f"{ig_comment}/comments", message="x")) == (100, 33)
    assert graph_error(post(f"{fb_post}/comments")) == (100, None)  # message required
    assert graph_error(post("12345/mentions", media_id=media, message="x")) == (100, 33)  # not our account
    assert graph_error(post(f"{fb_post}/likes")) == (2500, None)
    assert post(f"{media}/comments", message="x").status_code == 200
    assert post(f"{ig_comment}/replies", message="x").status_code == 200
    assert [c.edge for c in graph.calls] == ["comments", "replies"]


def test_graph_messaging_rules(graph, http, clock) -> None:
    auth = {"access_token": TOKEN, "appsecret_proof": PROOF}
    graph.add_conversation("77", last_message_at=clock.now() - timedelta(days=2))

    def send(**body: object) -> httpx.Response:
        message = {"recipient": {"id": "77"}, "message": {"text": "hi"}, "messaging_type": "RESPONSE"}
        return http.post(f"{graph.base_url}{graph.page_id}/messages", json={**auth, **message, **body})

    assert graph_error(send()) == (10, 2018278)  # 48 h after the customer's last message
    assert send(messaging_type="MESSAGE_TAG", tag="HUMAN_AGENT").status_code == 200  # 7 days for a human
    assert graph_error(send(messaging_type=None)) == (100, None)
    assert graph_error(send(message={"text": "x" * 2001})) == (100, None)
    assert graph_error(send(recipient={"id": "78"})) == (100, 2018001)
    assert len(graph.calls) == 1


def test_graph_scripted_failures_hit_only_their_edge(graph, http, clock) -> None:
    auth = {"access_token": TOKEN, "appsecret_proof": PROOF}
    post = graph.add_post(created_time=clock.now())
    graph.fail_next(code=613, edge="messages", headers={"Retry-After": "7"})

    ok = http.post(f"{graph.base_url}{post}/comments", json={**auth, "message": "hi"})
    body = {**auth, "recipient": {"post_id": post}, "message": {"text": "hi"}, "messaging_type": "RESPONSE"}
    limited = http.post(f"{graph.base_url}me/messages", json=body)

    assert ok.status_code == 200
    assert graph_error(limited) == (613, None) and limited.headers["retry-after"] == "7"
    assert graph.pending_failures() == []


def test_x_dms_and_scripted_failures(clock, http) -> None:
    with XApiStandIn(now=lambda: clock.now().timestamp(), bearer_token="t") as x:
        auth = {"Authorization": "Bearer t"}
        jane = x.add_user("jane")
        url = f"{x.base_url}dm_conversations/with/{jane['id']}/messages"
        x.fail_next(503, endpoint="tweets")  # not for DMs
        x.fail_next(
            429,
            endpoint="dm",
            body={"title": "Too Many Requests"},
            headers={"x-rate-limit-reset": "5"},
            after=1,
        )

        assert http.post(url, json={}, headers=auth).status_code == 400
        limited = http.post(url, json={"text": "hi"}, headers=auth)
        assert (limited.status_code, limited.headers["x-rate-limit-reset"]) == (429, "5")
        assert limited.json() == {"title": "Too Many Requests"}
        assert (
            http.post(
                f"{x.base_url}dm_conversations/with/1/messages", json={"text": "hi"}, headers=auth
            ).status_code
            == 429
        )
        assert x.dms == [] and len(x.pending_failures()) == 1


def test_generic_receiver_checks_signature_and_key() -> None:
    with GenericReceiverStandIn(secret="s") as receiver, httpx.Client(timeout=5.0) as http:
        body = json.dumps({"text": "hi", "in_reply_to": "1"}).encode()
        signature = "sha256=" + hmac.new(b"s", body, hashlib.sha256).hexdigest()

        unsigned = http.post(receiver.reply_url, content=body, headers={"Idempotency-Key": "k"})
        keyless = http.post(receiver.reply_url, content=body, headers={"X-Socialdesk-Signature": signature})
        elsewhere = http.post(receiver.url + "/other", content=body)
        good = http.post(
            receiver.reply_url,
            content=body,
            headers={"X-Socialdesk-Signature": signature, "Idempotency-Key": "k"},
        )

        assert (unsigned.status_code, unsigned.json()["error"]) == (401, "auth")
        assert (keyless.status_code, keyless.json()["error"]) == (422, "rejected")
        assert elsewhere.status_code == 404
        assert good.status_code == 201 and [r.id for r in receiver.received] == [good.json()["id"]]
