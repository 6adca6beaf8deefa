"""The Trustpilot source end to end: the real poller and reply path against the local API stand-in,
through socialdesk's runtime (socialdesk.testing): cards, re-runs, edits, replies, tokens and limits."""

from __future__ import annotations

import json
import logging
from datetime import datetime, timedelta

import httpx
import pytest

from socialdesk.domain.enums import MentionKind, ReplyStatus
from socialdesk.plugins import OutgoingReply, SentReply
from socialdesk.sources.trustpilot.poller import TrustpilotPoller
from socialdesk.sources.trustpilot.source import TrustpilotSource
from socialdesk.standin.platforms.trustpilot_api import REPLY, REVIEWS, TOKEN_PATH, TrustpilotStandIn
from socialdesk.testing import Desk, Failure

LIST = f"GET {REVIEWS}"


def list_route(api: TrustpilotStandIn) -> str:
    return f"GET {REVIEWS}{api.business_unit_id}/reviews"


def open_case(desk: Desk, api: TrustpilotStandIn, name: str, stars: int, title: str, text: str) -> int:
    api.add_review(name, stars, title, text)
    assert desk.poll("trustpilot") == "ok"
    desk.settle()
    return desk.cards()[-1].case


def test_new_reviews_become_cards_with_stars_and_title(desk: Desk, api: TrustpilotStandIn) -> None:
    api.add_review(
        "Dana Whitfield",
        1,
        "Parcel never arrived",
        "Two weeks and tracking hasn't moved.",
        reference="ORD-4411",
        email="dana.whitfield@example.com",
    )
    api.add_review("Sam Reyes", 5, "Quick and friendly", "Delivered next day.")

    assert desk.poll("trustpilot") == "ok"
    desk.settle()

    cards = {c.case: c for c in desk.cards()}
    assert len(cards) == 2
    dana = next(c for c in cards.values() if "Parcel never arrived" in c.text)
    assert "Two weeks and tracking hasn't moved." in dana.text and "Dana Whitfield" in dana.text
    assert "dana.whitfield@example.com" not in dana.text  # the private endpoint's e-mail never reaches Slack
    case = desk.case(dana.case)
    assert case.platform.value == "trustpilot"
    stored = json.loads(desk.inbox("trustpilot_poll")[0].body)
    mentions = desk.source("trustpilot").normalize_poll(stored, desk.runtime.pipeline.brand).mentions
    by_title = {m.details[0][1]: m for m in mentions}
    low = by_title["Parcel never arrived"]
    assert low.rating == 1 and low.kind is MentionKind.REVIEW and not low.edited
    assert ("Order reference", "ORD-4411") in low.details
    assert low.text.splitlines()[0] == "Parcel never arrived"
    assert low.url == f"https://www.trustpilot.com/reviews/{low.external_id}"
    assert by_title["Quick and friendly"].rating == 5
    # One token for both calls, asked as the docs say; the list asked newest first, 100 a page.
    [token_call] = api.token_calls()
    assert token_call.body == b"grant_type=client_credentials"
    assert token_call.headers["content-type"] == "application/x-www-form-urlencoded"
    [listed] = api.calls("GET", REVIEWS)
    assert listed.query["orderBy"] == "createdat.desc" and listed.query["perPage"] == "100"
    assert listed.headers["authorization"].startswith("Bearer ") and listed.headers["apikey"] == api.api_key


def test_a_rerun_opens_nothing_twice_and_pages_are_followed(desk: Desk, api: TrustpilotStandIn) -> None:
    poller = desk.source("trustpilot").poller
    assert isinstance(poller, TrustpilotPoller)
    poller.page_size = 5
    for i in range(12):  # three pages of five
        api.add_review(f"Customer {i}", 4, f"Review {i}", "Fine.", at=desk.clock.now() - timedelta(minutes=i))

    assert desk.poll("trustpilot") == "ok"
    desk.settle()
    assert len(desk.cases()) == 12 and len(desk.cards()) == 12
    assert [c.query["page"] for c in api.calls("GET", REVIEWS)] == ["1", "2", "3"]

    assert desk.poll("trustpilot") == "ok"
    desk.settle()
    assert len(desk.cases()) == 12 and len(desk.cards()) == 12
    assert len(desk.inbox("trustpilot_poll")) == 1  # the second run found nothing new to store


