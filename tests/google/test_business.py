"""Google Business Profile end to end: the real poller and reply path against the token and Business
Profile stand-ins, through socialdesk's runtime (socialdesk.testing)."""

from __future__ import annotations

import logging
from datetime import timedelta

import httpx
import pytest

from socialdesk.domain.enums import ReplyStatus
from socialdesk.sources.google_business.samples import LOCATION
from socialdesk.standin.platforms.google_api import GoogleTokenStandIn, KeyFile
from socialdesk.standin.platforms.google_business_api import GoogleBusinessStandIn
from socialdesk.testing import Desk, Failure, check_source

LIST = f"/v4/{LOCATION}/reviews"


def open_case(desk: Desk, business: GoogleBusinessStandIn, stars: int, comment: str) -> tuple[int, dict]:
    review = business.add_review(LOCATION, "Dana Whitfield", stars, comment)
    assert desk.poll("google_business") == "ok", desk.plugin_states()
    desk.settle()
    return desk.cards()[-1].case, review


def test_new_reviews_become_cards_with_stars_and_the_location(
    desk: Desk, business: GoogleBusinessStandIn, oauth: GoogleTokenStandIn, key: KeyFile
) -> None:
    business.add_review(LOCATION, "Dana Whitfield", 1, "Waited 25 minutes and the barista was rude.")
    business.add_review(LOCATION, "Kim Osei", 5, "Best croissants in town!")

    assert desk.poll("google_business") == "ok", desk.plugin_states()
    desk.settle()

    cards = {c.case: c.text for c in desk.cards()}
    assert len(cards) == 2
    rude = next(t for t in cards.values() if "barista was rude" in t)
    assert "★☆☆☆☆" in rude and "Main Street" in rude
    assert any("★★★★★" in t and "croissants" in t for t in cards.values())
    [listed] = business.requests_to("GET", LIST)
    assert listed.query == {"pageSize": "50", "orderBy": "updateTime desc"}
    assert listed.headers["authorization"].startswith("Bearer ya29.")
    [claims] = oauth.assertions
    assert (
        claims["iss"] == key.client_email
        and claims["scope"] == "https://www.googleapis.com/auth/business.manage"
    )


def test_a_second_poll_opens_nothing_twice_and_asks_one_page(
    desk: Desk, business: GoogleBusinessStandIn
) -> None:
    open_case(desk, business, 2, "Cold coffee.")
    desk.clock.advance(timedelta(minutes=15))

    assert desk.poll("google_business") == "ok"
    desk.settle()

    assert len(desk.cards()) == 1 and len(desk.cases()) == 1
    assert len(desk.inbox("google_business_poll")) == 1  # nothing new was stored
    assert len(business.requests_to("GET", LIST)) == 2


def test_paging_reads_back_to_the_watermark(desk: Desk, business: GoogleBusinessStandIn) -> None:
    open_case(desk, business, 3, "OK.")
    for i in range(60):  # more than one page of 50
        desk.clock.advance(timedelta(seconds=10))
        business.add_review(LOCATION, f"Guest {i}", 4, f"Review number {i}")

    assert desk.poll("google_business") == "ok"
    desk.settle()

    assert len(desk.cases()) == 61
    pages = business.requests_to("GET", LIST)[1:]
    assert [p.query.get("pageToken") for p in pages] == [None, "50"]


def test_an_edited_review_updates_its_case(desk: Desk, business: GoogleBusinessStandIn) -> None:
    case, review = open_case(desk, business, 2, "The order was wrong.")
    desk.clock.advance(timedelta(hours=1))
    business.edit_review(review, stars=4, comment="Update: they fixed it quickly, thanks.")

    assert desk.poll("google_business") == "ok"
    desk.settle()

    assert len(desk.cases()) == 1
    card = desk.card(case).text
    assert "fixed it quickly" in card and "★★★★☆" in card


def test_a_deleted_review_is_noted_on_its_card(desk: Desk, business: GoogleBusinessStandIn) -> None:
    case, review = open_case(desk, business, 1, "Terrible.")
    business.add_review(LOCATION, "Kim Osei", 5, "Lovely.")
    desk.poll("google_business")
    desk.settle()
    business.delete_review(review)
    desk.clock.advance(timedelta(minutes=15))

    assert desk.poll("google_business") == "ok"
    desk.settle()

    assert len(desk.cases()) == 2
    card = desk.card(case).text
    assert "deleted this review" in card and "deleted on Google" in card


