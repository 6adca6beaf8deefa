"""Replies reach X and Meta through their real endpoints: a signed platform webhook opens the case, the
agent answers from Slack, and the X API / Graph API stand-ins (real sockets) record exactly one call.

The fixtures and payload builders here are shared with test_replies_platforms_failures.py.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import pytest
from pydantic import SecretStr
from sqlmodel import Session, col, select

from socialdesk.app import Runtime, build_runtime
from socialdesk.clock import ManualClock, as_utc
from socialdesk.config import Config
from socialdesk.demo.feed import BRAND_IG_ID, BRAND_PAGE_ID, BRAND_X_ID
from socialdesk.domain.enums import CaseStatus, ReplyStatus
from socialdesk.domain.models import Case, PlatformReply
from socialdesk.settings import Settings
from socialdesk.slack.ids import ActionId, CallbackId
from socialdesk.standin import SlackStandin
from socialdesk.standin.models import StoredMessage
from socialdesk.standin.platforms import GraphApiStandIn, XApiStandIn
from tests import support
from tests.conftest import make_settings
from tests.integration.helpers import post_meta, post_x, settle
from tests.integration.slack_driver import SlackDriver, typed

MARIA = "U0AGENT01"
X_TOKEN, PAGE_TOKEN = "x-test-bearer", "meta-test-page-token"
DANA = {"id_str": "2200000001", "screen_name": "dana_flies", "name": "Dana Whitfield", "followers_count": 48}
TWEET, DM_SENDER = "1860000000000000001", "2200000009"
POST, COMMENT = f"{BRAND_PAGE_ID}_901097836652708", "901097836652708_903438993085259"
MEDIA, IG_COMMENT, PSID = "17800000000000001", "17900000000000001", "3200000001"


# --- fixtures ------------------------------------------------------------------------------------------


@pytest.fixture
def xapi(clock: ManualClock) -> Iterator[XApiStandIn]:
    with XApiStandIn(now=lambda: clock.now().timestamp(), user_id=BRAND_X_ID, username="acme_help") as server:
        yield server


@pytest.fixture
def graph(clock: ManualClock) -> Iterator[GraphApiStandIn]:
    with GraphApiStandIn(
        now=lambda: clock.now().timestamp(),
        page_id=BRAND_PAGE_ID,
        ig_account_id=BRAND_IG_ID,
        app_secret=support.META_APP_SECRET,  # so appsecret_proof is checked for real
    ) as server:
        yield server


def platform_settings(
    database_url: str, standin: SlackStandin, xapi: XApiStandIn, graph: GraphApiStandIn
) -> Settings:
    return make_settings(database_url, standin.url).model_copy(
        update={
            "x_api_url": xapi.base_url,
            "x_access_token": SecretStr(X_TOKEN),
            "meta_graph_url": graph.base_url,
            "meta_page_token": SecretStr(PAGE_TOKEN),
        }
    )


@pytest.fixture
def runtime(
    database_url: str,
    standin: SlackStandin,
    clock: ManualClock,
    config: Config,
    xapi: XApiStandIn,
    graph: GraphApiStandIn,
) -> Iterator[Runtime]:
    rt = build_runtime(
        platform_settings(database_url, standin, xapi, graph), clock=clock, config=config, migrate=False
    )
    yield rt
    rt.close()


@dataclass(frozen=True)
class Desk:
    """Everything one test talks to: the live server, its runtime and clock, Slack and the two platforms."""

    server: str
    runtime: Runtime
    clock: ManualClock
    standin: SlackStandin
    xapi: XApiStandIn
    graph: GraphApiStandIn

    @property
    def slack(self) -> SlackDriver:
        return SlackDriver(self.server, self.standin, self.runtime)

    def settle(self) -> None:
        settle(self.runtime, self.clock)

    def case(self, case_id: int) -> Case:
        with Session(self.runtime.engine) as session:
            case = session.get(Case, case_id)
            assert case is not None
            return case

    def last_case_id(self) -> int:
        with Session(self.runtime.engine) as session:
            ids = [i for i in session.exec(select(Case.id)).all() if i is not None]
        assert ids, "the webhook opened no case"
        return max(ids)

    def replies(self) -> list[PlatformReply]:
        with Session(self.runtime.engine) as session:
            return list(session.exec(select(PlatformReply).order_by(col(PlatformReply.id))))

    def card(self, case: Case) -> StoredMessage:
        assert case.slack_channel and case.slack_ts
        return next(m for m in self.standin.messages(case.slack_channel) if m.ts == case.slack_ts)

    def thread_text(self, case: Case) -> str:
        return json.dumps([r.blocks or r.text for r in self.card(case).replies], ensure_ascii=False)


@pytest.fixture
def desk(
    server: str,
    runtime: Runtime,
    clock: ManualClock,
    standin: SlackStandin,
    xapi: XApiStandIn,
    graph: GraphApiStandIn,
) -> Desk:
    return Desk(server, runtime, clock, standin, xapi, graph)


# --- realistic webhook payloads (the shapes of bot/demo/feed.py and ../shared/data/social) -------------


def x_tweet(tweet_id: str, text: str, when: datetime, *, reply_to: str | None = None) -> dict[str, Any]:
    tweet = {
        "created_at": when.strftime("%a %b %d %H:%M:%S +0000 %Y"),
        "id": int(tweet_id),
        "id_str": tweet_id,
        "text": text,
        "truncated": False,
        "user": DANA,
        "in_reply_to_status_id_str": reply_to,
        "in_reply_to_user_id_str": BRAND_X_ID if reply_to else None,
        "entities": {"user_mentions": [{"screen_name": "acme_help", "id_str": BRAND_X_ID}]},
    }
    return {"for_user_id": BRAND_X_ID, "tweet_create_events": [tweet]}


def x_dm(event_id: str, sender: str, text: str, when: datetime) -> dict[str, Any]:
    event = {
        "type": "message_create",
        "id": event_id,
        "created_timestamp": str(int(when.timestamp() * 1000)),
        "message_create": {
            "target": {"recipient_id": BRAND_X_ID},
            "sender_id": sender,
            "message_data": {"text": text, "entities": {"hashtags": [], "urls": [], "user_mentions": []}},
        },
    }
    user = {"id": sender, "screen_name": "sam_k", "name": "Sam K", "followers_count": 310, "verified": False}
    return {"for_user_id": BRAND_X_ID, "direct_message_events": [event], "users": {sender: user}}


def fb_comment(text: str, when: datetime) -> dict[str, Any]:
    value = {
        "item": "comment",
        "verb": "add",
        "comment_id": COMMENT,
        "post_id": POST,
        "parent_id": POST,
        "from": {"id": "3100000001", "name": "Priya Shah"},
        "created_time": int(when.timestamp()),
        "message": text,
    }
    entry = {
        "id": BRAND_PAGE_ID,
        "time": int(when.timestamp()),
        "changes": [{"field": "feed", "value": value}],
    }
    return {"object": "page", "entry": [entry]}


def ig_comment(text: str, when: datetime) -> dict[str, Any]:
    value = {
        "id": IG_COMMENT,
        "text": text,
        "media": {"id": MEDIA, "media_product_type": "FEED"},
        "from": {"id": "17841455555555555", "username": "lenaloves_design"},
    }
    entry = {
        "id": BRAND_IG_ID,
        "time": int(when.timestamp()),
        "changes": [{"field": "comments", "value": value}],
    }
    return {"object": "instagram", "entry": [entry]}


def messenger(mid: str, text: str, when: datetime) -> dict[str, Any]:
    ms = int(when.timestamp() * 1000)
    event = {
        "sender": {"id": PSID},
        "recipient": {"id": BRAND_PAGE_ID},
        "timestamp": ms,
        "message": {"mid": mid, "seq": 73, "text": text},
    }
    return {"object": "page", "entry": [{"id": BRAND_PAGE_ID, "time": ms, "messaging": [event]}]}


# --- opening a case on each platform, with its object known to the platform stand-in ----------------


def open_x_mention(d: Desk) -> int:
    text = "@acme_help my app keeps logging me out every five minutes, what is going on?"
    d.xapi.add_mention(text, author="dana_flies", id=TWEET)
    assert post_x(d.server, x_tweet(TWEET, text, d.clock.now())).status_code == 200
    d.settle()
    return d.last_case_id()


def open_x_dm(d: Desk) -> int:
    d.xapi.add_user("sam_k", id=DM_SENDER)
    payload = x_dm("1860000000000000100", DM_SENDER, "How do I change my account email?", d.clock.now())
    assert post_x(d.server, payload).status_code == 200
    d.settle()
    return d.last_case_id()


def open_fb_comment(d: Desk) -> int:
    d.graph.add_post(id=POST, created_time=d.clock.now() - timedelta(days=1), author_id=BRAND_PAGE_ID)
    d.graph.add_comment(POST, id=COMMENT, author_id="3100000001", created_time=d.clock.now())
    assert post_meta(d.server, fb_comment("Does Pro include offline mode?", d.clock.now())).status_code == 200
    d.settle()
    return d.last_case_id()


def open_ig_comment(d: Desk) -> int:
    d.graph.add_post(platform="instagram", id=MEDIA, created_time=d.clock.now() - timedelta(hours=3))
    d.graph.add_comment(MEDIA, id=IG_COMMENT, author_id="17841455555555555", created_time=d.clock.now())
    assert post_meta(d.server, ig_comment("Where is the new icon pack?", d.clock.now())).status_code == 200
    d.settle()
    return d.last_case_id()


def open_messenger(d: Desk) -> int:
    d.graph.add_conversation(PSID, last_message_at=d.clock.now())
    payload = messenger("m_AG5Hz2Uq7tuwNEhXfYYKj8mJEM_QPpz5jdCK48", "My order never arrived", d.clock.now())
    assert post_meta(d.server, payload).status_code == 200
    d.settle()
    return d.last_case_id()


def assert_answered(d: Desk, case_id: int, *, sent_at: datetime, where: str) -> None:
    """One sent reply: the SLA clock stopped at the send, the case waits on the customer, Slack shows it."""
    d.settle()
    case = d.case(case_id)
    assert case.status is CaseStatus.WAITING_CUSTOMER and case.reply_count == 1 and case.assignee == MARIA
    assert case.first_response_at is not None and as_utc(case.first_response_at) == sent_at
    assert [r.status for r in d.replies()] == [ReplyStatus.SENT]
    assert "Waiting on customer" in json.dumps(d.card(case).blocks, ensure_ascii=False)
    assert f"replied {where}" in d.thread_text(case)


# --- the tests ---------------------------------------------------------------------------------------


def test_x_mention_answered_with_a_reply_to_the_post(desk: Desk) -> None:
    case_id = open_x_mention(desk)
    sent_at = desk.clock.advance(timedelta(minutes=6))
    text = "Hi Dana, sorry about that! Please update to 4.2.1, it fixes the logouts."

    answer = desk.slack.command(f"reply {case_id} {text}", user=MARIA)

    assert answer == [f"Your reply to #{case_id} was posted publicly."]
    [call] = desk.xapi.requests
    assert (call.method, call.path) == ("POST", "/2/tweets")
    assert call.headers["authorization"] == f"Bearer {X_TOKEN}"
    assert call.json == {"text": f"{text} ^MA", "reply": {"in_reply_to_tweet_id": TWEET}}
    assert desk.replies()[0].external_id == desk.xapi.posted[0]["id"]
    assert_answered(desk, case_id, sent_at=sent_at, where="🌐 publicly")


def test_x_direct_message_answered_by_dm(desk: Desk) -> None:
    case_id = open_x_dm(desk)
    sent_at = desk.clock.advance(timedelta(minutes=3))

    answer = desk.slack.command(f"dm {case_id} Hi Sam, go to Settings > Account > Email.", user=MARIA)

    assert answer == [f"Your reply to #{case_id} was posted privately."]
    [call] = desk.xapi.requests
    assert (call.method, call.path) == ("POST", f"/2/dm_conversations/with/{DM_SENDER}/messages")
    assert call.json == {"text": "Hi Sam, go to Settings > Account > Email. ^MA"}
    assert desk.xapi.posted == [] and len(desk.xapi.dms) == 1
    assert_answered(desk, case_id, sent_at=sent_at, where="🔒 privately")


def test_facebook_comment_answered_from_the_form_once_despite_a_double_submit(desk: Desk) -> None:
    case_id = open_fb_comment(desk)
    sent_at = desk.clock.advance(timedelta(minutes=20))
    slack = desk.slack
    slack.click(case_id, ActionId.REPLY, user=MARIA)
    form = slack.last_view(CallbackId.REPLY_MODAL)
    values = {"reply_text": typed("Hi Priya, yes: Pro includes offline mode on every device.")}

    first = slack.submit(form, values, user=MARIA)
    second = slack.submit(form, values, user=MARIA)  # a double click on Send

    assert first.status_code == second.status_code == 200 and "errors" not in first.text + second.text
    [call] = desk.graph.requests
    assert (call.method, call.path) == ("POST", f"/v21.0/{COMMENT}/comments")
    assert call.json["message"] == "Hi Priya, yes: Pro includes offline mode on every device. ^MA"
    assert call.json["access_token"] == PAGE_TOKEN and call.json["appsecret_proof"]
    assert [c.edge for c in desk.graph.calls] == ["comments"]
    assert_answered(desk, case_id, sent_at=sent_at, where="🌐 publicly")


def test_facebook_comment_answered_privately_as_a_private_reply(desk: Desk) -> None:
    case_id = open_fb_comment(desk)
    sent_at = desk.clock.now()

    answer = desk.slack.command(f"dm {case_id} Hi Priya, I've sent the plan details here.", user=MARIA)

    assert answer == [f"Your reply to #{case_id} was posted privately."]
    [call] = desk.graph.requests
    assert (call.method, call.path) == ("POST", f"/v21.0/{BRAND_PAGE_ID}/messages")
    assert call.json["recipient"] == {"comment_id": COMMENT} and call.json["messaging_type"] == "RESPONSE"
    assert call.json["message"] == {"text": "Hi Priya, I've sent the plan details here. ^MA"}
    assert desk.case(case_id).is_private
    assert_answered(desk, case_id, sent_at=sent_at, where="🔒 privately")


def test_instagram_comment_answered_under_the_comment(desk: Desk) -> None:
    case_id = open_ig_comment(desk)
    sent_at = desk.clock.advance(timedelta(minutes=12))

    answer = desk.slack.command(f"reply {case_id} Hi Lena, it's under Settings > Appearance.", user=MARIA)

    assert answer == [f"Your reply to #{case_id} was posted publicly."]
    [call] = desk.graph.requests
    assert (call.method, call.path) == ("POST", f"/v21.0/{IG_COMMENT}/replies")
    assert call.json["message"] == "Hi Lena, it's under Settings > Appearance. ^MA"
    assert desk.graph.objects[desk.graph.calls[0].result["id"]].parent_id == IG_COMMENT
    assert_answered(desk, case_id, sent_at=sent_at, where="🌐 publicly")


def test_messenger_message_answered_in_the_conversation(desk: Desk) -> None:
    case_id = open_messenger(desk)
    sent_at = desk.clock.advance(timedelta(minutes=9))

    assert "only be private" in desk.slack.command(f"reply {case_id} Public answer?", user=MARIA)[0]
    answer = desk.slack.command(f"dm {case_id} Sorry! Could you share your order number?", user=MARIA)

    assert answer == [f"Your reply to #{case_id} was posted privately."]
    [call] = desk.graph.requests
    assert (call.method, call.path) == ("POST", f"/v21.0/{BRAND_PAGE_ID}/messages")
    assert call.json["recipient"] == {"id": PSID} and call.json["messaging_type"] == "RESPONSE"
    assert call.json["message"] == {"text": "Sorry! Could you share your order number? ^MA"}
    assert_answered(desk, case_id, sent_at=sent_at, where="🔒 privately")


@pytest.mark.parametrize("later", [timedelta(minutes=25), timedelta(hours=5)])
def test_customer_follow_up_after_our_reply_moves_the_case_back(desk: Desk, later: timedelta) -> None:
    # Five hours is past the same-author window: the answer joins through our reply's id.
    case_id = open_x_mention(desk)
    desk.slack.command(f"reply {case_id} Hi Dana, which app version are you on?", user=MARIA)
    desk.settle()
    assert desk.case(case_id).status is CaseStatus.WAITING_CUSTOMER
    desk.clock.advance(later)

    ours = desk.xapi.posted[0]["id"]  # the customer answers our reply, in the same thread
    answer = x_tweet("1860000000000000002", "@acme_help 4.1.0, updating now", desk.clock.now(), reply_to=ours)
    assert post_x(desk.server, answer).status_code == 200
    desk.settle()

    case = desk.case(case_id)
    assert desk.last_case_id() == case_id and case.mention_count == 2
    assert case.status is CaseStatus.CLAIMED and case.assignee == MARIA and case.reply_count == 1
    assert "4.1.0, updating now" in desk.thread_text(case)
    assert "Claimed" in json.dumps(desk.card(case).blocks, ensure_ascii=False)
