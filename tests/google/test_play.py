"""Google Play end to end: the real poller and reply path against the token and Android Publisher
stand-ins, through socialdesk's runtime (socialdesk.testing)."""

from __future__ import annotations

import logging
from datetime import timedelta

import httpx
import pytest

from socialdesk.domain.enums import ReplyStatus
from socialdesk.sources import google_business, google_play
from socialdesk.sources.google_play.samples import PACKAGE
from socialdesk.standin.platforms.google_api import GoogleTokenStandIn
from socialdesk.standin.platforms.google_play_api import GooglePlayStandIn
from socialdesk.testing import Desk, DeskFactory, Failure, check_source

LIST = f"/androidpublisher/v3/applications/{PACKAGE}/reviews"


def open_case(desk: Desk, play: GooglePlayStandIn, stars: int, text: str) -> tuple[int, dict]:
    review = play.add_review(PACKAGE, "Dana Whitfield", stars, text, version="4.12.0")
    assert desk.poll("google_play") == "ok", desk.plugin_states()
    desk.settle()
    return desk.cards()[-1].case, review


def test_new_reviews_become_cards_with_stars_and_the_version(
    desk: Desk, play: GooglePlayStandIn, oauth: GoogleTokenStandIn
) -> None:
    play.add_review(PACKAGE, "Dana Whitfield", 1, "Crashes when I open my cart.", version="4.12.0")
    play.add_review(PACKAGE, "Kim Osei", 5, "Love dark mode.", version="4.11.3")

    assert desk.poll("google_play") == "ok", desk.plugin_states()
    desk.settle()

    texts = [c.text for c in desk.cards()]
    crash = next(t for t in texts if "Crashes when I open my cart." in t)
    assert "★☆☆☆☆" in crash and "4.12.0" in crash and "\tCrashes" not in crash
    assert any("★★★★★" in t and "4.11.3" in t for t in texts)
    [listed] = play.requests_to("GET", LIST)
    assert listed.query == {"maxResults": "100"}
    assert oauth.assertions[0]["scope"] == "https://www.googleapis.com/auth/androidpublisher"


def test_a_second_poll_opens_nothing_twice(desk: Desk, play: GooglePlayStandIn) -> None:
    open_case(desk, play, 2, "Slow.")
    desk.clock.advance(timedelta(minutes=30))

    assert desk.poll("google_play") == "ok"
    desk.settle()

    assert len(desk.cases()) == 1 and len(desk.inbox("google_play_poll")) == 1


def test_paging_follows_the_token(desk: Desk, play: GooglePlayStandIn) -> None:
    for i in range(130):
        play.add_review(
            PACKAGE,
            f"User {i}",
            4,
            f"Review {i}",
        )
        desk.clock.advance(timedelta(seconds=5))

    assert desk.poll("google_play") == "ok"
    desk.settle()

    assert len(desk.cases()) == 130
    assert [r.query.get("token") for r in play.requests_to("GET", LIST)] == [None, "100"]


def test_an_edited_review_updates_its_case(desk: Desk, play: GooglePlayStandIn) -> None:
    case, review = open_case(desk, play, 1, "Crashes at login.")
    desk.clock.advance(timedelta(hours=2))
    play.edit_review(review, stars=3, text="Fixed in 4.12.1, but still slow.")

    assert desk.poll("google_play") == "ok"
    desk.settle()

    assert len(desk.cases()) == 1
    card = desk.card(case).text
    assert "still slow" in card and "★★★☆☆" in card


def test_a_reply_goes_out_once_and_a_second_answer_replaces_it(desk: Desk, play: GooglePlayStandIn) -> None:
    case, review = open_case(desk, play, 1, "Crashes at login.")
    path = f"{LIST}/{review['reviewId']}:reply"

    desk.command(f"reply {case} Sorry! Please update to 4.12.1, which fixes the crash.")
    desk.settle()
    second = desk.command(f"reply {case} Sorry! 4.12.1 fixes it; tap Help in the app if it does not.")
    desk.settle()

    posts = play.requests_to("POST", path)
    assert len(posts) == 2 and set(posts[0].json) == {"replyText"}, (list(second), desk.replies(case))
    assert (play.reply_of(review) or "").startswith("Sorry! 4.12.1 fixes it")
    assert sum("developerComment" in c for c in review["comments"]) == 1
    replies = desk.replies(case)
    assert [r.status for r in replies] == [ReplyStatus.SENT, ReplyStatus.SENT]
    assert {r.external_id for r in replies} == {f"{PACKAGE}/{review['reviewId']}/reply"}


