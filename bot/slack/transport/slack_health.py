"""Is Slack taking our calls? The answer `/readyz` and `/metrics` give, on every replica alike.

Two sources, because only the leader sends (bot/services.py):
- `SlackHealth` (socialdesk.outbox.health), in the sending process: the outbox sender records each
  call's outcome. A run of failed calls (5xx, network errors and timeouts, 429s) is "degraded" once
  it is `FAILURES` calls long or has lasted `WINDOW_SECONDS`; one success ends it. A single 5xx or
  429 is a blip, not an outage. An error Slack *answered* (channel_not_found, invalid_blocks...) means
  Slack is up: it counts as a success here and as a dead or retried row in the outbox.
- `read_backlog`, from the database, which every replica sees: the oldest pending post's age and how
  often the head of a channel has failed. A follower has no calls of its own to judge by, so it
  reports this; the leader reports "degraded" when either source says so, so that replicas agree as
  soon as the store shows the trouble (at the latest when the oldest post passes `MAX_AGE_SECONDS`).

"degraded" never fails `/readyz` (see bot/web/ops.py): webhooks must keep being accepted and stored
while Slack is down, and a load balancer would otherwise take every replica out at once.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Engine, func, or_
from sqlmodel import Session, col, select

from socialdesk.clock import Clock, as_utc
from socialdesk.domain.enums import OutboxStatus
from socialdesk.domain.models import OutboxMessage
from socialdesk.metrics import Metrics
from socialdesk.outbox.health import FAILURES, SlackHealth, SlackState

MAX_AGE_SECONDS = 300.0  # a post waiting longer than this means Slack is not keeping up, whatever the cause
# How the outbox words the failures that say Slack itself is in trouble (bot/outbox/sender.py).
TRANSIENT_PREFIXES = ("http_5", "network", "ratelimited")

GAUGE_VALUES = {SlackState.OK: 0, SlackState.DEGRADED: 1, SlackState.UNKNOWN: -1}


@dataclass(frozen=True, slots=True)
class Backlog:
    """What the outbox table says, the same on every replica."""

    pending: int
    oldest_created_at: datetime | None  # of the pending rows that wait for nothing but Slack
    head_failures: int  # the most transient failures of one pending row in a row
    ever_attempted: bool

    def oldest_age(self, now: datetime) -> float:
        if self.oldest_created_at is None:
            return 0.0
        return max((now - as_utc(self.oldest_created_at)).total_seconds(), 0.0)

    def state(self, now: datetime) -> SlackState:
        if self.oldest_age(now) > MAX_AGE_SECONDS or self.head_failures >= FAILURES:
            return SlackState.DEGRADED
        return SlackState.OK if self.ever_attempted else SlackState.UNKNOWN


def read_backlog(engine: Engine) -> Backlog:
    """Three indexed reads (status is the head of ix_outbox_due)."""
    pending_row = OutboxMessage.status == OutboxStatus.PENDING
    transient = or_(*(col(OutboxMessage.last_error).startswith(p) for p in TRANSIENT_PREFIXES))
    with Session(engine) as session:
        pending = session.exec(select(func.count()).select_from(OutboxMessage).where(pending_row)).one()
        # Thread lines and updates wait for their card: one whose card died waits for ever, which
        # says nothing about Slack, so only rows that wait for nothing else count for the age.
        oldest = session.exec(
            select(func.min(OutboxMessage.created_at)).where(
                pending_row, col(OutboxMessage.needs_case_ts).is_(False)
            )
        ).one()
        head = session.exec(
            select(func.max(OutboxMessage.attempts)).where(pending_row, transient)
        ).one()
        attempted = session.exec(select(OutboxMessage.id).where(OutboxMessage.attempts > 0).limit(1)).first()
    return Backlog(
        pending=int(pending or 0),
        oldest_created_at=oldest,
        head_failures=int(head or 0),
        ever_attempted=attempted is not None,
    )


class SlackStatus:
    """The readiness body's Slack part and the gauges behind it, computed on demand (a probe, a scrape)."""

    def __init__(
        self,
        *,
        engine: Engine,
        health: SlackHealth,
        clock: Clock,
        metrics: Metrics,
        is_leader: Callable[[], bool],
    ) -> None:
        self._engine = engine
        self._health = health
        self._clock = clock
        self._metrics = metrics
        self._is_leader = is_leader

    def snapshot(self) -> dict[str, Any]:
        now = self._clock.now()
        backlog = read_backlog(self._engine)
        leader = bool(self._is_leader())
        state = self._state(backlog, now, leader)
        age = round(backlog.oldest_age(now), 3)
        self._metrics.outbox_pending.set(backlog.pending)
        self._metrics.outbox_oldest_pending_seconds.set(age)
        self._metrics.slack_state.set(GAUGE_VALUES[state])
        return {
            "slack": state.value,
            "outbox_pending": backlog.pending,
            "outbox_oldest_age_seconds": age,
            "leader": leader,
        }

    def _state(self, backlog: Backlog, now: datetime, leader: bool) -> SlackState:
        stored = backlog.state(now)
        if not leader:
            # A follower makes no calls, and a former leader's record goes stale: the store decides.
            return stored
        seen = self._health.state(now)
        if SlackState.DEGRADED in (seen, stored):
            return SlackState.DEGRADED
        return seen if seen is not SlackState.UNKNOWN else stored
