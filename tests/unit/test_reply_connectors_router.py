"""build_reply_connectors: each platform reaches its own stand-in; missing settings named, secrets never."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from pydantic import SecretStr, ValidationError

from socialdesk.app_plugins import ReplyConnectors, build_reply_connectors
from socialdesk.clock import ManualClock
from socialdesk.domain.enums import MentionKind, Platform, ReplyVisibility
from socialdesk.plugins.replies import ErrorKind, OutgoingReply, PlatformError, ReplyTarget
from socialdesk.settings import Settings
from socialdesk.standin.platforms import GenericReceiverStandIn, GraphApiStandIn, XApiStandIn

X_TOKEN = "x-user-token-SECRET-aa11"
PAGE_TOKEN = "meta-page-token-SECRET-bb22"
APP_SECRET = "meta-app-secret-SECRET-cc33"
WEBHOOK_SECRET = "generic-SECRET-dd44"
SECRETS = (X_TOKEN, PAGE_TOKEN, APP_SECRET, WEBHOOK_SECRET)
PAGE = "104729876543210"


@pytest.fixture
def stand_ins(clock: ManualClock) -> Iterator[tuple[XApiStandIn, GraphApiStandIn, GenericReceiverStandIn]]:
    now = lambda: clock.now().timestamp()  # noqa: E731
    with (
        XApiStandIn(now=now, bearer_token=X_TOKEN) as x,
        GraphApiStandIn(now=now, access_token=PAGE_TOKEN, app_secret=APP_SECRET, page_id=PAGE) as graph,
        GenericReceiverStandIn(secret=WEBHOOK_SECRET) as receiver,
    ):
        yield x, graph, receiver


def make_settings(
    stand_ins: tuple[XApiStandIn, GraphApiStandIn, GenericReceiverStandIn], **overrides: Any
) -> Settings:
    x, graph, receiver = stand_ins
    values: dict[str, Any] = {
        "X_API_URL": x.base_url,
        "X_ACCESS_TOKEN": SecretStr(X_TOKEN),
        "META_GRAPH_URL": graph.base_url,
        "META_PAGE_TOKEN": SecretStr(PAGE_TOKEN),
        "META_APP_SECRET": SecretStr(APP_SECRET),
        "META_PAGE_ID": None,
        "GENERIC_REPLY_URL": receiver.reply_url,
        "WEBHOOK_SECRET": SecretStr(WEBHOOK_SECRET),
    }
    return Settings(_env_file=None, **{**values, **overrides})


@pytest.fixture
def client() -> Iterator[httpx.Client]:
    with httpx.Client(timeout=5.0) as client:
        yield client


def target(
    platform: Platform, kind: MentionKind, external_id: str, author_id: str = "7100000000000042", **extra: str
) -> ReplyTarget:
    private = kind is MentionKind.DIRECT
    return ReplyTarget(
        platform, kind, external_id, f"{platform.value}:{external_id}", author_id,
        datetime(2026, 11, 24, 8, 0, tzinfo=UTC), private, dict(extra),
    )  # fmt: skip


def send(connectors: ReplyConnectors, t: ReplyTarget, clock: ManualClock, text: str = "On it") -> Any:
    visibility = ReplyVisibility.PRIVATE if t.is_private else ReplyVisibility.PUBLIC
    return connectors.send(OutgoingReply(f"k-{t.external_id}", t, visibility, text), now=clock.now())


def test_each_platform_reaches_its_own_api(stand_ins, client, clock) -> None:
    x, graph, receiver = stand_ins
    mention = x.add_mention("@socialdesk late again", "jane")
    post = graph.add_post(created_time=clock.now() - timedelta(hours=3))
    comment = graph.add_comment(post, created_time=clock.now() - timedelta(hours=1))
    graph.add_conversation("7100000000000042", last_message_at=clock.now() - timedelta(hours=1))
    connectors = build_reply_connectors(make_settings(stand_ins), client=client)

    send(connectors, target(Platform.X, MentionKind.POST, mention["id"], mention["author_id"]), clock)
    send(connectors, target(Platform.FACEBOOK, MentionKind.COMMENT, comment, post_id=post), clock)
    send(connectors, target(Platform.MESSENGER, MentionKind.DIRECT, "m_1", page_id=PAGE), clock)
    for platform in (Platform.REDDIT, Platform.REVIEW, Platform.OTHER):
        send(connectors, target(platform, MentionKind.POST, f"{platform.value}-1"), clock)

    assert [p["reply"]["in_reply_to_tweet_id"] for p in x.posted] == [mention["id"]] and len(x.requests) == 1
    assert [(c.node, c.edge) for c in graph.calls] == [(comment, "comments"), (PAGE, "messages")]
    assert len(graph.requests) == 2
    assert [r.body["platform"] for r in receiver.received] == ["reddit", "review", "other"]
    assert len(receiver.requests) == 3
    connectors.close()
    assert not client.is_closed  # a client passed in belongs to the caller


def test_meta_page_id_setting_is_used_when_the_mention_names_no_page(stand_ins, client, clock) -> None:
    _, graph, _ = stand_ins
    media = graph.add_post(platform="instagram", created_time=clock.now() - timedelta(days=1))
    comment = graph.add_comment(media, created_time=clock.now() - timedelta(hours=1))
    connectors = build_reply_connectors(make_settings(stand_ins, META_PAGE_ID=PAGE), client=client)
    t = target(Platform.INSTAGRAM, MentionKind.COMMENT, comment, media_id=media)

    connectors.send(OutgoingReply("k", t, ReplyVisibility.PRIVATE, "Check your DMs"), now=clock.now())

    (request,) = graph.requests
    assert request.path == f"/v21.0/{PAGE}/messages"


@pytest.mark.parametrize(
    ("missing", "platform", "kind", "named"),
    [
        ("X_ACCESS_TOKEN", Platform.X, ErrorKind.AUTH, "X_ACCESS_TOKEN"),
        ("META_PAGE_TOKEN", Platform.INSTAGRAM, ErrorKind.AUTH, "META_PAGE_TOKEN"),
        ("GENERIC_REPLY_URL", Platform.REDDIT, ErrorKind.UNSUPPORTED, "GENERIC_REPLY_URL"),
        ("WEBHOOK_SECRET", Platform.REVIEW, ErrorKind.AUTH, "WEBHOOK_SECRET"),
    ],
)
def test_missing_settings_refuse_with_the_variable_named(
    stand_ins, client, clock, missing, platform, kind, named
) -> None:
    connectors = build_reply_connectors(make_settings(stand_ins, **{missing: None}), client=client)

    with pytest.raises(PlatformError) as caught:
        send(connectors, target(platform, MentionKind.COMMENT, "123"), clock)

    assert caught.value.kind is kind and named in caught.value.message
    assert all(s.requests == [] for s in stand_ins)


def test_a_blank_token_counts_as_missing(stand_ins, client, clock) -> None:
    connectors = build_reply_connectors(
        make_settings(stand_ins, X_ACCESS_TOKEN=SecretStr(" ")), client=client
    )

    with pytest.raises(PlatformError) as caught:
        send(connectors, target(Platform.X, MentionKind.POST, "1800000000000000001"), clock)

    assert caught.value.kind is ErrorKind.AUTH and stand_ins[0].requests == []


def test_secrets_never_reach_logs_or_messages(stand_ins, client, clock, caplog) -> None:
    caplog.set_level(logging.DEBUG)
    x, graph, receiver = stand_ins
    x.bearer_token = "rotated"
    graph.expire_token()
    receiver.secret = "rotated"
    connectors = build_reply_connectors(make_settings(stand_ins), client=client)
    mention = x.add_mention("@socialdesk hi", "jane")
    post = graph.add_post(created_time=clock.now())
    targets = [
        target(Platform.X, MentionKind.POST, mention["id"], mention["author_id"]),
        target(Platform.FACEBOOK, MentionKind.POST, post),
        target(Platform.OTHER, MentionKind.POST, "o-1"),
    ]

    errors = []
    for t in targets:
        with pytest.raises(PlatformError) as caught:
            send(connectors, t, clock)
        errors.append(caught.value)

    assert [e.kind for e in errors] == [ErrorKind.AUTH] * 3
    shown = [text for e in errors for text in (e.message, str(e), repr(e))]
    shown += [record.getMessage() for record in caplog.records]
    assert any("not sent" in text for text in shown)  # the router did log the failures
    assert not [text for text in shown if any(secret in text for secret in SECRETS)]


def test_without_a_client_it_builds_and_closes_its_own(stand_ins, clock) -> None:
    x, _, _ = stand_ins
    mention = x.add_mention("@socialdesk hi", "jane")
    with build_reply_connectors(make_settings(stand_ins)) as connectors:
        sent = send(
            connectors, target(Platform.X, MentionKind.POST, mention["id"], mention["author_id"]), clock
        )
    assert sent.external_id == x.posted[0]["id"]


@pytest.mark.parametrize(
    ("values", "error"),
    [
        ({"GENERIC_REPLY_URL": "ftp://example.com/replies"}, "http(s) URL"),
        ({"META_PAGE_ID": "my-page"}, "numeric id"),
    ],
)
def test_settings_are_validated(values, error) -> None:
    with pytest.raises(ValidationError, match=r"GENERIC_REPLY_URL|META_PAGE_ID") as caught:
        Settings(_env_file=None, **values)
    assert error in str(caught.value)


def test_settings_defaults_and_blanks() -> None:
    settings = Settings(_env_file=None, GENERIC_REPLY_URL=" ", META_PAGE_ID="")
    assert (settings.generic_reply_url, settings.meta_page_id) == (None, None)
    settings = Settings(_env_file=None, GENERIC_REPLY_URL="https://relay.example.com/r", META_PAGE_ID=" 42 ")
    assert (settings.generic_reply_url, settings.meta_page_id) == ("https://relay.example.com/r", "42")