def test_the_first_run_starts_from_the_last_day(desk: Desk, api: TrustpilotStandIn) -> None:
    old = api.add_review("Lee", 2, "Old news", "From last week.", at=desk.clock.now() - timedelta(days=3))
    api.add_review("Kim", 3, "Today", "Slow refund.")

    assert desk.poll("trustpilot") == "ok"
    desk.settle()
    assert len(desk.cases()) == 1

    # The old review was remembered: editing it later still updates (here: opens) its case.
    api.edit_review(old["id"], text="From last week. Still no answer!")
    assert desk.poll("trustpilot") == "ok"
    desk.settle()
    stored = desk.inbox("trustpilot_poll")[-1]
    assert old["id"] in stored.body and '"edited"' in stored.body


def test_an_edited_review_is_stored_once_marked_edited(desk: Desk, api: TrustpilotStandIn) -> None:
    review = api.add_review("Dana", 1, "Parcel never arrived", "Nothing yet.")
    desk.poll("trustpilot")
    desk.settle()
    desk.clock.advance(timedelta(hours=2))

    api.edit_review(review["id"], stars=4, title="Sorted in the end", text="Support found it. Thanks!")
    assert desk.poll("trustpilot") == "ok"
    assert desk.poll("trustpilot") == "ok"  # nothing changed since: nothing stored
    desk.settle()

    rows = desk.inbox("trustpilot_poll")
    assert len(rows) == 2
    result = desk.source("trustpilot").normalize(json.loads(rows[-1].body), desk.runtime.pipeline.brand)
    [mention] = result.mentions
    assert mention.edited and mention.rating == 4 and mention.external_id == review["id"]
    assert mention.text.startswith("Sorted in the end")


def test_an_edited_review_updates_its_case(desk: Desk, api: TrustpilotStandIn) -> None:
    case = open_case(desk, api, "Dana", 1, "Parcel never arrived", "Nothing yet.")
    review_id = api.reviews[0]["id"]

    api.edit_review(review_id, stars=4, title="Sorted in the end", text="Support found it. Thanks!")
    assert desk.poll("trustpilot") == "ok"
    desk.settle()

    assert [c.id for c in desk.cases()] == [desk.case(case).id]  # no second case
    assert "Sorted in the end" in desk.card(case).text


def test_a_reply_goes_out_once_and_a_second_answer_replaces_it(desk: Desk, api: TrustpilotStandIn) -> None:
    case = open_case(desk, api, "Dana", 1, "Parcel never arrived", "Nothing yet.")
    review_id = api.reviews[0]["id"]
    source = desk.source("trustpilot")
    assert isinstance(source, TrustpilotSource)
    sent_by_core: list[OutgoingReply] = []
    send = source.replies.send

    def recording(reply: OutgoingReply, *, now: datetime) -> SentReply:
        sent_by_core.append(reply)
        return send(reply, now=now)

    source.replies.send = recording  # type: ignore[method-assign]

    desk.command(f"reply {case} Sorry Dana, we've found the parcel: it arrives tomorrow.")
    desk.settle()

    [posted] = api.reply_posts
    assert posted["review_id"] == review_id and posted["authorBusinessUserId"] == api.business_user_id
    assert posted["message"].startswith("Sorry Dana, we've found the parcel")
    [sent] = desk.replies(case)
    assert sent.status is ReplyStatus.SENT and sent.external_id == f"{review_id}/reply"

    desk.command(f"reply {case} Update: it was delivered this morning. Enjoy the kettle!")
    desk.settle()

    assert len(api.reply_posts) == 2  # the same endpoint: Trustpilot keeps one reply and replaces it
    # The second answer went out as the edit of the first (socialdesk's one-answer rule), not a new one.
    assert [r.replaces for r in sent_by_core] == [None, f"{review_id}/reply"]
    reply = api.reply_of(review_id)
    assert reply is not None and reply["text"].startswith("Update: it was delivered")
    assert reply["updatedAt"] is not None


