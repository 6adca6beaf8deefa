"""Slack ack latency: signed slash commands and button clicks against `POST /slack/events` on a big store.

Prints, for socialdesk (the real app from `build_runtime`, SQLite with `--cases` cases, default
1,000,000) and for the floor (a bare Bolt app whose listeners only call ack(), same signing secret,
Bolt settings and server stack), p50/p99/max of the time until Slack's acknowledgement (the HTTP
response of POST /slack/events), the throughput, the ratio of the p99s, whether the targets are met,
and a check that the work after the ack (the private answer on the response_url) was all done, with
how long after its ack each answer landed. Usage:

    python -m benchmarks.ack_latency [--cases 1000000] [--requests 2000] [--concurrency 20]
        [--rate N] [--without-ack-first] [--in-process-listeners] [--profile] [--sample]

The load is closed-loop by default (each of the `--concurrency` connections sends its next request
when it has the previous answer); `--rate N` makes it open-loop at N requests/s, which shows the
ack latency below saturation. `--without-ack-first` measures both servers with acks coming from inside
the listeners, as before `socialdesk.slack.transport.bolt_route.ack_first`.
`--profile` prints a cProfile (thread CPU
time) of socialdesk's request threads and listeners; `--sample`, where each kind of thread spends its
wall-clock time.

Layout, on purpose one process per role so that none steals the others' GIL: the store and the load
generator (asyncio keep-alive connections, benchmarks/loadgen.py) in this process; the Slack stand-in
(where listeners post their answers) in its own process; the server under test (socialdesk, then the
floor) in its own process, uvicorn serving on loopback from a background thread as in tests and demo.
socialdesk runs as `serve` does: commands and clicks are verified and acked by the web process and
worked by one listener process (SLACK_LISTENER_PROCESSES=1); `--in-process-listeners` measures the
web process doing that work itself.

The store is built once per size with Core `insert` executemany (cases, and one mention each, which
the card and history views need) and cached under the temp dir keyed by size, schema head and
generator version; each run works on a fresh copy, so claims never run out between runs.
"""

from __future__ import annotations

import argparse
import hashlib
import hmac
import json
import multiprocessing
import os
import queue
import random
import shutil
import statistics
import sys
import tempfile
import time
from collections import Counter, defaultdict
from collections.abc import Iterator
from dataclasses import dataclass
from multiprocessing.context import SpawnContext
from pathlib import Path
from typing import Any
from urllib.parse import urlencode, urlsplit

from benchmarks.ack_profiling import CpuMeter, StackSampler
from benchmarks.ack_store import AGENTS, StoreFacts, build_store, store_facts, store_file
from benchmarks.loadgen import TaggedLoadResult, build_request, run_tagged_load
from socialdesk.slack.ids import ActionId, encode_case_value

SIGNING_SECRET = "bench-ack-signing-secret"
BOT_TOKEN = "xoxb-bench-ack-0000"
# (kind, share): `/social claim <id>`, `/social show <id>`, `/social queue`, the card's Claim button.
MIX: tuple[tuple[str, float], ...] = (("claim", 0.30), ("show", 0.25), ("queue", 0.15), ("button", 0.30))
MIX_LABELS = {
    "claim": "`/social claim <id>`",
    "show": "`/social show <id>`",
    "queue": "`/social queue`",
    "button": "case.claim button",
}
TARGET_P99_MS = 100.0
TARGET_RATIO = 1.5

# --- the requests --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Planned:
    kind: str
    token: str  # the response_url token, so each answer can be matched to its request
    user: str
    case_id: int | None


def plan(
    count: int, facts: StoreFacts, rng: random.Random, prefix: str, claim_ids: Iterator[int]
) -> list[Planned]:
    kinds = [kind for kind, share in MIX for _ in range(round(share * 100))]
    planned = []
    for i in range(count):
        kind = kinds[rng.randrange(len(kinds))]
        case_id: int | None = None
        if kind in ("claim", "button"):
            case_id = next(claim_ids, None) or rng.randrange(1, facts.cases + 1)
        elif kind == "show":
            case_id = rng.randrange(1, facts.cases + 1)
        planned.append(Planned(kind, f"{prefix}{i:05d}", AGENTS[rng.randrange(len(AGENTS))], case_id))
    return planned


