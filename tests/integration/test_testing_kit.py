"""socialdesk.testing as a plugin author meets it: a webhook source through the conformance harness (and
the harness's messages when a source falls short), signed clicks, and the kit's fixtures."""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import Iterator
from datetime import datetime
from typing import Any

import pytest

from socialdesk.plugins import (
    Author,
    BrandAccounts,
    ErrorKind,
    MalformedPayload,
    MentionKind,
    NormalizedMention,
    NormalizeResult,
    OutgoingReply,
    PlatformError,
    PlatformSpec,
    Plugin,
    PluginHost,
    ReplyCapabilities,
    SamplePayload,
    SentReply,
    Source,
    WebhookAnswer,
    WebhookRequest,
)
from socialdesk.slack.ids import ActionId, encode_case_value
from socialdesk.testing import (
    ConformanceError,
    DeskFactory,
    RecordedRequest,
    Reply,
    StandInServer,
    check_source,
)

SECRET = "forum-secret"
SPEC = PlatformSpec("forum", "Forum", ReplyCapabilities(public=True, private=False, max_length=1000))


class ForumStandIn(StandInServer):
    """The forum's reply API: a token, a `text` and a known `thread` required."""

    def __init__(self) -> None:
        super().__init__()
        self.posted: list[dict[str, Any]] = []

    def handle(self, request: RecordedRequest) -> Reply:
        failure = self.take_failure(request.path)
        if failure is not None and failure.status is not None:
            return Reply(failure.status, {"error": "scripted"})
        if request.headers.get("x-forum-token") != "t0k":
            return Reply(401, {"error": "bad token"})
        body = request.json or {}
        if not body.get("text") or not body.get("thread"):
            return Reply(400, {"error": "text and thread are required"})
        self.posted.append(body)
        return Reply(200, {"id": f"r{len(self.posted)}"})


def sign(body: bytes) -> dict[str, str]:
    return {"X-Forum-Signature": hmac.new(SECRET.encode(), body, hashlib.sha256).hexdigest()}


class ForumSource(Source):
    name = "forum"
    platforms = (SPEC,)
    accepts_webhooks = True

    def __init__(self, host: PluginHost, api: str, *, promise: int = 1) -> None:
        self._host = host
        self._api = api
        self._promise = promise  # what the first sample claims: a wrong promise must fail the harness

    def verify(self, request: WebhookRequest) -> WebhookAnswer | None:
        given = request.headers.get("x-forum-signature", "")
        if not hmac.compare_digest(given, sign(request.body)["X-Forum-Signature"]):
            return WebhookAnswer.refuse(401, "bad forum signature")
        return None

    def normalize(self, payload: Any, brand: BrandAccounts) -> NormalizeResult:
        if not isinstance(payload, dict) or "posts" not in payload:
            raise MalformedPayload("posts: missing")
        platform = SPEC.register()
        return NormalizeResult(
            mentions=[
                NormalizedMention(
                    platform=platform,
                    external_id=p["id"],
                    kind=MentionKind.POST,
                    author=Author(id=p["user"], handle=p["user"]),
                    text=p["text"],
                    posted_at=datetime.fromisoformat(p["at"]),
                    conversation_key=f"forum:{p['thread']}",
                    extra={"thread": p["thread"]},
                )
                for p in payload["posts"]
            ]
        )

    def reply(self, reply: OutgoingReply, *, now: datetime) -> SentReply:
        body = {"text": reply.text, "thread": reply.target.extra.get("thread")}
        answer = self._host.http.post(f"{self._api}/replies", json=body, headers={"X-Forum-Token": "t0k"})
        if answer.status_code != 200:
            raise PlatformError(ErrorKind.UNAVAILABLE, f"the forum answered {answer.status_code}")
        return SentReply(external_id=answer.json()["id"])

    def samples(self) -> list[SamplePayload]:
        at = self._host.now().isoformat()
        posts = [{"id": "p1", "user": "ana", "text": "My invoice is wrong", "thread": "t1", "at": at}]
        body = json.dumps({"posts": posts}).encode()
        return [SamplePayload("one post", body, mentions=self._promise, headers=sign(body))]


def forum_plugin(api: str, *, promise: int = 1, signed: bool = True) -> Plugin:
    def build(settings: None, host: PluginHost) -> list[Source]:
        source = ForumSource(host, api, promise=promise)
        if not signed:
            source.samples = lambda: [  # type: ignore[method-assign]
                SamplePayload(s.name, s.body, s.mentions) for s in ForumSource.samples(source)
            ]
        return [source]

    return Plugin(name="forum", version="1.0", build=build)


@pytest.fixture
def forum() -> Iterator[ForumStandIn]:
    with ForumStandIn() as server:
        yield server


def test_a_webhook_source_passes_the_harness_end_to_end(
    socialdesk_desk: DeskFactory, forum: ForumStandIn
) -> None:
    desk = socialdesk_desk(plugins=[forum_plugin(forum.url)])

    report = check_source(desk, desk.source("forum"))

    [outcome] = report.samples
    assert (outcome.delivered_as, len(outcome.cases)) == ("webhook", 1)
    assert forum.posted and forum.posted[0]["thread"] == "t1"
    assert report.reply is not None and report.reply.external_id == "r1"
    assert "My invoice is wrong" in desk.card(outcome.cases[0]).text


def test_the_harness_names_a_sample_whose_promise_is_wrong(
    socialdesk_desk: DeskFactory, forum: ForumStandIn
) -> None:
    desk = socialdesk_desk(plugins=[forum_plugin(forum.url, promise=2)])

    with pytest.raises(
        ConformanceError, match=r"sample 'one post' promises 2 mention\(s\) but normalize\(\) gave 1"
    ):
        check_source(desk, desk.source("forum"))


def test_the_harness_shows_the_webhooks_refusal(socialdesk_desk: DeskFactory, forum: ForumStandIn) -> None:
    desk = socialdesk_desk(plugins=[forum_plugin(forum.url, signed=False)])

    with pytest.raises(ConformanceError, match="to /webhooks/forum was answered 401"):
        check_source(desk, desk.source("forum"))


def test_the_harness_says_when_the_reply_does_not_arrive(
    socialdesk_desk: DeskFactory, forum: ForumStandIn
) -> None:
    from socialdesk.testing import Failure

    desk = socialdesk_desk(plugins=[forum_plugin(forum.url)])
    forum.script(Failure(status=503))

    with pytest.raises(ConformanceError, match="did not reach the source's reply: failed unavailable"):
        check_source(desk, desk.source("forum"))


def test_a_signed_click_claims_the_case_privately(socialdesk_desk: DeskFactory, forum: ForumStandIn) -> None:
    desk = socialdesk_desk(plugins=[forum_plugin(forum.url)])
    [sample] = desk.source("forum").samples()
    assert desk.post_webhook("forum", sample.body, headers=dict(sample.headers)).status_code == 200
    desk.settle()
    [card] = desk.cards()

    answers = desk.click(ActionId.CLAIM.value, encode_case_value(card.case))
    desk.settle()

    assert answers.private
    assert desk.case(card.case).assignee == "U0AGENT01"
