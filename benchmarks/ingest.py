"""Ingest benchmark: N signed generic-webhook mentions through `socialdesk serve` over loopback.

Prints: mentions/s accepted, p50/p99 request latency, the time until every case's card reached the
Slack stand-in, and the same load against the floor (a bare Starlette endpoint doing the HMAC check
and one SQLite insert per request), with the ratio. Usage:

    python -m benchmarks.ingest [--mentions 10000] [--concurrency 32]

The server runs as its own process (the real `socialdesk serve`, SQLite, its ingest and outbox
workers running); the stand-in and the load generator run in this process. Slack's pacing of one
post per second per channel is lifted (SLACK_CHANNEL_INTERVAL=0) because the stand-in has no such
limit and 10,000 cards would otherwise take hours: the card time measures our pipeline, not Slack.
"""

from __future__ import annotations

import argparse
import json
import os
import socket
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

import httpx
import yaml

from benchmarks.loadgen import LoadResult, build_request, run_load
from socialdesk.connectors.signing import sign_generic
from socialdesk.samples import sample_config_path
from socialdesk.settings import PROJECT_ROOT
from socialdesk.standin import SlackStandin

TEXTS = [
    "Where is my order? It's been two weeks.",
    "I was charged twice this month, please refund me",
    "the app is down again, can't log in",
    "Love the new update, great work!",
    "How do I export my data to CSV?",
    "Terrible support, nobody answers my emails. Call me on +44 7700 900123",
    "Is there a student discount?",
    "My parcel arrived damaged, very disappointed",
]
PLATFORMS = ["x", "facebook", "instagram", "reddit", "other"]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def wait_healthy(port: int, process: subprocess.Popen[bytes], timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"server exited with {process.returncode}")
        try:
            if httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=1).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.1)
    raise TimeoutError("server did not become healthy")


def bodies(n: int) -> list[bytes]:
    now = datetime.now(UTC).isoformat()
    out = []
    for i in range(n):
        mention = {
            "platform": PLATFORMS[i % len(PLATFORMS)],
            "id": f"bench-{i}",
            "kind": "post",
            "text": TEXTS[i % len(TEXTS)],
            "created_at": now,
            "author": {
                "id": f"author-{i}",
                "handle": f"user{i}",
                "name": f"User {i}",
                "followers": (i * 37) % 50_000,
            },
        }
        out.append(json.dumps(mention).encode())
    return out


def requests_for(port: int, payloads: list[bytes], secret: str) -> list[bytes]:
    return [
        build_request(
            "127.0.0.1",
            port,
            "/webhooks/generic",
            body,
            {"Content-Type": "application/json", **sign_generic(body, secret)},
        )
        for body in payloads
    ]


def report(name: str, result: LoadResult, n: int) -> float:
    ok = result.statuses.get(200, 0)
    rate = ok / result.elapsed
    print(
        f"{name}: {ok}/{n} accepted in {result.elapsed:.2f} s = {rate:,.0f} mentions/s; "
        f"latency p50 {result.percentile(50) * 1000:.1f} ms, p99 {result.percentile(99) * 1000:.1f} ms; "
        f"statuses {dict(sorted(result.statuses.items()))}"
    )
    return rate


def card_per_case_config(tmp: Path) -> Path:
    """The sample config with flood control off: this benchmark times a card for every case (the
    spike benchmark measures the roll-ups)."""
    config = yaml.safe_load(sample_config_path().read_text(encoding="utf-8"))
    config["flood"] = {"rollup_priorities": []}
    path = tmp / "socialdesk.yaml"
    path.write_text(yaml.safe_dump(config, sort_keys=False), encoding="utf-8")
    return path


