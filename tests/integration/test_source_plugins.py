"""A third-party source through a running socialdesk: its own webhook route, its payload as a case card on
the Slack stand-in, the agent's reply reaching its `reply`, its poller as a job with the cursor kept in
the database; a source whose normalizer breaks is switched off and the body it was given is kept."""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Iterator
from datetime import datetime, timedelta
from typing import Any

import httpx
import pytest
from sqlmodel import Session, select

from socialdesk.app import Runtime, build_runtime
from socialdesk.clock import ManualClock
from socialdesk.config import Config
from socialdesk.domain.enums import InboxStatus, MentionKind, Platform
from socialdesk.domain.models import Case, InboxItem
from socialdesk.plugins import (
    Author,
    BrandAccounts,
    MalformedPayload,
    NormalizedMention,
    NormalizeResult,
    OutgoingReply,
    PlatformSpec,
    Plugin,
    Poller,
    PollResult,
    RateLimited,
    ReplyCapabilities,
    SentReply,
    Source,
    WebhookAnswer,
    WebhookRequest,
)
from socialdesk.standin import SlackStandin
from tests import support
from tests.conftest import make_settings
from tests.integration.helpers import settle
from tests.integration.slack_driver import SlackDriver

MARIA = "U0AGENT01"
TOKEN = "forum-hook-token"
FORUM = PlatformSpec("forum", "Forum", ReplyCapabilities(public=True, private=False, max_length=500))


class ForumPoller(Poller):
    """Hands out the pages queued in `pages`, remembering which cursor each poll was given."""

    every = timedelta(minutes=5)

    def __init__(self) -> None:
        self.pages: list[tuple[bytes, str]] = []  # (body, cursor after it)
        self.cursors_seen: list[str | None] = []
        self.wait_until: datetime | None = None

    def poll(self, cursor: str | None, *, now: datetime) -> PollResult:
        self.cursors_seen.append(cursor)
        if self.wait_until is not None:
            raise RateLimited(self.wait_until)
        if not self.pages:
            return PollResult(bodies=[])
        body, after = self.pages.pop(0)
        return PollResult(bodies=[body], cursor=after)


class ForumSource(Source):
    name = "forum"
    platforms = (FORUM,)
    accepts_webhooks = True

    def __init__(self, *, broken: bool = False) -> None:
        self.broken = broken
        self.sent: list[OutgoingReply] = []
        self.poller = ForumPoller()
        self.completed: list[str] = []  # external ids `complete` was asked for, in order
        self.complete_breaks = False

    def verify(self, request: WebhookRequest) -> WebhookAnswer | None:
        if request.headers.get("x-forum-token") != TOKEN:
            return WebhookAnswer.refuse(401, "x-forum-token does not match")
        return None

    def normalize(self, payload: Any, brand: BrandAccounts) -> NormalizeResult:
        if self.broken:
            raise KeyError("thread")  # a bug in the plugin, not a bad payload
        if not isinstance(payload, dict) or "id" not in payload:
            raise MalformedPayload("body.id: missing")
        return NormalizeResult(
            mentions=[
                NormalizedMention(
                    platform=Platform("forum"),
                    external_id=str(payload["id"]),
                    kind=MentionKind.POST,
                    author=Author(id=payload["user"], handle=payload["user"]),
                    text=payload["text"],
                    posted_at=datetime.fromisoformat(payload["at"]),
                    conversation_key=f"forum:{payload['id']}",
                )
            ]
        )

    def complete(self, mention: NormalizedMention, *, now: datetime) -> NormalizedMention:
        # The forum's webhook names the user by login only; the display name is "fetched" here.
        self.completed.append(mention.external_id)
        if self.complete_breaks:
            raise RuntimeError("profile service exploded")
        author = Author(id=mention.author.id, handle=mention.author.handle, name="Kim Lee")
        return dataclasses.replace(mention, author=author)

    def reply(self, reply: OutgoingReply, *, now: datetime) -> SentReply:
        self.sent.append(reply)
        return SentReply(f"forum-reply-{len(self.sent)}")


def forum_plugin(source: ForumSource) -> Plugin:
    def build(settings: object, host: object) -> list[Source]:
        FORUM.register()
        return [source]

    return Plugin(name="forum", version="0.1", build=build)