def test_a_reply_goes_out_once_and_a_second_answer_replaces_it(
    desk: Desk, business: GoogleBusinessStandIn
) -> None:
    case, review = open_case(desk, business, 1, "Waited 25 minutes.")

    desk.command(f"reply {case} Sorry Dana, that's not the service we want. Please ask for Sam next time.")
    desk.settle()
    desk.command(f"reply {case} Sorry Dana — we've spoken to the team. Your next coffee is on us.")
    desk.settle()

    puts = business.requests_to("PUT", f"/v4/{review['name']}/reply")
    assert len(puts) == 2  # the same reply, replaced: never a second one
    assert puts[0].json["comment"].startswith("Sorry Dana, that's not")
    assert business.reply_of(review) is not None and "next coffee is on us" in (
        business.reply_of(review) or ""
    )
    replies = desk.replies(case)
    assert [r.status for r in replies] == [ReplyStatus.SENT, ReplyStatus.SENT]
    assert {r.external_id for r in replies} == {f"{review['name']}/reply"}


def test_over_4096_bytes_is_refused_before_any_call(desk: Desk, business: GoogleBusinessStandIn) -> None:
    case, review = open_case(desk, business, 1, "Bad.")
    calls = len(business.requests)

    answers = desk.command(f"reply {case} {'é' * 2100}")  # 2100 characters, 4200 bytes
    desk.settle()

    assert len(business.requests) == calls and business.reply_of(review) is None
    told = " ".join(answers) + " ".join(r.error or "" for r in desk.replies(case))
    assert "4096" in told, told


def test_a_refused_token_is_exchanged_again_once(
    desk: Desk, business: GoogleBusinessStandIn, oauth: GoogleTokenStandIn
) -> None:
    open_case(desk, business, 3, "Fine.")
    oauth.revoke_tokens()  # the API now answers 401 to the cached token
    business.add_review(LOCATION, "Kim Osei", 5, "Great.")

    assert desk.poll("google_business") == "ok"
    desk.settle()

    assert len(desk.cases()) == 2 and len(oauth.assertions) == 2


def test_a_refused_service_account_is_explained_in_the_log_and_readyz(
    desk: Desk,
    business: GoogleBusinessStandIn,
    oauth: GoogleTokenStandIn,
    key: KeyFile,
    caplog: pytest.LogCaptureFixture,
) -> None:
    oauth.disable(key.client_email)
    business.add_review(LOCATION, "Dana Whitfield", 1, "Bad.")

    with caplog.at_level(logging.WARNING):
        assert desk.poll("google_business") == "error"

    assert desk.cards() == []
    logged = " ".join(r.getMessage() for r in caplog.records)
    assert "Invalid grant: account not found" in logged and "GOOGLE_SERVICE_ACCOUNT_FILE" in logged
    ready = httpx.get(f"{desk.url}/readyz").json()["plugins"]["google_business"]
    assert "account not found" in ready["last_poll"]["detail"] and ready["status"] == "active"
    assert "PRIVATE KEY" not in str(ready)


def test_an_expired_token_is_refused_by_the_api_and_renewed(
    desk: Desk, business: GoogleBusinessStandIn, oauth: GoogleTokenStandIn
) -> None:
    open_case(desk, business, 3, "Fine.")
    oauth.expire_tokens()
    answer = httpx.get(business.url + LIST, headers={"Authorization": f"Bearer {next(iter(oauth.issued))}"})
    assert answer.status_code == 401 and answer.json()["error"]["status"] == "UNAUTHENTICATED"

    assert desk.poll("google_business") == "ok"
    assert len(oauth.assertions) == 2


def test_quota_errors_back_off(desk: Desk, business: GoogleBusinessStandIn) -> None:
    open_case(desk, business, 3, "Fine.")
    business.script(Failure(status=429, headers={"Retry-After": "120"}, route=f"GET {LIST}"))

    assert desk.poll("google_business") == "rate_limited"
    desk.clock.advance(timedelta(minutes=1))
    assert desk.poll("google_business") == "waiting"
    desk.clock.advance(timedelta(minutes=1, seconds=1))
    business.add_review(LOCATION, "Kim Osei", 5, "Great.")
    assert desk.poll("google_business") == "ok"

    business.script(Failure(status=500, route=f"GET {LIST}"), times=2)
    assert desk.poll("google_business") == "rate_limited"  # 2 minutes
    desk.clock.advance(timedelta(minutes=2, seconds=1))
    assert desk.poll("google_business") == "rate_limited"  # then 4
    desk.clock.advance(timedelta(minutes=3))
    assert desk.poll("google_business") == "waiting"
    desk.clock.advance(timedelta(minutes=1, seconds=1))
    assert desk.poll("google_business") == "ok"
    desk.settle()
    assert len(desk.cases()) == 2


def test_the_source_conforms(desk: Desk, business: GoogleBusinessStandIn) -> None:
    business.add_samples()  # the samples' reviews exist on Google, so the first one can be answered
    report = check_source(desk, desk.source("google_business"))

    assert [(s.name, len(s.cases)) for s in report.samples] == [
        ("a one-star review", 1),
        ("a five-star review and a stars-only one", 2),
        ("an edited review", 1),
    ]
    assert report.reply is not None and report.reply.external_id.endswith("/reply")
