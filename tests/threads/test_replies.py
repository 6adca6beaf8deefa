"""Replies on Threads: created then published once, refused before any call when too long, and never
published twice when an attempt failed between the two steps."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import httpx
import pytest
from pydantic import SecretStr

from socialdesk.clock import ManualClock
from socialdesk.domain.enums import MentionKind, ReplyStatus, ReplyVisibility
from socialdesk.plugins import ErrorKind, OutgoingReply, PlatformError, ReplyTarget
from socialdesk.sources.threads.api import ThreadsApi
from socialdesk.sources.threads.replies import ThreadsReplyConnector
from socialdesk.sources.threads.samples import at, load
from socialdesk.sources.threads.spec import PLATFORM
from socialdesk.standin.platforms.threads_api import ThreadsApiStandIn
from socialdesk.testing import Desk

from .conftest import TOKEN, USER_ID, signed

CUSTOMER_POST = "17890000000000101"


def _posts(api: ThreadsApiStandIn) -> list[str]:
    return [r.path.rsplit("/", 1)[-1] for r in api.requests if r.method == "POST"]


# --- through socialdesk: the webhook's case answered with /social reply ----------------------------------


def _case_on_threads(desk: Desk, api: ThreadsApiStandIn) -> int:
    root = api.add_post("Our autumn sale starts today", id="17890000000000001")
    api.add_post("my order never arrived", username="dana.rides", reply_to=root, id=CUSTOMER_POST)
    body, headers = signed(at(load("reply_webhook.json"), desk.clock.now()))
    assert desk.post_webhook("threads", body, headers=headers).status_code == 200
    desk.settle()
    [card] = desk.cards()
    return card.case


def test_a_reply_goes_out_once_create_then_publish(desk: Desk, api: ThreadsApiStandIn) -> None:
    case = _case_on_threads(desk, api)

    desk.command(f"reply {case} Sorry Dana, we're checking order 4411 now")
    desk.settle()

    assert _posts(api) == ["threads", "threads_publish"]
    create = api.requests_to("POST", f"/v1.0/{USER_ID}/threads")[0]
    assert (
        "media_type=TEXT" in create.body.decode() and f"reply_to_id={CUSTOMER_POST}" in create.body.decode()
    )
    assert create.headers["authorization"] == f"Bearer {TOKEN}"
    [published] = api.published()
    assert published.replied_to == CUSTOMER_POST and "order 4411" in published.text
    [sent] = desk.replies(case)
    assert sent.status is ReplyStatus.SENT and sent.external_id == published.id


def test_over_500_characters_is_refused_with_a_reason_before_any_call(
    desk: Desk, api: ThreadsApiStandIn
) -> None:
    case = _case_on_threads(desk, api)
    before = len(api.requests)

    answers = desk.command(f"reply {case} {'x' * 501}")
    desk.settle()

    assert len(api.requests) == before  # nothing reached Threads
    assert not [r for r in desk.replies(case) if r.status is ReplyStatus.SENT]
    told = " ".join(str(a) for a in answers)
    assert "500" in told, told


# --- the connector against the stand-in -----------------------------------------------------------------


@pytest.fixture
def http() -> Iterator[httpx.Client]:
    with httpx.Client(timeout=httpx.Timeout(0.5, connect=2.0)) as client:
        yield client


@pytest.fixture
def connector(api: ThreadsApiStandIn, http: httpx.Client) -> ThreadsReplyConnector:
    api.add_post("Our autumn sale", id="17890000000000001")
    api.add_post(
        "my order never arrived", username="dana.rides", reply_to="17890000000000001", id=CUSTOMER_POST
    )
    return ThreadsReplyConnector(
        ThreadsApi(http, api_url=api.base_url, token=SecretStr(TOKEN)), user_id=USER_ID
    )


def _reply(
    text: str, key: str = "click-1", *, visibility: ReplyVisibility = ReplyVisibility.PUBLIC
) -> OutgoingReply:
    target = ReplyTarget(
        platform=PLATFORM,
        kind=MentionKind.REPLY,
        external_id=CUSTOMER_POST,
        conversation_key="threads:17890000000000001:dana.rides",
        author_id="dana.rides",
        posted_at=datetime(2026, 11, 24, 8, 58, tzinfo=UTC),
        is_private=False,
        extra={"reply_to_id": CUSTOMER_POST},
    )
    return OutgoingReply(idempotency_key=key, target=target, visibility=visibility, text=text)


def test_a_failed_publish_is_retried_on_the_same_container(
    connector: ThreadsReplyConnector, api: ThreadsApiStandIn, socialdesk_clock: ManualClock
) -> None:
    api.fail_next(status=500, edge="threads_publish")
    with pytest.raises(PlatformError) as failed:
        connector.send(_reply("We're on it"), now=socialdesk_clock.now())
    assert failed.value.kind is ErrorKind.UNAVAILABLE and "safe" in failed.value.message
    assert connector.prepared == 1

    sent = connector.send(_reply("We're on it", key="click-2"), now=socialdesk_clock.now())

    assert _posts(api) == ["threads", "threads_publish", "threads_publish"]  # one create only
    [published] = api.published()
    assert sent.external_id == published.id
    assert connector.prepared == 0


def test_a_publish_whose_answer_was_lost_is_not_published_again(
    connector: ThreadsReplyConnector, api: ThreadsApiStandIn, socialdesk_clock: ManualClock
) -> None:
    api.fail_next(delay=3, edge="threads_publish")  # published, but the answer comes after our timeout
    with pytest.raises(PlatformError) as failed:
        connector.send(_reply("We're on it"), now=socialdesk_clock.now())
    assert failed.value.kind is ErrorKind.UNAVAILABLE

    sent = connector.send(_reply("We're on it", key="click-2"), now=socialdesk_clock.now())

    [published] = api.published()  # still one reply on Threads
    assert sent.external_id == published.id
    assert sent.url is not None and "threads.net" in sent.url
    assert _posts(api) == ["threads", "threads_publish"]  # the retry only asked: status, then our replies


def test_an_expired_container_is_replaced(
    connector: ThreadsReplyConnector, api: ThreadsApiStandIn, socialdesk_clock: ManualClock
) -> None:
    api.fail_next(status=500, edge="threads_publish")
    with pytest.raises(PlatformError):
        connector.send(_reply("We're on it"), now=socialdesk_clock.now())
    socialdesk_clock.advance(timedelta(hours=25))

    connector.send(_reply("We're on it", key="click-2"), now=socialdesk_clock.now())

    assert _posts(api) == ["threads", "threads_publish", "threads", "threads_publish"]
    assert len(api.published()) == 1


def test_too_long_empty_and_private_are_refused_before_any_call(
    connector: ThreadsReplyConnector, api: ThreadsApiStandIn, socialdesk_clock: ManualClock
) -> None:
    before = len(api.requests)
    now = socialdesk_clock.now()
    with pytest.raises(PlatformError) as long:
        connector.send(_reply("é" * 501), now=now)
    with pytest.raises(PlatformError) as empty:
        connector.send(_reply("   "), now=now)
    with pytest.raises(PlatformError) as private:
        connector.send(_reply("hi", visibility=ReplyVisibility.PRIVATE), now=now)

    assert long.value.kind is ErrorKind.REJECTED and "501 characters" in long.value.message
    assert empty.value.kind is ErrorKind.REJECTED
    assert private.value.kind is ErrorKind.UNSUPPORTED
    assert len(api.requests) == before
    connector.send(_reply("é" * 500), now=now)  # exactly the limit goes out
    assert len(api.published()) == 1


def test_platform_refusals_are_explained(
    connector: ThreadsReplyConnector, api: ThreadsApiStandIn, socialdesk_clock: ManualClock
) -> None:
    now = socialdesk_clock.now()
    api.fail_next(status=429, headers={"Retry-After": "120"}, edge="threads")
    with pytest.raises(PlatformError) as limited:
        connector.send(_reply("a"), now=now)
    assert limited.value.kind is ErrorKind.RATE_LIMITED and limited.value.retry_at == now + timedelta(
        seconds=120
    )

    api.access_token = "rotated"
    with pytest.raises(PlatformError) as auth:
        connector.send(_reply("b"), now=now)
    assert auth.value.kind is ErrorKind.AUTH and "THREADS_TOKEN" in auth.value.message
    assert TOKEN not in auth.value.message

    api.access_token = TOKEN
    api.delete(CUSTOMER_POST)
    with pytest.raises(PlatformError) as gone:
        connector.send(_reply("c"), now=now)
    assert gone.value.kind is ErrorKind.GONE
    assert api.published() == []
