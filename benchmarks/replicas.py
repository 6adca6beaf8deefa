"""Replicas benchmark: two `socialdesk serve` replicas on one PostgreSQL database under a paced load
(round-robin over both), the leader SIGKILLed midway.

Prints: lost (answered 200 but no case: must be 0), duplicated (a mention stored twice, an outbox row
or a card posted twice: 0), the time to take over (from the kill until Slack accepts a write from the
surviving replica), and the time until every case is visible in Slack. Usage:

    python -m benchmarks.replicas --database-url postgresql+psycopg://postgres@127.0.0.1:5432/<db>
        [--mentions 5000] [--seconds 30] [--channels 4]

The database is created fresh under a random name on the server of --database-url and dropped after.
Requests the killed replica did not answer are not acknowledged; the load generator sends them again
to the survivor at the end (as a platform redelivers), so every mention must end up with one case.
"""

from __future__ import annotations

import argparse
import os
import secrets
import signal
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from threading import Thread

import httpx
from sqlalchemy import create_engine, make_url
from sqlalchemy.pool import NullPool

from benchmarks.ingest import free_port
from benchmarks.paced_load import run_paced
from benchmarks.serve_bench import (
    Tally,
    requests,
    serve_env,
    standin,
    start_serve,
    stop,
    wait_visible,
    write_config,
)
from socialdesk.store.db import make_engine
from socialdesk.store.migrate import upgrade


@contextmanager
def fresh_database(server_url: str) -> Iterator[str]:
    base = make_url(server_url)
    name = f"bench_replicas_{secrets.token_hex(5)}"
    admin = create_engine(base, isolation_level="AUTOCOMMIT", poolclass=NullPool)
    with admin.connect() as conn:
        conn.exec_driver_sql(f'CREATE DATABASE "{name}"')
    url = base.set(database=name).render_as_string(hide_password=False)
    try:
        engine = make_engine(url)
        upgrade(engine)
        engine.dispose()
        yield url
    finally:
        with admin.connect() as conn:
            conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.dispose()


def is_leader(port: int) -> bool:
    try:
        metrics = httpx.get(f"http://127.0.0.1:{port}/metrics", timeout=2).text
    except httpx.HTTPError:
        return False
    return any(line.startswith("socialdesk_leader 1") for line in metrics.splitlines())


@dataclass
class ReplicasResult:
    tally: Tally
    killed: bool
    takeover: float | None
    visible_after: float | None
    statuses: dict[int, int]


def run_replicas(
    database_url: str,
    mentions: int,
    seconds: float,
    channels: int,
    *,
    interval: float = 1.0,
    settle_timeout: float = 3600.0,
) -> ReplicasResult:
    slack = standin(channels, interval)
    with (
        fresh_database(database_url) as url,
        tempfile.TemporaryDirectory(prefix="sd-replicas-") as name,
        slack,
    ):
        folder = Path(name)
        env = serve_env(url, slack.url, write_config(folder, channels), interval)
        ports = [free_port(), free_port()]
        servers = [start_serve(env, port, folder) for port in ports]
        engine = make_engine(url)
        kill: dict[str, float | int] = {}

        def killer() -> None:
            time.sleep(seconds / 2)
            for index, port in enumerate(ports):
                if is_leader(port):
                    kill["writes"] = sum(len(t) for t in slack.accepted_at.values())
                    os.kill(servers[index].pid, signal.SIGKILL)
                    kill["at"], kill["index"] = time.monotonic(), index
                    return

        try:
            load = requests(mentions, channels, ports[0])
            thread = Thread(target=killer, daemon=True)
            thread.start()
            started = time.perf_counter()
            result = run_paced(ports, load, rate=mentions / seconds)
            thread.join()
            survivor = ports[1 - int(kill.get("index", 1))]
            unanswered = [i for i, s in result.status.items() if s != 200]
            if unanswered:  # redelivered to the survivor, as a platform retries an unanswered webhook
                retry = run_paced([survivor], [load[i] for i in unanswered], rate=200)
                for i, status in zip(unanswered, retry.status.values(), strict=False):
                    result.status[i] = status
            takeover = None
            if "at" in kill:
                deadline = time.monotonic() + 120
                while time.monotonic() < deadline and takeover is None:
                    after = [t for times in slack.accepted_at.values() for t in times if t > kill["at"]]
                    if after:
                        takeover = min(after) - kill["at"]
                    time.sleep(0.1)
            accepted = {f"spike-{i}" for i in result.accepted()}
            tally, visible_after = wait_visible(engine, slack, accepted, started, settle_timeout)
        finally:
            for server in servers:
                stop(server)
            engine.dispose()
        statuses: dict[int, int] = {}
        for status in result.status.values():
            statuses[status] = statuses.get(status, 0) + 1
        return ReplicasResult(tally, "at" in kill, takeover, visible_after, statuses)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", required=True, help="PostgreSQL server (a database is created)")
    parser.add_argument("--mentions", type=int, default=5_000)
    parser.add_argument("--seconds", type=float, default=30.0)
    parser.add_argument("--channels", type=int, default=4)
    parser.add_argument("--settle-timeout", type=float, default=3600.0)
    args = parser.parse_args()
    print(
        f"replicas benchmark: {args.mentions} mentions in {args.seconds:.0f} s, {args.channels} channels, "
        f"two replicas on PostgreSQL, leader SIGKILLed at {args.seconds / 2:.0f} s, {os.cpu_count()} cores"
    )
    r = run_replicas(
        args.database_url, args.mentions, args.seconds, args.channels, settle_timeout=args.settle_timeout
    )
    t = r.tally
    print(f"statuses {dict(sorted(r.statuses.items()))}; accepted {t.accepted}; lost {t.lost} (target 0)")
    duplicated = t.duplicate_mentions + t.duplicate_posts + t.duplicate_cards
    print(
        f"duplicated: {duplicated} (mentions {t.duplicate_mentions}, posts {t.duplicate_posts}, "
        f"cards {t.duplicate_cards})"
    )
    print(
        f"leader killed: {r.killed}; time to take over: "
        + (f"{r.takeover:.1f} s" if r.takeover else "not seen")
    )
    print(
        "every case visible after: "
        + (f"{r.visible_after:.1f} s" if r.visible_after else "not within the timeout")
        + f" ({t.visible}/{t.cases} cases; {t.in_rollups} of them inside roll-ups)"
    )


if __name__ == "__main__":
    main()
