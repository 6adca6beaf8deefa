"""Scheduler benchmark: one SLA scan and one daily digest on a store of 1,000,000 cases opened over 30
days, 200,000 of them open (SQLite). Usage:

    python -m benchmarks.scheduler [--cases 1000000] [--open 200000] [--minutes 5] [--profile]

The store (`benchmarks.scheduler_store`) is built once and cached under the temp dir; each run works on
a copy. Time is a `ManualClock` at the end of the 30 days. Every measurement runs in a fresh child
process, so its peak RSS (`ru_maxrss`) is what that job costs, imports included, and nothing of the
store build. The scan and the digest write outbox rows only: nothing is sent to Slack.

1. The cold first scan: no scan has run on this store, so every open case whose first threshold has
   passed is due at once (the backlog after an outage, or the first start). It works in batches and
   stops at its time budget; the next scans carry on until the backlog is gone.
2. The steady scan: the clock moves on a minute at a time; each scan finds the cases that crossed a
   threshold (or whose snooze ended) in that minute. The first minute runs in a fresh process.
3. The digest of yesterday: `DigestService.build` and the Block Kit render, then the chart PNG, and
   separately (another fresh process) `DigestService.send`, which also queues the post and the chart.
"""

from __future__ import annotations

import argparse
import cProfile
import io
import multiprocessing
import os
import pstats
import resource
import shutil
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, TypeVar

from benchmarks.scheduler_mix import bench_config
from benchmarks.scheduler_store import DAYS, END, build_store, store_file

TARGET_SCAN_MS = 250.0
TARGET_DIGEST_S = 3.0
TARGET_RSS_MB = 300.0
MAX_BACKLOG_SCANS = 200
T = TypeVar("T")
ALERTS = ("looked_at", "level_changes", "nudges", "breaches", "pages", "silenced", "finished", "batches")


