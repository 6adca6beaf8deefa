"""Meta and X webhooks end to end: challenges, signatures, each platform's payloads, non-mentions."""

from __future__ import annotations

import json
from datetime import timedelta

import httpx
from sqlmodel import Session, select

from socialdesk.app import Runtime
from socialdesk.clock import ManualClock
from socialdesk.demo.feed import BRAND_PAGE_ID, BRAND_X_ID, build_feed
from socialdesk.domain.enums import CaseStatus, InboxStatus, MentionKind, Platform
from socialdesk.domain.models import Case, InboxItem, Mention
from socialdesk.sources.x.verify import x_crc_response
from socialdesk.standin import SlackStandin
from tests import support
from tests.integration.helpers import post_meta, post_x, settle


def _feed(clock: ManualClock) -> dict[str, dict]:
    return {item.label: item.body for item in build_feed(clock.now())}


def _mentions(runtime: Runtime) -> list[Mention]:
    with Session(runtime.engine) as s:
        return list(s.exec(select(Mention).order_by(Mention.id)).all())  # type: ignore[arg-type]


def test_meta_verification_challenge(server: str, runtime: Runtime) -> None:
    ok = httpx.get(
        f"{server}/webhooks/meta",
        params={
            "hub.mode": "subscribe",
            "hub.verify_token": support.META_VERIFY_TOKEN,
            "hub.challenge": "1158201444",
        },
    )
    assert ok.status_code == 200 and ok.text == "1158201444"
    bad = httpx.get(
        f"{server}/webhooks/meta",
        params={"hub.mode": "subscribe", "hub.verify_token": "guess", "hub.challenge": "1158201444"},
    )
    assert bad.status_code == 403


def test_x_crc_challenge(server: str) -> None:
    response = httpx.get(f"{server}/webhooks/x", params={"crc_token": "abc123"})
    assert response.status_code == 200
    assert response.json() == x_crc_response("abc123", support.X_CONSUMER_SECRET)
    assert response.json()["response_token"].startswith("sha256=")
    assert httpx.get(f"{server}/webhooks/x").status_code == 400


def test_meta_forged_signature_refused(server: str, runtime: Runtime, clock: ManualClock) -> None:
    payload = _feed(clock)["Facebook: question under our post"]
    assert post_meta(server, payload, secret="wrong").status_code == 401
    body = json.dumps(payload).encode()
    assert httpx.post(f"{server}/webhooks/meta", content=body, timeout=5).status_code == 401
    with Session(runtime.engine) as s:
        assert s.exec(select(InboxItem)).all() == []


def test_x_forged_signature_refused(server: str, runtime: Runtime, clock: ManualClock) -> None:
    payload = _feed(clock)["X: direct message"]
    assert post_x(server, payload, secret="wrong").status_code == 401


def test_each_platform_becomes_a_case_with_the_right_shape(
    server: str, runtime: Runtime, standin: SlackStandin, clock: ManualClock
) -> None:
    feed = _feed(clock)
    assert post_meta(server, feed["Facebook: question under our post"]).status_code == 200
    assert post_meta(server, feed["Instagram: praise"]).status_code == 200
    assert (
        post_meta(
            server, feed["Messenger: private message with an order number and a card number"]
        ).status_code
        == 200
    )
    assert post_x(server, feed["X: direct message"]).status_code == 200
    assert (
        post_x(server, feed["X: angry billing complaint with an email and a phone number"]).status_code == 200
    )
    settle(runtime, clock)

    by_platform = {(m.platform, m.kind, m.is_private) for m in _mentions(runtime)}
    assert (Platform.FACEBOOK, MentionKind.COMMENT, False) in by_platform
    assert (Platform.INSTAGRAM, MentionKind.COMMENT, False) in by_platform
    assert (Platform.MESSENGER, MentionKind.DIRECT, True) in by_platform
    assert (Platform.X, MentionKind.DIRECT, True) in by_platform
    assert any(p == Platform.X and not private for p, _, private in by_platform)
    with Session(runtime.engine) as s:
        cases = s.exec(select(Case)).all()
    assert len(cases) == 5
    assert {c.status for c in cases} == {CaseStatus.NEW}
    assert len(standin.calls_to("chat.postMessage")) == 5


def test_echoes_reads_and_own_posts_are_not_cases(server: str, runtime: Runtime, clock: ManualClock) -> None:
    feed = _feed(clock)
    assert post_meta(server, feed["Messenger: our own echo (not a case)"]).status_code == 200
    read = {
        "object": "page",
        "entry": [
            {
                "id": BRAND_PAGE_ID,
                "time": 1,
                "messaging": [
                    {
                        "sender": {"id": "3200000001"},
                        "recipient": {"id": BRAND_PAGE_ID},
                        "timestamp": 1458668856463,
                        "read": {"watermark": 1458668856253},
                    }
                ],
            }
        ],
    }
    assert post_meta(server, read).status_code == 200
    own_tweet = {
        "for_user_id": BRAND_X_ID,
        "tweet_create_events": [
            {
                "created_at": "Wed Nov 25 09:00:00 +0000 2026",
                "id_str": "1860000000000009999",
                "text": "We're rolling out a fix now.",
                "user": {
                    "id_str": BRAND_X_ID,
                    "screen_name": "acme_help",
                    "name": "Acme",
                    "followers_count": 90000,
                },
            }
        ],
    }
    assert post_x(server, own_tweet).status_code == 200
    runtime.drain()
    with Session(runtime.engine) as s:
        items = s.exec(select(InboxItem)).all()
        assert {i.status for i in items} == {InboxStatus.IGNORED}
        assert all(i.reason for i in items)
        assert s.exec(select(Case)).all() == []


def test_x_reply_lands_in_the_cards_thread(
    server: str, runtime: Runtime, standin: SlackStandin, clock: ManualClock
) -> None:
    feed = _feed(clock)
    post_x(server, feed["X: angry billing complaint with an email and a phone number"])
    runtime.drain()
    clock.advance(timedelta(minutes=8))
    post_x(server, feed["X: Dana follows up in the same thread"])
    runtime.drain()
    clock.advance(timedelta(seconds=2))
    runtime.outbox.drain()  # the card update waits for the channel's next slot

    with Session(runtime.engine) as s:
        cases = s.exec(select(Case)).all()
        assert len(cases) == 1 and cases[0].mention_count == 2
    messages = standin.messages("social-billing")
    assert len(messages) == 1, "a follow-up must not open a new card"
    card = messages[0]
    replies = card.replies
    assert len(replies) == 1
    assert "still waiting" in json.dumps(replies[0].blocks or replies[0].text)
    assert "REF-55120" not in json.dumps(replies[0].blocks or replies[0].text), (
        "order numbers are masked in the thread too"
    )
    assert len(standin.calls_to("chat.update")) == 1
