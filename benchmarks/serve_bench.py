"""What benchmarks/spike.py and benchmarks/replicas.py share: the config with N team channels, the
`socialdesk serve` process, signed mentions spread over platforms and channels, and the tally of
what reached Slack (lost, duplicated, visible) read from the database and the stand-in."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from collections import Counter
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import yaml
from sqlalchemy import Engine
from sqlmodel import Session, col, select

from benchmarks.ingest import PLATFORMS, TEXTS, requests_for, wait_healthy
from benchmarks.slack_pace import PacedSlackStandin
from socialdesk.clock import as_utc
from socialdesk.domain.enums import Priority
from socialdesk.domain.models import Case, Mention, Notice, OutboxMessage
from socialdesk.samples import sample_config_path
from socialdesk.standin.workspace import DEFAULT_CHANNELS

SECRET = "bench-secret"
TOKEN = "xoxb-bench"
SERVE = "from socialdesk.cli import main; main()"


def lane_channels(channels: int) -> dict[str, str]:
    return {f"social-lane{i}": f"C0LANE{i:04d}" for i in range(channels)}


def write_config(folder: Path, channels: int) -> Path:
    """The sample config plus one team per lane channel, each mention routed by its `lane<i>` word."""
    config = yaml.safe_load(sample_config_path().read_text(encoding="utf-8"))
    for i in range(channels):
        config["teams"].append({"name": f"lane{i}", "channel": f"#social-lane{i}", "description": "spike"})
    config["routing"]["rules"] = [
        {"name": f"lane{i}", "match": {"keywords_any": [f"lane{i}"]}, "team": f"lane{i}"}
        for i in range(channels)
    ]
    path = folder / "socialdesk.yaml"
    path.write_text(yaml.safe_dump(config, sort_keys=False), encoding="utf-8")
    return path


def standin(channels: int, interval: float) -> PacedSlackStandin:
    seeded = {**DEFAULT_CHANNELS, **lane_channels(channels)}
    return PacedSlackStandin(interval=interval, token=TOKEN, channels=seeded)


def bodies(n: int, channels: int) -> list[bytes]:
    now = datetime.now(UTC).isoformat()
    return [
        json.dumps(
            {
                "platform": PLATFORMS[i % len(PLATFORMS)],
                "id": f"spike-{i}",
                "kind": "post",
                # Every lane gets every text: with `i % len(TEXTS)` the lane and the text moved together
                # (4 lanes, 8 texts), so one lane held every outage complaint and all the P2 cards.
                "text": f"lane{i % channels} {TEXTS[(i // channels) % len(TEXTS)]}",
                "created_at": now,
                "author": {"id": f"author-{i}", "handle": f"user{i}", "name": f"User {i}"},
            }
        ).encode()
        for i in range(n)
    ]


def requests(n: int, channels: int, port: int) -> list[bytes]:
    return requests_for(port, bodies(n, channels), SECRET)


def serve_env(database_url: str, slack_url: str, config: Path, interval: float) -> dict[str, str]:
    env = {
        **os.environ,
        "DATABASE_URL": database_url,
        "SLACK_BOT_TOKEN": TOKEN,
        "SLACK_SIGNING_SECRET": "bench-signing",
        "SLACK_API_URL": slack_url,
        "WEBHOOK_SECRET": SECRET,
        "SOCIALDESK_CONFIG": str(config),
        "SLACK_CHANNEL_INTERVAL": str(interval),
        "SOCIALDESK_LOG_LEVEL": "ERROR",
    }
    env.pop("SOCIALDESK_FAILPOINT", None)
    return env


def start_serve(env: dict[str, str], port: int, cwd: Path) -> subprocess.Popen[bytes]:
    process = subprocess.Popen(
        [sys.executable, "-c", SERVE, "serve", "--host", "127.0.0.1", "--port", str(port)],
        env=env,
        cwd=cwd,
    )
    wait_healthy(port, process)
    return process


def stop(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


@dataclass
class Tally:
    accepted: int
    lost: int  # answered 200, but no case holds the mention
    duplicate_mentions: int
    duplicate_posts: int  # outbox rows Slack accepted more than once
    duplicate_cards: int  # cases with more than one card
    cases: int
    visible: int  # cases whose card Slack accepted, or whose roll-up message it accepted
    in_rollups: int = 0  # of those, the cases shown inside a roll-up (flood control) and not by a card
    urgent: int = 0  # P1 and P2 cases: never rolled up, each gets a card of its own
    urgent_carded: int = 0  # of those, the cases whose card Slack accepted


def posts_by_outbox_id(slack: PacedSlackStandin) -> Counter[int]:
    ids: Counter[int] = Counter()
    for call in slack.calls_to("chat.postMessage"):
        if not (isinstance(call.response, dict) and call.response.get("ok")):
            continue
        metadata = call.args.get("metadata") or {}
        if isinstance(metadata, str):
            metadata = json.loads(metadata)
        outbox_id = (metadata.get("event_payload") or {}).get("outbox_id")
        if isinstance(outbox_id, int):
            ids[outbox_id] += 1
    return ids


def tally(engine: Engine, slack: PacedSlackStandin, accepted_ids: set[str]) -> Tally:
    with Session(engine) as session:
        mentions = session.exec(select(Mention.external_id, Mention.case_id)).all()
        cases = session.exec(select(Case.id, Case.rollup_id, Case.priority)).all()
        rollup_posts = dict(
            session.exec(
                select(OutboxMessage.dedupe_key, OutboxMessage.id).where(
                    col(OutboxMessage.dedupe_key).startswith("rollup:")
                )
            ).all()
        )
        cards = session.exec(
            select(OutboxMessage.id, OutboxMessage.case_id).where(
                col(OutboxMessage.method) == "chat.postMessage", col(OutboxMessage.case_id).is_not(None)
            )
        ).all()
    stored = Counter(m for m, _ in mentions)
    with_case = {m for m, c in mentions if c is not None}
    posted = posts_by_outbox_id(slack)
    card_case = dict(cards)
    per_case: Counter[int] = Counter()
    for outbox_id, n in posted.items():
        case_id = card_case.get(outbox_id)
        if case_id is not None:
            per_case[case_id] += n
    # A case without a card of its own is visible once its roll-up's message is in Slack.
    shown_rollups = {int(key.split(":")[1]) for key, oid in rollup_posts.items() if posted.get(oid or 0)}
    rolled = {c for c, r, _ in cases if c is not None and c not in per_case and r in shown_rollups}
    urgent = {c for c, _, p in cases if p in URGENT}
    return Tally(
        accepted=len(accepted_ids),
        lost=len(accepted_ids - with_case),
        duplicate_mentions=sum(n - 1 for n in stored.values() if n > 1),
        duplicate_posts=sum(n - 1 for n in posted.values() if n > 1),
        duplicate_cards=sum(n - 1 for n in per_case.values() if n > 1),
        cases=len(cases),
        visible=len(per_case) + len(rolled),
        in_rollups=len(rolled),
        urgent=len(urgent),
        urgent_carded=len(urgent & per_case.keys()),
    )


URGENT = frozenset({Priority.P1, Priority.P2})


@dataclass
class Milestones:
    """When the spike's stages were done, in seconds since the first request (None: not yet): every
    accepted mention a case; every P1/P2 case's card in Slack (with every case there); the crisis early
    warning recorded (its notice) and its message in Slack."""

    all_cases: float | None = None
    urgent_cards: float | None = None
    warning: float | None = None
    warning_in_slack: float | None = None
    warning_key: str | None = None

    def update(self, result: Tally, engine: Engine, started_wall: float, elapsed: float) -> None:
        if self.all_cases is None and result.lost == 0:
            self.all_cases = elapsed
        if self.urgent_cards is None and result.lost == 0 and result.urgent_carded >= result.urgent:
            self.urgent_cards = elapsed
        if self.warning_in_slack is None:
            self._warning(engine, started_wall)

    def _warning(self, engine: Engine, started_wall: float) -> None:
        # The early warning claims a notice `crisis-warning:<playbook>:<n>` and queues its message under
        # the same key (bot/crisis/early_warning.py): the notice's time is when the scan fired.
        with Session(engine) as session:
            first = session.exec(
                select(Notice.key, Notice.created_at)
                .where(col(Notice.key).startswith("crisis-warning:"))
                .order_by(col(Notice.id))
                .limit(1)
            ).first()
            if first is None:
                return
            key, created = first
            sent = session.exec(select(OutboxMessage.sent_at).where(OutboxMessage.dedupe_key == key)).first()
        self.warning_key = key
        self.warning = as_utc(created).timestamp() - started_wall
        if sent is not None:
            self.warning_in_slack = as_utc(sent).timestamp() - started_wall


def wait_visible(
    engine: Engine,
    slack: PacedSlackStandin,
    accepted_ids: set[str],
    started: float,
    timeout: float,
    milestones: Milestones | None = None,
) -> tuple[Tally, float | None]:
    """Poll until every accepted mention has a case and every case its card; seconds since `started`
    (a perf_counter). `milestones`, when given, notes when each stage of the wait was done."""
    deadline = time.monotonic() + timeout
    next_report = time.monotonic() + PROGRESS_EVERY
    started_wall = time.time() - (time.perf_counter() - started)
    while True:
        result = tally(engine, slack, accepted_ids)
        if milestones is not None:
            milestones.update(result, engine, started_wall, time.perf_counter() - started)
        if result.lost == 0 and result.visible >= result.cases:
            return result, time.perf_counter() - started
        if time.monotonic() > deadline:
            return result, None
        if time.monotonic() >= next_report:
            next_report += PROGRESS_EVERY
            print(progress_line(result, slack, started), flush=True)
        time.sleep(1.0)


PROGRESS_EVERY = 60.0  # seconds between the progress lines printed while the benchmark waits


def progress_line(result: Tally, slack: PacedSlackStandin, started: float) -> str:
    """Where the wait stands: visible cases, and the Slack writes accepted so far by method."""
    writes = ", ".join(f"{m} {n}" for m, n in sorted(slack.accepted_methods.items()))
    return (
        f"  {time.perf_counter() - started:6.0f} s: {result.visible}/{result.cases} cases visible "
        f"({result.in_rollups} in roll-ups; P1/P2 cards {result.urgent_carded}/{result.urgent}); "
        f"Slack writes accepted: {writes}; 429s {slack.refused}"
    )