def sign(body: str, timestamp: int) -> str:
    base = f"v0:{timestamp}:{body}".encode()
    return "v0=" + hmac.new(SIGNING_SECRET.encode(), base, hashlib.sha256).hexdigest()


def slack_body(p: Planned, standin_root: str) -> tuple[str, str]:
    """(body, content type) as Slack sends them for this planned request."""
    response_url = f"{standin_root}/response/{p.token}"
    if p.kind == "button":
        payload = {
            "type": "block_actions",
            "team": {"id": "T0STANDIN1", "domain": "standin"},
            "user": {"id": p.user, "username": p.user.lower(), "name": p.user.lower()},
            "api_app_id": "A0SDAPP001",
            "token": "legacy",
            "container": {"type": "message", "message_ts": "1.0", "channel_id": "C0SUPPORT1"},
            "trigger_id": f"trigger-{p.token}",
            "channel": {"id": "C0SUPPORT1", "name": "social-support"},
            "message": {"ts": "1.0", "type": "message", "text": "card"},
            "response_url": response_url,
            "actions": [
                {
                    "type": "button",
                    "action_id": ActionId.CLAIM.value,
                    "block_id": f"case:{p.case_id}:actions",
                    "value": encode_case_value(p.case_id or 0),
                    "action_ts": f"{time.time():.6f}",
                }
            ],
        }
        return urlencode({"payload": json.dumps(payload)}), "application/x-www-form-urlencoded"
    words = {"claim": f"claim {p.case_id}", "show": f"show #{p.case_id}", "queue": "queue"}[p.kind]
    form = {
        "token": "legacy",
        "team_id": "T0STANDIN1",
        "team_domain": "standin",
        "channel_id": "C0SUPPORT1",
        "channel_name": "social-support",
        "user_id": p.user,
        "user_name": p.user.lower(),
        "command": "/social",
        "text": words,
        "api_app_id": "A0SDAPP001",
        "response_url": response_url,
        "trigger_id": f"trigger-{p.token}",
    }
    return urlencode(form), "application/x-www-form-urlencoded"


def raw_requests(planned: list[Planned], server: str, standin_root: str) -> list[tuple[str, bytes]]:
    parts = urlsplit(server)
    host, port = parts.hostname or "127.0.0.1", parts.port or 80
    now = int(time.time())
    out = []
    for p in planned:
        body, content_type = slack_body(p, standin_root)
        headers = {
            "Content-Type": content_type,
            "X-Slack-Request-Timestamp": str(now),
            "X-Slack-Signature": sign(body, now),
        }
        out.append((p.kind, build_request(host, port, "/slack/events", body.encode(), headers)))
    return out


# --- the processes -------------------------------------------------------------------------------


def run_standin(tokens: list[tuple[str, str]], control: Control) -> None:
    """The Slack stand-in in its own process: answers auth.test and the listeners' response_url posts."""
    from socialdesk.standin import SlackStandin

    with SlackStandin(token=BOT_TOKEN) as standin:
        for token, user in tokens:
            standin.response_url(token, channel="social-support", user=user)
        answered_at: dict[str, float] = {}  # response_url path -> wall clock when the answer landed
        standin.on_call(lambda call: answered_at.__setitem__(call.path, time.time()))
        control.ready.put(standin.root_url)
        control.stop.wait()
        calls = standin.calls
        control.report.put(
            {
                "answers": [
                    (
                        c.path.rsplit("/", 1)[-1],
                        c.status,
                        str(c.args.get("text", "")),
                        answered_at.get(c.path, 0.0),
                    )
                    for c in calls
                    if c.method == "response_url"
                ],
                "other_calls": dict(Counter(c.method for c in calls if c.method != "response_url")),
                "cpu": time.process_time(),
            }
        )


@dataclass(frozen=True)
class ServerOptions:
    profile: bool  # cProfile socialdesk's dispatch and listeners (thread CPU time)
    sample: bool  # sample thread stacks (wall time)
    # False measures as before socialdesk.slack.transport.bolt_route.ack_first (for comparison)
    ack_first: bool
    in_process: bool = False  # True: listeners in the web process (SLACK_LISTENER_PROCESSES=0)


def _prepare(options: ServerOptions) -> None:
    sys.setswitchinterval(0.001)  # as `socialdesk serve` does
    if not options.ack_first:
        import socialdesk.slack.transport.bolt_route

        socialdesk.slack.transport.bolt_route.ack_first = lambda app: None


