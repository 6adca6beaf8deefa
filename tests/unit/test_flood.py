"""Flood control's pure parts: the rule, the clock-aligned windows, the button codec, the renderers."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest

from socialdesk.config import Flood
from socialdesk.domain.enums import CaseStatus, Category, Platform, Priority
from socialdesk.domain.rollup_views import RollupCase, RollupPage, RollupView
from socialdesk.flood.decide import SLACK_POSTS_PER_MINUTE, ChannelLoad, should_roll_up, window_of
from socialdesk.slack.blocks.kit import MAX_BLOCKS
from socialdesk.slack.blocks.rollup_view import PAGE_SIZE, render_rollup, render_rollup_page
from socialdesk.slack.ids import (
    ActionId,
    RollupActionId,
    decode_case_value,
    decode_rollup_value,
    encode_rollup_value,
)

FLOOD = Flood()  # 20 cards a minute, P3 and P4, 10-minute windows, 3 samples
NOW = datetime(2026, 11, 24, 9, 4, 30, tzinfo=UTC)


@pytest.mark.parametrize(
    ("priority", "cards", "pending", "rolled"),
    [
        (Priority.P4, 19, 0, False),  # under the readability threshold
        (Priority.P4, 20, 0, True),  # at it
        (Priority.P3, 0, SLACK_POSTS_PER_MINUTE, True),  # a minute of backlog already
        (Priority.P3, 0, SLACK_POSTS_PER_MINUTE - 1, False),
        (Priority.P2, 500, 5000, False),  # P1 and P2 always get their own card
        (Priority.P1, 500, 5000, False),
    ],
)
def test_the_rule(priority: Priority, cards: int, pending: int, rolled: bool) -> None:
    load = ChannelLoad(cards_last_minute=cards, pending=pending)
    assert should_roll_up(priority, load, FLOOD) is rolled


def test_configured_priorities_are_the_only_ones_rolled_up() -> None:
    only_p4 = Flood(rollup_priorities=[Priority.P4], cards_per_minute=1)
    busy = ChannelLoad(cards_last_minute=1, pending=0)
    assert should_roll_up(Priority.P4, busy, only_p4)
    assert not should_roll_up(Priority.P3, busy, only_p4)


def test_windows_follow_the_clock_so_every_pipeline_names_the_same_one() -> None:
    window = window_of(NOW, FLOOD)
    assert window.start == datetime(2026, 11, 24, 9, 0, tzinfo=UTC)
    assert window.end == window.start + timedelta(minutes=10)
    assert window_of(window.end - timedelta(microseconds=1), FLOOD) == window
    assert window_of(window.end, FLOOD).start == window.end
    assert window_of(NOW.replace(tzinfo=None), FLOOD) == window  # SQLite hands back naive UTC


def test_rollup_values_round_trip_and_refuse_anything_else() -> None:
    assert decode_rollup_value(encode_rollup_value(7, 3)) == (7, 3)
    for bad in [
        "",
        "7",
        '{"v":1,"rollup":7}',
        '{"v":2,"rollup":7,"page":0}',
        '{"v":1,"rollup":true,"page":0}',
        '{"v":1,"rollup":0,"page":0}',
        '{"v":1,"rollup":7,"page":-1}',
        "x" * 200,
    ]:
        with pytest.raises(ValueError):
            decode_rollup_value(bad)
    with pytest.raises(ValueError):
        encode_rollup_value(0)


def _row(case_id: int, *, status: CaseStatus = CaseStatus.NEW, text: str = "where is it") -> RollupCase:
    return RollupCase(
        case_id=case_id,
        priority=Priority.P4,
        platform=Platform.REDDIT,
        status=status,
        assignee="U0AGENT01" if status is CaseStatus.CLAIMED else None,
        author_handle=f"fan{case_id}",
        author_id=f"reddit-fan{case_id}",
        text_masked=text,
    )


def test_the_rollup_message_shows_counts_samples_and_show_all() -> None:
    view = RollupView(
        rollup_id=4,
        topic=Category.QUESTION,
        now=NOW,
        first_at=NOW - timedelta(minutes=4),
        last_at=NOW,
        closes_at=NOW + timedelta(minutes=6),
        case_count=143,
        promoted=2,
        by_platform=[(Platform.REDDIT, 100), (Platform.X, 43)],
        by_priority=[(Priority.P3, 40), (Priority.P4, 103)],
        samples=[_row(9, text="<!channel> *bold* <https://evil|click>")],
    )
    message = render_rollup(view)
    text = str(message.blocks)
    assert message.blocks[0]["text"]["text"] == "📥 Question roll-up · 143 cases"
    assert "Reddit 100 · X 43" in text and "P3 40" in text and "P4 103" in text
    assert "*#9*" in text and "@fan9" in text
    assert "<!channel>" not in text and "<https://evil" not in text  # customer text is escaped
    assert "collecting until" in text and "2 already have a card of their own" in text
    button = message.blocks[-1]["elements"][0]
    assert button["action_id"] == RollupActionId.SHOW_ALL.value
    assert decode_rollup_value(button["value"]) == (4, 0)
    assert "closed" in str(render_rollup(replace(view, now=view.closes_at)).blocks)


def test_a_page_offers_claim_only_where_it_can_work_and_turns_both_ways() -> None:
    rows = [_row(i) for i in range(11, 11 + PAGE_SIZE - 1)] + [_row(99, status=CaseStatus.CLAIMED)]
    page = render_rollup_page(
        RollupPage(rollup_id=4, topic=Category.QUESTION, page=1, page_size=PAGE_SIZE, total=35, cases=rows)
    )
    assert len(page.blocks) <= MAX_BLOCKS
    assert "cases 11 to 20 of 35" in page.text
    claims = [b["accessory"] for b in page.blocks if "accessory" in b]
    assert len(claims) == PAGE_SIZE - 1  # not on the claimed one
    assert all(c["action_id"] == ActionId.CLAIM.value for c in claims)
    assert [decode_case_value(c["value"]) for c in claims] == list(range(11, 11 + PAGE_SIZE - 1))
    nav = {e["action_id"]: decode_rollup_value(e["value"]) for e in page.blocks[-1]["elements"]}
    assert nav == {RollupActionId.PAGE_PREVIOUS.value: (4, 0), RollupActionId.PAGE_NEXT.value: (4, 2)}
    last = render_rollup_page(
        RollupPage(
            rollup_id=4, topic=Category.QUESTION, page=3, page_size=PAGE_SIZE, total=35, cases=rows[:5]
        )
    )
    assert RollupActionId.PAGE_NEXT.value not in str(last.blocks)
