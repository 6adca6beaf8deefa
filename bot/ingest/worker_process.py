"""The ingest pipeline in a process of its own, below the web process, for `serve`.

Why: turning a stored payload into a case (parse, mask, sentiment, routing, flood and crisis checks,
the transaction) costs several milliseconds of Python per mention. In the web process that work
competes for the GIL with the requests still waiting for their 200, and set the tail latency of a
burst. In its own process (niced, like the Slack listener processes) it takes a CPU only when
acceptance leaves one free, and the inbox keeps what it has not reached yet: nothing is lost if it
falls behind, crashes or is killed (it is started again, and the items it held are pending again).

The web process wakes it when a payload is accepted; it wakes the web process's outbox when it
opened cases; and it sends its counters (mentions by result, inbox items by status) back, so that
`/metrics` still shows them. Opt-in (`INGEST_PROCESS=true`): on the 2-core reference machine it lost
on SQLite and traded a longer acceptance tail for throughput on PostgreSQL (benchmarks/README.md).

Measured again for issue 17, after the batched ingest and the cheaper outbox (2,000 mentions through
`benchmarks.ingest`'s `serve` run, pacing lifted; CPU of `serve` and its child processes from /proc,
from the first request until the last card): it still does not pay, so it stays off by default.
    SQLite, without / with:  7.70 / 8.86, 9.04 / 10.79 and 8.98 / 9.67 ms CPU per mention (pairs run
                             back to back, load average 3.5-10 on the 2 cores); cards/s 102 / 72,
                             47 / 40, 75 / 66.
    PostgreSQL, without / with: 10.60 / 15.49 ms CPU per mention, 33 / 23 cards/s (load 9-14).
The second process costs 10-45% more CPU per mention (a second runtime, the wakes across processes,
and on SQLite the write lock passed between processes by busy-handler sleeps), and what it could buy,
the ingest and the outbox each on a core, needs a core `serve` does not have: on 2 cores the load
generator and the Slack stand-in (or, in production, the database and the rest of the host) take
their share, and `serve` used 0.35-0.78 of a core in every run. Worth measuring again on 4 or more.
"""

from __future__ import annotations

import logging
import multiprocessing
import os
import queue
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import partial
from multiprocessing.process import BaseProcess
from typing import Any

from prometheus_client import Counter

log = logging.getLogger(__name__)

# The pipeline's counters (bot/metrics.py) that the child reports to the web process's registry.
SHIPPED_COUNTERS = ("inbox_processed", "mentions")
GIVE_WAY_SECONDS = 0.01  # the pause between items while webhooks are being answered
IDLE_SECONDS = 2.0  # the child looks at the inbox this often unwoken (items the web process did not announce)


@dataclass
class Signals:
    """What crosses the process boundary, made from one spawn context."""

    wake: Any  # multiprocessing.Event: a payload was accepted
    opened: Any  # multiprocessing.Event: cases or follow-ups were queued for Slack
    stop: Any  # multiprocessing.Event
    counts: Any  # multiprocessing.Queue of {(counter, labels): amount}
    accepting: Any  # multiprocessing.Value: webhook requests the web process is answering right now


