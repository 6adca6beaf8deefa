"""MetaReplyConnector against the Graph API stand-in over real loopback HTTP.

Targets are built the way production builds them: a Meta webhook delivery through the ingest normalizer,
so the ids and `extra` keys the connector reads are the ones ingest really stores.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from pydantic import SecretStr

from socialdesk.clock import ManualClock
from socialdesk.domain.enums import MentionKind, ReplyVisibility
from socialdesk.plugins.payloads import NO_BRAND
from socialdesk.plugins.replies import ErrorKind, OutgoingReply, PlatformError, ReplyTarget
from socialdesk.sources.meta import normalize as meta_normalizer
from socialdesk.sources.meta.replies import MetaReplyConnector
from socialdesk.standin.platforms import GraphApiStandIn

TOKEN = "meta-page-token-SECRET-77ab"
APP_SECRET = "meta-app-secret-SECRET-1c2d"
PAGE = "104729876543210"
IG = "17841400000000001"
CUSTOMER = "6000000000000001"
PUBLIC, PRIVATE = ReplyVisibility.PUBLIC, ReplyVisibility.PRIVATE


@pytest.fixture
def graph(clock: ManualClock) -> Iterator[GraphApiStandIn]:
    now = lambda: clock.now().timestamp()  # noqa: E731
    with GraphApiStandIn(
        now=now, access_token=TOKEN, page_id=PAGE, ig_account_id=IG, app_secret=APP_SECRET
    ) as g:
        yield g


@pytest.fixture
def client() -> Iterator[httpx.Client]:
    with httpx.Client(timeout=5.0) as client:
        yield client


@pytest.fixture
def connector(graph: GraphApiStandIn, client: httpx.Client) -> MetaReplyConnector:
    return MetaReplyConnector(
        client, graph_url=graph.base_url, page_token=SecretStr(TOKEN), app_secret=SecretStr(APP_SECRET)
    )


# -- deliveries, as Meta sends them ---------------------------------------------------------------


def ingest(obj: str, entry: dict[str, Any]) -> ReplyTarget:
    (m,) = meta_normalizer.normalize({"object": obj, "entry": [entry]}, NO_BRAND).mentions
    return ReplyTarget(
        m.platform, m.kind, m.external_id, m.conversation_key, m.author.id, m.posted_at, m.is_private, m.extra
    )


def fb_feed(value: dict[str, Any], when: datetime) -> ReplyTarget:
    value = {
        "verb": "add",
        "from": {"id": CUSTOMER, "name": "Jane"},
        "created_time": int(when.timestamp()),
        **value,
    }
    return ingest(
        "page", {"id": PAGE, "time": int(when.timestamp()), "changes": [{"field": "feed", "value": value}]}
    )


def ig_change(field: str, value: dict[str, Any], when: datetime) -> ReplyTarget:
    return ingest(
        "instagram", {"id": IG, "time": int(when.timestamp()), "changes": [{"field": field, "value": value}]}
    )


def messaging(obj: str, account: str, psid: str, when: datetime) -> ReplyTarget:
    event = {
        "sender": {"id": psid},
        "recipient": {"id": account},
        "timestamp": int(when.timestamp() * 1000),
        "message": {"mid": "m_customer_1", "text": "where is my parcel?"},
    }
    return ingest(obj, {"id": account, "time": int(when.timestamp() * 1000), "messaging": [event]})


def reply(
    target: ReplyTarget, visibility: ReplyVisibility, text: str = "Sorry Jane, we are on it"
) -> OutgoingReply:
    return OutgoingReply("k-1", target, visibility, text)


def fails(connector: MetaReplyConnector, outgoing: OutgoingReply, now: datetime) -> PlatformError:
    with pytest.raises(PlatformError) as caught:
        connector.send(outgoing, now=now)
    return caught.value


@pytest.fixture
def fb_comment(graph: GraphApiStandIn, clock: ManualClock) -> ReplyTarget:
    """A customer's comment under one of our Page posts, an hour ago."""
    when = clock.now() - timedelta(hours=1)
    post = graph.add_post(created_time=when - timedelta(days=1))
    comment = graph.add_comment(post, created_time=when, author_id=CUSTOMER)
    return fb_feed({"item": "comment", "comment_id": comment, "post_id": post, "parent_id": post}, when)


# -- endpoints ------------------------------------------------------------------------------------


