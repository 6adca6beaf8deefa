"""How the Google pollers back off: a 429 waits until `Retry-After` (or the API's fallback), a 5xx or a
network failure waits 2, 4, 8 ... minutes (at most an hour) while it goes on, so a struggling API is
not asked again every few minutes. Both become `RateLimited`, which the core keeps across restarts."""

from __future__ import annotations

from datetime import datetime, timedelta

from socialdesk.plugins.replies import ErrorKind, PlatformError
from socialdesk.plugins.source import RateLimited

FIRST = timedelta(minutes=2)
LONGEST = timedelta(hours=1)


class Backoff:
    def __init__(self) -> None:
        self.failures = 0  # consecutive 5xx / network failures

    def ok(self) -> None:
        self.failures = 0

    def wait(self, exc: PlatformError, now: datetime) -> RateLimited | None:
        """The `RateLimited` to raise for `exc`, or None when it is no reason to wait (an AUTH error)."""
        if exc.kind is ErrorKind.RATE_LIMITED:
            return RateLimited(exc.retry_at or now + FIRST, exc.message)
        if exc.kind is ErrorKind.UNAVAILABLE:
            self.failures += 1
            delay = min(LONGEST, FIRST * 2 ** (self.failures - 1))
            return RateLimited(
                now + delay, f"{exc.message} Next try in {int(delay.total_seconds() // 60)} min."
            )
        return None
