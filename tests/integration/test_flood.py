"""Flood control end to end: a crowd of low-priority mentions through the real webhook and pipeline,
the Slack stand-in as Slack, time on a ManualClock. Every case is shown exactly once (its own card or
counted in one roll-up), P1/P2 always get cards, the channel stays readable, and nothing waits forever."""

from __future__ import annotations

import re
from collections import Counter

from sqlmodel import Session, select

from socialdesk.app import Runtime
from socialdesk.clock import ManualClock
from socialdesk.domain.enums import OutboxStatus
from socialdesk.domain.models import OutboxMessage
from socialdesk.standin import SlackStandin
from tests.integration.flood_helpers import flood, high_priority, shown
from tests.integration.helpers import settle

CARDS_PER_MINUTE = 20  # the sample config's flood.cards_per_minute


def _header(message: object) -> str:
    blocks = getattr(message, "blocks", None) or []
    return str(blocks[0]["text"]["text"]) if blocks and blocks[0].get("type") == "header" else ""


def test_a_flood_is_rolled_up_and_every_case_is_shown_exactly_once(
    server: str, runtime: Runtime, standin: SlackStandin, clock: ManualClock
) -> None:
    assert runtime.config.flood.cards_per_minute == CARDS_PER_MINUTE
    flood(server, runtime, clock, n=300, seconds=60)
    view = shown(runtime)

    assert len(view.cases) == 300
    assert view.carded.isdisjoint(view.rolled), "a case is both carded and rolled up"
    assert len(view.carded) + len(view.rolled) == 300, "a case is neither carded nor rolled up"
    assert high_priority(view) <= view.carded, "a P1/P2 case was rolled up"
    low_cards = view.carded - high_priority(view)
    assert len(low_cards) <= CARDS_PER_MINUTE  # the whole flood fits in one minute
    assert sum(r.case_count for r in view.rollups) == len(view.rolled)
    assert {r.id: r.case_count for r in view.rollups} == view.rollup_db_counts
    assert 1 <= len(view.rollups) <= 4  # two topics, at most two clock-aligned windows

    settle(runtime, clock)
    with Session(runtime.engine) as s:
        statuses = Counter(m.status for m in s.exec(select(OutboxMessage)).all())
    assert set(statuses) == {OutboxStatus.SENT}, f"left waiting or dead: {statuses}"
    messages = standin.messages("social-support")
    assert len(messages) == len(view.carded) + len(view.rollups)
    rollup_messages = [m for m in messages if "roll-up" in _header(m)]
    assert len(rollup_messages) == len(view.rollups)
    shown_counts = sorted(int(re.search(r"(\d+) cases?", _header(m)).group(1)) for m in rollup_messages)  # type: ignore[union-attr]
    assert shown_counts == sorted(view.rollup_db_counts.values())
    updates = [c for c in standin.calls_to("chat.update") if "roll-up" in str(c.args.get("text", ""))]
    joins = len(view.rolled) - len(view.rollups)
    assert len(updates) <= joins // 5, f"{len(updates)} roll-up updates for {joins} joins"
    print(
        f"\nflood 300: {len(view.carded)} cards ({len(low_cards)} low), {len(view.rollups)} roll-ups "
        f"holding {len(view.rolled)}, {len(updates)} roll-up updates, {len(messages)} channel messages"
    )
