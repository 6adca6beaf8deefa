"""The App Store source end to end: the real poller and reply path against the App Store Connect
stand-in, through socialdesk's runtime (socialdesk.testing): cards with stars, paging, edits, one
response per review, tokens and rate limits."""

from __future__ import annotations

import logging
from datetime import timedelta
from typing import Any

import httpx
import jwt
import pytest

from socialdesk.domain.enums import ReplyStatus
from socialdesk.plugins.replies import OutgoingReply
from socialdesk.sources import appstore
from socialdesk.sources.appstore.source import AppStoreSource
from socialdesk.standin.platforms.appstore_api import AppStoreStandIn, new_key_pair
from socialdesk.testing import Desk, DeskFactory, Failure
from tests.appstore.conftest import APP, ISSUER, KEY_ID, KeyPair

LIST = f"/v1/apps/{APP}/customerReviews"
RESPOND = "/v1/customerReviewResponses"


def open_review(desk: Desk, asc: AppStoreStandIn, **kw: Any) -> int:
    asc.add_review(
        APP, **{"rating": 1, "title": "Broken", "body": "Crashes on launch", "nickname": "kim", **kw}
    )
    assert desk.poll("appstore") == "ok"
    desk.settle()
    return desk.cards()[-1].case


def test_a_review_becomes_a_card_with_its_stars_title_and_territory(desk: Desk, asc: AppStoreStandIn) -> None:
    review = asc.add_review(
        APP,
        rating=1,
        title="Crashes every time",
        body="Since 4.2 the app closes when I open a receipt.",
        nickname="frustrated_fin",
        territory="GBR",
    )

    assert desk.poll("appstore") == "ok"
    desk.settle()

    [card] = desk.cards()
    assert "Crashes every time" in card.text and "closes when I open a receipt" in card.text
    assert "frustrated_fin" in card.text
    case = desk.case(card.case)
    assert case.platform.value == "appstore"
    [listed] = asc.requests_to("GET", LIST)
    assert listed.query["sort"] == "-createdDate" and listed.query["limit"] == "100"
    mention = (
        desk.runtime.plugins.source("appstore")
        .normalize(  # type: ignore[union-attr]
            {"app": APP, "data": [review]},
            None,  # type: ignore[arg-type]
        )
        .mentions[0]
    )
    assert mention.rating == 1 and mention.text.splitlines()[0] == "Crashes every time"
    assert ("Title", "Crashes every time") in mention.details and ("Territory", "GBR") in mention.details


def test_the_token_is_es256_with_the_key_id_issuer_audience_and_20_minutes(
    desk: Desk, asc: AppStoreStandIn
) -> None:
    open_review(desk, asc)

    [listed] = asc.requests_to("GET", LIST)
    token = listed.headers["authorization"].removeprefix("Bearer ")
    header = jwt.get_unverified_header(token)
    claims = jwt.decode(
        token,
        asc.public_key,
        algorithms=["ES256"],
        audience="appstoreconnect-v1",
        options={"verify_exp": False, "verify_iat": False},
    )
    assert (header["alg"], header["kid"]) == ("ES256", KEY_ID)
    assert claims["iss"] == ISSUER and claims["aud"] == "appstoreconnect-v1"
    assert claims["iat"] == int(desk.clock.now().timestamp())
    assert 0 < claims["exp"] - claims["iat"] <= 20 * 60
    assert asc.refusals == []


def test_the_token_is_reused_then_made_again_before_it_expires(desk: Desk, asc: AppStoreStandIn) -> None:
    open_review(desk, asc)
    desk.clock.advance(timedelta(minutes=5))
    desk.poll("appstore")
    desk.clock.advance(timedelta(minutes=13))  # 18 minutes after the first: within two of its end
    desk.poll("appstore")

    first, second, third = (r.headers["authorization"] for r in asc.requests_to("GET", LIST))
    assert first == second and third != second
    assert asc.refusals == []


