"""Bolt's listener pool, with a way to wait until every submitted listener has finished.

Bolt acks first and runs the listener body on this pool; the demo and the tests need to know
when that work (a private answer, a modal) is done, without guessing with sleeps."""

from __future__ import annotations

import threading
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor, wait
from typing import Any


class TrackingExecutor(ThreadPoolExecutor):
    def __init__(self, max_workers: int = 8) -> None:
        super().__init__(max_workers=max_workers, thread_name_prefix="bolt-listener")
        self._futures: set[Future[Any]] = set()
        self._lock = threading.Lock()

    def submit(self, fn: Callable[..., Any], /, *args: Any, **kwargs: Any) -> Future[Any]:
        future = super().submit(fn, *args, **kwargs)
        with self._lock:
            self._futures.add(future)
        future.add_done_callback(self._forget)
        return future

    def _forget(self, future: Future[Any]) -> None:
        with self._lock:
            self._futures.discard(future)

    def wait_idle(self, timeout: float = 10.0) -> bool:
        """Block until all listeners submitted so far are done; False if the timeout ran out."""
        with self._lock:
            pending = set(self._futures)
        if not pending:
            return True
        _, not_done = wait(pending, timeout=timeout)
        return not not_done