def _serve(
    app: Any, meter: CpuMeter | None, sample: bool, control: Control, settle: Any = None
) -> dict[str, Any]:
    """Serve `app` until told to stop. When told to measure, first let the warm-up's work finish
    (`settle`), then start the meter and the sampler and say so; the meter keeps counting after the
    stop, until the caller has waited for the measured requests' listeners."""
    from socialdesk.web.serving import background_server

    sampler = StackSampler() if sample else None
    with background_server(app) as url:
        control.ready.put(url)
        control.measuring.wait()
        if settle is not None:
            settle()
        if meter is not None:
            meter.active = True
        if sampler is not None:
            sampler.start()
        control.ready.put("measuring")
        control.stop.wait()
    if sampler is not None:
        sampler.stop.set()
        sampler.join()
    return {"samples": sampler.summary() if sampler is not None else None}


def run_socialdesk(database_url: str, standin_url: str, options: ServerOptions, control: Control) -> None:
    """socialdesk's real HTTP app (build_runtime), served by uvicorn from a background thread."""
    from pydantic import SecretStr

    from socialdesk.app import build_runtime
    from socialdesk.logging_setup import setup_logging
    from socialdesk.samples import sample_config_path
    from socialdesk.settings import Settings
    from socialdesk.slack.transport.offload import attach_listener_processes

    setup_logging("WARNING")
    _prepare(options)
    settings = Settings.model_validate(
        {
            "DATABASE_URL": database_url,
            "SLACK_BOT_TOKEN": SecretStr(BOT_TOKEN),
            "SLACK_SIGNING_SECRET": SecretStr(SIGNING_SECRET),
            "SLACK_API_URL": standin_url,
            "SOCIALDESK_CONFIG": str(sample_config_path()),
        }
    )
    runtime = build_runtime(settings, migrate=False)
    in_process = options.in_process
    processes = None if in_process else attach_listener_processes(runtime, build_runtime=build_runtime)
    meter = CpuMeter(runtime.bolt, runtime.listeners, profile=options.profile)

    def settle() -> None:
        if processes is not None:
            processes.join()
        runtime.listeners.wait_idle(300)

    found = _serve(runtime.http, meter, options.sample, control, settle)
    idle_started = time.perf_counter()
    settle()
    idle = runtime.listeners.wait_idle(300)
    if processes is not None:
        processes.stop(timeout=60)
    meter.active = False
    found |= {
        "cpu": time.process_time(),
        "listeners_idle": idle,
        "idle_after": time.perf_counter() - idle_started,
        "meter": meter.facts(),
    }
    control.report.put(found)
    runtime.listeners.shutdown(wait=True)
    runtime.engine.dispose()


def run_floor(standin_url: str, scratch: str, options: ServerOptions, control: Control) -> None:
    """The floor: a bare Bolt app that only acks, on the same server stack."""
    os.environ.setdefault("FLOOR_DB", str(Path(scratch) / "floor.db"))  # floor_app opens it on import
    from benchmarks.floor_app import bolt_floor_app

    _prepare(options)
    app = bolt_floor_app(signing_secret=SIGNING_SECRET, token=BOT_TOKEN, slack_api_url=standin_url)
    found = _serve(app, None, options.sample, control)
    control.report.put(found | {"cpu": time.process_time()})


# --- running one side ----------------------------------------------------------------------------


@dataclass
class Control:
    """How this process steers a server process: it says when the measured phase starts and stops;
    the server says where it listens and, at the end, what it saw."""

    ready: Any
    measuring: Any
    stop: Any
    report: Any


@dataclass
class SideResult:
    name: str
    load: TaggedLoadResult
    server: dict[str, Any]


class Side:
    """A server process: started, handed back its URL, told when measuring starts, stopped."""

    def __init__(self, ctx: SpawnContext, target: Any, args: tuple[Any, ...]) -> None:
        self.control = Control(ctx.Queue(), ctx.Event(), ctx.Event(), ctx.Queue())
        self.process = ctx.Process(target=target, args=(*args, self.control))

    def start(self, timeout: float = 120) -> str:
        self.process.start()
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                return str(self.control.ready.get(timeout=0.5))
            except queue.Empty:
                if not self.process.is_alive():
                    raise RuntimeError(f"{self.process.name} exited with {self.process.exitcode}") from None
        raise TimeoutError(f"{self.process.name} did not start")

    def finish(self, timeout: float = 300) -> dict[str, Any]:
        self.control.stop.set()
        found: dict[str, Any] = self.control.report.get(timeout=timeout)
        self.process.join(30)
        if self.process.is_alive():
            self.process.kill()
        return found


