"""The Threads poller, run as socialdesk schedules it, against the stand-in: mentions and replies under
our posts become cards, follow-ups join, the cursor moves on, and Threads' limits are honoured."""

from __future__ import annotations

from datetime import timedelta

from socialdesk.standin.platforms.threads_api import ThreadsApiStandIn
from socialdesk.testing import Desk

from .conftest import USER_ID


def _gets(api: ThreadsApiStandIn) -> list[str]:
    return [r.path.removeprefix("/v1.0/") for r in api.requests if r.method == "GET"]


def _arrange(desk: Desk, api: ThreadsApiStandIn) -> tuple[str, str]:
    now = desk.clock.now()
    post = api.add_post("Our autumn sale starts today", at=now - timedelta(days=1))
    reply = api.add_post(
        "my order 4411 never arrived", username="dana.rides", reply_to=post, at=now - timedelta(minutes=2)
    )
    api.add_post(
        "@acme charged twice for one order",
        username="lee.k",
        mentions_brand=True,
        at=now - timedelta(minutes=3),
    )
    api.add_post("@acme old news", username="old.timer", mentions_brand=True, at=now - timedelta(hours=3))
    return post, reply


def test_polled_mentions_and_replies_become_cards(desk: Desk, api: ThreadsApiStandIn) -> None:
    _arrange(desk, api)

    assert desk.poll("threads") == "ok"
    desk.settle()

    texts = sorted(card.text for card in desk.cards())
    assert len(texts) == 2  # the 3-hour-old mention is before the first poll's look-back
    assert any("charged twice" in t and "lee.k" in t for t in texts)
    assert any("4411 never arrived" in t and "dana.rides" in t for t in texts)


def test_a_polled_follow_up_joins_and_our_own_answer_is_no_case(desk: Desk, api: ThreadsApiStandIn) -> None:
    post, reply = _arrange(desk, api)
    desk.poll("threads")
    desk.settle()
    desk.clock.advance(timedelta(minutes=1))
    ours = api.add_post("Sorry Dana, checking now", reply_to=reply)
    api.add_post("thanks, it's order 4411 from May", username="dana.rides", reply_to=ours)

    assert desk.poll("threads") == "ok"
    desk.settle()

    assert len(desk.cards()) == 2
    [dana] = [c for c in desk.cases() if c.conversation_key == f"threads:{post}:dana.rides"]
    assert dana.mention_count == 2


def test_the_cursor_moves_on(desk: Desk, api: ThreadsApiStandIn) -> None:
    _arrange(desk, api)
    desk.poll("threads")
    desk.settle()
    stored = len(desk.inbox("threads_poll"))
    assert stored == 2  # one page of mentions, one of the conversation under our post
    desk.clock.advance(timedelta(minutes=1))

    assert desk.poll("threads") == "ok"
    desk.settle()

    assert len(desk.cases()) == 2
    mentions = [r for r in api.requests if r.path.endswith("/mentions")]
    assert int(mentions[-1].query["since"]) > int(mentions[0].query["since"])
    assert len(desk.inbox("threads_poll")) == stored  # the items seen again were not stored again


def test_a_429_backs_off_until_threads_allows(desk: Desk, api: ThreadsApiStandIn) -> None:
    _arrange(desk, api)
    api.fail_next(status=429, headers={"Retry-After": "300"}, edge="mentions")

    assert desk.poll("threads") == "rate_limited"
    calls = len(api.requests)
    desk.clock.advance(timedelta(seconds=120))
    assert desk.poll("threads") == "waiting"
    assert len(api.requests) == calls  # not called before Retry-After
    desk.clock.advance(timedelta(seconds=181))
    assert desk.poll("threads") == "ok"
    desk.settle()
    assert len(desk.cards()) == 2


def test_a_usage_header_near_the_limit_pauses_polling(desk: Desk, api: ThreadsApiStandIn) -> None:
    _arrange(desk, api)
    api.usage = 97  # X-App-Usage: 97% of the app's budget for this user

    assert desk.poll("threads") == "ok"  # what it fetched is kept
    calls = len(api.requests)
    desk.clock.advance(timedelta(minutes=5))

    assert desk.poll("threads") == "rate_limited"
    assert len(api.requests) == calls
    desk.settle()
    assert len(desk.cards()) == 1  # the mentions; the replies wait for the next hour
    api.usage = 10
    desk.clock.advance(timedelta(hours=1))
    assert desk.poll("threads") == "ok"
    desk.settle()
    assert len(desk.cards()) == 2


def test_a_rejected_token_is_an_error_and_the_cursor_stays(desk: Desk, api: ThreadsApiStandIn) -> None:
    _arrange(desk, api)
    api.access_token = "rotated"

    assert desk.poll("threads") == "error"
    assert all(r.query.get("since") for r in api.requests if r.path == f"/v1.0/{USER_ID}/mentions")
    api.access_token = "threads-test-token-0123"
    assert desk.poll("threads") == "ok"
    desk.settle()
    assert len(desk.cards()) == 2
