"""The Bluesky source end to end: the real poller and reply path against the local PDS stand-in, through
socialdesk's runtime (socialdesk.testing): cards, threads, replies, sessions and rate limits."""

from __future__ import annotations

from datetime import timedelta

from socialdesk.domain.enums import ReplyStatus
from socialdesk.sources.bluesky.poller import LIST
from socialdesk.standin.platforms.bluesky_api import BlueskyStandIn
from socialdesk.testing import START, Desk, Failure

CREATE_RECORD = "com.atproto.repo.createRecord"
CREATE_SESSION = "com.atproto.server.createSession"
REFRESH_SESSION = "com.atproto.server.refreshSession"


def open_case(desk: Desk, pds: BlueskyStandIn, handle: str, text: str, **kw: str) -> int:
    pds.add_post(handle, text, **kw)
    assert desk.poll("bluesky") == "ok"
    desk.settle()
    return desk.cards()[-1].case


def test_a_mention_becomes_a_card_with_its_author_and_text(desk: Desk, pds: BlueskyStandIn) -> None:
    pds.add_post("dana.bsky.social", "@acme.bsky.social my parcel never arrived 📦", name="Dana W")

    assert desk.poll("bluesky") == "ok"
    desk.settle()

    [card] = desk.cards()
    assert "my parcel never arrived 📦" in card.text and "dana.bsky.social" in card.text
    case = desk.case(card.case)
    assert case.platform.value == "bluesky"
    [login] = pds.calls(CREATE_SESSION)
    assert login.json == {"identifier": "acme.bsky.social", "password": pds.app_password}
    [listed] = pds.calls(LIST)
    assert listed.headers["authorization"].startswith("Bearer ") and listed.query["limit"] == "50"


def test_a_follow_up_in_the_thread_joins_the_case(desk: Desk, pds: BlueskyStandIn) -> None:
    first = pds.add_post("dana.bsky.social", "@acme.bsky.social my parcel never arrived")
    desk.poll("bluesky")
    desk.settle()
    pds.add_post("dana.bsky.social", "it's been two weeks now", reason="reply", reply_to=first)
    pds.add_post("kim.bsky.social", "@acme.bsky.social app crashes on login")

    assert desk.poll("bluesky") == "ok"
    desk.settle()

    dana, kim = sorted(desk.cases(), key=lambda c: c.id)
    assert (dana.mention_count, kim.mention_count) == (2, 1)
    assert dana.conversation_key == f"bluesky:{first['uri']}"
    assert len(desk.cards()) == 2
    # The second poll stored only what was new since the first: one page of two notifications.
    second = desk.inbox("bluesky_poll")[-1]
    assert "two weeks" in second.body and "parcel" not in second.body


def test_likes_reposts_and_follows_are_no_case(desk: Desk, pds: BlueskyStandIn) -> None:
    pds.add_other("sam.bsky.social", "like")
    pds.add_other("sam.bsky.social", "follow")
    pds.add_other("lee.bsky.social", "repost")

    assert desk.poll("bluesky") == "ok"
    desk.settle()

    assert desk.cases() == [] and desk.cards() == []
    [stored] = desk.inbox("bluesky_poll")
    assert stored.status.value == "ignored"  # read, and nothing in it was a case