def bench_socialdesk(
    n: int, concurrency: int, tmp: Path, database_url: str | None = None
) -> tuple[LoadResult, float | None]:
    secret = "bench-secret"
    with SlackStandin(token="xoxb-bench") as standin:
        port = free_port()
        env = {
            **os.environ,
            "DATABASE_URL": database_url or f"sqlite:///{tmp / 'socialdesk.db'}",
            "SLACK_BOT_TOKEN": "xoxb-bench",
            "SLACK_SIGNING_SECRET": "bench-signing",
            "SLACK_API_URL": standin.url,
            "WEBHOOK_SECRET": secret,
            "SOCIALDESK_CONFIG": str(card_per_case_config(tmp)),
            "SLACK_CHANNEL_INTERVAL": "0",
            "SOCIALDESK_LOG_LEVEL": "WARNING",
        }
        server = subprocess.Popen(
            [
                sys.executable,
                "-c",
                "from socialdesk.cli import main; main()",
                "serve",
                "--host",
                "127.0.0.1",
                "--port",
                str(port),
            ],
            env=env,
            cwd=tmp,
        )
        try:
            wait_healthy(port, server)
            requests = requests_for(port, bodies(n), secret)
            started = time.perf_counter()
            result = run_load("127.0.0.1", port, requests, concurrency)
            cards_done: float | None = None
            deadline = time.monotonic() + 900
            while time.monotonic() < deadline:
                posted = sum(
                    1
                    for c in standin.calls_to("chat.postMessage")
                    if isinstance(c.response, dict) and c.response.get("ok")
                )
                if posted >= n:
                    cards_done = time.perf_counter() - started
                    break
                time.sleep(0.25)
            return result, cards_done
        finally:
            server.terminate()
            server.wait(20)


def bench_floor(n: int, concurrency: int, tmp: Path) -> LoadResult:
    secret, port = "floor-secret", free_port()
    env = {**os.environ, "FLOOR_DB": str(tmp / "floor.db"), "FLOOR_SECRET": secret}
    server = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "uvicorn",
            "benchmarks.floor_app:app",
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            "--no-access-log",
            "--log-level",
            "warning",
        ],
        env=env,
        cwd=PROJECT_ROOT,
    )
    try:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                httpx.post(f"http://127.0.0.1:{port}/webhooks/generic", content=b"{}", timeout=1)
                break
            except httpx.HTTPError:
                time.sleep(0.1)
        return run_load("127.0.0.1", port, requests_for(port, bodies(n), secret), concurrency)
    finally:
        server.terminate()
        server.wait(20)


def triage_cost_line() -> str:
    """The triage step's own cost per mention (bot/triage/), measured on this benchmark's texts: the
    part of a case's enrichment the learned models add, in CPU time on one core."""
    from benchmarks.triage import cost
    from socialdesk.triage.bundle import SHIPPED_MODEL

    spent = cost(SHIPPED_MODEL, TEXTS * 50)
    return (
        f"triage step: {spent['cpu_ms_per_mention_median_of_3']:.3f} ms CPU per mention on one core "
        f"({len(TEXTS) * 50} texts, median of 3 passes), model load {spent['load_s']:.2f} s"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mentions", type=int, default=10_000)
    parser.add_argument("--concurrency", type=int, default=32)
    parser.add_argument(
        "--postgres",
        metavar="SERVER_URL",
        help="run socialdesk on a fresh database on this PostgreSQL server (the floor stays on SQLite)",
    )
    args = parser.parse_args()
    print(
        f"ingest benchmark: {args.mentions} signed generic mentions, concurrency {args.concurrency}, "
        f"{'PostgreSQL' if args.postgres else 'SQLite'}, loopback, {os.cpu_count()} cores"
    )
    with tempfile.TemporaryDirectory(prefix="socialdesk-bench-") as tmp_name:
        tmp = Path(tmp_name)
        if args.postgres:
            from benchmarks.replicas import fresh_database

            with fresh_database(args.postgres) as url:
                ours, cards = bench_socialdesk(args.mentions, args.concurrency, tmp, url)
        else:
            ours, cards = bench_socialdesk(args.mentions, args.concurrency, tmp)
        floor = bench_floor(args.mentions, args.concurrency, tmp)
    rate = report("socialdesk", ours, args.mentions)
    floor_rate = report("floor     ", floor, args.mentions)
    print(
        f"time until every case's card reached the stand-in: "
        f"{f'{cards:.1f} s' if cards is not None else 'not within 900 s'}"
    )
    ratio = rate / floor_rate
    p99_ms = ours.percentile(99) * 1000
    print(f"ratio socialdesk/floor: {ratio:.2f}")
    print(triage_cost_line())
    print(
        f"targets: >=1500/s {'met' if rate >= 1500 else 'MISSED'}; >=0.5 of floor "
        f"{'met' if ratio >= 0.5 else 'MISSED'}; p99 < 50 ms {'met' if p99_ms < 50 else 'MISSED'}"
    )


if __name__ == "__main__":
    main()