def forum_post(post_id: str, text: str, at: datetime) -> bytes:
    return json.dumps({"id": post_id, "user": "kim", "text": text, "at": at.isoformat()}).encode()


@pytest.fixture
def forum() -> ForumSource:
    return ForumSource()


@pytest.fixture
def runtime(
    database_url: str, standin: SlackStandin, clock: ManualClock, config: Config, forum: ForumSource
) -> Iterator[Runtime]:
    settings = make_settings(database_url, standin.url)
    rt = build_runtime(settings, clock=clock, config=config, migrate=False, plugins=[forum_plugin(forum)])
    yield rt
    rt.close()


def cases(runtime: Runtime) -> list[Case]:
    with Session(runtime.engine) as session:
        return list(session.exec(select(Case).order_by(Case.id)))  # type: ignore[arg-type]


def inbox_rows(runtime: Runtime, source: str) -> list[InboxItem]:
    with Session(runtime.engine) as session:
        return list(session.exec(select(InboxItem).where(InboxItem.source == source)))


def post_forum(server: str, body: bytes, token: str = TOKEN) -> httpx.Response:
    headers = {"Content-Type": "application/json", "X-Forum-Token": token}
    return httpx.post(f"{server}/webhooks/forum", content=body, headers=headers, timeout=10)


def test_a_third_party_source_gets_its_route_a_card_and_the_reply(
    server: str, runtime: Runtime, standin: SlackStandin, clock: ManualClock, forum: ForumSource
) -> None:
    body = forum_post("t-1", "The checkout page says my card is invalid, twice now", clock.now())
    assert post_forum(server, body, token="wrong").status_code == 401  # the source's own check
    assert inbox_rows(runtime, "forum") == []

    accepted = post_forum(server, body)
    assert accepted.status_code == 200 and accepted.json()["duplicate"] is False
    assert post_forum(server, body).json()["duplicate"] is True  # the core's dedupe, as for the built-ins
    malformed = post_forum(server, b'{"text": "no id"}')
    assert malformed.status_code == 400 and malformed.json()["error"] == "body.id: missing"
    settle(runtime, clock)

    (case,) = cases(runtime)
    assert case.platform is Platform("forum")
    assert case.slack_channel is not None
    card = [m for m in standin.messages(case.slack_channel) if m.ts == case.slack_ts]
    assert card and "checkout page says my card is invalid" in json.dumps(card[0].blocks)

    answer = SlackDriver(server, standin, runtime).command(
        f"reply {case.id} Hi Kim, sorry about that: we are looking at the checkout now.", user=MARIA
    )
    assert answer == [f"Your reply to #{case.id} was posted publicly."]
    (sent,) = forum.sent
    assert sent.target.platform is Platform("forum") and sent.target.external_id == "t-1"
    assert sent.text.startswith("Hi Kim, sorry about that")


def test_a_private_reply_where_the_source_declares_none_is_not_offered(
    server: str, runtime: Runtime, standin: SlackStandin, clock: ManualClock, forum: ForumSource
) -> None:
    post_forum(server, forum_post("t-2", "Is the app down for anyone else?", clock.now()))
    settle(runtime, clock)
    (case,) = cases(runtime)

    answer = SlackDriver(server, standin, runtime).command(f"dm {case.id} Hi Kim, can you DM us?", user=MARIA)

    assert forum.sent == []
    assert "private" in answer[0].lower() or "public" in answer[0].lower()


def test_a_source_whose_normalizer_breaks_is_switched_off_and_the_body_kept(
    server: str,
    runtime: Runtime,
    standin: SlackStandin,
    clock: ManualClock,
    forum: ForumSource,
    config: Config,
) -> None:
    forum.broken = True
    body = forum_post("t-3", "Where is my refund?", clock.now())

    response = post_forum(server, body)

    assert response.status_code == 200  # authentic: kept for when the source runs again
    record = runtime.plugins.owner(forum)
    assert record.status == "failed" and record.problems == ["normalize raised KeyError: 'thread'"]
    settle(runtime, clock)
    (row,) = inbox_rows(runtime, "forum")
    assert row.body == body.decode() and row.status is InboxStatus.FAILED
    assert "(plugin forum is failed); the body is kept" in (row.reason or "")
    assert cases(runtime) == []
    duty = [m.text for m in standin.messages(config.duty_channel)]
    assert sum("Plugin *forum* was switched off" in t for t in duty) == 1
    # Its route now answers 503 without calling it; the built-in sources go on as before.
    assert post_forum(server, forum_post("t-4", "hello?", clock.now())).status_code == 503
    assert runtime.plugins.source("generic") is not None


