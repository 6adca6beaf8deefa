"""socialdesk's conformance harness passes on the built-in sources: each one's recorded deliveries
(`samples()`: Meta's Facebook comment, Instagram comment and Messenger message; X's mention and DM; the
generic webhook's mention), signed as the platform signs them, become case cards through
`/webhooks/<name>`, a redelivery opens none, and a reply to the first case reaches the platform's
stand-in with the id it answers."""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest

from socialdesk.clock import ManualClock
from socialdesk.demo.feed import BRAND_IG_ID, BRAND_PAGE_ID, BRAND_X_ID
from socialdesk.plugins.plugin import Plugin
from socialdesk.sources import generic, meta, x
from socialdesk.sources.recorded import load
from socialdesk.standin.platforms import GraphApiStandIn, XApiStandIn
from socialdesk.standin.platforms.generic_receiver import GenericReceiverStandIn
from socialdesk.testing import Desk, DeskFactory, check_source

APP_SECRET, PAGE_TOKEN = "meta-app-secret-conformance", "meta-page-token-conformance"
X_SECRET, X_TOKEN = "x-consumer-secret-conformance", "x-bearer-conformance"
WEBHOOK_SECRET = "generic-secret-conformance"


def _value(name: str) -> dict[str, str]:
    """The first sample's object, as recorded: the stand-in must know what the reply answers."""
    found = load("socialdesk.sources.meta", name)["entry"][0]["changes"][0]["value"]
    assert isinstance(found, dict)
    return found


@pytest.fixture
def graph(socialdesk_clock: ManualClock) -> Iterator[GraphApiStandIn]:
    with GraphApiStandIn(
        now=lambda: socialdesk_clock.now().timestamp(),
        access_token=PAGE_TOKEN,
        page_id=BRAND_PAGE_ID,
        ig_account_id=BRAND_IG_ID,
        app_secret=APP_SECRET,  # appsecret_proof is checked on the reply
    ) as server:
        yield server


@pytest.fixture
def xapi(socialdesk_clock: ManualClock) -> Iterator[XApiStandIn]:
    with XApiStandIn(
        now=lambda: socialdesk_clock.now().timestamp(),
        bearer_token=X_TOKEN,
        user_id=BRAND_X_ID,
        username="acme_help",
    ) as server:
        yield server


@pytest.fixture
def receiver() -> Iterator[GenericReceiverStandIn]:
    with GenericReceiverStandIn(secret=WEBHOOK_SECRET) as server:
        yield server


def test_meta_conforms(socialdesk_desk: DeskFactory, graph: GraphApiStandIn) -> None:
    comment = _value("facebook_comment.json")
    graph.add_post(id=comment["post_id"], author_id=BRAND_PAGE_ID)
    graph.add_comment(comment["post_id"], id=comment["comment_id"], author_id=comment["from"]["id"])
    desk = socialdesk_desk(
        [meta.plugin],
        META_APP_SECRET=APP_SECRET,
        META_PAGE_TOKEN=PAGE_TOKEN,
        META_GRAPH_URL=graph.base_url,
    )

    report = check_source(desk, desk.source("meta"))

    assert [(s.name, s.delivered_as, len(s.cases)) for s in report.samples] == [
        ("facebook_comment", "webhook", 1),
        ("instagram_comment", "webhook", 1),
        ("messenger_message", "webhook", 1),
    ]
    platforms = [desk.case(s.cases[0]).platform.value for s in report.samples]
    assert platforms == ["facebook", "instagram", "messenger"]
    (call,) = graph.calls  # the reply, and nothing else: no read while the samples were taken in
    assert (call.node, call.edge) == (comment["comment_id"], "comments")
    assert call.params["message"].startswith("Thanks for telling us!")
    assert report.reply is not None and report.reply.external_id == call.result["id"]


def test_x_conforms(socialdesk_desk: DeskFactory, xapi: XApiStandIn) -> None:
    tweet = load("socialdesk.sources.x", "tweet_mention.json")["tweet_create_events"][0]
    xapi.add_mention(tweet["text"], author=tweet["user"]["screen_name"], id=tweet["id_str"])
    desk = socialdesk_desk(
        [x.plugin], X_CONSUMER_SECRET=X_SECRET, X_ACCESS_TOKEN=X_TOKEN, X_API_URL=xapi.base_url
    )

    report = check_source(desk, desk.source("x"))

    assert [(s.name, s.delivered_as, len(s.cases)) for s in report.samples] == [
        ("tweet_mention", "webhook", 1),
        ("direct_message", "webhook", 1),
    ]
    assert desk.case(report.samples[1].cases[0]).is_private  # the DM is a private case
    (posted,) = xapi.posted
    assert posted["reply"] == {"in_reply_to_tweet_id": tweet["id_str"]}
    assert xapi.dms == []
    assert report.reply is not None and report.reply.external_id == posted["id"]


def test_generic_conforms(socialdesk_desk: DeskFactory, receiver: GenericReceiverStandIn) -> None:
    desk = socialdesk_desk(
        [generic.plugin], WEBHOOK_SECRET=WEBHOOK_SECRET, GENERIC_REPLY_URL=receiver.reply_url
    )

    report = check_source(desk, desk.source("generic"))

    assert [(s.name, s.delivered_as, len(s.cases)) for s in report.samples] == [("mention", "webhook", 1)]
    (received,) = receiver.received
    assert received.body["in_reply_to"] == load("socialdesk.sources.generic", "mention.json")["id"]
    assert report.reply is not None and report.reply.external_id == received.id


@pytest.mark.parametrize("plugin", [meta.plugin, x.plugin, generic.plugin], ids=lambda p: p.name)
def test_samples_are_live_and_unsigned_without_a_secret(socialdesk_desk: DeskFactory, plugin: Plugin) -> None:
    """The samples' times are the desk's (cases from them are live, not history), and without the
    channel's secret nothing is signed (the harness then reports the webhook's 503)."""
    desk: Desk = socialdesk_desk([plugin])
    source = desk.source(plugin.name)
    now = desk.clock.now()
    for sample in source.samples():
        assert dict(sample.headers) == {}
        result = source.normalize(json.loads(sample.body), desk.runtime.pipeline.brand)
        assert len(result.mentions) == sample.mentions
        for mention in result.mentions:
            assert 0 <= (now - mention.posted_at).total_seconds() <= 300, sample.name
