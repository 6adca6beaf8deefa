"""Spike benchmark: a burst of signed generic-webhook mentions through `socialdesk serve` while the Slack
stand-in holds every channel to Slack's pace (one write per second, 429 + Retry-After beyond it).

Prints: mentions accepted and lost (answered 200 but no case: must be 0), duplicates (a mention stored
twice, an outbox row or a case card posted twice: 0), the most Slack writes any channel took in one
second (Slack allows 1), the 429s the stand-in answered, the time from the first request until every
case's card is in Slack, until every accepted mention is a case, until every P1/P2 case's card is in Slack,
until the crisis early warning fired (and its message reached Slack), and the server's peak RSS. Usage:

    python -m benchmarks.spike [--mentions 20000] [--seconds 60] [--channels 4]

The server is the real `serve` (SQLite, its ingest and outbox workers and one listener process) with
SLACK_CHANNEL_INTERVAL at the stand-in's pace. Each mention goes to one of `--channels` team channels
(a `lane<i>` word routes it) from one of five platforms. At one card per second per channel the cards
of 20,000 mentions take 20,000 / channels seconds: `--settle-timeout` bounds the wait, and the figure
says how many cases were visible by then: by a card, or inside a flood-control roll-up message.
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from benchmarks.ingest import free_port
from benchmarks.paced_load import run_paced
from benchmarks.procstat import serve_peak_rss_mb
from benchmarks.serve_bench import (
    Milestones,
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


@dataclass
class SpikeResult:
    sent: int
    statuses: dict[int, int]
    tally: Tally
    visible_after: float | None
    max_per_second: int
    refused_429: int
    peak_rss_mb: float | None
    load_seconds: float
    milestones: Milestones


def run_spike(
    mentions: int, seconds: float, channels: int, *, interval: float = 1.0, settle_timeout: float = 3600.0
) -> SpikeResult:
    slack = standin(channels, interval)
    with tempfile.TemporaryDirectory(prefix="socialdesk-spike-") as name, slack:
        folder = Path(name)
        database_url = f"sqlite:///{folder / 'socialdesk.db'}"
        port = free_port()
        env = serve_env(database_url, slack.url, write_config(folder, channels), interval)
        server = start_serve(env, port, folder)
        engine = make_engine(database_url)
        try:
            load = requests(mentions, channels, port)
            started = time.perf_counter()
            result = run_paced([port], load, rate=mentions / seconds)
            accepted = {f"spike-{i}" for i in result.accepted()}
            milestones = Milestones()
            tally, visible_after = wait_visible(engine, slack, accepted, started, settle_timeout, milestones)
            rss = serve_peak_rss_mb(server.pid)
        finally:
            stop(server)
            engine.dispose()
        statuses: dict[int, int] = {}
        for status in result.status.values():
            statuses[status] = statuses.get(status, 0) + 1
        return SpikeResult(
            sent=mentions,
            statuses=statuses,
            tally=tally,
            visible_after=visible_after,
            max_per_second=slack.max_per_second(),
            refused_429=slack.refused,
            peak_rss_mb=rss,
            load_seconds=result.elapsed,
            milestones=milestones,
        )


def report(r: SpikeResult, settle_timeout: float) -> None:
    t = r.tally
    print(f"sent {r.sent} in {r.load_seconds:.1f} s; statuses {dict(sorted(r.statuses.items()))}")
    print(f"mentions accepted: {t.accepted}; lost: {t.lost} (target 0)")
    duplicates = t.duplicate_mentions + t.duplicate_posts + t.duplicate_cards
    print(
        f"duplicates: {duplicates} (mentions {t.duplicate_mentions}, posts {t.duplicate_posts}, "
        f"cards {t.duplicate_cards}; target 0)"
    )
    print(f"max Slack writes per channel per second: {r.max_per_second} (1 allowed); 429s {r.refused_429}")
    late = f"not within {settle_timeout:.0f} s"
    visible = f"{r.visible_after:.1f} s" if r.visible_after is not None else late
    print(
        f"every case visible in Slack after: {visible} "
        f"({t.visible}/{t.cases} cases; {t.in_rollups} of them inside roll-ups)"
    )
    m = r.milestones

    def after(seconds: float | None, missing: str = late) -> str:
        return f"{seconds:.1f} s" if seconds is not None else missing

    print(f"every accepted mention a case after: {after(m.all_cases)}")
    print(
        f"every P1/P2 card in Slack after: {after(m.urgent_cards)} ({t.urgent_carded}/{t.urgent} P1/P2 cases)"
    )
    print(
        f"early warning fired after: {after(m.warning, 'not fired')}"
        f"{f' ({m.warning_key}), in Slack after {after(m.warning_in_slack, late)}' if m.warning_key else ''}"
        " (the scan runs once a minute)"
    )
    print(f"peak RSS of serve: {r.peak_rss_mb:.0f} MB" if r.peak_rss_mb else "peak RSS of serve: unknown")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mentions", type=int, default=20_000)
    parser.add_argument("--seconds", type=float, default=60.0)
    parser.add_argument("--channels", type=int, default=4)
    parser.add_argument("--settle-timeout", type=float, default=3600.0)
    args = parser.parse_args()
    print(
        f"spike benchmark: {args.mentions} mentions in {args.seconds:.0f} s over {args.channels} channels, "
        f"Slack paced at 1 write/s/channel, SQLite, {os.cpu_count()} cores"
    )
    result = run_spike(args.mentions, args.seconds, args.channels, settle_timeout=args.settle_timeout)
    report(result, args.settle_timeout)


if __name__ == "__main__":
    main()