def test_a_reply_goes_out_once_in_the_thread_with_facets(desk: Desk, pds: BlueskyStandIn) -> None:
    first = pds.add_post("dana.bsky.social", "@acme.bsky.social my parcel never arrived")
    desk.poll("bluesky")
    follow_up = pds.add_post("dana.bsky.social", "hello??", reason="reply", reply_to=first)
    desk.poll("bluesky")
    desk.settle()
    case = desk.cards()[-1].case

    text = "Hi @dana.bsky.social, sorry! Track it at https://acme.example/t/4411 — we're on it 🙏"
    answers = desk.command(f"reply {case} {text}")
    desk.settle()
    desk.settle()

    [posted] = pds.posted
    assert posted["repo"] == pds.did and posted["collection"] == "app.bsky.feed.post"
    record = posted["record"]
    assert record["$type"] == "app.bsky.feed.post" and record["text"].startswith(text)
    assert START.isoformat()[:16] <= record["createdAt"] <= desk.clock.now().isoformat()
    assert record["createdAt"].endswith("Z") and len(record["createdAt"]) == len("2026-11-24T09:00:00.000Z")
    # The parent is the customer's latest post; the root the first post of the thread.
    assert record["reply"]["parent"] == {"uri": follow_up["uri"], "cid": follow_up["cid"]}
    assert record["reply"]["root"] == {"uri": first["uri"], "cid": first["cid"]}
    raw = record["text"].encode()
    features = {f["features"][0]["$type"].rsplit("#")[-1]: f for f in record["facets"]}
    link, mention = features["link"], features["mention"]
    assert raw[link["index"]["byteStart"] : link["index"]["byteEnd"]] == b"https://acme.example/t/4411"
    assert link["features"][0]["uri"] == "https://acme.example/t/4411"
    assert raw[mention["index"]["byteStart"] : mention["index"]["byteEnd"]] == b"@dana.bsky.social"
    assert mention["features"][0]["did"] == first["author"]["did"]
    assert answers.private
    [reply] = desk.replies(case)
    assert reply.status is ReplyStatus.SENT and reply.external_id == posted["uri"]


def test_over_300_graphemes_is_refused_with_a_reason_before_any_call(desk: Desk, pds: BlueskyStandIn) -> None:
    case = open_case(desk, pds, "dana.bsky.social", "@acme.bsky.social hello?")
    calls_before = len(pds.requests)

    answers = desk.command(f"reply {case} {'👍🏽' * 301}")  # 301 graphemes, 602 code points
    desk.settle()

    assert pds.posted == [] and len(pds.requests) == calls_before
    assert any("300" in a for a in answers), answers
    # 300 of them fit: the same count on both sides.
    desk.command(f"reply {case} {'👍🏽' * 250}")
    desk.settle()
    assert len(pds.posted) == 1


def test_an_expired_access_token_is_refreshed(desk: Desk, pds: BlueskyStandIn) -> None:
    open_case(desk, pds, "dana.bsky.social", "@acme.bsky.social one")
    desk.clock.advance(timedelta(hours=3))  # the access token lives two hours
    pds.add_post("kim.bsky.social", "@acme.bsky.social two")

    assert desk.poll("bluesky") == "ok"
    desk.settle()

    assert len(desk.cards()) == 2
    assert len(pds.calls(CREATE_SESSION)) == 1 and len(pds.calls(REFRESH_SESSION)) == 1


def test_an_expired_token_answer_refreshes_and_retries(desk: Desk, pds: BlueskyStandIn) -> None:
    open_case(desk, pds, "dana.bsky.social", "@acme.bsky.social one")
    pds.script(
        Failure(
            status=400,
            body={"error": "ExpiredToken", "message": "Token has expired"},
            route=f"GET /xrpc/{LIST}",
        )
    )
    pds.add_post("kim.bsky.social", "@acme.bsky.social two")

    assert desk.poll("bluesky") == "ok"
    desk.settle()

    assert len(desk.cards()) == 2 and len(pds.calls(REFRESH_SESSION)) == 1


def test_a_refused_refresh_token_signs_in_again(desk: Desk, pds: BlueskyStandIn) -> None:
    open_case(desk, pds, "dana.bsky.social", "@acme.bsky.social one")
    pds.revoke_sessions()
    desk.clock.advance(timedelta(hours=3))
    pds.add_post("kim.bsky.social", "@acme.bsky.social two")

    assert desk.poll("bluesky") == "ok"
    desk.settle()

    assert len(desk.cards()) == 2
    assert len(pds.calls(REFRESH_SESSION)) == 1 and len(pds.calls(CREATE_SESSION)) == 2


