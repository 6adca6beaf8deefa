"""A post Slack accepted whose answer never arrived (a timeout, a reset) is not posted again on retry:
the sender finds it by the outbox id in its metadata (conversations.history) and keeps its ts."""

from __future__ import annotations

import time
from datetime import timedelta

from slack_sdk import WebClient
from sqlmodel import Session, select

from socialdesk.app import Runtime
from socialdesk.clock import ManualClock
from socialdesk.domain.enums import OutboxStatus
from socialdesk.domain.models import Case, OutboxMessage
from socialdesk.outbox.sender import OutboxSender
from socialdesk.slack.transport.outbox_api import SlackCalls
from socialdesk.standin import SlackStandin
from tests.integration.helpers import generic_mention, post_generic


def _impatient_sender(runtime: Runtime, standin: SlackStandin, clock: ManualClock) -> OutboxSender:
    token = runtime.settings.slack_bot_token
    assert token is not None
    client = WebClient(token=token.get_secret_value(), base_url=standin.url, timeout=0.5, retry_handlers=[])
    return OutboxSender(
        engine=runtime.engine,
        api=SlackCalls(client, runtime.channels),
        renderers=runtime.outbox.renderers,
        clock=clock,
        metrics=runtime.metrics,
    )


def _wait_for_posts(standin: SlackStandin, channel: str, count: int) -> None:
    """The stand-in finishes the slow call on its own thread after the client gave up."""
    deadline = time.monotonic() + 10
    while len(standin.messages(channel)) < count and time.monotonic() < deadline:
        time.sleep(0.02)  # sleep-ok: polling another thread or process with a deadline


def test_a_card_whose_answer_was_lost_is_not_posted_twice(
    server: str, runtime: Runtime, standin: SlackStandin, clock: ManualClock
) -> None:
    post_generic(server, generic_mention("lost-1", "Where is my parcel?", created_at=clock.now()))
    runtime.pipeline.drain()
    sender = _impatient_sender(runtime, standin, clock)
    runtime.channels.resolve("#social-support")  # learn the channel before the slow call
    standin.fail("chat.postMessage", delay=1.0)  # answered after the client's 0.5 s timeout
    first = sender.drain()
    assert first.sent == 0 and first.retried == 1 and first.errors[0].startswith("network")
    _wait_for_posts(standin, "social-support", 1)
    assert len(standin.messages("social-support")) == 1  # Slack did take it
    clock.advance(timedelta(seconds=5))
    second = sender.drain()
    assert second.sent == 1
    posted = standin.messages("social-support")
    assert len(posted) == 1, "the retry posted the card a second time"
    assert len([c for c in standin.calls_to("chat.postMessage")]) == 1
    with Session(runtime.engine) as session:
        case = session.exec(select(Case)).one()
        row = session.exec(select(OutboxMessage)).one()
    assert row.status is OutboxStatus.SENT and row.result_ts == posted[0].ts
    assert case.slack_ts == posted[0].ts  # later updates edit the one card


def test_a_post_that_never_arrived_is_posted_on_retry(
    server: str, runtime: Runtime, standin: SlackStandin, clock: ManualClock
) -> None:
    post_generic(server, generic_mention("lost-2", "Where is my parcel?", created_at=clock.now()))
    runtime.pipeline.drain()
    sender = _impatient_sender(runtime, standin, clock)
    standin.fail("chat.postMessage", status=503)
    assert sender.drain().retried == 1
    clock.advance(timedelta(seconds=5))
    assert sender.drain().sent == 1
    assert len(standin.messages("social-support")) == 1
    assert len(standin.calls_to("conversations.history")) == 1  # it looked before posting again
