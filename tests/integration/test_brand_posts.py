"""Crisis statements posted as the brand on X and on the Facebook Page, against the platform stand-ins
over real loopback HTTP: what each platform received (with which credentials), and every failure kind."""

from __future__ import annotations

import hashlib
import hmac
import logging
import socket
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import httpx
import pytest
from pydantic import SecretStr

from socialdesk.clock import ManualClock
from socialdesk.connectors.posts.base import BrandPost
from socialdesk.plugins.replies import ErrorKind, PlatformError
from socialdesk.settings import Settings
from socialdesk.sources.posts import BrandPosters, build_brand_posters
from socialdesk.standin.platforms import GraphApiStandIn, XApiStandIn

X_TOKEN = "x-user-token-SECRET-ee55"
PAGE_TOKEN = "meta-page-token-SECRET-ff66"
APP_SECRET = "meta-app-secret-SECRET-0077"
SECRETS = (X_TOKEN, PAGE_TOKEN, APP_SECRET)
PAGE = "104729876543210"
HOLDING = "We know some of you cannot pay by card right now. We are on it and will update you by 15:00 CET."


@pytest.fixture
def xapi(clock: ManualClock) -> Iterator[XApiStandIn]:
    with XApiStandIn(now=lambda: clock.now().timestamp(), bearer_token=X_TOKEN) as server:
        yield server


@pytest.fixture
def graph(clock: ManualClock) -> Iterator[GraphApiStandIn]:
    now = lambda: clock.now().timestamp()  # noqa: E731
    with GraphApiStandIn(now=now, access_token=PAGE_TOKEN, app_secret=APP_SECRET, page_id=PAGE) as server:
        yield server


def make_settings(xapi: XApiStandIn, graph: GraphApiStandIn, **overrides: Any) -> Settings:
    values: dict[str, Any] = {
        "X_API_URL": xapi.base_url,
        "X_ACCESS_TOKEN": SecretStr(X_TOKEN),
        "META_GRAPH_URL": graph.base_url,
        "META_PAGE_TOKEN": SecretStr(PAGE_TOKEN),
        "META_APP_SECRET": SecretStr(APP_SECRET),
        "META_PAGE_ID": PAGE,
    }
    return Settings(_env_file=None, **{**values, **overrides})


@pytest.fixture
def posters(xapi: XApiStandIn, graph: GraphApiStandIn) -> Iterator[BrandPosters]:
    with httpx.Client(timeout=5.0) as client:
        yield build_brand_posters(make_settings(xapi, graph), client=client)


def statement(target: str, text: str = HOLDING) -> BrandPost:
    return BrandPost(idempotency_key=f"crisis-1:holding:{target}", target=target, text=text)


def refusal(posters: BrandPosters, item: BrandPost, clock: ManualClock) -> PlatformError:
    with pytest.raises(PlatformError) as caught:
        posters.post(item, now=clock.now())
    for secret in SECRETS:
        assert secret not in caught.value.message and secret not in str(caught.value)
    return caught.value


# -- success -------------------------------------------------------------------------------------


def test_a_statement_is_posted_on_x_as_the_brand(posters, xapi, clock) -> None:
    posted = posters.post(statement("x"), now=clock.now())

    [request] = xapi.requests_to("POST", "/2/tweets")
    assert request.headers["authorization"] == f"Bearer {X_TOKEN}"
    assert request.json == {"text": HOLDING}  # no `reply`: a post of the brand's own
    [tweet] = xapi.posted
    assert posted.external_id == tweet["id"] and tweet["id"].isdigit()
    assert posted.url == f"https://x.com/i/web/status/{tweet['id']}"