def measure(
    name: str,
    side: Side,
    standin_root: str,
    warmup: list[Planned],
    measured: list[Planned],
    concurrency: int,
    rate: float | None,
) -> SideResult:
    server = side.start()
    try:
        run_tagged_load_from(server, standin_root, warmup, concurrency, None)
        side.control.measuring.set()
        side.control.ready.get(timeout=300)  # the server has finished the warm-up's work
        load = run_tagged_load_from(server, standin_root, measured, concurrency, rate)
    finally:
        report = side.finish()
    return SideResult(name, load, report)


def run_tagged_load_from(
    server: str, standin_root: str, planned: list[Planned], concurrency: int, rate: float | None
) -> TaggedLoadResult:
    parts = urlsplit(server)
    requests = raw_requests(planned, server, standin_root)
    return run_tagged_load(parts.hostname or "127.0.0.1", parts.port or 80, requests, concurrency, rate)


# --- reporting -----------------------------------------------------------------------------------


def ms(seconds: float) -> str:
    return f"{seconds * 1000:.1f} ms"


def describe(result: SideResult, n: int) -> str:
    load = result.load
    rate = len(load.latencies) / load.elapsed
    kinds = "; ".join(
        f"{kind} p50 {ms(load.tag_percentile(kind, 50))} p99 {ms(load.tag_percentile(kind, 99))}"
        for kind, _share in MIX
        if kind in load.by_tag
    )
    return (
        f"{result.name}: p50 {ms(load.percentile(50))}, p99 {ms(load.percentile(99))}, "
        f"max {ms(max(load.latencies))}; {rate:,.0f} requests/s ({n} in {load.elapsed:.2f} s); "
        f"statuses {dict(sorted(load.statuses.items()))}\n    by kind: {kinds}"
    )


Answer = tuple[str, int, str, float]  # response_url token, HTTP status, text, when it landed (epoch s)


def check_answers(planned: list[Planned], answers: list[Answer]) -> tuple[Counter[str], list[str]]:
    """Each request got exactly one private answer of the right kind (the listener work after the ack)."""
    by_token: dict[str, list[Answer]] = defaultdict(list)
    for answer in answers:
        by_token[answer[0]].append(answer)
    outcome: Counter[str] = Counter()
    problems: list[str] = []

    def problem(p: Planned, what: str) -> None:
        if len(problems) < 5:
            problems.append(f"{p.kind} #{p.case_id}: {what}")

    for p in planned:
        got = by_token.get(p.token, [])
        if len(got) != 1:
            outcome["missing" if not got else "answered twice"] += 1
            problem(p, f"{len(got)} answers")
            continue
        _token, status, said, _at = got[0]
        if status != 200:
            outcome[f"response_url HTTP {status}"] += 1
        elif said.startswith("Something went wrong"):
            outcome["apology (listener error)"] += 1
            problem(p, said)
        elif p.kind in ("claim", "button"):
            if said == f"You claimed #{p.case_id}.":
                outcome["claimed"] += 1
            elif "already" in said:
                outcome["already claimed"] += 1
            elif "reopen" in said:
                outcome["refused: case closed"] += 1  # small stores run out of unclaimed cases
            else:
                outcome["claim: other"] += 1
                problem(p, said)
        elif p.kind == "show":
            outcome["history shown" if f"#{p.case_id}" in said else "show: other"] += 1
        else:
            outcome["queue shown" if "Open cases" in said or "No open cases" in said else "queue: other"] += 1
    return outcome, problems


def answer_lags(planned: list[Planned], load: TaggedLoadResult, answers: list[Answer]) -> list[float]:
    """Seconds from each request's ack to its private answer landing at the stand-in."""
    landed = {token: at for token, _status, _said, at in answers}
    return [
        landed[p.token] - load.answered_at[i]
        for i, p in enumerate(planned)
        if p.token in landed and i in load.answered_at
    ]


