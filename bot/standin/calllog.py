"""Every request the stand-in answered, in arrival order, for tests to assert on."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable

from socialdesk.standin.models import RecordedCall

log = logging.getLogger(__name__)

Listener = Callable[[RecordedCall], None]


class CallLog:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._calls: list[RecordedCall] = []
        self._listeners: list[Listener] = []

    def record(self, call: RecordedCall) -> None:
        with self._lock:
            self._calls.append(call)
            listeners = list(self._listeners)
        for listener in listeners:
            # A broken listener (say, the demo's console printer) must not turn into a failed Slack call.
            try:
                listener(call)
            except Exception:
                log.exception("stand-in call listener failed")

    def snapshot(self) -> list[RecordedCall]:
        with self._lock:
            return list(self._calls)

    def clear(self) -> None:
        with self._lock:
            self._calls.clear()

    def add_listener(self, listener: Listener) -> None:
        with self._lock:
            self._listeners.append(listener)
