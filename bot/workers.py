"""Background loops for `serve`: drain the inbox and the outbox as soon as there is work.

Each loop waits on an Event (set when work arrives) with a timeout as a safety net, so nothing
depends on polling fast and shutdown is immediate.
"""

from __future__ import annotations

import logging
import os
import threading
import time
from collections.abc import Callable
from datetime import datetime
from typing import Any

from socialdesk.clock import Clock

log = logging.getLogger(__name__)


class WakeableLoop:
    def __init__(
        self,
        name: str,
        step: Callable[[], datetime | None],
        clock: Clock,
        *,
        idle_seconds: float = 5.0,
        wake_event: threading.Event | None = None,
    ) -> None:
        self._name = name
        self._step = step
        self._clock = clock
        self._idle = idle_seconds
        # `wake_event`: an event owned by the worker's subject, so code that cannot reach the loop can
        # still wake it (the outbox sender's `woken`, set by whoever queues a row).
        self._wake = wake_event or threading.Event()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    @property
    def name(self) -> str:
        return self._name

    @property
    def running(self) -> bool:
        return self._thread is not None and self._thread.is_alive() and not self._stop.is_set()

    def wake(self) -> None:
        self._wake.set()

    def start(self) -> None:
        self._thread = threading.Thread(target=self._run, name=self._name, daemon=True)
        self._thread.start()

    def stop(self, timeout: float = 10.0) -> None:
        self._stop.set()
        self._wake.set()
        if self._thread is not None:
            self._thread.join(timeout)

    def _run(self) -> None:
        while not self._stop.is_set():
            self._wake.clear()
            next_due: datetime | None = None
            try:
                next_due = self._step()
            except Exception:  # a bad pass must not kill the loop; the next one retries
                log.exception("%s pass failed", self._name)
            wait = self._idle
            if next_due is not None:
                wait = min(wait, max((next_due - self._clock.now()).total_seconds(), 0.0))
            if wait > 0:
                self._wake.wait(wait)


# While webhooks queue for their commit, a worker takes at most one item per this many seconds: the
# burst is stored first (at 2,500-3,000/s in benchmarks/ingest.py) and worked right after it.
SATURATED_PAUSE = 0.1


def orphaned(parent_pid: int) -> bool:
    """In a child process: whether the parent that started it is gone (killed with SIGKILL, its children
    are not told). A child that keeps running would hold database connections for nobody."""
    return os.getppid() != parent_pid


class _Holder:
    value = 0


class ForegroundFirst:
    """Lets background work give way to webhook acceptance during a burst.

    Platforms need their 200 quickly, and an accepted payload is already durable in the inbox, so
    while requests are arriving the workers pause briefly between items (never more than
    `max_pause` each, so they still make progress) and catch up at full speed when the burst ends.
    """

    def __init__(self, *, quiet_after: float = 0.02, max_pause: float = 0.01) -> None:
        self._in_flight = 0
        self._last_request = 0.0
        self._lock = threading.Lock()
        self._quiet_after = quiet_after
        self._max_pause = max_pause
        self._idle = threading.Event()
        # The in-flight count where another process can read it (bot/ingest/worker_process.py): a
        # multiprocessing.Value once `share` is called, a plain holder until then.
        self.shared: Any = _Holder()
        self._pressure: Callable[[], bool] = lambda: False

    def share(self, value: Any) -> None:
        self.shared = value

    def request_started(self) -> None:
        with self._lock:
            self._in_flight += 1
            self._last_request = time.monotonic()
            self.shared.value = self._in_flight

    def request_finished(self) -> None:
        with self._lock:
            self._in_flight -= 1
            self.shared.value = self._in_flight

    def busy(self) -> bool:
        return self._in_flight > 0 or time.monotonic() - self._last_request < self._quiet_after

    def under_pressure(self, signal: Callable[[], bool]) -> None:
        """`signal` says acceptance itself is the bottleneck (requests queue for the inbox commit):
        then background work pauses `SATURATED_PAUSE` between items instead of `max_pause`."""
        self._pressure = signal

    def yield_if_busy(self) -> None:
        if self.busy():
            self._idle.wait(SATURATED_PAUSE if self._pressure() else self._max_pause)
