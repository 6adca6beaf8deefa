"""The outbox's work per card, counted, not timed: N benchmark mentions made into cases (uncounted), then
the outbox drained into the Slack stand-in over real sockets with Slack's pacing lifted, with SQL
statements and commits counted by SQLAlchemy event listeners and the TCP connections the stand-in
accepted. Deterministic, so it can be compared on a busy machine. Usage:

    python -m benchmarks.outbox_sql [--mentions 2000] [--postgres SERVER_URL] [--profile out.prof]

Prints statements, commits and connections per card, the statements by their first words, and the
drain's wall time and the sending thread's CPU time (noisy; the counts are what to compare).

Issue 17, before (c63a10d) and after the outbox changes, 2,000 cards (1,000 for the PostgreSQL times),
pairs run back to back on the shared 2-core machine (load average 7.5-14, so the times are rough):
                      statements/card  commits/card  connections  CPU ms/card (thread)  cards/s
    SQLite   before        12.01           2.00          2,000         4.90, 4.77          62, 64
             after          8.13           1.06              1         4.07, 3.45         101, 132
    Postgres before         9.00           2.00          1,000        10.51, 8.77          24, 27
             after          7.07           1.06              1         6.53, 6.93          32, 29
(SQLite counts its BEGINs as statements, psycopg does not.)

Then (2026-12-08, 2,000 cards on both, load 2.3-2.8): a card drawn with one joined read, sent-marks written
by batches of 16, on PostgreSQL the batch's rows locked together and held until its marks are written:
                      statements/card  commits/card  connections  CPU ms/card (thread)  cards/s
    SQLite   before         8.13           1.06              1              3.73              205
             after          2.32           0.13              1              2.89              279
    Postgres before         7.07           1.06              1              5.51               79
             after          1.26           0.13              1              3.06              228
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

from benchmarks.ingest import bodies, card_per_case_config
from socialdesk.app import build_runtime
from socialdesk.clock import ManualClock
from socialdesk.domain.enums import InboxStatus
from socialdesk.domain.models import InboxItem
from socialdesk.ingest.inbox import body_digest
from socialdesk.settings import Settings
from socialdesk.standin import SlackStandin


class Counts:
    """Statements (by their first words) and commits seen on one engine while attached."""

    def __init__(self) -> None:
        self.statements: Counter[str] = Counter()
        self.commits = 0

    @property
    def total(self) -> int:
        return sum(self.statements.values())

    def statement(self, _conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        words = statement.split()
        if words[:1] == ["SELECT"] and "FROM" in words:
            head = "SELECT FROM " + words[words.index("FROM") + 1]
        else:
            head = " ".join(words[:3])
        self.statements[head] += 1

    def commit(self, _conn: Any) -> None:
        self.commits += 1


@contextmanager
def counting(engine: Engine) -> Iterator[Counts]:
    counts = Counts()
    event.listen(engine, "before_cursor_execute", counts.statement)
    event.listen(engine, "commit", counts.commit)
    try:
        yield counts
    finally:
        event.remove(engine, "before_cursor_execute", counts.statement)
        event.remove(engine, "commit", counts.commit)


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
    with SlackStandin(token="xoxb-bench") as standin:
        settings = Settings.model_validate(
            {
                "DATABASE_URL": database_url,
                "SLACK_BOT_TOKEN": SecretStr("xoxb-bench"),
                "SLACK_SIGNING_SECRET": SecretStr("bench-signing"),
                "SLACK_API_URL": standin.url,
                "SLACK_CHANNEL_INTERVAL": 0,
                "WEBHOOK_SECRET": SecretStr("bench-secret"),
                "SOCIALDESK_CONFIG": str(card_per_case_config(tmp)),
            }
        )
        runtime = build_runtime(settings, clock=ManualClock(datetime.now(UTC)), migrate=True)
        try:
            store_pending(runtime.engine, bodies(n), runtime.clock.now())
            runtime.pipeline.drain()
            # The channels are learned before counting: a real sender learns them once, at its first card.
            config = runtime.config
            for channel in {
                *(team.channel for team in config.teams),
                config.managers_channel,
                config.duty_channel,
            }:
                runtime.channels.resolve(channel)
            connections_before = standin.connections
            profiler = cProfile.Profile() if profile else None
            sent = passes = 0
            with counting(runtime.engine) as counts:
                started, cpu = time.perf_counter(), time.thread_time()
                if profiler is not None:
                    profiler.enable()
                while True:
                    report = runtime.outbox.drain()
                    sent, passes = sent + report.sent, passes + 1
                    if report.sent == 0 and not report.more:
                        break
                if profiler is not None:
                    profiler.disable()
                wall, cpu = time.perf_counter() - started, time.thread_time() - cpu
            connections = standin.connections - connections_before
            if profiler is not None and profile is not None:
                profiler.dump_stats(profile)
        finally:
            runtime.close()
    per = max(sent, 1)
    print(
        f"{n} mentions -> {sent} calls sent in {passes} passes; {counts.total} statements "
        f"({counts.total / per:.2f}/card), {counts.commits} commits ({counts.commits / per:.2f}/card), "
        f"{connections} TCP connections to the stand-in"
    )
    print(
        f"drain: {wall:.2f} s wall ({sent / wall:,.0f} cards/s), "
        f"{cpu * 1000 / per:.2f} ms CPU/card in the sending thread (the stand-in's threads left out)"
    )
    for head, count in counts.statements.most_common():
        print(f"  {count / per:6.2f}/card  {head}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mentions", type=int, default=2000)
    parser.add_argument("--postgres", metavar="SERVER_URL", help="a fresh database on this PostgreSQL server")
    parser.add_argument("--profile", metavar="FILE", help="write a cProfile of the drain to FILE")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="socialdesk-outbox-sql-") as tmp_name:
        tmp = Path(tmp_name)
        if args.postgres:
            from benchmarks.replicas import fresh_database

            with fresh_database(args.postgres) as url:
                run(args.mentions, url, tmp, args.profile)
        else:
            run(args.mentions, f"sqlite:///{tmp / 'socialdesk.db'}", tmp, args.profile)


if __name__ == "__main__":
    main()
