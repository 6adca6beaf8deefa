"""The Mastodon source end to end: a mention polled from the stand-in becomes a card; an agent's reply
from Slack reaches the stand-in; the poller keeps its cursor and honours Mastodon's rate limit."""

from __future__ import annotations

from datetime import timedelta

from conftest import TOKEN
from mastodon_standin import MastodonStandIn, iso

from socialdesk.testing import Desk, Failure


def open_case(desk: Desk, mastodon: MastodonStandIn, acct: str, text: str, **kw: str) -> int:
    mastodon.add_mention(acct, text, **kw)
    assert desk.poll("mastodon") == "ok"
    desk.settle()
    return desk.cards()[-1].case


def test_a_polled_mention_becomes_a_card(desk: Desk, mastodon: MastodonStandIn) -> None:
    mastodon.add_mention("sam@fosstodon.org", "my order &amp; refund never arrived, order 4411")

    assert desk.poll("mastodon") == "ok"
    desk.settle()

    [call] = mastodon.notification_calls()
    assert call.headers["authorization"] == f"Bearer {TOKEN}"
    assert call.query["types[]"] == "mention" and "since_id" not in call.query
    [card] = desk.cards()
    assert "my order & refund never arrived, order 4411" in card.text  # HTML turned into text
    assert "sam@fosstodon.org" in card.text
    assert desk.case(card.case).platform.value == "mastodon"


def test_the_next_poll_asks_only_for_newer_mentions(desk: Desk, mastodon: MastodonStandIn) -> None:
    first = mastodon.add_mention("sam@fosstodon.org", "is the app down?")
    desk.poll("mastodon")
    second = mastodon.add_mention("kim@mastodon.social", "login fails since this morning")

    desk.poll("mastodon")
    desk.settle()

    calls = mastodon.notification_calls()
    assert calls[1].query["since_id"] == first["id"]
    assert ["login fails" in c.text for c in desk.cards()] == [False, True]
    desk.poll("mastodon")
    assert mastodon.notification_calls()[2].query["since_id"] == second["id"]
    desk.settle()
    assert len(desk.cards()) == 2  # nothing fetched twice


def test_a_public_reply_reaches_mastodon_under_the_customers_status(
    desk: Desk, mastodon: MastodonStandIn
) -> None:
    case = open_case(desk, mastodon, "sam@fosstodon.org", "where is my parcel?")
    customer_status = mastodon.notifications[-1]["status"]["id"]

    answers = desk.command(f"reply {case} Hi Sam, it left our warehouse today.")
    desk.settle()

    [posted] = mastodon.posted
    assert posted["in_reply_to_id"] == customer_status
    assert posted["visibility"] == "public"
    assert posted["text"].startswith("@sam@fosstodon.org Hi Sam, it left our warehouse today.")
    [call] = mastodon.requests_to("POST", "/api/v1/statuses")
    assert call.headers["authorization"] == f"Bearer {TOKEN}" and call.headers["idempotency-key"]
    assert answers.private and "posted" in answers[0]
    [reply] = desk.replies(case)
    assert reply.external_id == posted["id"]


def test_a_private_reply_is_a_direct_status(desk: Desk, mastodon: MastodonStandIn) -> None:
    case = open_case(desk, mastodon, "sam@fosstodon.org", "I was charged twice")

    desk.command(f"dm {case} Hi Sam, please send us your order number here.")
    desk.settle()

    [posted] = mastodon.posted
    assert posted["visibility"] == "direct"
    assert posted["text"].startswith("@sam@fosstodon.org ")  # without the mention nobody would see it


def test_a_direct_message_is_answered_directly(desk: Desk, mastodon: MastodonStandIn) -> None:
    case = open_case(desk, mastodon, "sam@fosstodon.org", "my card number leaked?", visibility="direct")
    assert desk.case(case).is_private

    refused = desk.command(f"reply {case} Hi Sam, we are looking into it.")
    assert "can only be private" in refused[0] and mastodon.posted == []  # the capabilities say so

    desk.command(f"dm {case} Hi Sam, we are looking into it.")
    desk.settle()

    assert [p["visibility"] for p in mastodon.posted] == ["direct"]


def test_a_reply_over_500_characters_never_reaches_mastodon(desk: Desk, mastodon: MastodonStandIn) -> None:
    case = open_case(desk, mastodon, "sam@fosstodon.org", "hello?")

    answers = desk.command(f"reply {case} {'word ' * 110}")
    desk.settle()

    assert mastodon.posted == []
    assert any("500" in a for a in answers), answers


def test_a_429_is_honoured_until_mastodon_says(desk: Desk, mastodon: MastodonStandIn) -> None:
    reset = desk.clock.now() + timedelta(minutes=4)
    mastodon.script(Failure(status=429, headers={"X-RateLimit-Reset": iso(reset)}))

    assert desk.poll("mastodon") == "rate_limited"
    desk.clock.advance(timedelta(minutes=3))
    assert desk.poll("mastodon") == "waiting"
    assert len(mastodon.notification_calls()) == 1  # no call before the reset

    mastodon.add_mention("sam@fosstodon.org", "still there?")
    desk.clock.advance(timedelta(minutes=1))
    assert desk.poll("mastodon") == "ok"
    desk.settle()
    assert len(desk.cards()) == 1


def test_a_500_keeps_the_cursor_for_the_next_run(desk: Desk, mastodon: MastodonStandIn) -> None:
    first = mastodon.add_mention("sam@fosstodon.org", "one")
    desk.poll("mastodon")
    mastodon.add_mention("kim@mastodon.social", "two")
    mastodon.script(Failure(status=500))

    assert desk.poll("mastodon") == "error"
    assert desk.poll("mastodon") == "ok"
    desk.settle()

    assert [c.query.get("since_id") for c in mastodon.notification_calls()] == [
        None,
        first["id"],
        first["id"],
    ]
    assert len(desk.cards()) == 2


def test_a_wrong_token_is_refused_by_the_stand_in(desk: Desk, mastodon: MastodonStandIn) -> None:
    mastodon.token = "another-token"
    assert desk.poll("mastodon") == "error"
    assert desk.cards() == []