def test_a_rerun_opens_nothing_twice_and_pages_are_followed(desk: Desk, asc: AppStoreStandIn) -> None:
    for i in range(3):
        asc.add_review(
            APP,
            rating=2,
            title=f"old {i}",
            body="meh",
            nickname=f"u{i}",
            at=desk.clock.now() - timedelta(minutes=10 - i),
        )
    assert desk.poll("appstore") == "ok"
    desk.settle()
    assert len(desk.cards()) == 3

    # 150 new reviews: two pages of 100 to reach the watermark.
    for i in range(150):
        asc.add_review(
            APP,
            rating=5,
            title=f"new {i}",
            body="great",
            nickname=f"n{i}",
            at=desk.clock.now() + timedelta(seconds=i + 1),
        )
    desk.clock.advance(timedelta(minutes=5))
    assert desk.poll("appstore") == "ok"
    assert desk.poll("appstore") == "ok"  # again: nothing new
    desk.settle()

    assert len(desk.cases()) == 153
    calls = asc.requests_to("GET", LIST)
    assert len(calls) == 1 + 2 + 1
    assert "cursor" in calls[2].query and calls[2].query["sort"] == "-createdDate"


def test_an_edited_review_updates_its_case(desk: Desk, asc: AppStoreStandIn) -> None:
    case = open_review(desk, asc, rating=1, body="Crashes on launch")
    review = asc.apps[APP][-1]

    asc.edit_review(review["id"], rating=4, body="Fixed in 4.3, thanks!", redate=True)
    desk.clock.advance(timedelta(minutes=5))
    assert desk.poll("appstore") == "ok"
    desk.settle()

    assert len(desk.cases()) == 1, "an edit is not a new case"
    stored = desk.inbox("appstore_poll")[-1]
    assert f'"edited": ["{review["id"]}"]' in stored.body
    assert "Fixed in 4.3" in desk.card(case).text


def test_a_reply_goes_out_once_and_a_second_answer_replaces_it(desk: Desk, asc: AppStoreStandIn) -> None:
    case = open_review(desk, asc)
    review_id = asc.apps[APP][-1]["id"]
    source = desk.source("appstore")
    assert isinstance(source, AppStoreSource)
    sent: list[OutgoingReply] = []
    send = source.replies.send
    source.replies.send = lambda reply, *, now: sent.append(reply) or send(reply, now=now)  # type: ignore[method-assign]

    answers = desk.command(f"reply {case} Sorry about that! 4.3 fixes the crash; please update.")
    desk.settle()

    [post] = asc.requests_to("POST", RESPOND)
    assert post.json == {
        "data": {
            "type": "customerReviewResponses",
            "attributes": {"responseBody": post.json["data"]["attributes"]["responseBody"]},
            "relationships": {"review": {"data": {"type": "customerReviews", "id": review_id}}},
        }
    }
    assert post.json["data"]["attributes"]["responseBody"].startswith("Sorry about that! 4.3 fixes")
    [reply] = desk.replies(case)
    stored = asc.responses[review_id]
    assert reply.status is ReplyStatus.SENT and reply.external_id == stored.id
    assert answers.private

    desk.command(f"reply {case} Update: 4.3.1 is out with the fix.")
    desk.settle()

    assert len(asc.requests_to("POST", RESPOND)) == 2 and len(asc.responses) == 1
    assert (
        asc.responses[review_id].body.startswith("Update: 4.3.1") and asc.responses[review_id].versions == 2
    )
    assert asc.requests_to("DELETE", f"{RESPOND}/{stored.id}") == []
    # socialdesk sent the second answer as an edit of the first (one answer per review).
    assert [r.replaces for r in sent] == [None, stored.id]


def test_each_app_is_polled_with_its_own_watermark(
    socialdesk_desk: DeskFactory, env: dict[str, str], asc: AppStoreStandIn
) -> None:
    ipad = "1600000000"
    asc.apps[ipad] = []
    desk = socialdesk_desk(plugins=[appstore.plugin], env={**env, "APPSTORE_APP_IDS": f"{APP},{ipad}"})
    asc.add_review(APP, rating=1, title="phone app", body="b", nickname="a")
    asc.add_review(ipad, rating=5, title="ipad app", body="b", nickname="b")
    assert desk.poll("appstore") == "ok"

    later = desk.clock.now() + timedelta(seconds=1)
    asc.add_review(ipad, rating=2, title="ipad again", body="b", nickname="c", at=later)
    desk.clock.advance(timedelta(minutes=5))
    assert desk.poll("appstore") == "ok"
    desk.settle()

    assert len(desk.cases()) == 3
    assert [len(asc.requests_to("GET", f"/v1/apps/{a}/customerReviews")) for a in (APP, ipad)] == [2, 2]
    texts = " ".join(card.text for card in desk.cards())
    assert all(t in texts for t in ("phone app", "ipad app", "ipad again"))