def test_over_350_characters_is_refused_before_any_call(desk: Desk, play: GooglePlayStandIn) -> None:
    case, review = open_case(desk, play, 1, "Crashes.")
    calls = len(play.requests)

    answers = desk.command(f"reply {case} {'x' * 351}")
    desk.settle()

    assert len(play.requests) == calls and play.reply_of(review) is None
    told = " ".join(answers) + " ".join(r.error or "" for r in desk.replies(case))
    assert "350" in told


def test_the_stand_in_refuses_351_characters_too(
    play: GooglePlayStandIn, oauth: GoogleTokenStandIn, desk: Desk
) -> None:
    review = play.add_review(PACKAGE, "Dana", 1, "Crashes.")
    desk.poll("google_play")  # a token is issued
    token = next(iter(oauth.issued))
    url = f"{play.url}{LIST}/{review['reviewId']}:reply"
    refused = httpx.post(url, json={"replyText": "x" * 351}, headers={"Authorization": f"Bearer {token}"})
    taken = httpx.post(url, json={"replyText": "x" * 350}, headers={"Authorization": f"Bearer {token}"})
    unsigned = httpx.post(url, json={"replyText": "x"})
    assert refused.status_code == 400 and "350" in refused.json()["error"]["message"]
    assert taken.status_code == 200 and unsigned.status_code == 401


def test_a_poll_gap_over_seven_days_is_warned_in_the_log_and_readyz(
    desk: Desk, play: GooglePlayStandIn, caplog: pytest.LogCaptureFixture
) -> None:
    open_case(desk, play, 4, "Nice.")
    desk.clock.advance(timedelta(days=6))
    assert desk.poll("google_play") == "ok"
    assert "problems" not in httpx.get(f"{desk.url}/readyz").json()["plugins"]["google_play"]

    desk.clock.advance(timedelta(days=8))  # socialdesk was down: 8 days without a poll
    with caplog.at_level(logging.WARNING):
        assert desk.poll("google_play") == "ok"

    assert any("may have been lost" in r.getMessage() for r in caplog.records)
    [note] = httpx.get(f"{desk.url}/readyz").json()["plugins"]["google_play"]["problems"]
    assert "previous successful poll was 8 days ago" in note and "Play Console" in note
    desk.clock.advance(timedelta(days=1, minutes=1))
    assert "problems" not in httpx.get(f"{desk.url}/readyz").json()["plugins"]["google_play"]


def test_a_refused_token_is_explained_in_readyz(
    desk: Desk, play: GooglePlayStandIn, oauth: GoogleTokenStandIn
) -> None:
    open_case(desk, play, 4, "Nice.")
    oauth.revoke_tokens()
    oauth.accounts.clear()  # the key was deleted in the Cloud console

    assert desk.poll("google_play") == "error"

    detail = httpx.get(f"{desk.url}/readyz").json()["plugins"]["google_play"]["last_poll"]["detail"]
    assert "invalid_client" in detail and "GOOGLE_SERVICE_ACCOUNT_FILE" in detail


def test_quota_errors_back_off(desk: Desk, play: GooglePlayStandIn) -> None:
    open_case(desk, play, 4, "Nice.")
    play.script(Failure(status=429, route=f"GET {LIST}"))

    assert desk.poll("google_play") == "rate_limited"  # no Retry-After: 15 minutes
    desk.clock.advance(timedelta(minutes=14))
    assert desk.poll("google_play") == "waiting"
    desk.clock.advance(timedelta(minutes=1, seconds=1))
    play.add_review(PACKAGE, "Kim", 5, "Great.")
    assert desk.poll("google_play") == "ok"
    desk.settle()
    assert len(desk.cases()) == 2
    assert len(play.requests_to("GET", LIST)) == 3


def test_the_source_conforms(desk: Desk, play: GooglePlayStandIn) -> None:
    play.add_samples()
    report = check_source(desk, desk.source("google_play"))

    assert [(s.name, len(s.cases)) for s in report.samples] == [
        ("a one-star review after an update", 1),
        ("a five-star review", 1),
    ]
    assert report.reply is not None and report.reply.external_id.endswith("/reply")


def test_without_packages_or_key_the_plugins_are_off(socialdesk_desk: DeskFactory) -> None:
    desk = socialdesk_desk(
        plugins=[google_business.plugin, google_play.plugin], env={"GOOGLE_PLAY_PACKAGES": PACKAGE}
    )
    states = {r.name: (r.status, r.problems) for r in desk.runtime.plugins.records}
    assert states["google_play"] == ("off", ["GOOGLE_SERVICE_ACCOUNT_FILE is not set"])
    assert states["google_business"] == (
        "off",
        ["GOOGLE_BUSINESS_LOCATIONS and GOOGLE_SERVICE_ACCOUNT_FILE are not set"],
    )