@dataclass
class IngestProcess:
    settings: Any  # socialdesk.settings.Settings, pickled to the child
    on_opened: Callable[[], None]  # wakes the web process's outbox
    metrics: Any  # socialdesk.metrics.Metrics of the web process
    # socialdesk.app.build_runtime, handed in by the composition root: ingest does not import the app
    build_runtime: Callable[..., Any]
    _signals: Signals | None = None
    _process: BaseProcess | None = None
    _bridge: threading.Thread | None = None
    _closing: threading.Event = field(default_factory=threading.Event)

    def start(self) -> None:
        context = multiprocessing.get_context("spawn")
        accepting = context.Value("i", 0, lock=False)  # written by the web process's event loop only
        self._signals = Signals(context.Event(), context.Event(), context.Event(), context.Queue(), accepting)
        self._process = self._spawn()
        self._bridge = threading.Thread(target=self._relay, name="ingest-process-bridge", daemon=True)
        self._bridge.start()

    def _spawn(self) -> BaseProcess:
        settings = self.settings
        if self._process is not None:
            # A replacement is never armed with a test failpoint: it would die on the same item again.
            settings = settings.model_copy(update={"socialdesk_failpoint": None})
        context = multiprocessing.get_context("spawn")
        process = context.Process(
            target=ingest_main, args=(self.build_runtime, settings, self._signals, os.getpid()), name="ingest"
        )
        process.start()
        return process

    def wake(self) -> None:
        assert self._signals is not None
        self._signals.wake.set()

    def revive(self) -> bool:
        """Start a new child if it died (killed, out of memory); True if one was started."""
        if self._process is None or self._process.is_alive() or self._closing.is_set():
            return False
        log.error("ingest process died (exit %s); starting a new one", self._process.exitcode)
        self._process = self._spawn()
        self.metrics.worker_restarts.labels(process="ingest").inc()
        return True

    def _relay(self) -> None:
        """In the web process: wake the outbox when the child opened cases, apply its counters, and
        replace it if it died."""
        signals = self._signals
        assert signals is not None
        while not self._closing.is_set():
            if signals.opened.wait(0.5):
                signals.opened.clear()
                self.on_opened()
            self._apply_counts(signals)
            self.revive()

    def _apply_counts(self, signals: Signals) -> None:
        while True:
            try:
                counts = signals.counts.get_nowait()
            except queue.Empty:
                return
            for (name, labels), amount in counts.items():
                getattr(self.metrics, name).labels(**dict(labels)).inc(amount)

    def stop(self, timeout: float = 15.0) -> None:
        self._closing.set()
        if self._signals is not None:
            self._signals.stop.set()
            self._signals.wake.set()
        if self._process is not None:
            self._process.join(timeout)
            if self._process.is_alive():
                self._process.terminate()
                self._process.join(5)
        if self._bridge is not None:
            self._bridge.join(timeout)
        if self._signals is not None:
            self._apply_counts(self._signals)


def ingest_main(build_runtime: Callable[..., Any], settings: Any, signals: Signals, parent: int) -> None:
    """The child: the same runtime as `serve`, running only the ingest pipeline."""
    from socialdesk.logging_setup import setup_logging
    from socialdesk.workers import orphaned

    setup_logging(settings.log_level)
    os.nice(5)  # below the web process: when both want a CPU, acceptance wins
    runtime = build_runtime(settings, migrate=False)
    shipped = CounterDeltas(runtime.metrics)
    try:
        while not signals.stop.is_set() and not orphaned(parent):
            signals.wake.wait(IDLE_SECONDS)
            signals.wake.clear()
            try:
                report = runtime.pipeline.drain(between_items=partial(_give_way, signals))
            except Exception:  # the database is away, say: keep the process, look again after the idle wait
                log.exception("ingest pass failed; the inbox keeps the items")
                signals.stop.wait(IDLE_SECONDS)
                continue
            if report.cases_opened or report.followups:
                signals.opened.set()
            deltas = shipped.take()
            if deltas:
                signals.counts.put(deltas)
    finally:
        runtime.close()


def _give_way(signals: Signals) -> None:
    """Between items: while the web process is answering webhooks, leave SQLite's write lock to its
    inbox commits for a moment (they would otherwise meet SQLite's stepped busy-handler sleeps)."""
    if signals.accepting.value > 0:
        signals.stop.wait(GIVE_WAY_SECONDS)


class CounterDeltas:
    """What the shipped counters gained since the last `take`, by label set."""

    def __init__(self, metrics: Any) -> None:
        self._counters: dict[str, Counter] = {name: getattr(metrics, name) for name in SHIPPED_COUNTERS}
        self._seen: dict[tuple[str, tuple[tuple[str, str], ...]], float] = {}

    def take(self) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
        deltas: dict[tuple[str, tuple[tuple[str, str], ...]], float] = {}
        for name, counter in self._counters.items():
            for metric in counter.collect():
                for sample in metric.samples:
                    if not sample.name.endswith("_total"):
                        continue
                    key = (name, tuple(sorted(sample.labels.items())))
                    gained = sample.value - self._seen.get(key, 0.0)
                    if gained > 0:
                        deltas[key] = gained
                        self._seen[key] = sample.value
        return deltas


def attach_ingest_process(runtime: Any, *, build_runtime: Callable[..., Any]) -> IngestProcess | None:
    """Start the ingest process `INGEST_PROCESS` asks for; the runtime then wakes it instead of its
    own ingest loop (which `start_workers` no longer starts). `build_runtime` builds the child's runtime."""
    if not runtime.settings.ingest_process:
        return None
    process = IngestProcess(
        runtime.settings, on_opened=runtime.wake_outbox, metrics=runtime.metrics, build_runtime=build_runtime
    )
    process.start()
    assert process._signals is not None
    runtime.foreground.share(process._signals.accepting)
    runtime.ingest_process = process
    return process
