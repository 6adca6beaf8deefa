"""XReplyConnector against the X API stand-in over real loopback HTTP: what X received, and each failure."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import httpx
import pytest
from pydantic import SecretStr

from socialdesk.clock import ManualClock
from socialdesk.domain.enums import MentionKind, Platform, ReplyVisibility
from socialdesk.plugins.replies import ErrorKind, OutgoingReply, PlatformError, ReplyTarget
from socialdesk.sources.x.replies import XReplyConnector, weighted_length
from socialdesk.standin.platforms import XApiStandIn

TOKEN = "x-user-token-SECRET-4f9a0c"
TWEETS = "/2/tweets"


@pytest.fixture
def xapi(clock: ManualClock) -> Iterator[XApiStandIn]:
    with XApiStandIn(now=lambda: clock.now().timestamp(), bearer_token=TOKEN) as server:
        yield server


@pytest.fixture
def client() -> Iterator[httpx.Client]:
    with httpx.Client(timeout=5.0) as client:
        yield client


@pytest.fixture
def connector(xapi: XApiStandIn, client: httpx.Client) -> XReplyConnector:
    return XReplyConnector(client, base_url=xapi.base_url, access_token=SecretStr(TOKEN))


def public(
    tweet: dict, text: str = "@jane sorry about that, we are on it", key: str = "k-1"
) -> OutgoingReply:
    target = ReplyTarget(
        platform=Platform.X,
        kind=MentionKind.POST,
        external_id=tweet["id"],
        conversation_key=f"x:{tweet['id']}",
        author_id=tweet["author_id"],
        posted_at=datetime(2026, 11, 24, 8, 0, tzinfo=UTC),
        is_private=False,
    )
    return OutgoingReply(key, target, ReplyVisibility.PUBLIC, text)


def dm(user_id: str, text: str = "Could you send us your order number?") -> OutgoingReply:
    target = ReplyTarget(
        platform=Platform.X,
        kind=MentionKind.DIRECT,
        external_id="1866000000000000001",
        conversation_key=f"x_dm:{user_id}",
        author_id=user_id,
        posted_at=datetime(2026, 11, 24, 8, 0, tzinfo=UTC),
        is_private=True,
    )
    return OutgoingReply("k-dm", target, ReplyVisibility.PRIVATE, text)


def fails(connector: XReplyConnector, reply: OutgoingReply, now: datetime) -> PlatformError:
    with pytest.raises(PlatformError) as caught:
        connector.send(reply, now=now)
    return caught.value


def test_public_reply_posts_one_tweet_in_reply_to_the_mention(xapi, connector, clock) -> None:
    mention = xapi.add_mention("@socialdesk my order is late", "jane")

    sent = connector.send(public(mention), now=clock.now())

    (request,) = xapi.requests
    assert (request.method, request.path) == ("POST", TWEETS)
    assert request.headers["authorization"] == f"Bearer {TOKEN}"
    assert request.headers["content-type"] == "application/json"
    assert request.json == {
        "text": "@jane sorry about that, we are on it",
        "reply": {"in_reply_to_tweet_id": mention["id"]},
    }
    assert xapi.posted == [{**request.json, "id": sent.external_id}]
    assert sent.url == f"https://x.com/i/web/status/{sent.external_id}"


def test_private_reply_sends_one_dm_to_the_customer(xapi, connector, clock) -> None:
    jane = xapi.add_user("jane")

    sent = connector.send(dm(jane["id"]), now=clock.now())

    (request,) = xapi.requests
    assert request.path == f"/2/dm_conversations/with/{jane['id']}/messages"
    assert request.json == {"text": "Could you send us your order number?"}
    assert xapi.dms == [
        {
            "participant_id": jane["id"],
            "text": "Could you send us your order number?",
            "dm_event_id": sent.external_id,
            "dm_conversation_id": f"{jane['id']}-{xapi.user_id}",  # lower id first, as X does
        }
    ]
    assert sent.url is None


def test_a_revoked_token_is_auth_and_never_shown(xapi, client, clock, caplog) -> None:
    caplog.set_level(logging.DEBUG)
    mention = xapi.add_mention("@socialdesk hello", "jane")
    stale = "x-user-token-SECRET-expired"
    connector = XReplyConnector(client, base_url=xapi.base_url, access_token=SecretStr(stale))

    error = fails(connector, public(mention), clock.now())

    assert error.kind is ErrorKind.AUTH and "X_ACCESS_TOKEN" in error.message
    assert len(xapi.requests) == 1 and xapi.posted == []
    shown = [error.message, str(error), repr(error), *(r.getMessage() for r in caplog.records)]
    assert not any(stale in text or TOKEN in text for text in shown)


def test_a_403_saying_the_token_cannot_post_is_auth(xapi, connector, clock) -> None:
    mention = xapi.add_mention("@socialdesk hello", "jane")
    problem = {
        "title": "Unsupported Authentication",
        "detail": "Authenticating with OAuth 2.0 Application-Only is forbidden for this endpoint.",
        "type": "https://api.twitter.com/2/problems/unsupported-authentication",
        "status": 403,
    }
    xapi.fail_next(403, body=problem, endpoint="tweets")

    error = fails(connector, public(mention), clock.now())

    assert error.kind is ErrorKind.AUTH and "Application-Only" in error.message
    assert len(xapi.requests) == 1


def test_a_deleted_post_is_gone(xapi, connector, clock) -> None:
    mention = xapi.add_mention("@socialdesk never mind", "jane")
    xapi.delete_tweet(mention["id"])

    error = fails(connector, public(mention), clock.now())

    assert error.kind is ErrorKind.GONE and "deleted" in error.message
    assert len(xapi.requests) == 1 and xapi.posted == []


def test_duplicate_text_is_rejected_by_x(xapi, connector, clock) -> None:
    first = xapi.add_mention("@socialdesk late", "jane")
    second = xapi.add_mention("@socialdesk also late", "joe")
    connector.send(public(first, "We are on it"), now=clock.now())

    error = fails(connector, public(second, "We are on it", key="k-2"), clock.now())

    assert error.kind is ErrorKind.REJECTED and "duplicate" in error.message
    assert len(xapi.requests_to("POST", TWEETS)) == 2 and len(xapi.posted) == 1


def test_rate_limit_carries_the_reset_time_x_sent(xapi, connector, clock) -> None:
    mention = xapi.add_mention("@socialdesk hello", "jane")
    xapi.fail_next(429, endpoint="tweets")

    error = fails(connector, public(mention), clock.now())

    _, reset = xapi.rate_limit("tweets")
    assert error.kind is ErrorKind.RATE_LIMITED
    assert error.retry_at == datetime.fromtimestamp(reset, UTC) > clock.now()
    assert len(xapi.requests) == 1 and xapi.posted == []


@pytest.mark.parametrize(
    ("header", "expected"),
    [("1700000000", timedelta(seconds=60)), ("soon", timedelta(minutes=15))],
    ids=["reset-already-past", "unreadable-reset"],
)
def test_rate_limit_without_a_usable_reset_backs_off(xapi, connector, clock, header, expected) -> None:
    mention = xapi.add_mention("@socialdesk hello", "jane")
    xapi.fail_next(429, headers={"x-rate-limit-reset": header})

    error = fails(connector, public(mention), clock.now())

    assert error.kind is ErrorKind.RATE_LIMITED and error.retry_at == clock.now() + expected


@pytest.mark.parametrize("status", [500, 503])
def test_server_errors_are_unavailable(xapi, connector, clock, status) -> None:
    mention = xapi.add_mention("@socialdesk hello", "jane")
    xapi.fail_next(status)

    error = fails(connector, public(mention), clock.now())

    assert error.kind is ErrorKind.UNAVAILABLE and str(status) in error.message
    assert len(xapi.requests) == 1


def test_a_timeout_is_unavailable_and_may_have_posted(xapi, clock) -> None:
    mention = xapi.add_mention("@socialdesk hello", "jane")
    xapi.delay_next(30, endpoint="tweets")  # cut short when the stand-in stops
    with httpx.Client(timeout=0.2) as client:
        connector = XReplyConnector(client, base_url=xapi.base_url, access_token=SecretStr(TOKEN))
        error = fails(connector, public(mention), clock.now())

    assert error.kind is ErrorKind.UNAVAILABLE and "may or may not" in error.message
    assert len(xapi.requests) == 1 and len(xapi.posted) == 1  # X did post it: exactly why we do not retry


def test_a_dropped_connection_is_unavailable(xapi, connector, clock) -> None:
    mention = xapi.add_mention("@socialdesk hello", "jane")
    xapi.fail_next("disconnect")

    error = fails(connector, public(mention), clock.now())

    assert error.kind is ErrorKind.UNAVAILABLE and len(xapi.requests) == 1


def test_x_unreachable_is_unavailable_and_says_nothing_was_posted(client, clock) -> None:
    with XApiStandIn(now=lambda: clock.now().timestamp()) as gone:
        base_url = gone.base_url  # a port nobody listens on once stopped
    connector = XReplyConnector(client, base_url=base_url, access_token=SecretStr(TOKEN))

    error = fails(connector, dm("2244994946"), clock.now())

    assert error.kind is ErrorKind.UNAVAILABLE and "nothing was posted" in error.message


def test_a_public_reply_over_280_is_refused_before_calling(xapi, connector, clock) -> None:
    mention = xapi.add_mention("@socialdesk hello", "jane")

    error = fails(connector, public(mention, "x" * 281), clock.now())

    assert error.kind is ErrorKind.REJECTED and "281" in error.message and "280" in error.message
    assert xapi.requests == []
    connector.send(public(mention, "x" * 280), now=clock.now())  # the limit itself is fine
    assert len(xapi.posted) == 1


def test_x_counts_wide_characters_twice_and_links_as_23() -> None:
    assert weighted_length("hello") == 5
    assert weighted_length("注文") == 4
    assert weighted_length("see https://example.com/" + "a" * 200 + " now") == 4 + 23 + 4
    assert weighted_length("e\u0301") == 1  # NFC first: one composed character


def test_a_dm_over_10000_characters_is_refused_before_calling(xapi, connector, clock) -> None:
    jane = xapi.add_user("jane")

    error = fails(connector, dm(jane["id"], "y" * 10_001), clock.now())

    assert error.kind is ErrorKind.REJECTED and xapi.requests == []


def test_x_refusing_a_dm_is_rejected_with_its_reason(xapi, connector, clock) -> None:
    error = fails(connector, dm("999"), clock.now())  # nobody X knows

    assert error.kind is ErrorKind.REJECTED and "You cannot send messages to this user." in error.message
    assert len(xapi.requests) == 1 and xapi.dms == []


def test_an_invalid_request_is_rejected_quoting_x(xapi, connector, clock) -> None:
    mention = xapi.add_mention("@socialdesk hello", "jane")
    invalid = {
        "errors": [{"parameters": {"text": ["..."]}, "message": "Your Tweet text is invalid."}],
        "title": "Invalid Request",
        "detail": "One or more parameters to your request was invalid.",
        "type": "https://api.twitter.com/2/problems/invalid-request",
    }
    xapi.fail_next(400, body=invalid)

    error = fails(connector, public(mention), clock.now())

    assert error.kind is ErrorKind.REJECTED and "Your Tweet text is invalid." in error.message


def test_a_dm_cannot_be_answered_publicly(xapi, connector, clock) -> None:
    private = dm("2244994946")
    as_public = OutgoingReply("k-3", private.target, ReplyVisibility.PUBLIC, "hello")

    error = fails(connector, as_public, clock.now())

    assert error.kind is ErrorKind.UNSUPPORTED and xapi.requests == []


def test_an_empty_reply_is_refused_before_calling(xapi, connector, clock) -> None:
    mention = xapi.add_mention("@socialdesk hello", "jane")

    assert fails(connector, public(mention, "   "), clock.now()).kind is ErrorKind.REJECTED
    assert xapi.requests == []