def test_public_reply_to_a_facebook_comment(graph, connector, clock, fb_comment) -> None:
    sent = connector.send(reply(fb_comment, PUBLIC), now=clock.now())

    (request,) = graph.requests
    assert (request.method, request.path, request.query) == (
        "POST",
        f"/v21.0/{fb_comment.external_id}/comments",
        {},
    )
    body = request.json
    assert body == {
        "message": "Sorry Jane, we are on it",
        "access_token": TOKEN,
        "appsecret_proof": hmac.new(APP_SECRET.encode(), TOKEN.encode(), hashlib.sha256).hexdigest(),
    }
    (call,) = graph.calls
    assert (call.node, call.edge, call.params) == (
        fb_comment.external_id,
        "comments",
        {"message": body["message"]},
    )
    assert (
        sent.external_id == call.result["id"] and graph.objects[sent.external_id].message == body["message"]
    )


def test_a_reply_to_a_reply_goes_under_the_top_level_comment(graph, connector, clock, fb_comment) -> None:
    when = clock.now() - timedelta(minutes=5)
    post = fb_comment.extra["post_id"]
    nested = graph.add_comment(fb_comment.external_id, created_time=when, author_id=CUSTOMER)
    target = fb_feed(
        {"item": "comment", "comment_id": nested, "post_id": post, "parent_id": fb_comment.external_id}, when
    )
    assert target.kind is MentionKind.REPLY

    connector.send(reply(target, PUBLIC), now=clock.now())

    (call,) = graph.calls
    assert (call.node, call.edge) == (fb_comment.external_id, "comments")


def test_public_reply_to_a_visitor_post(graph, connector, clock) -> None:
    when = clock.now() - timedelta(hours=2)
    post = graph.add_post(created_time=when, author_id=CUSTOMER)
    target = fb_feed({"item": "status", "post_id": post, "message": "Anyone there?"}, when)

    connector.send(reply(target, PUBLIC), now=clock.now())

    (call,) = graph.calls
    assert (call.node, call.edge, call.params) == (post, "comments", {"message": "Sorry Jane, we are on it"})


def test_private_reply_to_a_facebook_comment_uses_the_page_of_the_delivery(
    graph, connector, clock, fb_comment
) -> None:
    sent = connector.send(reply(fb_comment, PRIVATE), now=clock.now())

    (request,) = graph.requests
    assert request.path == f"/v21.0/{PAGE}/messages"
    (call,) = graph.calls
    assert call.params == {
        "recipient": {"comment_id": fb_comment.external_id},
        "message": {"text": "Sorry Jane, we are on it"},
        "messaging_type": "RESPONSE",
    }
    assert call.result["recipient_id"] == CUSTOMER and sent.external_id == call.result["message_id"]


def test_private_reply_to_a_visitor_post_names_the_post(graph, connector, clock) -> None:
    when = clock.now() - timedelta(days=6)
    post = graph.add_post(created_time=when, author_id=CUSTOMER)
    target = fb_feed({"item": "status", "post_id": post, "message": "Anyone there?"}, when)

    connector.send(reply(target, PRIVATE), now=clock.now())

    (call,) = graph.calls
    assert call.params["recipient"] == {"post_id": post}


def test_instagram_comment_public_reply_and_reply_to_a_reply(graph, connector, clock) -> None:
    when = clock.now() - timedelta(hours=1)
    media = graph.add_post(platform="instagram", created_time=when - timedelta(days=2))
    comment = graph.add_comment(media, created_time=when, author_id=CUSTOMER)
    nested = graph.add_comment(comment, created_time=when, author_id=CUSTOMER)
    sender = {"id": CUSTOMER, "username": "jane"}
    top = ig_change(
        "comments", {"id": comment, "text": "broken?", "media": {"id": media}, "from": sender}, when
    )
    under = ig_change(
        "comments",
        {"id": nested, "parent_id": comment, "text": "hello?", "media": {"id": media}, "from": sender},
        when,
    )

    connector.send(reply(top, PUBLIC), now=clock.now())
    connector.send(reply(under, PUBLIC, "Checking now"), now=clock.now())

    assert [(c.node, c.edge, c.params) for c in graph.calls] == [
        (comment, "replies", {"message": "Sorry Jane, we are on it"}),
        (comment, "replies", {"message": "Checking now"}),  # Instagram threads one level deep
    ]


