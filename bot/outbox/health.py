"""The sending process's record of its recent Slack calls: the outbox sender records each call's outcome,
and `socialdesk.slack.transport.slack_health` turns it (with the outbox table) into what `/readyz` says.

Kept beside the sender so the outbox needs nothing from the Slack package; see slack_health.py for how
a run of failures becomes "degraded".
"""

from __future__ import annotations

import threading
from datetime import datetime
from enum import StrEnum

FAILURES = 3  # failed calls in a row that make an outage, not a blip
WINDOW_SECONDS = 60.0  # or this long without one call getting through


class SlackState(StrEnum):
    OK = "ok"
    DEGRADED = "degraded"
    UNKNOWN = "unknown"  # no call made yet: nothing to judge by


class Outcome(StrEnum):
    OK = "ok"  # Slack answered, even with an error of ours
    RATELIMITED = "ratelimited"
    SERVER_ERROR = "server_error"
    NETWORK = "network"  # refused, reset, timed out


class SlackHealth:
    """The sending process's record of its recent Slack calls (thread-safe; time from the caller)."""

    def __init__(self, *, failures: int = FAILURES, window_seconds: float = WINDOW_SECONDS) -> None:
        self._failures = failures
        self._window = window_seconds
        self._lock = threading.Lock()
        self._last: Outcome | None = None
        self._streak = 0  # failed calls since the last success
        self._streak_since: datetime | None = None
        self.counts: dict[Outcome, int] = dict.fromkeys(Outcome, 0)

    def record(self, outcome: Outcome, at: datetime) -> None:
        with self._lock:
            self.counts[outcome] += 1
            self._last = outcome
            if outcome is Outcome.OK:
                self._streak, self._streak_since = 0, None
                return
            if self._streak == 0:
                self._streak_since = at
            self._streak += 1

    def state(self, now: datetime) -> SlackState:
        with self._lock:
            if self._last is None:
                return SlackState.UNKNOWN
            if self._streak == 0:
                return SlackState.OK
            assert self._streak_since is not None
            lasting = (now - self._streak_since).total_seconds()
            if self._streak >= self._failures or lasting >= self._window:
                return SlackState.DEGRADED
            return SlackState.OK