def test_complete_runs_when_ingest_reads_the_row_never_while_the_webhook_answers(
    server: str, runtime: Runtime, clock: ManualClock, forum: ForumSource
) -> None:
    body = forum_post("t-5", "My parcel is lost", clock.now())

    assert post_forum(server, body).status_code == 200
    assert forum.completed == []  # validated by normalize, stored, answered: nothing fetched
    settle(runtime, clock)

    assert forum.completed == ["t-5"]
    (case,) = cases(runtime)
    assert case.author_name == "Kim Lee"  # what `complete` added is what the case holds


def test_a_source_whose_complete_breaks_is_switched_off_and_the_body_kept(
    server: str, runtime: Runtime, clock: ManualClock, forum: ForumSource
) -> None:
    forum.complete_breaks = True
    body = forum_post("t-6", "Where is my refund?", clock.now())

    assert post_forum(server, body).status_code == 200
    settle(runtime, clock)

    record = runtime.plugins.owner(forum)
    assert record.status == "failed"
    assert record.problems == ["complete raised RuntimeError: profile service exploded"]
    (row,) = inbox_rows(runtime, "forum")
    assert row.body == body.decode() and row.status is InboxStatus.FAILED
    assert "the body is kept" in (row.reason or "")
    assert cases(runtime) == []


def test_the_poller_runs_as_a_leader_job_with_the_cursor_in_the_database(
    runtime: Runtime, clock: ManualClock, forum: ForumSource
) -> None:
    job = runtime.jobs["poll-forum"]
    assert job.leader_only and job.every_seconds == 300
    forum.poller.pages.append((forum_post("t-5", "Still no parcel after 10 days", clock.now()), "after-t-5"))

    job.func()
    settle(runtime, clock)

    (row,) = inbox_rows(runtime, "forum_poll")
    assert row.status is InboxStatus.PROCESSED
    (case,) = cases(runtime)
    assert case.platform is Platform("forum")

    # X-style back-off: no call before retry_at, then the cursor the last good poll left.
    forum.poller.wait_until = clock.now() + timedelta(minutes=15)
    job.func()
    forum.poller.wait_until = None
    clock.advance(timedelta(minutes=10))
    job.func()  # still before retry_at: the poller is not called
    clock.advance(timedelta(minutes=6))
    job.func()
    assert forum.poller.cursors_seen == [None, "after-t-5", "after-t-5"]
    metrics = runtime.metrics.registry
    assert (
        metrics.get_sample_value(
            "socialdesk_poller_runs_total", {"source": "forum", "outcome": "rate_limited"}
        )
        == 1.0
    )
    assert (
        metrics.get_sample_value("socialdesk_poller_runs_total", {"source": "forum", "outcome": "waiting"})
        == 1.0
    )


def test_a_reply_on_a_platform_no_source_answers_tells_what_to_ask_for(
    runtime: Runtime, clock: ManualClock, forum: ForumSource
) -> None:
    from socialdesk.plugins import PlatformError, ReplyTarget, ReplyVisibility

    runtime.plugins.switch_off(runtime.plugins.owner(forum), "test")
    target = ReplyTarget(
        platform=Platform("forum"),
        kind=MentionKind.POST,
        external_id="t-9",
        conversation_key="forum:t-9",
        author_id="kim",
        posted_at=clock.now(),
        is_private=False,
    )
    assert runtime.reply_connectors is not None
    with pytest.raises(PlatformError) as refused:
        runtime.reply_connectors.send(
            OutgoingReply("k-1", target, ReplyVisibility.PUBLIC, "Hi Kim"), now=clock.now()
        )
    assert "No running source answers on Forum" in refused.value.message
    assert "socialdesk plugins list" in refused.value.message
    assert support.WEBHOOK_SECRET not in refused.value.message