def _rss_mb() -> float:
    """This process's peak RSS in MB. On Linux from /proc (VmHWM): `ru_maxrss` there also counts what
    the parent had mapped when it forked the child that then exec'd (spawn), so a parent that built
    the store would leak its size into every child's figure."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux, bytes on macOS


@contextmanager
def _profiled(enabled: bool, out: dict[str, Any], top: int = 30) -> Iterator[None]:
    if not enabled:
        yield
        return
    profile = cProfile.Profile()
    profile.enable()
    try:
        yield
    finally:
        profile.disable()
        text = io.StringIO()
        pstats.Stats(profile, stream=text).sort_stats("cumulative").print_stats(top)
        out.setdefault("profiles", []).append(text.getvalue())


# --- in the child processes ------------------------------------------------------------------------


def _scanner(db: str, minutes_after_end: int) -> tuple[Any, Any, Any]:
    from socialdesk.clock import ManualClock
    from socialdesk.sla.scanner import SlaScanner
    from socialdesk.slack.transport.notifier import OutboxNotifier
    from socialdesk.store.db import make_engine

    config = bench_config()
    engine = make_engine(f"sqlite:///{db}")
    clock = ManualClock(END + timedelta(minutes=minutes_after_end))
    scanner = SlaScanner(engine=engine, config=config, clock=clock, notifier=OutboxNotifier(config))
    return scanner, engine, clock


def _due(engine: Any, now: Any) -> int:
    """Open cases the scan would pick up now (not timed)."""
    from sqlalchemy import func, select

    from socialdesk.domain.models import Case

    with engine.connect() as conn:
        return int(conn.execute(select(func.count()).where(Case.sla_check_at <= now)).scalar_one())


def scan_backlog(db: str) -> dict[str, Any]:
    """The first scan ever on this store, then the scans that work off the rest of the backlog."""
    scanner, engine, clock = _scanner(db, 0)
    out: dict[str, Any] = {"rss_start": _rss_mb(), "due": _due(engine, clock.now())}
    started = time.perf_counter()
    report = scanner.scan()
    out["cold_s"] = time.perf_counter() - started
    out["cold"] = report.as_dict()
    out["rss_cold"] = _rss_mb()
    totals = {k: int(out["cold"][k]) for k in ALERTS}
    scans = 1
    while report.more and scans < MAX_BACKLOG_SCANS:
        report = scanner.scan()
        scans += 1
        for key in ALERTS:
            totals[key] += int(getattr(report, key))
    out.update(backlog_s=time.perf_counter() - started, scans=scans, totals=totals, more=report.more)
    out["left_due"] = _due(engine, clock.now())
    out["rss"] = _rss_mb()
    engine.dispose()
    return out


def scan_steady(db: str, minutes: int, profile: bool) -> dict[str, Any]:
    """One scan a minute for `minutes` minutes after the backlog is gone, in one fresh process."""
    scanner, engine, clock = _scanner(db, 1)
    out: dict[str, Any] = {"rss_start": _rss_mb(), "minutes": []}
    for minute in range(minutes):
        due = _due(engine, clock.now())
        with _profiled(profile and minute == 0, out):
            started = time.perf_counter()
            report = scanner.scan()
            elapsed = time.perf_counter() - started
        counts = {k: getattr(report, k) for k in ALERTS}
        out["minutes"].append({"due": due, "ms": elapsed * 1000, **counts})
        clock.advance(timedelta(minutes=1))
    out["rss"] = _rss_mb()
    engine.dispose()
    return out


def digest_build(db: str, profile: bool) -> dict[str, Any]:
    """Yesterday's digest: build, Block Kit, then the chart PNG."""
    from socialdesk.clock import ManualClock
    from socialdesk.digest.service import DigestService
    from socialdesk.slack.blocks.digest_chart import render_png
    from socialdesk.slack.blocks.digest_view import render_digest
    from socialdesk.store.db import make_engine

    engine = make_engine(f"sqlite:///{db}")
    service = DigestService(engine=engine, config=bench_config(), clock=ManualClock(END))
    out: dict[str, Any] = {"rss_start": _rss_mb()}
    key = service.period_key(service.yesterday())
    with _profiled(profile, out):
        started = time.perf_counter()
        digest = service.build(key)
        out["build_s"] = time.perf_counter() - started
        started = time.perf_counter()
        message = render_digest(digest)
        out["render_s"] = time.perf_counter() - started
    out["rss_digest"] = _rss_mb()
    started = time.perf_counter()
    service.build(key)
    out["again_s"] = time.perf_counter() - started
    started = time.perf_counter()
    png = render_png(digest.chart)
    out["chart_s"] = time.perf_counter() - started
    out["rss"] = _rss_mb()
    now = digest.overall.now
    out["summary"] = {
        "key": digest.key, "opened": now.opened, "answered": now.answered, "resolved": now.resolved,
        "sla": now.sla_compliance, "frt_median": str(now.frt_median),
        "open_now": digest.overall.open_now.count,
        "teams": len(digest.teams), "agents": len(digest.agents), "blocks": len(message.blocks),
        "csat": digest.overall.satisfaction.csat_answers, "png_kb": len(png) / 1024,
    }
    engine.dispose()
    return out


def digest_send(db: str) -> dict[str, Any]:
    """`DigestService.send` of yesterday: build, render, claim the notice and queue post and chart."""
    from socialdesk.clock import ManualClock
    from socialdesk.digest.service import DigestService
    from socialdesk.store.db import make_engine

    engine = make_engine(f"sqlite:///{db}")
    service = DigestService(engine=engine, config=bench_config(), clock=ManualClock(END))
    out: dict[str, Any] = {"rss_start": _rss_mb()}
    started = time.perf_counter()
    queued = service.send(service.yesterday())
    out.update(send_s=time.perf_counter() - started, queued=queued.queued, key=queued.key, rss=_rss_mb())
    engine.dispose()
    return out


def _build(cases: int, open_cases: int, target: str) -> float:
    return build_store(cases, open_cases, Path(target), bench_config())


def in_child(fn: Callable[..., T], *args: Any) -> T:
    """Runs `fn` in a fresh (spawned) process and returns its result."""
    with multiprocessing.get_context("spawn").Pool(1) as pool:
        return pool.apply(fn, args)


# --- the report ----------------------------------------------------------------------------------

TABLES = ("case", "mention", "case_event", "platform_reply", "survey_response", "notice", "slack_outbox")