def test_over_5970_characters_is_refused_before_any_call(desk: Desk, asc: AppStoreStandIn) -> None:
    case = open_review(desk, asc)
    before = len(asc.requests)

    answers = desk.command(f"reply {case} {'a' * 5971}")
    desk.settle()

    assert len(asc.requests) == before and asc.responses == {}
    assert any("5970" in a for a in answers), answers


def readyz(desk: Desk) -> dict[str, Any]:
    detail: dict[str, Any] = httpx.get(f"{desk.url}/readyz", timeout=10).json()["plugins"]["appstore"]
    return detail


def test_a_token_signed_with_another_key_is_refused_and_explained(
    desk: Desk, asc: AppStoreStandIn, key_pair: KeyPair, caplog: pytest.LogCaptureFixture
) -> None:
    asc.public_key = new_key_pair()[1]  # the key was revoked and another made: ours no longer verifies
    asc.add_review(APP, rating=1, title="x", body="y", nickname="z")

    with caplog.at_level(logging.WARNING):
        assert desk.poll("appstore") == "error"

    assert desk.cards() == []
    assert asc.refusals == ["signature does not verify with the key"]
    logged = " ".join(r.getMessage() for r in caplog.records if "appstore" in r.getMessage())
    assert "refused socialdesk's token (NOT_AUTHORIZED)" in logged and "APPSTORE_PRIVATE_KEY_FILE" in logged
    trouble = readyz(desk)["last_poll"]
    assert trouble["outcome"] == "error" and "APPSTORE_KEY_ID" in trouble["detail"]
    assert "Bearer" not in logged + trouble["detail"] and "BEGIN" not in logged + trouble["detail"]

    # Fixed: the next poll brings the review and /readyz is clean again.
    asc.public_key = key_pair[1]
    assert desk.poll("appstore") == "ok"
    desk.settle()
    assert len(desk.cards()) == 1 and "last_poll" not in readyz(desk)


def test_an_expired_or_too_long_token_is_refused(asc: AppStoreStandIn, key_pair: KeyPair) -> None:
    key = key_pair[0]
    now = asc.now()
    expired = jwt.encode(
        {
            "iss": ISSUER,
            "aud": "appstoreconnect-v1",
            "iat": int(now.timestamp()) - 1500,
            "exp": int(now.timestamp()) - 300,
        },
        key,
        algorithm="ES256",
        headers={"kid": KEY_ID},
    )
    too_long = jwt.encode(
        {
            "iss": ISSUER,
            "aud": "appstoreconnect-v1",
            "iat": int(now.timestamp()),
            "exp": int(now.timestamp()) + 21 * 60,
        },
        key,
        algorithm="ES256",
        headers={"kid": KEY_ID},
    )
    wrong_issuer = jwt.encode(
        {
            "iss": "someone-else",
            "aud": "appstoreconnect-v1",
            "iat": int(now.timestamp()),
            "exp": int(now.timestamp()) + 600,
        },
        key,
        algorithm="ES256",
        headers={"kid": KEY_ID},
    )
    wrong_kid = jwt.encode(
        {
            "iss": ISSUER,
            "aud": "appstoreconnect-v1",
            "iat": int(now.timestamp()),
            "exp": int(now.timestamp()) + 600,
        },
        key,
        algorithm="ES256",
        headers={"kid": "OTHERKEY00"},
    )
    for token in (expired, too_long, wrong_issuer, wrong_kid):
        answer = httpx.get(f"{asc.url}{LIST}", headers={"Authorization": f"Bearer {token}"}, timeout=10)
        assert answer.status_code == 401 and answer.json()["errors"][0]["code"] == "NOT_AUTHORIZED"
    assert asc.refusals == [
        "expired",
        "lives longer than 20 minutes",
        "iss is not the issuer id",
        "kid 'OTHERKEY00' is not the key's id",
    ]


