"""The ingest step's database work per case, counted, not timed: N benchmark mentions stored in the
inbox, then one `pipeline.drain()` (no HTTP, no Slack), with SQL statements, commits and flushes counted
by SQLAlchemy event listeners. Deterministic, so it can be compared on a busy machine. Usage:

    python -m benchmarks.ingest_sql [--mentions 2000] [--postgres SERVER_URL] [--profile out.prof]

Prints statements, commits and flushes per case, the statements by their first words, and the drain's
wall and CPU time (noisy; the counts are what to compare).

Issue 17, the cases of a batch written together (bot/ingest/openings.py), 2,000 mentions, 2,000 cases:
                      statements/case  INSERTs/case  commits/case  flushes/case
    SQLite   before        6.01            4.00          0.12          2.00
             after         2.51            0.50          0.12          0.25
    Postgres before        5.31            4.00          0.04          2.00
             after         1.45            0.14          0.04          0.07
(8 rows per transaction on SQLite, 32 on PostgreSQL; SQLite counts its BEGINs as statements.)

Then the cases a batch's new mentions could join, read once per batch (bot/store/joinable.py), same runs
(load 1.5-3; the times rough):
                      statements/case  SELECT case/case  cases/s  CPU ms/case
    SQLite   before        2.51             1.12            334       2.61
             after         1.64             0.12            447       2.19
    Postgres before        1.45             1.12            307       2.55
             after         0.48             0.12            377       2.17
(the batch's read counts as "SELECT FROM mention", the first FROM in its text: 0.12 -> 0.25 on SQLite.)
"""

from __future__ import annotations

import argparse
import cProfile
import tempfile
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from pydantic import SecretStr
from sqlalchemy import Engine, event, insert
from sqlmodel import Session

from benchmarks.ingest import bodies, card_per_case_config
from socialdesk.app import build_runtime
from socialdesk.clock import ManualClock
from socialdesk.domain.enums import InboxStatus
from socialdesk.domain.models import InboxItem
from socialdesk.ingest.inbox import body_digest
from socialdesk.settings import Settings


class SqlCounts:
    """Statements (by their first words), commits and flushes seen on one engine while attached."""

    def __init__(self) -> None:
        self.statements: Counter[str] = Counter()
        self.commits = 0
        self.flushes = 0

    @property
    def total(self) -> int:
        return sum(self.statements.values())

    def _statement(self, _conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        words = statement.split()
        head = " ".join(words[:3]) if words[:1] != ["SELECT"] else _select_from(words)
        self.statements[head] += 1

    def _commit(self, _conn: Any) -> None:
        self.commits += 1

    def _flush(self, *_args: Any) -> None:
        self.flushes += 1


def _select_from(words: list[str]) -> str:
    """`SELECT ... FROM table`: which table a read is of."""
    try:
        return "SELECT FROM " + words[words.index("FROM") + 1]
    except ValueError:
        return "SELECT"


@contextmanager
def counting(engine: Engine) -> Iterator[SqlCounts]:
    counts = SqlCounts()
    event.listen(engine, "before_cursor_execute", counts._statement)
    event.listen(engine, "commit", counts._commit)
    event.listen(Session, "after_flush", counts._flush)
    try:
        yield counts
    finally:
        event.remove(engine, "before_cursor_execute", counts._statement)
        event.remove(engine, "commit", counts._commit)
        event.remove(Session, "after_flush", counts._flush)


def store_pending(engine: Engine, payloads: list[bytes], now: datetime) -> None:
    rows = [
        {
            "source": "generic",
            "received_at": now,
            "body_sha256": body_digest(body),
            "body": body.decode(),
            "content_type": "application/json",
            "status": InboxStatus.PENDING,
            "attempts": 0,
        }
        for body in payloads
    ]
    with engine.begin() as conn:
        conn.execute(insert(InboxItem), rows)


def run(n: int, database_url: str, tmp: Path, profile: str | None) -> None:
    settings = Settings.model_validate(
        {
            "DATABASE_URL": database_url,
            "SLACK_BOT_TOKEN": SecretStr("xoxb-bench"),
            "SLACK_SIGNING_SECRET": SecretStr("bench-signing"),
            "SLACK_API_URL": "http://127.0.0.1:9/api/",  # never called: only the inbox is drained
            "WEBHOOK_SECRET": SecretStr("bench-secret"),
            "SOCIALDESK_CONFIG": str(card_per_case_config(tmp)),
        }
    )
    runtime = build_runtime(settings, clock=ManualClock(datetime.now(UTC)), migrate=True)
    try:
        runtime.pipeline.drain()  # warm: the triage model loads on first use
        store_pending(runtime.engine, bodies(n), runtime.clock.now())
        profiler = cProfile.Profile() if profile else None
        with counting(runtime.engine) as counts:
            started, cpu = time.perf_counter(), time.process_time()
            if profiler is not None:
                profiler.enable()
            report = runtime.pipeline.drain()
            if profiler is not None:
                profiler.disable()
            wall, cpu = time.perf_counter() - started, time.process_time() - cpu
        if profiler is not None and profile is not None:
            profiler.dump_stats(profile)
    finally:
        runtime.close()
    cases = report.cases_opened + report.followups
    print(
        f"{n} mentions -> {report.cases_opened} cases, {report.followups} follow-ups, "
        f"{report.failed} failed; "
        f"{counts.total} statements ({counts.total / max(cases, 1):.2f}/case), "
        f"{counts.commits} commits ({counts.commits / max(cases, 1):.2f}/case), "
        f"{counts.flushes} flushes ({counts.flushes / max(cases, 1):.2f}/case)"
    )
    print(
        f"drain: {wall:.2f} s wall ({cases / wall:,.0f} cases/s), "
        f"{cpu * 1000 / max(cases, 1):.2f} ms CPU/case"
    )
    for head, count in counts.statements.most_common():
        print(f"  {count / max(cases, 1):6.2f}/case  {head}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mentions", type=int, default=2000)
    parser.add_argument("--postgres", metavar="SERVER_URL", help="a fresh database on this PostgreSQL server")
    parser.add_argument("--profile", metavar="FILE", help="write a cProfile of the drain to FILE")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="socialdesk-ingest-sql-") as tmp_name:
        tmp = Path(tmp_name)
        if args.postgres:
            from benchmarks.replicas import fresh_database

            with fresh_database(args.postgres) as url:
                run(args.mentions, url, tmp, args.profile)
        else:
            run(args.mentions, f"sqlite:///{tmp / 'socialdesk.db'}", tmp, args.profile)


if __name__ == "__main__":
    main()