def print_samples(name: str, profile: dict[str, Any] | None) -> None:
    if not profile:
        return
    print(f"\nwhere the time goes in {name} (wall-clock samples per thread kind):")
    for group, data in sorted(profile.items()):
        total = data["samples"] or 1
        print(f"  {group}: {data['samples']} samples")
        print("    innermost frames:")
        for where, count in data["leaf"]:
            print(f"      {count / total:6.1%}  {where}")
        print("    on the stack (inclusive):")
        for where, count in data["inclusive"]:
            print(f"      {count / total:6.1%}  {where}")


def percentile(values: list[float], p: float) -> float:
    from benchmarks.loadgen import LoadResult

    return LoadResult(latencies=values).percentile(p)


# --- main ----------------------------------------------------------------------------------------


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--cases", type=int, default=1_000_000)
    parser.add_argument("--requests", type=int, default=2_000)
    parser.add_argument("--concurrency", type=int, default=20)
    parser.add_argument("--warmup", type=int, default=200, help="unmeasured requests before each run")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument(
        "--cache-dir", type=Path, default=Path(tempfile.gettempdir()) / "socialdesk-bench-ack"
    )
    parser.add_argument(
        "--rate",
        type=float,
        help="open loop: send at this many requests/s (default: closed loop, each connection sends its "
        "next request when it has the previous answer)",
    )
    parser.add_argument("--rebuild", action="store_true", help="rebuild the cached store")
    parser.add_argument("--profile", action="store_true", help="cProfile socialdesk (thread CPU time)")
    parser.add_argument("--sample", action="store_true", help="sample the servers' thread stacks (wall time)")
    parser.add_argument(
        "--without-ack-first",
        action="store_true",
        help=(
            "both servers ack from inside the listener, as before "
            "socialdesk.slack.transport.bolt_route.ack_first"
        ),
    )
    parser.add_argument(
        "--in-process-listeners",
        action="store_true",
        help="work commands and clicks in the web process (SLACK_LISTENER_PROCESSES=0)",
    )
    args = parser.parse_args()
    options = ServerOptions(
        profile=args.profile,
        sample=args.sample,
        ack_first=not args.without_ack_first,
        in_process=args.in_process_listeners,
    )

    args.cache_dir.mkdir(parents=True, exist_ok=True)
    cached = store_file(args.cases, args.cache_dir)
    built: float | None = None
    if args.rebuild or not cached.exists():
        print(f"building a store of {args.cases:,} cases (cached as {cached}) ...")
        built = build_store(args.cases, cached)
    facts = store_facts(cached)
    rng = random.Random(args.seed)
    claim_pool = list(facts.unclaimed)
    rng.shuffle(claim_pool)
    claim_ids = iter(claim_pool)
    warm_sd = plan(args.warmup, facts, rng, "wsd", claim_ids)
    measured_sd = plan(args.requests, facts, rng, "msd", claim_ids)
    warm_floor = plan(args.warmup, facts, rng, "wfl", iter(()))
    measured_floor = plan(args.requests, facts, rng, "mfl", iter(()))

    mix = Counter(p.kind for p in measured_sd)
    store = f"built in {built:.1f} s" if built is not None else f"cached in {cached.parent}"
    print(
        f"ack latency benchmark: {facts.cases:,} cases in SQLite ({store}; by status "
        f"{dict(sorted(facts.statuses.items()))}); {args.requests} signed requests to POST /slack/events "
        f"at concurrency {args.concurrency}{'' if args.rate is None else f', open loop at {args.rate:g}/s'} "
        f"over loopback, after {args.warmup} warm-up requests; "
        f"{os.cpu_count()} cores; ack_first {'on' if options.ack_first else 'OFF'}"
    )
    print("request mix: " + ", ".join(f"{mix[kind]} {MIX_LABELS[kind]}" for kind, _ in MIX))

    ctx = multiprocessing.get_context("spawn")
    with tempfile.TemporaryDirectory(prefix="socialdesk-ack-") as scratch_name:
        working = Path(scratch_name) / "socialdesk.db"
        copy_started = time.perf_counter()
        shutil.copyfile(cached, working)
        copied = time.perf_counter() - copy_started
        load_cpu = time.process_time()
        standin = Side(ctx, run_standin, ([(p.token, p.user) for p in (*warm_sd, *measured_sd)],))
        standin_root = standin.start()
        standin_api = f"{standin_root}/api/"
        try:
            floor = measure(
                "floor (bare Bolt, ack only)",
                Side(ctx, run_floor, (standin_api, scratch_name, options)),
                standin_root,
                warm_floor,
                measured_floor,
                args.concurrency,
                args.rate,
            )
            ours = measure(
                "socialdesk",
                Side(ctx, run_socialdesk, (f"sqlite:///{working}", standin_api, options)),
                standin_root,
                warm_sd,
                measured_sd,
                args.concurrency,
                args.rate,
            )
        finally:
            standin_report = standin.finish()
    load_cpu = time.process_time() - load_cpu
    report(args, ours, floor, measured_sd, warm_sd, standin_report, copied, load_cpu)


