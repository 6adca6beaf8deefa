"""Instagram @mentions, hydrated (issue 14 item 2): Meta's `mentions` webhook carries ids only; the card
shows the author, text and link fetched from the Graph API stand-in before it is drawn; a failed fetch
opens the case saying what is missing and the case is completed later, on the same card; replies go
through the brand's `/mentions` edge.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import timedelta

import pytest

from socialdesk.clock import ManualClock
from socialdesk.domain.enums import ReplyStatus
from socialdesk.sources import meta
from socialdesk.sources.meta.verify import sign_meta
from socialdesk.standin.platforms import GraphApiStandIn
from socialdesk.testing import Desk
from socialdesk.testing.desk import DeskFactory

APP_SECRET, PAGE_TOKEN = "meta-app-secret-ig", "meta-page-token-ig"
PAGE_ID, IG_ID = "104729876543210", "17841400000000001"


@pytest.fixture
def graph(socialdesk_clock: ManualClock) -> Iterator[GraphApiStandIn]:
    with GraphApiStandIn(
        now=lambda: socialdesk_clock.now().timestamp(),
        access_token=PAGE_TOKEN,
        page_id=PAGE_ID,
        ig_account_id=IG_ID,
        app_secret=APP_SECRET,  # appsecret_proof is checked on the read too
    ) as server:
        yield server


@pytest.fixture
def desk(socialdesk_desk: DeskFactory, graph: GraphApiStandIn) -> Desk:
    return socialdesk_desk(
        [meta.plugin], META_APP_SECRET=APP_SECRET, META_PAGE_TOKEN=PAGE_TOKEN, META_GRAPH_URL=graph.base_url
    )


def mention_webhook(*, media_id: str, comment_id: str | None, time: int = 1795510800) -> bytes:
    """Meta's `mentions` delivery as it documents and sends it: ids, no text, no author."""
    value = {"media_id": media_id} if comment_id is None else {"comment_id": comment_id, "media_id": media_id}
    body = {
        "entry": [{"changes": [{"field": "mentions", "value": value}], "id": IG_ID, "time": time}],
        "object": "instagram",
    }
    return json.dumps(body).encode()


def deliver(desk: Desk, body: bytes) -> None:
    response = desk.post_webhook("meta", body, headers=sign_meta(body, APP_SECRET))
    assert response.status_code == 200, response.text
    desk.settle()


def test_a_comment_mention_card_shows_its_author_text_and_link(desk: Desk, graph: GraphApiStandIn) -> None:
    media = graph.add_post(platform="instagram", author_id="6000000000000009")
    text = "@acme my parcel never arrived, order 4471"
    comment = graph.add_mentioning(text, username="jo.bloggs", on=media)

    deliver(desk, mention_webhook(media_id=media, comment_id=comment))

    (card,) = desk.cards()
    assert "jo.bloggs" in card.text and "my parcel never arrived" in card.text
    assert f"https://www.instagram.com/p/{media}/" in json.dumps(card.blocks)  # "open on Instagram"
    assert "not fetched" not in card.text
    case = desk.case(card.case)
    assert case.author_handle == "jo.bloggs"
    (read,) = graph.requests_to("GET", f"/{graph.version}/{IG_ID}")
    assert read.query["fields"].startswith(f"mentioned_comment.comment_id({comment})")
    assert PAGE_TOKEN not in str(read.query)  # the token travels in a header, never in the URL

    desk.command(f"reply {card.case} Sorry Jo, we are on it")
    desk.settle()
    (sent,) = [r for r in desk.replies(card.case) if r.status is ReplyStatus.SENT]
    (call,) = graph.calls_to("mentions")
    assert call.node == IG_ID
    assert call.params["comment_id"] == comment and call.params["media_id"] == media
    assert call.params["message"].startswith("Sorry Jo, we are on it")
    assert sent.external_id == call.result["id"]