def test_instagram_comment_private_reply_goes_through_the_configured_page(graph, client, clock) -> None:
    when = clock.now() - timedelta(days=3)
    media = graph.add_post(platform="instagram", created_time=when)
    comment = graph.add_comment(media, created_time=when, author_id=CUSTOMER)
    target = ig_change("comments", {"id": comment, "text": "help", "media": {"id": media}}, when)
    connector = MetaReplyConnector(
        client,
        graph_url=graph.base_url,
        page_token=SecretStr(TOKEN),
        app_secret=SecretStr(APP_SECRET),
        page_id=PAGE,
    )

    connector.send(reply(target, PRIVATE), now=clock.now())

    (request,) = graph.requests
    assert request.path == f"/v21.0/{PAGE}/messages"
    assert graph.calls[0].params["recipient"] == {"comment_id": comment}


@pytest.mark.parametrize("in_comment", [True, False], ids=["comment-mention", "caption-mention"])
def test_instagram_mentions_are_answered_through_our_account(graph, connector, clock, in_comment) -> None:
    media = graph.add_post(platform="instagram", created_time=clock.now(), author_id="7000")
    comment = graph.add_comment(media, created_time=clock.now(), author_id=CUSTOMER) if in_comment else None
    value = {"media_id": media, **({"comment_id": comment} if comment else {})}
    target = ig_change("mentions", value, clock.now())

    connector.send(reply(target, PUBLIC), now=clock.now())

    (call,) = graph.calls
    expected = {
        "media_id": media,
        **({"comment_id": comment} if comment else {}),
        "message": "Sorry Jane, we are on it",
    }
    assert (call.node, call.edge, call.params) == (IG, "mentions", expected)


@pytest.mark.parametrize(("obj", "account", "path"), [("page", PAGE, PAGE), ("instagram", IG, "me")])
def test_direct_messages_are_answered_in_the_conversation(
    graph, connector, clock, obj, account, path
) -> None:
    graph.add_conversation("7100000000000042", last_message_at=clock.now() - timedelta(hours=2))
    target = messaging(obj, account, "7100000000000042", clock.now() - timedelta(hours=2))

    sent = connector.send(reply(target, PRIVATE), now=clock.now())

    (request,) = graph.requests
    assert request.path == f"/v21.0/{path}/messages"
    assert graph.calls[0].params == {
        "recipient": {"id": "7100000000000042"},
        "message": {"text": "Sorry Jane, we are on it"},
        "messaging_type": "RESPONSE",
    }
    assert sent.external_id.startswith("m_")


def test_what_meta_cannot_take_is_refused_before_calling(graph, connector, clock, fb_comment) -> None:
    dm = messaging("page", PAGE, "7100000000000042", clock.now())
    review = fb_feed(
        {"item": "rating", "post_id": "55_66", "review_text": "meh", "recommendation_type": "negative"},
        clock.now(),
    )
    cases = [
        (reply(dm, PUBLIC), ErrorKind.UNSUPPORTED),
        (reply(review, PRIVATE), ErrorKind.UNSUPPORTED),
        (reply(fb_comment, PUBLIC, "  "), ErrorKind.REJECTED),
        (reply(dm, PRIVATE, "z" * 2001), ErrorKind.REJECTED),
    ]
    assert [fails(connector, outgoing, clock.now()).kind for outgoing, _ in cases] == [k for _, k in cases]
    assert graph.requests == []


# -- failures -------------------------------------------------------------------------------------


def test_an_expired_token_is_auth_and_never_shown(graph, connector, clock, fb_comment, caplog) -> None:
    caplog.set_level(logging.DEBUG)
    graph.expire_token()

    error = fails(connector, reply(fb_comment, PUBLIC), clock.now())

    assert error.kind is ErrorKind.AUTH and "META_PAGE_TOKEN" in error.message and "expired" in error.message
    assert len(graph.requests) == 1 and graph.calls == []
    shown = [error.message, repr(error), *(r.getMessage() for r in caplog.records)]
    assert not any(TOKEN in text or APP_SECRET in text for text in shown)
    assert TOKEN not in str(graph.requests[0].path) and not graph.requests[0].query  # never in the URL


def test_a_deleted_comment_is_gone(graph, connector, clock, fb_comment) -> None:
    graph.delete(fb_comment.external_id)

    error = fails(connector, reply(fb_comment, PUBLIC), clock.now())

    assert error.kind is ErrorKind.GONE and len(graph.requests) == 1 and graph.calls == []


def test_a_permission_error_on_the_object_is_gone(graph, connector, clock, fb_comment) -> None:
    graph.fail_next(code=10)

    assert fails(connector, reply(fb_comment, PUBLIC), clock.now()).kind is ErrorKind.GONE


