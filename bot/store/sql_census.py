"""Opt-in count of SQL statements, commits and ORM flushes by pipeline stage, inside a running process.

Why: the cost of the pipeline after acceptance is mostly how many statements and transactions each case
and each card take (issue 17), and counts are deterministic where timings on a shared 2-core machine are
not. `benchmarks/ingest.py` turns this on for the `serve` it starts and divides the counts by the cases
and cards it saw.

On only when `SOCIALDESK_SQL_CENSUS` names a folder: `make_engine` then installs SQLAlchemy event
listeners on each engine, and every process that made one writes its counts to
`<folder>/census-<pid>.json` a few times a second and at exit (the ingest child process of
`INGEST_PROCESS=true` too; a reader sums the files). Off, `watch` returns at once and nothing is
installed: the hot path pays nothing.

The stage is the one a piece of code declares with `stage("name")`; otherwise it follows from the thread
(the worker loops of bot/workers.py are threads named `ingest` and `outbox`, the group commit's is
`inbox-writer`) or from the process (`ingest`, the child of bot/ingest/worker_process.py); anything else
(scheduled jobs tag themselves `job:<id>` in bot/scheduler.py, request threads, start-up) is `other`.
"""

from __future__ import annotations

import atexit
import json
import multiprocessing
import os
import re
import threading
import weakref
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager, nullcontext, suppress
from pathlib import Path
from typing import Any, TypeVar

from sqlalchemy import Engine, event
from sqlalchemy.orm import Session

ENV = "SOCIALDESK_SQL_CENSUS"
DUMP_SECONDS = 0.2  # how stale a reader's view of a running process may be

THREAD_STAGES = {"ingest": "ingest", "outbox": "outbox", "inbox-writer": "accept"}
PROCESS_STAGES = {"ingest": "ingest"}

# The first table a statement names: enough to tell "SELECT case" from "SELECT inbox" in a report.
_TABLE = re.compile(r"\b(?:FROM|INTO|UPDATE)\s+\"?([A-Za-z_][A-Za-z0-9_]*)", re.IGNORECASE)

T = TypeVar("T")


class Census:
    """Counts by stage: statements (and by verb and table), BEGINs, commits, rollbacks, flushes."""

    def __init__(self, folder: Path, *, dump_seconds: float | None = DUMP_SECONDS) -> None:
        self.folder = folder
        self._dump_seconds = dump_seconds  # None: written only when `dump` is called
        self._lock = threading.Lock()
        self._local = threading.local()
        self.totals: dict[str, Counter[str]] = {}
        self.statements: dict[str, Counter[str]] = {}
        self._changes = 0
        self._dumped = -1
        self._engines: weakref.WeakSet[Engine] = weakref.WeakSet()
        self._dumper: threading.Thread | None = None

    # --- stages ---------------------------------------------------------------------------------

    def current(self) -> str:
        explicit: str | None = getattr(self._local, "stage", None)
        if explicit is not None:
            return explicit
        thread = THREAD_STAGES.get(threading.current_thread().name)
        if thread is not None:
            return thread
        return PROCESS_STAGES.get(multiprocessing.current_process().name, "other")

    @contextmanager
    def stage(self, name: str) -> Iterator[None]:
        before = getattr(self._local, "stage", None)
        self._local.stage = name
        try:
            yield
        finally:
            self._local.stage = before

    # --- counting -------------------------------------------------------------------------------

    def count(self, what: str, detail: str | None = None) -> None:
        name = self.current()
        with self._lock:
            self.totals.setdefault(name, Counter())[what] += 1
            if detail is not None:
                self.statements.setdefault(name, Counter())[detail] += 1
            self._changes += 1

    def _before_cursor_execute(
        self, _conn: Any, _cursor: Any, statement: str, _params: Any, _context: Any, executemany: bool
    ) -> None:
        head = statement.lstrip()[:6].upper()
        if head.startswith("BEGIN"):
            self.count("begins")
            return
        verb = statement.split(None, 1)[0].upper() if statement.strip() else "?"
        table = _TABLE.search(statement)
        detail = f"{verb} {table.group(1) if table else '-'}{' (many)' if executemany else ''}"
        self.count("statements", detail)

    def watch(self, engine: Engine) -> None:
        if engine in self._engines:
            return
        self._engines.add(engine)
        event.listen(engine, "before_cursor_execute", self._before_cursor_execute)
        event.listen(engine, "commit", lambda _conn: self.count("commits"))
        event.listen(engine, "rollback", lambda _conn: self.count("rollbacks"))
        self._start_dumping()

    # --- reporting ------------------------------------------------------------------------------

    def snapshot(self) -> dict[str, Any]:
        with self._lock:
            return {
                "pid": os.getpid(),
                "process": multiprocessing.current_process().name,
                "totals": {stage: dict(c) for stage, c in self.totals.items()},
                "statements": {stage: dict(c) for stage, c in self.statements.items()},
            }

    def dump(self) -> None:
        if self._changes == self._dumped:
            return
        self._dumped = self._changes
        path = self.folder / f"census-{os.getpid()}.json"
        partial = path.with_suffix(".tmp")
        partial.write_text(json.dumps(self.snapshot()), encoding="utf-8")
        partial.replace(path)  # a reader never sees half a file

    def _start_dumping(self) -> None:
        if self._dumper is not None or self._dump_seconds is None:
            return
        self.folder.mkdir(parents=True, exist_ok=True)
        every = self._dump_seconds

        def run() -> None:
            while True:
                threading.Event().wait(every)
                with suppress(OSError):  # the folder went away with the benchmark: nothing left to tell
                    self.dump()

        self._dumper = threading.Thread(target=run, name="sql-census", daemon=True)
        self._dumper.start()
        atexit.register(self.dump)


_census: Census | None = None
_census_lock = threading.Lock()


def census() -> Census | None:
    """The process's census, made on first use when `SOCIALDESK_SQL_CENSUS` is set; None when off."""
    global _census
    folder = os.environ.get(ENV)
    if not folder:
        return None
    with _census_lock:
        if _census is None:
            _census = Census(Path(folder))
            event.listen(Session, "after_flush", lambda _session, _context: _census_count_flush())
        return _census


def _census_count_flush() -> None:
    if _census is not None:
        _census.count("flushes")


def watch(engine: Engine) -> None:
    """Count this engine's statements when the census is on; nothing otherwise."""
    current = census()
    if current is not None:
        current.watch(engine)


def stage(name: str) -> AbstractContextManager[None]:
    """Counts what runs inside under `name`; a no-op when the census is off."""
    current = _census
    return current.stage(name) if current is not None else nullcontext()


def tagged(name: str, func: Callable[[], T]) -> Callable[[], T]:
    """`func`, counted under stage `name` when the census is on; `func` itself when it is off."""
    if census() is None:
        return func

    def run() -> T:
        with stage(name):
            return func()

    run.__name__ = getattr(func, "__name__", name)
    return run


def read_folder(folder: Path) -> tuple[dict[str, Counter[str]], dict[str, Counter[str]]]:
    """Totals by stage (statements, begins, commits, rollbacks, flushes), and statements by stage and
    "VERB table", summed over every process that wrote to `folder`."""
    totals: dict[str, Counter[str]] = {}
    statements: dict[str, Counter[str]] = {}
    for path in sorted(folder.glob("census-*.json")):
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            continue  # replaced while read: the next read has it
        for stage_name, counts in data["totals"].items():
            totals.setdefault(stage_name, Counter()).update(counts)
        for stage_name, counts in data["statements"].items():
            statements.setdefault(stage_name, Counter()).update(counts)
    return totals, statements