def test_a_statement_is_posted_on_the_facebook_page(posters, graph, clock) -> None:
    posted = posters.post(statement("facebook"), now=clock.now())

    [request] = graph.requests_to("POST", f"/v21.0/{PAGE}/feed")
    body = request.json
    proof = hmac.new(APP_SECRET.encode(), PAGE_TOKEN.encode(), hashlib.sha256).hexdigest()
    assert body == {"message": HOLDING, "access_token": PAGE_TOKEN, "appsecret_proof": proof}
    assert PAGE_TOKEN not in request.path and not request.query  # the token never travels in the URL
    [post] = graph.feed_posts()
    assert post.message == HOLDING and post.id.startswith(f"{PAGE}_")
    assert posted.external_id == post.id
    assert posted.url == f"https://www.facebook.com/{post.id}"
    [call] = graph.calls_to("feed")
    assert call.node == PAGE and call.params == {"message": HOLDING}


def test_the_graph_stand_in_checks_the_proof_on_the_feed(xapi, graph, clock) -> None:
    settings = make_settings(xapi, graph, META_APP_SECRET=SecretStr("a-different-app-secret"))
    with httpx.Client(timeout=5.0) as client:
        posters = build_brand_posters(settings, client=client)
        error = refusal(posters, statement("facebook"), clock)
    assert error.kind is ErrorKind.REJECTED and "appsecret_proof" in error.message
    assert graph.feed_posts() == []


def test_the_status_page_and_unknown_targets_are_never_posted(posters, xapi, graph, clock) -> None:
    for target in ("status_page", "instagram"):
        error = refusal(posters, statement(target), clock)
        assert error.kind is ErrorKind.UNSUPPORTED and repr(target) in error.message
    assert xapi.requests == [] and graph.requests == []


def test_an_empty_or_over_long_statement_is_refused_before_calling(posters, xapi, clock) -> None:
    assert refusal(posters, statement("x", "   "), clock).kind is ErrorKind.REJECTED
    too_long = refusal(posters, statement("x", "é" * 200 + "界" * 41), clock)  # 200 + 82 weighted
    assert too_long.kind is ErrorKind.REJECTED and "282 characters" in too_long.message
    assert xapi.requests == []


# -- failures ------------------------------------------------------------------------------------


def test_rate_limit_on_x_says_when_to_retry(posters, xapi, clock) -> None:
    reset = clock.now().replace(microsecond=0) + timedelta(minutes=9)
    xapi.fail_next(429, endpoint="tweets", headers={"x-rate-limit-reset": str(int(reset.timestamp()))})

    error = refusal(posters, statement("x"), clock)

    assert error.kind is ErrorKind.RATE_LIMITED and error.retry_at == reset
    assert "statement was not posted" in error.message and xapi.posted == []


def test_rate_limit_on_facebook_honours_retry_after(posters, graph, clock) -> None:
    graph.fail_next(code=32, edge="feed", headers={"Retry-After": "120"})

    error = refusal(posters, statement("facebook"), clock)

    assert error.kind is ErrorKind.RATE_LIMITED and error.retry_at == clock.now() + timedelta(seconds=120)
    assert graph.feed_posts() == []


@pytest.mark.parametrize("target", ["x", "facebook"])
def test_a_server_error_is_unavailable(posters, xapi, graph, clock, target: str) -> None:
    if target == "x":
        xapi.fail_next(500, endpoint="tweets")
    else:
        graph.fail_next(status=500, edge="feed")

    error = refusal(posters, statement(target), clock)

    assert error.kind is ErrorKind.UNAVAILABLE and "answered 500" in error.message
    assert "may or may not have been posted" in error.message


@pytest.mark.parametrize("target", ["x", "facebook"])
def test_a_timeout_is_unavailable_and_may_have_posted(xapi, graph, clock, target: str) -> None:
    xapi.delay_next(30, endpoint="tweets")  # cut short when the stand-in stops
    graph.delay_next(30, edge="feed")
    with httpx.Client(timeout=0.2) as client:
        posters = build_brand_posters(make_settings(xapi, graph), client=client)
        error = refusal(posters, statement(target), clock)

    assert error.kind is ErrorKind.UNAVAILABLE and error.retry_at is None
    assert "did not answer in time" in error.message and "may have been posted" in error.message
    # The platform did take the statement after we gave up: exactly why the message says "check first".
    assert len(xapi.posted if target == "x" else graph.feed_posts()) == 1