@dataclass(frozen=True)
class StoreFacts:
    rows: dict[str, int]
    statuses: dict[str, int]
    due_at_end: int  # open cases whose sla_check_at has come by END: what the first scan finds
    size_bytes: int


def store_facts(path: Path, at: datetime = END) -> StoreFacts:
    from sqlalchemy import create_engine, text

    engine = create_engine(f"sqlite:///{path}")
    with engine.connect() as conn:
        rows = {n: int(conn.execute(text(f'SELECT count(*) FROM "{n}"')).scalar_one()) for n in TABLES}
        by_status = conn.execute(text('SELECT status, count(*) FROM "case" GROUP BY 1'))
        statuses = {str(s): int(n) for s, n in by_status}
        due = conn.execute(
            text('SELECT count(*) FROM "case" WHERE sla_check_at IS NOT NULL AND sla_check_at <= :at'),
            {"at": at.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S.%f")},
        ).scalar_one()
    engine.dispose()
    return StoreFacts(rows, statuses, int(due), path.stat().st_size)


def verdict(ok: bool) -> str:
    return "met" if ok else "MISSED"


def _alerts(r: dict[str, Any]) -> str:
    return (
        f"{r['nudges']:,} at-risk nudges, {r['breaches']:,} breaches, {r['pages']:,} pages, "
        f"{r['silenced']:,} held by a snooze, {r['finished']:,} closed dropped; "
        f"{r['level_changes']:,} level changes"
    )


def print_store(path: Path, built: float | None, cases: int, open_cases: int) -> None:
    facts = store_facts(path)
    print(f"store: {path} ({facts.size_bytes / 2**30:.2f} GiB)")
    print(f"  built in {built:.0f} s" if built is not None else "  built by an earlier run")
    print("  rows: " + ", ".join(f"{name} {n:,}" for name, n in facts.rows.items() if n))
    open_statuses = {s: n for s, n in facts.statuses.items() if s not in ("resolved", "spam")}
    print(
        f"  cases: {cases:,} opened uniformly over {DAYS} days to {END:%Y-%m-%d %H:%M} UTC; open "
        f"{sum(open_statuses.values()):,} ({', '.join(f'{s} {n:,}' for s, n in open_statuses.items())})"
    )
    print(f"  cases due at {END:%H:%M} (sla_check_at <= now; no scan has run yet): {facts.due_at_end:,}")


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--cases", type=int, default=1_000_000)
    parser.add_argument("--open", type=int, default=200_000, dest="open_cases")
    parser.add_argument("--minutes", type=int, default=5, help="steady-state scans, one a minute")
    parser.add_argument("--cache-dir", type=Path, default=Path(tempfile.gettempdir()) / "socialdesk-bench")
    parser.add_argument("--profile", action="store_true", help="cProfile the steady scan and the digest")
    args = parser.parse_args()

    config = bench_config()
    args.cache_dir.mkdir(parents=True, exist_ok=True)
    cached = store_file(args.cases, args.open_cases, args.cache_dir, config)
    built = None
    print(f"socialdesk scheduler benchmark: SQLite, {args.cases:,} cases, {args.open_cases:,} open")
    load = ", ".join(f"{x:.1f}" for x in os.getloadavg())
    print(f"machine: {os.cpu_count()} CPUs, load average {load} at the start (other jobs slow the figures)")
    print(
        "config: socialdesk.example.yaml + resolution targets (social 4/8/24 h by priority, reviews 48 h) "
        "+ business hours (billing Mon-Sat 08-20, reviews Mon-Fri 09-17, Europe/London)"
    )
    took = cached.with_name(cached.name + ".seconds")  # the build time, for the runs that reuse it
    if not cached.exists():
        built = in_child(_build, args.cases, args.open_cases, str(cached))
        took.write_text(f"{built:.1f}\n")
    elif took.exists():
        built = float(took.read_text())
    print_store(cached, built, args.cases, args.open_cases)
    work = args.cache_dir / "scheduler-work.db"
    for stale in (work, Path(f"{work}-wal"), Path(f"{work}-shm")):
        stale.unlink(missing_ok=True)
    shutil.copyfile(cached, work)
    db = str(work)

    print("\nSLA scan (bot/sla/scanner.py SlaScanner.scan, batches of 500, outbox rows only)")
    back = in_child(scan_backlog, db)
    cold = back["cold"]
    print(
        f"  cold first scan at {END:%H:%M}: {back['cold_s']:.2f} s for {cold['looked_at']:,} of "
        f"{back['due']:,} due cases in {cold['batches']} batches "
        f"({back['cold_s'] * 1000 / max(1, cold['looked_at']):.2f} ms a case)"
        f"{', stopped at its time budget' if cold['more'] else ''}; peak RSS {back['rss_cold']:.0f} MB"
    )
    t = back["totals"]
    print(
        f"  backlog worked off: {back['scans']} scans, {back['backlog_s']:.1f} s, {t['looked_at']:,} cases "
        f"looked at in {t['batches']:,} batches; {_alerts(t)}; still due: {back['left_due']:,}; "
        f"peak RSS {back['rss']:.0f} MB"
    )
    steady = in_child(scan_steady, db, args.minutes, args.profile)
    for i, m in enumerate(steady["minutes"]):
        where = "fresh process" if i == 0 else "same process"
        print(
            f"  steady scan at {END + timedelta(minutes=i + 1):%H:%M} ({where}): {m['ms']:.1f} ms; "
            f"{m['due']:,} cases due, looked at {m['looked_at']:,}; {_alerts(m)}"
        )
    times = [m["ms"] for m in steady["minutes"]]
    worst = max(times)
    print(
        f"  steady scan: first {times[0]:.1f} ms, worst {worst:.1f} ms, median "
        f"{sorted(times)[len(times) // 2]:.1f} ms; peak RSS {steady['rss']:.0f} MB "
        f"(after imports {steady['rss_start']:.0f} MB)"
    )

    print(f"\nDaily digest of {(END - timedelta(days=1)):%a %Y-%m-%d} (bot/digest/service.py DigestService)")
    dig = in_child(digest_build, db, args.profile)
    s = dig["summary"]
    print(
        f"  build {dig['build_s']:.2f} s + Block Kit render {dig['render_s'] * 1000:.0f} ms = "
        f"{dig['build_s'] + dig['render_s']:.2f} s; peak RSS {dig['rss_digest']:.0f} MB "
        f"(after imports {dig['rss_start']:.0f} MB); built again in the same process: {dig['again_s']:.2f} s"
    )
    print(f"  chart PNG: {dig['chart_s'] * 1000:.0f} ms, {s['png_kb']:.0f} KB; "
          f"peak RSS with it {dig['rss']:.0f} MB")
    sla = "n/a" if s["sla"] is None else f"{s['sla']:.1%}"
    print(
        f"  it says: {s['opened']:,} opened, {s['answered']:,} answered (median FRT {s['frt_median']}), "
        f"SLA {sla}, {s['resolved']:,} resolved, {s['open_now']:,} open now, {s['teams']} teams, "
        f"{s['agents']} agents, {s['csat']:,} CSAT answers; {s['blocks']} blocks"
    )
    sent = in_child(digest_send, db)
    print(
        f"  DigestService.send (build + render + notice + post and chart queued): {sent['send_s']:.2f} s "
        f"(queued: {sent['queued']}); peak RSS {sent['rss']:.0f} MB"
    )

    digest_s = dig["build_s"] + dig["render_s"]
    peak = max(back["rss"], steady["rss"], dig["rss"], sent["rss"])
    print("\nTargets")
    scan_ok, digest_ok, rss_ok = worst < TARGET_SCAN_MS, digest_s < TARGET_DIGEST_S, peak < TARGET_RSS_MB
    print(f"  steady SLA scan < {TARGET_SCAN_MS:.0f} ms: worst {worst:.1f} ms: {verdict(scan_ok)}")
    print(f"  digest build + render < {TARGET_DIGEST_S:.0f} s: {digest_s:.2f} s: "
          f"{verdict(digest_ok)}")
    print(f"  peak RSS < {TARGET_RSS_MB:.0f} MB, any measurement: {peak:.0f} MB: {verdict(rss_ok)}")
    for text in steady.get("profiles", []) + dig.get("profiles", []):
        print("\n" + text)


if __name__ == "__main__":
    main()
