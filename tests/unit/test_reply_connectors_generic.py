"""GenericReplyConnector against the generic receiver stand-in, which checks the signature on its own."""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import Iterator
from datetime import timedelta

import httpx
import pytest
from pydantic import SecretStr

from socialdesk.clock import ManualClock
from socialdesk.domain.enums import ReplyVisibility
from socialdesk.plugins.payloads import NO_BRAND
from socialdesk.plugins.replies import ErrorKind, OutgoingReply, PlatformError, ReplyTarget
from socialdesk.sources.generic import normalize as generic_normalizer
from socialdesk.sources.generic.replies import GenericReplyConnector
from socialdesk.standin.platforms import GenericReceiverStandIn

SECRET = "generic-webhook-SECRET-9e1f"


@pytest.fixture
def receiver() -> Iterator[GenericReceiverStandIn]:
    with GenericReceiverStandIn(secret=SECRET) as server:
        yield server


@pytest.fixture
def client() -> Iterator[httpx.Client]:
    with httpx.Client(timeout=5.0) as client:
        yield client


@pytest.fixture
def connector(receiver: GenericReceiverStandIn, client: httpx.Client) -> GenericReplyConnector:
    return GenericReplyConnector(client, url=receiver.reply_url, secret=SecretStr(SECRET))


@pytest.fixture
def target() -> ReplyTarget:
    """A reddit comment relayed through the generic webhook, through the real normalizer."""
    mention = {
        "platform": "reddit",
        "id": "t1_kx9z2",
        "text": "Support never answers, my order is 3 weeks late",
        "created_at": "2026-11-24T08:30:00Z",
        "author": {"id": "t2_abc123", "handle": "jane_r"},
        "in_reply_to": "t3_post77",
        "extra": {"subreddit": "r/acme", "thing_id": "t1_kx9z2"},
    }
    (m,) = generic_normalizer.normalize(mention, NO_BRAND).mentions
    return ReplyTarget(
        m.platform, m.kind, m.external_id, m.conversation_key, m.author.id, m.posted_at, m.is_private, m.extra
    )


def outgoing(
    target: ReplyTarget, key: str = "reply-41-1", text: str = "Sorry Jane, DM us your order"
) -> OutgoingReply:
    return OutgoingReply(key, target, ReplyVisibility.PUBLIC, text)


def fails(connector: GenericReplyConnector, reply: OutgoingReply, clock: ManualClock) -> PlatformError:
    with pytest.raises(PlatformError) as caught:
        connector.send(reply, now=clock.now())
    return caught.value


def test_posts_one_signed_reply_with_the_documented_body(receiver, connector, target, clock) -> None:
    sent = connector.send(outgoing(target), now=clock.now())

    (request,) = receiver.requests
    assert request.headers["idempotency-key"] == "reply-41-1"
    assert request.headers["content-type"] == "application/json"
    expected_signature = "sha256=" + hmac.new(SECRET.encode(), request.body, hashlib.sha256).hexdigest()
    assert request.headers["x-socialdesk-signature"] == expected_signature
    assert json.loads(request.body) == {
        "idempotency_key": "reply-41-1",
        "platform": "reddit",
        "in_reply_to": "t1_kx9z2",
        "conversation_key": "reddit:t3_post77",
        "author_id": "t2_abc123",
        "visibility": "public",
        "text": "Sorry Jane, DM us your order",
        "extra": {"subreddit": "r/acme", "thing_id": "t1_kx9z2"},
    }
    (received,) = receiver.received
    assert (sent.external_id, sent.url) == (received.id, f"{receiver.url}/items/{received.id}")


def test_the_same_idempotency_key_gets_the_same_reply(receiver, connector, target, clock) -> None:
    first = connector.send(outgoing(target), now=clock.now())
    again = connector.send(outgoing(target), now=clock.now())

    assert again == first and len(receiver.requests) == 2 and len(receiver.received) == 1


def test_a_receiver_without_an_id_still_counts_as_sent(receiver, connector, target, clock) -> None:
    receiver.fail_next(204, body=b"")

    sent = connector.send(outgoing(target), now=clock.now())

    assert (sent.external_id, sent.url) == ("reply-41-1", None)


def test_a_wrong_secret_is_auth_and_not_shown(receiver, client, target, clock) -> None:
    connector = GenericReplyConnector(client, url=receiver.reply_url, secret=SecretStr("not-the-SECRET"))

    error = fails(connector, outgoing(target), clock)

    assert error.kind is ErrorKind.AUTH and "X-Socialdesk-Signature" in error.message
    assert "not-the-SECRET" not in error.message and SECRET not in error.message
    assert len(receiver.requests) == 1 and receiver.received == []


def test_a_deleted_item_is_gone(receiver, connector, target, clock) -> None:
    receiver.gone.add("t1_kx9z2")

    error = fails(connector, outgoing(target), clock)

    assert error.kind is ErrorKind.GONE and len(receiver.requests) == 1 and receiver.received == []


def test_rate_limit_honours_retry_after(receiver, connector, target, clock) -> None:
    receiver.fail_next(
        429, body={"error": "rate_limited", "message": "slow down"}, headers={"Retry-After": "30"}
    )

    error = fails(connector, outgoing(target), clock)

    assert error.kind is ErrorKind.RATE_LIMITED and error.retry_at == clock.now() + timedelta(seconds=30)
    assert "slow down" in error.message


def test_the_receiver_can_name_the_kind(receiver, connector, target, clock) -> None:
    receiver.fail_next(409, body={"error": "window_closed", "message": "the thread is archived"})

    error = fails(connector, outgoing(target), clock)

    assert error.kind is ErrorKind.WINDOW_CLOSED and "the thread is archived" in error.message


@pytest.mark.parametrize(
    ("status", "body", "kind"),
    [
        (400, b"bad", ErrorKind.REJECTED),
        (403, b"", ErrorKind.AUTH),
        (404, b"", ErrorKind.GONE),
        (429, b"", ErrorKind.RATE_LIMITED),
        (500, None, ErrorKind.UNAVAILABLE),
        (503, b"<html>down</html>", ErrorKind.UNAVAILABLE),
    ],
)
def test_without_a_named_kind_the_status_decides(
    receiver, connector, target, clock, status, body, kind
) -> None:
    receiver.fail_next(status, body=body)

    error = fails(connector, outgoing(target), clock)

    assert error.kind is kind and len(receiver.requests) == 1


def test_a_timeout_is_unavailable(receiver, target, clock) -> None:
    receiver.fail_next(delay=30)  # a normal answer, held back until the stand-in stops
    with httpx.Client(timeout=0.2) as client:
        connector = GenericReplyConnector(client, url=receiver.reply_url, secret=SecretStr(SECRET))
        error = fails(connector, outgoing(target), clock)

    assert error.kind is ErrorKind.UNAVAILABLE and "may or may not" in error.message
    assert len(receiver.requests) == 1


def test_a_dropped_connection_is_unavailable(receiver, connector, target, clock) -> None:
    receiver.fail_next(disconnect=True)

    assert fails(connector, outgoing(target), clock).kind is ErrorKind.UNAVAILABLE


def test_an_empty_reply_is_refused_before_calling(receiver, connector, target, clock) -> None:
    assert fails(connector, outgoing(target, text=" "), clock).kind is ErrorKind.REJECTED
    assert receiver.requests == []
