"""Where a benchmark server spends its time: thread CPU time (cProfile) and wall-clock stack samples."""

from __future__ import annotations

import cProfile
import io
import pstats
import sys
import sysconfig
import threading
import time
from collections import Counter, defaultdict
from pathlib import Path
from typing import Any


def request_kind(body: dict[str, Any]) -> str:
    """The MIX kind of a Slack request body, as Bolt parsed it."""
    if body.get("type") == "block_actions":
        return "button"
    words = str(body.get("text") or "").split()
    return words[0] if words else "?"


class CpuMeter:
    """Wraps Bolt's dispatch (the request thread: signature check, middleware, routing, and the wait
    for the ack) and the listener executor's submit (the listener body: ack(), then the work). Records
    the thread CPU of each call, per request kind for listeners, and how long each listener waited
    for a pool thread (part of the ack latency when the listener itself acks, as Bolt's threaded mode
    has it without `socialdesk.slack.transport.bolt_route.ack_first`). With `profile`, each thread also runs
    a cProfile
    on thread CPU time, merged at the end. Counts only the measured phase (`active`)."""

    def __init__(self, bolt: Any, executor: Any, *, profile: bool) -> None:
        self.dispatch_cpu: list[float] = []
        self.listener_cpu: dict[str, list[float]] = defaultdict(list)
        self.waits: list[float] = []
        self.active = False
        self._profiles: dict[str, list[cProfile.Profile]] = {"dispatch": [], "listener": []}
        self._local = threading.local()
        self._lock = threading.Lock()
        self._profile = profile
        dispatch, submit = bolt.dispatch, executor.submit

        def timed_dispatch(request: Any) -> Any:
            self._local.kind = request_kind(request.body)
            return self._run("dispatch", self.dispatch_cpu, dispatch, request)

        def timed_submit(fn: Any, /, *args: Any, **kwargs: Any) -> Any:
            queued, kind = time.perf_counter(), getattr(self._local, "kind", "?")

            def listener() -> Any:
                if self.active:
                    with self._lock:
                        self.waits.append(time.perf_counter() - queued)
                return self._run("listener", self.listener_cpu[kind], fn, *args, **kwargs)

            return submit(listener)

        bolt.dispatch = timed_dispatch
        executor.submit = timed_submit

    def _profiler(self, where: str) -> cProfile.Profile | None:
        if not self._profile:
            return None
        found: cProfile.Profile | None = getattr(self._local, where, None)
        if found is None:
            found = cProfile.Profile(time.thread_time)
            setattr(self._local, where, found)
            with self._lock:
                self._profiles[where].append(found)
        return found

    def _run(self, where: str, into: list[float], fn: Any, *args: Any, **kwargs: Any) -> Any:
        if not self.active:
            return fn(*args, **kwargs)
        profiler = self._profiler(where)
        started = time.thread_time()
        if profiler is not None:
            profiler.enable()
        try:
            return fn(*args, **kwargs)
        finally:
            if profiler is not None:
                profiler.disable()
            spent = time.thread_time() - started
            with self._lock:
                into.append(spent)

    def facts(self) -> dict[str, Any]:
        return {
            "dispatch_cpu": self.dispatch_cpu,
            "listener_cpu": dict(self.listener_cpu),
            "waits": self.waits,
            "profile": self.profile_text(),
        }

    def profile_text(self, top: int = 22) -> dict[str, str]:
        out: dict[str, str] = {}
        for where, profiles in self._profiles.items():
            if not profiles:
                continue
            buffer = io.StringIO()
            stats = pstats.Stats(profiles[0], stream=buffer)
            for more in profiles[1:]:
                stats.add(more)
            stats.strip_dirs()
            buffer.write(f"--- {where}: top by own time ---\n")
            stats.sort_stats("tottime").print_stats(top)
            buffer.write(f"--- {where}: top by cumulative time ---\n")
            stats.sort_stats("cumulative").print_stats(top)
            out[where] = buffer.getvalue()
        return out


class StackSampler(threading.Thread):
    """A small wall-clock sampling profiler (py-spy is not always at hand): every `interval` seconds it
    records each thread's stack, grouped by the kind of thread (event loop, request threads running
    Bolt's dispatch, listener threads). Enough to see where the time of the ack path goes."""

    def __init__(self, interval: float = 0.002) -> None:
        super().__init__(name="sampler", daemon=True)
        self.interval = interval
        self.stop = threading.Event()
        self.samples: Counter[str] = Counter()
        self.inclusive: dict[str, Counter[str]] = defaultdict(Counter)
        self.leaf: dict[str, Counter[str]] = defaultdict(Counter)

    @staticmethod
    def group(name: str) -> str:
        if name.startswith("bolt-listener") or name.startswith("ThreadPoolExecutor"):
            return "listener threads"
        if name.startswith("AnyIO worker"):
            return "request threads (Bolt dispatch)"
        if name == "http":
            return "event loop (uvicorn)"
        return "other"

    def run(self) -> None:
        names: dict[int, str] = {}
        while not self.stop.wait(self.interval):
            frames = sys._current_frames()
            if any(ident not in names for ident in frames):
                names = {t.ident: t.name for t in threading.enumerate() if t.ident is not None}
            for ident, frame in frames.items():
                if ident == self.ident:
                    continue
                group = self.group(names.get(ident, "?"))
                if group == "other":
                    continue
                seen: set[str] = set()
                leaf = None
                f: Any = frame
                while f is not None:
                    code = f.f_code
                    where = f"{_short(code.co_filename)}:{code.co_name}"
                    leaf = leaf or where
                    seen.add(where)
                    f = f.f_back
                self.samples[group] += 1
                self.leaf[group][leaf or "?"] += 1
                self.inclusive[group].update(seen)

    def summary(self, top: int = 14) -> dict[str, Any]:
        return {
            group: {
                "samples": count,
                "leaf": self.leaf[group].most_common(top),
                "inclusive": self.inclusive[group].most_common(top * 2),
            }
            for group, count in self.samples.items()
        }


_ROOTS = tuple(
    f"{root}/"
    for root in (
        str(Path(__file__).resolve().parents[1]),
        sysconfig.get_paths()["purelib"],
        sysconfig.get_paths()["stdlib"],
    )
)


def _short(filename: str) -> str:
    return next((filename[len(root) :] for root in _ROOTS if filename.startswith(root)), filename)
