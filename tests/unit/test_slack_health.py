"""Slack's health from the sender's own calls and from the outbox table (slack/transport/slack_health.py)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from socialdesk.outbox.health import FAILURES, WINDOW_SECONDS, Outcome, SlackHealth, SlackState
from socialdesk.slack.transport.slack_health import MAX_AGE_SECONDS, Backlog

T0 = datetime(2026, 11, 24, 9, 0, tzinfo=UTC)


def at(seconds: float) -> datetime:
    return T0 + timedelta(seconds=seconds)


def test_unknown_before_any_call_then_ok() -> None:
    health = SlackHealth()
    assert health.state(T0) is SlackState.UNKNOWN
    health.record(Outcome.OK, T0)
    assert health.state(at(3600)) is SlackState.OK


@pytest.mark.parametrize("failure", [Outcome.SERVER_ERROR, Outcome.NETWORK, Outcome.RATELIMITED])
def test_a_run_of_failures_is_degraded_and_one_success_ends_it(failure: Outcome) -> None:
    health = SlackHealth()
    for n in range(FAILURES - 1):
        health.record(failure, at(n))
    assert health.state(at(FAILURES)) is SlackState.OK, "a blip is not an outage"
    health.record(failure, at(FAILURES))
    assert health.state(at(FAILURES)) is SlackState.DEGRADED
    health.record(Outcome.OK, at(FAILURES + 1))
    assert health.state(at(FAILURES + 1)) is SlackState.OK
    assert health.counts[failure] == FAILURES and health.counts[Outcome.OK] == 1


def test_one_failure_lasting_the_window_is_degraded() -> None:
    """A 429 with a long Retry-After: one call, but nothing got through for a minute."""
    health = SlackHealth()
    health.record(Outcome.OK, T0)
    health.record(Outcome.RATELIMITED, at(10))
    assert health.state(at(10 + WINDOW_SECONDS - 1)) is SlackState.OK
    assert health.state(at(10 + WINDOW_SECONDS)) is SlackState.DEGRADED


def test_the_window_counts_from_the_first_failure_of_the_run() -> None:
    health = SlackHealth(failures=100)
    health.record(Outcome.SERVER_ERROR, at(0))
    health.record(Outcome.SERVER_ERROR, at(50))
    assert health.state(at(59)) is SlackState.OK
    assert health.state(at(60)) is SlackState.DEGRADED


def backlog(**kwargs: object) -> Backlog:
    base: dict[str, object] = {
        "pending": 0,
        "oldest_created_at": None,
        "head_failures": 0,
        "ever_attempted": True,
    }
    return Backlog(**{**base, **kwargs})  # type: ignore[arg-type]


def test_backlog_state_from_the_store() -> None:
    assert backlog(ever_attempted=False).state(T0) is SlackState.UNKNOWN
    assert backlog(pending=2, ever_attempted=False).state(T0) is SlackState.UNKNOWN
    assert backlog().state(T0) is SlackState.OK
    young = backlog(pending=3, oldest_created_at=at(-MAX_AGE_SECONDS))
    assert young.state(T0) is SlackState.OK and young.oldest_age(T0) == MAX_AGE_SECONDS
    old = backlog(pending=3, oldest_created_at=at(-MAX_AGE_SECONDS - 1))
    assert old.state(T0) is SlackState.DEGRADED
    assert backlog(pending=1, head_failures=FAILURES - 1).state(T0) is SlackState.OK
    assert backlog(pending=1, head_failures=FAILURES).state(T0) is SlackState.DEGRADED


def test_oldest_age_handles_naive_sqlite_times_and_clock_skew() -> None:
    naive = backlog(pending=1, oldest_created_at=at(-30).replace(tzinfo=None))
    assert naive.oldest_age(T0) == 30.0
    assert backlog(pending=1, oldest_created_at=at(5)).oldest_age(T0) == 0.0