def report(
    args: argparse.Namespace,
    ours: SideResult,
    floor: SideResult,
    measured: list[Planned],
    warm: list[Planned],
    standin: dict[str, Any],
    copied: float,
    load_cpu: float,
) -> None:
    print(describe(ours, args.requests))
    print(describe(floor, args.requests))
    p99, floor_p99 = ours.load.percentile(99), floor.load.percentile(99)
    ratio = p99 / floor_p99
    print(f"ratio p99 socialdesk/floor: {ratio:.2f}")

    answers: list[Answer] = standin["answers"]
    outcome, problems = check_answers(measured, answers)
    warm_outcome, warm_problems = check_answers(warm, answers)
    answered = sum(n for k, n in outcome.items() if k not in ("missing", "answered twice"))
    lags = answer_lags(measured, ours.load, answers)
    print(
        f"after the ack: {answered}/{args.requests} requests answered once on their response_url "
        f"{dict(sorted(outcome.items()))} (warm-up {dict(sorted(warm_outcome.items()))}); ack to answer "
        f"p50 {ms(percentile(lags, 50))}, p99 {ms(percentile(lags, 99))}, max {ms(max(lags, default=0))}; "
        f"listeners {'idle' if ours.server['listeners_idle'] else 'STILL BUSY'} "
        f"{ours.server['idle_after']:.2f} s after the last ack; other stand-in calls {standin['other_calls']}"
    )
    for problem in [*problems, *warm_problems]:
        print(f"  problem: {problem}")
    meter = ours.server["meter"]
    waits = meter["waits"]
    per_kind = ", ".join(
        f"{kind} {ms(statistics.fmean(meter['listener_cpu'][kind]))}"
        for kind, _ in MIX
        if meter["listener_cpu"].get(kind)
    )
    dispatch_cpu = statistics.fmean(meter["dispatch_cpu"] or [0.0])
    if not waits:
        print(
            "socialdesk: commands and clicks were verified and handed to a listener process "
            "(SLACK_LISTENER_PROCESSES=1), so the web process ran no listener; "
            "compare with --in-process-listeners"
        )
    else:
        print(
            f"socialdesk thread CPU per request: Bolt dispatch {ms(dispatch_cpu)};"
            f" listener (ack() and the work after it) {per_kind}; listener wait for a pool thread "
            f"p50 {ms(percentile(waits, 50))}, p99 {ms(percentile(waits, 99))}"
            f"{' (inside the ack: ack_first is off)' if args.without_ack_first else ' (after the ack)'}"
        )
    print(
        f"CPU seconds: socialdesk server {ours.server['cpu']:.1f}, floor server {floor.server['cpu']:.1f}, "
        f"stand-in {standin['cpu']:.1f}, load generator {load_cpu:.1f}; "
        f"store copied in {copied:.1f} s"
    )
    met_abs, met_ratio = p99 * 1000 < TARGET_P99_MS, ratio <= TARGET_RATIO
    clean = answered == args.requests and not any(k.startswith(("apology", "response_url")) for k in outcome)
    print(
        f"targets: p99 < {TARGET_P99_MS:.0f} ms {'met' if met_abs else 'MISSED'}; "
        f"p99 within {TARGET_RATIO}x of the floor's {'met' if met_ratio else 'MISSED'}; "
        f"every request answered after its ack {'yes' if clean else 'NO'}"
    )
    for where, text_ in meter["profile"].items():
        print(f"\ncProfile of socialdesk's {where} (thread CPU time, measured phase):\n{text_}")
    print_samples("socialdesk", ours.server.get("samples"))
    print_samples("the floor", floor.server.get("samples"))


if __name__ == "__main__":
    main()