def test_the_webhook_answers_meta_before_any_graph_call_and_ingest_reads_the_mention_once(
    desk: Desk, graph: GraphApiStandIn
) -> None:
    media = graph.add_post(platform="instagram", author_id="6000000000000009")
    comment = graph.add_mentioning("@acme two weeks and no refund", username="ravi.p", on=media)
    body = mention_webhook(media_id=media, comment_id=comment)

    response = desk.post_webhook("meta", body, headers=sign_meta(body, APP_SECRET))

    # Meta has its 200 and the delivery is stored; the Graph API was not asked anything meanwhile.
    assert response.status_code == 200, response.text
    assert response.json()["ok"] is True
    (row,) = desk.inbox("meta")
    assert row.status.value == "pending"
    assert graph.requests == []
    assert desk.cards() == []

    desk.settle()  # ingest: the one read, then the card

    (read,) = graph.requests
    assert (read.method, read.path) == ("GET", f"/{graph.version}/{IG_ID}")
    assert read.query["fields"].startswith(f"mentioned_comment.comment_id({comment})")
    (card,) = desk.cards()
    assert "ravi.p" in card.text and "two weeks and no refund" in card.text

    redelivered = desk.post_webhook("meta", body, headers=sign_meta(body, APP_SECRET))
    desk.settle()
    assert redelivered.json()["duplicate"] is True
    assert len(graph.requests) == 1  # a redelivery is answered and stored once: no second read


def test_a_caption_mention_card_shows_its_author_and_caption(desk: Desk, graph: GraphApiStandIn) -> None:
    media = graph.add_mentioning("Loving my new boots from @acme", username="sam_walks")

    deliver(desk, mention_webhook(media_id=media, comment_id=None))

    (card,) = desk.cards()
    assert "sam_walks" in card.text and "Loving my new boots" in card.text
    desk.command(f"reply {card.case} Glad you like them!")
    desk.settle()
    (call,) = graph.calls_to("mentions")
    assert call.params["media_id"] == media and "comment_id" not in call.params


def test_a_failed_fetch_says_what_is_missing_and_the_case_is_completed_later(
    desk: Desk, graph: GraphApiStandIn
) -> None:
    media = graph.add_post(platform="instagram", author_id="6000000000000009")
    comment = graph.add_mentioning("@acme the app crashes at checkout", username="kim_k", on=media)
    graph.fail_next(status=500)  # Graph is down when ingest reads the mention

    deliver(desk, mention_webhook(media_id=media, comment_id=comment))

    (card,) = desk.cards()  # nothing lost: the case opened, its card says what is missing
    assert "not fetched yet" in card.text and "kim_k" not in card.text

    desk.advance(timedelta(minutes=3))  # the completion job's turn: Graph answers now
    desk.settle()

    (card,) = desk.cards()  # the same card, updated: no second one
    assert "kim_k" in card.text and "the app crashes at checkout" in card.text
    assert "not fetched yet" not in card.text
    assert desk.case(card.case).author_handle == "kim_k"
    assert len(desk.cases()) == 1

    desk.advance(timedelta(minutes=3))  # completed once: nothing is fetched again
    assert len(graph.requests_to("GET", f"/{graph.version}/{IG_ID}")) == 2  # ingest's, the job's


def test_an_expired_token_keeps_the_case_pending_and_says_why(desk: Desk, graph: GraphApiStandIn) -> None:
    media = graph.add_post(platform="instagram", author_id="6000000000000009")
    comment = graph.add_mentioning("@acme where is my refund", username="lee", on=media)
    graph.expire_token()

    deliver(desk, mention_webhook(media_id=media, comment_id=comment))

    (card,) = desk.cards()
    assert "not fetched yet" in card.text and "lee" not in card.text.split("not fetched yet")[0]
    desk.advance(timedelta(minutes=3))
    desk.settle()
    assert "not fetched yet" in desk.cards()[0].text  # still missing, still one card
    assert len(desk.cards()) == 1