def test_an_invalid_key_is_refused_and_explained_in_the_log_and_readyz(
    desk: Desk, api: TrustpilotStandIn, caplog: pytest.LogCaptureFixture
) -> None:
    api.api_secret = "rotated-secret"
    api.add_review("Dana", 1, "Parcel never arrived", "Nothing yet.")

    with caplog.at_level(logging.WARNING):
        assert desk.poll("trustpilot") == "error"

    assert desk.cards() == []
    assert any("TRUSTPILOT_API_SECRET" in r.getMessage() for r in caplog.records), caplog.text
    assert "rotated-secret" not in caplog.text and api.api_key not in caplog.text
    detail = httpx.get(f"{desk.url}/readyz").json()["plugins"]["trustpilot"]
    assert detail["status"] == "active"
    assert detail["last_poll"]["outcome"] == "error"
    assert "TRUSTPILOT_API_KEY and TRUSTPILOT_API_SECRET" in detail["last_poll"]["detail"]
    assert "ClientId is Invalid" in detail["last_poll"]["detail"]

    # Fixed: the next run succeeds and /readyz forgets the trouble.
    api.api_secret = "tp-secret-9a8b7c6d"
    assert desk.poll("trustpilot") == "ok"
    assert "last_poll" not in httpx.get(f"{desk.url}/readyz").json()["plugins"]["trustpilot"]


def test_an_expired_token_is_refused_by_the_standin_and_renewed(desk: Desk, api: TrustpilotStandIn) -> None:
    open_case(desk, api, "Dana", 1, "Parcel never arrived", "Nothing yet.")
    desk.clock.advance(timedelta(hours=100))  # the token lived 100 hours: expired now
    api.add_review("Kim", 2, "Broken lid", "Arrived cracked.")

    assert desk.poll("trustpilot") == "ok"
    desk.settle()
    assert len(desk.cards()) == 2
    assert len(api.token_calls()) == 2  # renewed before the call, never sent expired


def test_a_revoked_token_is_retried_once_with_a_new_one(desk: Desk, api: TrustpilotStandIn) -> None:
    open_case(desk, api, "Dana", 1, "Parcel never arrived", "Nothing yet.")
    api.revoke_tokens()
    api.add_review("Kim", 2, "Broken lid", "Arrived cracked.")

    assert desk.poll("trustpilot") == "ok"
    desk.settle()
    assert len(desk.cards()) == 2 and len(api.token_calls()) == 2
    refused = [r for r in api.calls("GET", REVIEWS)][-2]
    assert refused.headers["authorization"] != api.calls("GET", REVIEWS)[-1].headers["authorization"]


def test_an_expired_token_answer_is_explained_when_renewal_fails(
    desk: Desk, api: TrustpilotStandIn
) -> None:
    open_case(desk, api, "Dana", 1, "Parcel never arrived", "Nothing yet.")
    api.revoke_tokens()
    api.api_secret = "revoked"

    assert desk.poll("trustpilot") == "error"
    detail = httpx.get(f"{desk.url}/readyz").json()["plugins"]["trustpilot"]["last_poll"]
    assert "refused socialdesk's API key and secret (401)" in detail["detail"]


def test_a_429_backs_off_until_retry_after(desk: Desk, api: TrustpilotStandIn) -> None:
    open_case(desk, api, "Dana", 1, "Parcel never arrived", "Nothing yet.")
    api.script(Failure(status=429, headers={"Retry-After": "600"}, route=list_route(api)))

    assert desk.poll("trustpilot") == "rate_limited"
    desk.clock.advance(timedelta(minutes=5))
    assert desk.poll("trustpilot") == "waiting"
    assert len(api.calls("GET", REVIEWS)) == 2  # nothing asked while waiting
    detail = httpx.get(f"{desk.url}/readyz").json()["plugins"]["trustpilot"]["last_poll"]
    assert detail["outcome"] == "rate_limited" and "rate limit" in detail["detail"]

    api.add_review("Kim", 2, "Broken lid", "Arrived cracked.")
    desk.clock.advance(timedelta(minutes=5, seconds=1))
    assert desk.poll("trustpilot") == "ok"
    desk.settle()
    assert len(desk.cards()) == 2