def test_an_unreachable_platform_posted_nothing(xapi, graph, clock) -> None:
    with socket.socket() as probe:  # a port that was free a moment ago: nothing listens there
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    settings = make_settings(xapi, graph, X_API_URL=f"http://127.0.0.1:{port}/2/")
    with httpx.Client(timeout=2.0) as client:
        error = refusal(build_brand_posters(settings, client=client), statement("x"), clock)
    assert error.kind is ErrorKind.UNAVAILABLE and "was not posted" in error.message


def test_expired_tokens_are_auth_errors(posters, xapi, graph, clock) -> None:
    graph.expire_token()
    xapi.fail_next(401, endpoint="tweets")

    on_facebook = refusal(posters, statement("facebook"), clock)
    on_x = refusal(posters, statement("x"), clock)

    assert on_facebook.kind is ErrorKind.AUTH and "META_PAGE_TOKEN" in on_facebook.message
    assert on_x.kind is ErrorKind.AUTH and "X_ACCESS_TOKEN" in on_x.message


def test_a_wrong_x_token_is_an_auth_error(xapi, graph, clock) -> None:
    settings = make_settings(xapi, graph, X_ACCESS_TOKEN=SecretStr("revoked-token"))
    with httpx.Client(timeout=5.0) as client:
        error = refusal(build_brand_posters(settings, client=client), statement("x"), clock)
    assert error.kind is ErrorKind.AUTH and xapi.posted == []


def test_the_same_text_twice_on_x_is_rejected_as_duplicate(posters, xapi, clock) -> None:
    posters.post(statement("x"), now=clock.now())

    error = refusal(posters, statement("x"), clock)

    assert error.kind is ErrorKind.REJECTED
    assert "duplicate" in error.message and "already posted the same text" in error.message
    assert len(xapi.posted) == 1 and len(xapi.requests_to("POST", "/2/tweets")) == 2


@pytest.mark.parametrize(
    ("target", "unset", "named"),
    [
        ("x", {"X_ACCESS_TOKEN": None}, ["X_ACCESS_TOKEN"]),
        ("x", {"X_ACCESS_TOKEN": SecretStr("  ")}, ["X_ACCESS_TOKEN"]),
        ("facebook", {"META_PAGE_TOKEN": None}, ["META_PAGE_TOKEN"]),
        ("facebook", {"META_PAGE_ID": None}, ["META_PAGE_ID"]),
        ("facebook", {"META_PAGE_TOKEN": None, "META_PAGE_ID": None}, ["META_PAGE_TOKEN", "META_PAGE_ID"]),
    ],
)
def test_missing_settings_are_auth_errors_naming_the_variable(
    xapi, graph, clock, target: str, unset: dict[str, Any], named: list[str]
) -> None:
    with build_brand_posters(make_settings(xapi, graph, **unset)) as posters:
        error = refusal(posters, statement(target), clock)
    assert error.kind is ErrorKind.AUTH
    assert all(name in error.message for name in named), error.message
    assert xapi.requests == [] and graph.requests == []


def test_secrets_never_reach_the_logs(posters, xapi, graph, clock, caplog) -> None:
    caplog.set_level(logging.DEBUG)  # httpx and httpcore log every request at DEBUG / INFO
    posters.post(statement("x"), now=clock.now())
    posters.post(statement("facebook"), now=clock.now())
    graph.expire_token()
    xapi.fail_next(401, endpoint="tweets")
    refusal(posters, statement("facebook", "Update: card payments work again."), clock)
    refusal(posters, statement("x", "Update: card payments work again."), clock)

    logged = caplog.text
    assert "statement crisis-1:holding:x posted on x as " in logged
    assert "statement crisis-1:holding:facebook not posted on facebook: auth" in logged
    assert "statement crisis-1:holding:x not posted on x: auth" in logged
    for secret in SECRETS:
        assert secret not in logged
