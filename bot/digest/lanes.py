"""Independent reads side by side, each on its own connection.

A digest reads a dozen independent aggregates; most are a scan of a large table that the database
does without Python (sqlite3 and psycopg release the GIL while the query runs). On a million cases they
add up to about two seconds one after the other, and to about one on two cores.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from sqlalchemy import Engine, text
from sqlmodel import Session

Read = Callable[[Session], Any]
LANES = 4


def _in_memory(engine: Engine) -> bool:
    # Every connection to an in-memory SQLite database is a different, empty database.
    return engine.dialect.name == "sqlite" and engine.url.database in (None, "", ":memory:")


def run_lanes(engine: Engine, lanes: Sequence[Sequence[tuple[str, Read]]]) -> dict[str, Any]:
    """Runs each lane's reads in order in one session, the lanes in parallel; returns every read's
    result by name. An error in any read is raised here, after the other lanes have finished."""

    def run(lane: Sequence[tuple[str, Read]]) -> dict[str, Any]:
        with Session(engine) as session:
            if engine.dialect.name == "postgresql":
                # For this transaction only: these CASE-heavy plans look expensive to the planner, and
                # JIT compiling them costs more (about a second) than running them; and a week's groups
                # hash in memory instead of sorting on disk (a few lanes x 64 MB, once a day).
                session.connection().execute(text("SET LOCAL jit = off"))
                session.connection().execute(text("SET LOCAL work_mem = '64MB'"))
            return {name: read(session) for name, read in lane}

    results: dict[str, Any] = {}
    if _in_memory(engine) or len(lanes) <= 1:
        for lane in lanes:
            results.update(run(lane))
        return results
    with ThreadPoolExecutor(max_workers=min(LANES, len(lanes)), thread_name_prefix="digest-read") as pool:
        futures = [pool.submit(run, lane) for lane in lanes]
        for future in futures:
            results.update(future.result())
    return results