def test_a_500_backs_off_and_keeps_the_cursor(desk: Desk, api: TrustpilotStandIn) -> None:
    open_case(desk, api, "Dana", 1, "Parcel never arrived", "Nothing yet.")
    api.add_review("Kim", 2, "Broken lid", "Arrived cracked.")
    api.script(Failure(status=500, route=list_route(api)))

    assert desk.poll("trustpilot") == "rate_limited"
    assert desk.poll("trustpilot") == "waiting"
    desk.clock.advance(timedelta(minutes=10))
    assert desk.poll("trustpilot") == "ok"
    desk.settle()
    assert len(desk.cards()) == 2


def test_a_reply_refused_by_a_429_posts_nothing(desk: Desk, api: TrustpilotStandIn) -> None:
    case = open_case(desk, api, "Dana", 1, "Parcel never arrived", "Nothing yet.")
    review_id = api.reviews[0]["id"]
    api.script(Failure(status=429, route=f"POST {REPLY}{review_id}/reply"))

    desk.command(f"reply {case} We're on it.")
    desk.settle()

    assert api.reply_posts == []
    [reply] = desk.replies(case)
    assert reply.error_kind == "rate_limited" and "rate limit" in (reply.error or "")


def test_a_reply_answered_500_says_to_check_before_sending_again(desk: Desk, api: TrustpilotStandIn) -> None:
    case = open_case(desk, api, "Dana", 1, "Parcel never arrived", "Nothing yet.")
    api.script(Failure(status=500, route=f"POST {REPLY}{api.reviews[0]['id']}/reply"))

    desk.command(f"reply {case} We're on it.")
    desk.settle()

    [reply] = desk.replies(case)
    assert reply.error_kind == "unavailable" and "may or may not" in (reply.error or "")


def test_private_and_overlong_replies_are_refused_before_any_call(desk: Desk, api: TrustpilotStandIn) -> None:
    case = open_case(desk, api, "Dana", 1, "Parcel never arrived", "Nothing yet.")
    before = len(api.calls("POST", REPLY))

    refused = desk.command(f"dm {case} Please send us your order number.")
    long = desk.command(f"reply {case} {'a' * 2501}")
    desk.settle()

    assert len(api.calls("POST", REPLY)) == before == 0
    assert refused.private and "public" in refused[0], refused
    assert any("2500" in a or "2,500" in a for a in long), long


def test_an_answer_from_trustpilot_business_is_not_overwritten(desk: Desk, api: TrustpilotStandIn) -> None:
    api.add_review(
        "Dana", 2, "Late", "Took a week.", reply={"text": "Sorry Dana!", "createdAt": "2026-11-24T08:00:00Z"}
    )
    desk.poll("trustpilot")
    desk.settle()
    case = desk.cards()[-1].case

    desk.command(f"reply {case} Sorry for the wait.")
    desk.settle()

    assert api.reply_posts == []
    [reply] = desk.replies(case)
    assert reply.error_kind == "rejected" and "Trustpilot Business" in (reply.error or "")


def test_token_requests_follow_the_client_credentials_grant(api: TrustpilotStandIn) -> None:
    """The stand-in refuses what Trustpilot's token endpoint refuses."""
    good = httpx.post(
        api.token_url,
        content=b"grant_type=client_credentials",
        headers={"Content-Type": "application/x-www-form-urlencoded"},
        auth=(api.api_key, api.api_secret),
    )
    wrong = httpx.post(
        api.token_url,
        content=b"grant_type=client_credentials",
        headers={"Content-Type": "application/x-www-form-urlencoded"},
        auth=(api.api_key, "nope"),
    )
    grant = httpx.post(
        api.token_url,
        content=b"grant_type=password",
        headers={"Content-Type": "application/x-www-form-urlencoded"},
        auth=(api.api_key, api.api_secret),
    )
    assert good.status_code == 200 and good.json()["expires_in"] == str(100 * 3600)
    assert wrong.status_code == 401 and grant.status_code == 400
    listed = httpx.get(
        f"{api.url}{REVIEWS}{api.business_unit_id}/reviews",
        headers={"Authorization": "Bearer forged", "apikey": api.api_key},
    )
    assert listed.status_code == 401 and listed.json()["fault"]["faultstring"] == "Invalid Access Token"
    assert TOKEN_PATH in api.token_url