def test_a_token_kept_past_its_expiry_is_never_sent(desk: Desk, asc: AppStoreStandIn) -> None:
    open_review(desk, asc)
    desk.clock.advance(timedelta(minutes=25))  # the first token is dead by now
    asc.add_review(APP, rating=2, title="t", body="b", nickname="n2")

    assert desk.poll("appstore") == "ok"
    desk.settle()
    assert len(desk.cards()) == 2 and asc.refusals == []


def test_a_429_backs_off_until_retry_after(desk: Desk, asc: AppStoreStandIn) -> None:
    open_review(desk, asc)
    asc.script(Failure(status=429, route=f"GET {LIST}"))

    assert desk.poll("appstore") == "rate_limited"
    assert readyz(desk)["last_poll"]["outcome"] == "rate_limited"
    desk.clock.advance(timedelta(seconds=30))
    assert desk.poll("appstore") == "waiting"
    assert len(asc.requests_to("GET", LIST)) == 2  # nothing asked while waiting

    asc.add_review(APP, rating=3, title="t", body="b", nickname="n2")
    desk.clock.advance(timedelta(seconds=31))  # Retry-After: 60
    assert desk.poll("appstore") == "ok"
    desk.settle()
    assert len(desk.cards()) == 2


def test_a_spent_hour_waits_without_calling(desk: Desk, asc: AppStoreStandIn) -> None:
    asc.hour_limit = 1
    open_review(desk, asc)  # answered with user-hour-rem:0

    assert desk.poll("appstore") == "rate_limited"
    assert len(asc.requests_to("GET", LIST)) == 1


def test_a_500_keeps_the_cursor_and_the_next_run_catches_up(desk: Desk, asc: AppStoreStandIn) -> None:
    open_review(desk, asc)
    asc.add_review(APP, rating=2, title="t", body="b", nickname="n2")
    asc.script(Failure(status=500, route=f"GET {LIST}"))

    assert desk.poll("appstore") == "error"
    assert "500" in readyz(desk)["last_poll"]["detail"]
    assert desk.poll("appstore") == "ok"
    desk.settle()
    assert len(desk.cards()) == 2


def test_a_reply_on_a_429_or_500_is_explained_and_sending_again_never_duplicates(
    desk: Desk, asc: AppStoreStandIn
) -> None:
    case = open_review(desk, asc)
    asc.script(Failure(status=500, route=f"POST {RESPOND}"))

    answers = desk.command(f"reply {case} Sorry! Fixed in 4.3.")
    desk.settle()
    [failed] = desk.replies(case)
    assert failed.status is ReplyStatus.FAILED
    assert any("App Store Connect answered 500" in a and "never adds a second one" in a for a in answers)

    desk.command(f"reply {case} Sorry! Fixed in 4.3.")
    asc.script(Failure(status=429, route=f"POST {RESPOND}"))
    answers = desk.command(f"reply {case} Sorry! Fixed in 4.3, really.")
    desk.settle()
    assert any("hourly limit" in a for a in answers), answers
    assert len(asc.responses) == 1 and len(asc.requests_to("POST", RESPOND)) == 3


def test_a_territory_filter_is_sent_to_apple(
    socialdesk_desk: DeskFactory, env: dict[str, str], asc: AppStoreStandIn
) -> None:
    desk = socialdesk_desk(plugins=[appstore.plugin], env={**env, "APPSTORE_TERRITORIES": "gbr, usa"})
    asc.add_review(APP, rating=2, title="uk", body="b", nickname="a", territory="GBR")
    asc.add_review(APP, rating=2, title="fr", body="b", nickname="b", territory="FRA")

    assert desk.poll("appstore") == "ok"
    desk.settle()

    [listed] = asc.requests_to("GET", LIST)
    assert listed.query["filter[territory]"] == "GBR,USA"
    [card] = desk.cards()
    assert "uk" in card.text


def test_the_first_poll_starts_from_about_now(desk: Desk, asc: AppStoreStandIn) -> None:
    asc.add_review(
        APP, rating=1, title="last year", body="old", nickname="a", at=desk.clock.now() - timedelta(days=300)
    )
    asc.add_review(
        APP, rating=1, title="yesterday", body="recent", nickname="b", at=desk.clock.now() - timedelta(days=1)
    )

    assert desk.poll("appstore") == "ok"
    desk.settle()

    [card] = desk.cards()
    assert "yesterday" in card.text