def test_a_wrong_app_password_fetches_nothing(desk: Desk, pds: BlueskyStandIn) -> None:
    pds.app_password = "zzzz-zzzz-zzzz-zzzz"
    pds.add_post("dana.bsky.social", "@acme.bsky.social hi")
    assert desk.poll("bluesky") == "error"
    assert desk.cards() == []


def test_a_429_backs_off_until_the_reset(desk: Desk, pds: BlueskyStandIn) -> None:
    open_case(desk, pds, "dana.bsky.social", "@acme.bsky.social one")
    pds.script(Failure(status=429, route=f"GET /xrpc/{LIST}"))

    assert desk.poll("bluesky") == "rate_limited"
    desk.clock.advance(timedelta(minutes=2))
    assert desk.poll("bluesky") == "waiting"
    assert len(pds.calls(LIST)) == 2  # nothing asked while waiting

    pds.add_post("kim.bsky.social", "@acme.bsky.social two")
    desk.clock.advance(timedelta(minutes=3, seconds=1))
    assert desk.poll("bluesky") == "ok"
    desk.settle()
    assert len(desk.cards()) == 2


def test_a_spent_window_waits_without_calling(desk: Desk, pds: BlueskyStandIn) -> None:
    pds.limits[LIST] = 1
    open_case(desk, pds, "dana.bsky.social", "@acme.bsky.social one")  # answered with remaining 0

    assert desk.poll("bluesky") == "rate_limited"
    assert len(pds.calls(LIST)) == 1


def test_a_500_keeps_the_cursor(desk: Desk, pds: BlueskyStandIn) -> None:
    open_case(desk, pds, "dana.bsky.social", "@acme.bsky.social one")
    pds.add_post("kim.bsky.social", "@acme.bsky.social two")
    pds.script(Failure(status=500, route=f"GET /xrpc/{LIST}"))

    assert desk.poll("bluesky") == "error"
    assert desk.poll("bluesky") == "ok"
    desk.settle()
    assert len(desk.cards()) == 2


def test_a_reply_refused_by_a_429_tells_the_agent_and_posts_nothing(desk: Desk, pds: BlueskyStandIn) -> None:
    case = open_case(desk, pds, "dana.bsky.social", "@acme.bsky.social hello?")
    pds.script(Failure(status=429, route=f"POST /xrpc/{CREATE_RECORD}"))

    desk.command(f"reply {case} We're on it.")
    desk.settle()

    assert pds.posted == []
    [reply] = desk.replies(case)
    assert reply.error_kind == "rate_limited" and "rate limit" in (reply.error or "")


def test_a_reply_answered_500_is_unavailable_and_says_to_check(desk: Desk, pds: BlueskyStandIn) -> None:
    case = open_case(desk, pds, "dana.bsky.social", "@acme.bsky.social hello?")
    pds.script(Failure(status=500, route=f"POST /xrpc/{CREATE_RECORD}"))

    desk.command(f"reply {case} We're on it.")
    desk.settle()

    [reply] = desk.replies(case)
    assert reply.error_kind == "unavailable" and "may or may not" in (reply.error or "")


def test_an_unknown_handle_stays_plain_text_and_a_private_reply_is_refused(
    desk: Desk, pds: BlueskyStandIn
) -> None:
    case = open_case(desk, pds, "dana.bsky.social", "@acme.bsky.social hello?")

    refused = desk.command(f"dm {case} Please send us your order number.")
    desk.command(f"reply {case} Ask @nobody.example.com or @acme.bsky.social")
    desk.settle()

    assert refused.private and "public" in refused[0], refused  # told why, privately
    assert pds.calls(CREATE_RECORD)[0].json["record"]["text"].startswith("Ask")
    [posted] = pds.posted  # the dm never reached Bluesky
    [facet] = posted["record"]["facets"]  # @nobody.example.com does not resolve: no facet
    assert facet["features"][0] == {"$type": "app.bsky.richtext.facet#mention", "did": pds.did}
    [lookup] = pds.calls("com.atproto.identity.resolveHandle")
    assert lookup.query["handle"] == "nobody.example.com"
