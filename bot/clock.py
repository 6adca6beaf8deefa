"""Time as an input: services ask a clock instead of reading the wall clock themselves."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Protocol

# as_utc lives in the domain (which imports nothing else of the project); the rest of the code reads it here.
from socialdesk.domain.utc import as_utc as as_utc


class Clock(Protocol):
    def now(self) -> datetime:
        """Timezone-aware UTC now."""
        ...


class SystemClock:
    def now(self) -> datetime:
        return datetime.now(UTC)


class ManualClock:
    """A clock that moves only when told; used by tests and by the demo's simulated feed."""

    def __init__(self, start: datetime) -> None:
        if start.tzinfo is None:
            raise ValueError("ManualClock needs a timezone-aware start")
        self._now = start.astimezone(UTC)

    def now(self) -> datetime:
        return self._now

    def advance(self, delta: timedelta | float) -> datetime:
        self._now += delta if isinstance(delta, timedelta) else timedelta(seconds=delta)
        return self._now

    def set(self, when: datetime) -> None:
        self._now = when.astimezone(UTC)
