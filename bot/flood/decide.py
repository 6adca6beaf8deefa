"""The flood rule as pure functions: whether a new case gets its own card, and which roll-up window it
joins. The database side (counting, joining) is bot/flood/gate.py and bot/store/rollup_repo.py."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from socialdesk.config import Flood
from socialdesk.domain.enums import Priority

# Slack posts about one message per second per channel: a backlog bigger than this is at least a
# minute behind, and each further card only makes every card behind it later.
SLACK_POSTS_PER_MINUTE = 60
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


@dataclass(frozen=True, slots=True)
class ChannelLoad:
    """What the channel looks like when a case opens; both counts are capped (see the repo's queries)."""

    cards_last_minute: int  # card posts queued for the channel in the last 60 s
    pending: int  # calls still waiting to be made in the channel


def may_roll_up(priority: Priority, flood: Flood) -> bool:
    """Only these priorities are ever rolled up; the others skip the counting entirely."""
    return priority in flood.rollup_priorities


def is_flooded(load: ChannelLoad, flood: Flood) -> bool:
    return load.cards_last_minute >= flood.cards_per_minute or load.pending >= SLACK_POSTS_PER_MINUTE


def should_roll_up(priority: Priority, load: ChannelLoad, flood: Flood) -> bool:
    return may_roll_up(priority, flood) and is_flooded(load, flood)


@dataclass(frozen=True, slots=True)
class Window:
    start: datetime
    end: datetime


def window_of(now: datetime, flood: Flood) -> Window:
    """The clock-aligned window holding `now`: every pipeline and replica computes the same one."""
    length = timedelta(minutes=flood.window_minutes)
    moment = now.replace(tzinfo=UTC) if now.tzinfo is None else now.astimezone(UTC)
    start = _EPOCH + ((moment - _EPOCH) // length) * length
    return Window(start=start, end=start + length)
