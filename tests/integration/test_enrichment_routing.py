"""What Slack sees: personal data masked everywhere, the right channel, priority with its reason, history."""

from __future__ import annotations

import json
from datetime import timedelta

from sqlmodel import Session, select

from socialdesk.app import Runtime
from socialdesk.clock import ManualClock
from socialdesk.demo.feed import build_feed
from socialdesk.domain.enums import CaseStatus, Priority
from socialdesk.domain.models import Case, Mention
from socialdesk.standin import SlackStandin
from tests.integration.helpers import generic_mention, post_generic, post_meta, post_x

SECRETS_OF_CUSTOMERS = ["dana.whitfield@example.com", "7700 900123", "4111 1111 1111 1111", "ORD-88231X"]


def test_personal_data_never_reaches_slack_but_stays_for_replying(
    server: str, runtime: Runtime, standin: SlackStandin, clock: ManualClock
) -> None:
    feed = {item.label: item.body for item in build_feed(clock.now())}
    post_x(server, feed["X: angry billing complaint with an email and a phone number"])
    post_meta(server, feed["Messenger: private message with an order number and a card number"])
    runtime.drain()
    everything_sent = json.dumps([call.args for call in standin.calls])
    for secret in SECRETS_OF_CUSTOMERS:
        assert secret not in everything_sent, secret
    assert "[email]" in everything_sent and "[card]" in everything_sent
    with Session(runtime.engine) as s:
        raw = " ".join(m.text_raw for m in s.exec(select(Mention)).all())
    for secret in SECRETS_OF_CUSTOMERS:
        assert secret in raw


def test_routing_rules_pick_the_team_channel(
    server: str, runtime: Runtime, standin: SlackStandin, clock: ManualClock
) -> None:
    now = clock.now()
    post_generic(server, generic_mention("g-1", "the app is down, can't log in", created_at=now, handle="a"))
    post_generic(server, generic_mention("g-2", "I want a refund for last month", created_at=now, handle="b"))
    post_generic(
        server,
        generic_mention(
            "g-3",
            "Terrible service, slow delivery",
            created_at=now,
            platform="review",
            kind="review",
            handle="c",
        ),
    )
    post_generic(server, generic_mention("g-4", "How do I change my password?", created_at=now, handle="d"))
    runtime.drain()
    for _ in range(3):
        clock.advance(timedelta(seconds=1))
        runtime.outbox.drain()
    with Session(runtime.engine) as s:
        teams = {c.author_handle: (c.team, c.route) for c in s.exec(select(Case)).all()}
    assert teams == {
        "a": ("incidents", "outages"),
        "b": ("billing", "money"),
        "c": ("reviews", "review-sites"),
        "d": ("support", "default"),
    }
    assert len(standin.messages("social-incidents")) == 1
    assert len(standin.messages("social-billing")) == 1
    assert len(standin.messages("social-reviews")) == 1
    assert len(standin.messages("social-support")) == 1


def test_priority_reason_and_sla_due_time_from_the_customers_post_time(
    server: str, runtime: Runtime, standin: SlackStandin, clock: ManualClock
) -> None:
    posted = clock.now() - timedelta(minutes=5)  # it reached us five minutes late
    post_generic(
        server,
        generic_mention(
            "x-1",
            "This is terrible, my order is broken and support ignores me",
            platform="x",
            handle="loud",
            followers=48_000,
            created_at=posted,
        ),
    )
    runtime.drain()
    with Session(runtime.engine) as s:
        case = s.exec(select(Case)).one()
    assert case.priority is Priority.P2
    assert case.priority_reason.startswith("P2") and "48k" in case.priority_reason
    due = case.first_response_due.replace(tzinfo=posted.tzinfo)
    assert due == posted + timedelta(minutes=15)  # X: acknowledge within 15 minutes
    card_text = json.dumps(standin.messages("social-support")[0].blocks)
    assert "48k" in card_text and "P2" in card_text


def test_customer_history_shows_on_a_later_card(
    server: str, runtime: Runtime, standin: SlackStandin, clock: ManualClock
) -> None:
    post_generic(server, generic_mention("h-1", "Where is my parcel?", created_at=clock.now(), handle="kim"))
    runtime.drain()
    with Session(runtime.engine) as s:
        first = s.exec(select(Case)).one()
        first_id = first.id
        first.status = CaseStatus.RESOLVED
        s.add(first)
        s.commit()
    clock.advance(timedelta(hours=5))
    post_generic(
        server, generic_mention("h-2", "Parcel missing again!", created_at=clock.now(), handle="kim")
    )
    runtime.drain()
    clock.advance(timedelta(seconds=1))
    runtime.outbox.drain()
    cards = standin.messages("social-support")
    assert len(cards) == 2
    latest = json.dumps(cards[-1].blocks)
    assert "1 earlier case" in latest or "earlier case" in latest
    assert f"#{first_id}" in latest