def test_a_customer_meta_no_longer_knows_is_gone(graph, connector, clock) -> None:
    target = messaging("page", PAGE, "7100000000000099", clock.now())  # no conversation in the stand-in

    assert fails(connector, reply(target, PRIVATE), clock.now()).kind is ErrorKind.GONE


def test_private_reply_after_7_days_is_refused_before_calling(graph, connector, clock, fb_comment) -> None:
    clock.advance(timedelta(days=7))

    error = fails(connector, reply(fb_comment, PRIVATE), clock.now())

    assert error.kind is ErrorKind.WINDOW_CLOSED and "7 days" in error.message and "publicly" in error.message
    assert graph.requests == []
    connector.send(reply(fb_comment, PUBLIC), now=clock.now())  # a public answer still works
    assert len(graph.calls) == 1


def test_meta_closing_the_window_is_window_closed(graph, connector, clock) -> None:
    graph.add_conversation("7100000000000042", last_message_at=clock.now() - timedelta(hours=25))
    target = messaging("page", PAGE, "7100000000000042", clock.now() - timedelta(hours=25))

    error = fails(connector, reply(target, PRIVATE), clock.now())

    assert error.kind is ErrorKind.WINDOW_CLOSED and "24 hours" in error.message
    assert len(graph.requests) == 1 and graph.calls == []


def test_a_second_private_reply_to_one_comment_is_rejected(graph, connector, clock, fb_comment) -> None:
    connector.send(reply(fb_comment, PRIVATE), now=clock.now())

    error = fails(connector, reply(fb_comment, PRIVATE, "One more thing"), clock.now())

    assert error.kind is ErrorKind.REJECTED and "already" in error.message
    assert len(graph.requests) == 2 and len(graph.calls) == 1


@pytest.mark.parametrize(
    ("code", "headers", "wait"),
    [
        (613, {"Retry-After": "120"}, timedelta(seconds=120)),
        (4, {}, timedelta(seconds=60)),
        (
            32,
            {
                "X-Business-Use-Case-Usage": json.dumps(
                    {PAGE: [{"type": "pages", "estimated_time_to_regain_access": 5}]}
                )
            },
            timedelta(minutes=5),
        ),
        (17, {"Retry-After": "Tue, 24 Nov 2026 10:00:00 GMT"}, timedelta(hours=1)),
    ],
    ids=["retry-after", "no-hint", "business-usage", "retry-after-date"],
)
def test_rate_limits_say_when_to_retry(graph, connector, clock, fb_comment, code, headers, wait) -> None:
    graph.fail_next(code=code, headers=headers)

    error = fails(connector, reply(fb_comment, PUBLIC), clock.now())

    assert error.kind is ErrorKind.RATE_LIMITED and error.retry_at == clock.now() + wait
    assert len(graph.requests) == 1 and graph.calls == []


@pytest.mark.parametrize(
    "failure",
    [
        {"status": 500},
        {"code": 1},
        {"status": 502, "body": b"<html>Bad Gateway</html>"},
        {"disconnect": True},
    ],
    ids=["transient-500", "unknown-error", "proxy-502", "dropped"],
)
def test_server_errors_are_unavailable(graph, connector, clock, fb_comment, failure) -> None:
    graph.fail_next(**failure)

    error = fails(connector, reply(fb_comment, PUBLIC), clock.now())

    assert error.kind is ErrorKind.UNAVAILABLE and len(graph.requests) == 1


def test_a_timeout_is_unavailable_though_meta_may_have_posted(graph, clock, fb_comment) -> None:
    graph.delay_next(30)  # cut short when the stand-in stops
    with httpx.Client(timeout=0.2) as client:
        connector = MetaReplyConnector(
            client, graph_url=graph.base_url, page_token=SecretStr(TOKEN), app_secret=SecretStr(APP_SECRET)
        )
        error = fails(connector, reply(fb_comment, PUBLIC), clock.now())

    assert error.kind is ErrorKind.UNAVAILABLE and "may or may not" in error.message
    assert len(graph.requests) == 1 and len(graph.calls) == 1


def test_other_graph_errors_are_rejected_quoting_meta(graph, connector, clock, fb_comment) -> None:
    graph.fail_next(code=368)

    error = fails(connector, reply(fb_comment, PUBLIC), clock.now())

    assert error.kind is ErrorKind.REJECTED and "deemed abusive" in error.message


def test_the_posted_time_comes_from_ingest(clock, fb_comment) -> None:
    assert fb_comment.posted_at == (clock.now() - timedelta(hours=1)).replace(microsecond=0)
    assert fb_comment.posted_at.tzinfo == UTC and fb_comment.extra["page_id"] == PAGE
