"""What benchmarks/ingest.py watches after acceptance: when each case was committed and when each card
reached Slack, and the statement counts `serve` kept (socialdesk.store.sql_census).

- A case counts as committed when a poll of the database (every `POLL_SECONDS`) first sees its mention
  with a case: the mention row is written in the case's transaction, so it is visible exactly when
  the case is. The poll reads only rows past the last id it saw (minus a look-back, for transactions
  that commit out of id order on PostgreSQL), so it costs the server little.
- A card counts as in Slack when the stand-in answered its `chat.postMessage` ok (`TimedSlackStandin`
  notes the time and the outbox id the sender puts in the message's metadata).
- Acceptance is the inbox row's `received_at`, stamped by `serve` when it took the request.

All three are wall-clock times on the same machine, so their differences are the pipeline's latency.
"""

from __future__ import annotations

import json
import threading
import time
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, select

from benchmarks.pipeline_floor import INBOX, MENTION, OUTBOX
from socialdesk.clock import as_utc
from socialdesk.standin import SlackStandin
from socialdesk.standin.routes import Reply, Request, parse_api_request
from socialdesk.store.sql_census import read_folder

POLL_SECONDS = 0.2
LOOK_BACK = 1000  # mention ids below the highest seen that a poll reads again


class TimedSlackStandin(SlackStandin):
    """The Slack stand-in, noting when it accepted each `chat.postMessage` and for which outbox row."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self._times_lock = threading.Lock()
        self.posted_at: dict[int, float] = {}  # outbox id -> the first time Slack accepted it (epoch)
        self.posts = 0  # accepted posts, a card twice counted twice
        inner = self._router.handle

        def handle(request: Request) -> Reply | None:
            reply = inner(request)
            if request.path == "/api/chat.postMessage" and reply is not None and reply.status == 200:
                self._note(request, reply)
            return reply

        self._router.handle = handle  # type: ignore[method-assign]

    def _note(self, request: Request, reply: Reply) -> None:
        at = time.time()
        try:
            if not json.loads(reply.body).get("ok"):
                return
            args, _ = parse_api_request(request, json_input=True)
        except Exception:
            return
        metadata = args.get("metadata") or {}
        if isinstance(metadata, str):
            metadata = json.loads(metadata)
        outbox_id = (metadata.get("event_payload") or {}).get("outbox_id")
        with self._times_lock:
            self.posts += 1
            if isinstance(outbox_id, int):
                self.posted_at.setdefault(outbox_id, at)


class CaseWatch:
    """Polls the database in a thread of its own for mentions that have their case; notes when."""

    def __init__(self, engine: Engine) -> None:
        self._engine = engine
        self.seen_at: dict[str, float] = {}  # mention external id -> when first seen with a case (epoch)
        self._highest = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="case-watch", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        if self._stop.is_set():
            return
        self._stop.set()
        self._thread.join(10)
        self.poll()  # a last look: nothing committed before the stop goes unseen

    def _run(self) -> None:
        while not self._stop.wait(POLL_SECONDS):
            self.poll()

    def poll(self) -> None:
        query = select(MENTION.c.id, MENTION.c.external_id).where(
            MENTION.c.id > self._highest - LOOK_BACK, MENTION.c.case_id.is_not(None)
        )
        with self._engine.connect() as conn:
            rows = conn.execute(query).all()
        now = time.time()
        for mention_id, external_id in rows:
            self.seen_at.setdefault(external_id, now)
            self._highest = max(self._highest, mention_id)


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    if not ordered:
        return float("nan")
    return ordered[min(len(ordered) - 1, max(0, round(p / 100 * len(ordered)) - 1))]


@dataclass
class StageTimes:
    """Per mention (by external id): accepted, case committed, card in Slack; epoch seconds."""

    accepted: dict[str, float] = field(default_factory=dict)
    case: dict[str, float] = field(default_factory=dict)
    card: dict[str, float] = field(default_factory=dict)

    def to_case(self) -> list[float]:
        return [self.case[m] - self.accepted[m] for m in self.case if m in self.accepted]

    def to_card(self) -> list[float]:
        return [self.card[m] - self.accepted[m] for m in self.card if m in self.accepted]


def stage_times(engine: Engine, watch: CaseWatch, posted_at: Mapping[int, float]) -> StageTimes:
    """Acceptance from the inbox rows, case commits from the watch, cards from the stand-in's times."""
    with engine.connect() as conn:
        accepted = conn.execute(
            select(MENTION.c.external_id, INBOX.c.received_at).join(INBOX, INBOX.c.id == MENTION.c.inbox_id)
        ).all()
        card_rows = conn.execute(
            select(OUTBOX.c.id, MENTION.c.external_id)
            .join(MENTION, MENTION.c.case_id == OUTBOX.c.case_id)
            .where(OUTBOX.c.method == "chat.postMessage", OUTBOX.c.dedupe_key.startswith("card:"))
        ).all()
    cards = {external: posted_at[oid] for oid, external in card_rows if oid in posted_at}
    return StageTimes(
        accepted={m: as_utc(at).timestamp() for m, at in accepted},
        case=dict(watch.seen_at),
        card=cards,
    )


@dataclass
class Census:
    """Statement counts by stage over a span (the final read minus the one before the load)."""

    totals: dict[str, Counter[str]]
    statements: dict[str, Counter[str]]

    @classmethod
    def read(cls, folder: Path) -> Census:
        totals, statements = read_folder(folder)
        return cls(totals, statements)

    def since(self, before: Census) -> Census:
        def minus(a: dict[str, Counter[str]], b: dict[str, Counter[str]]) -> dict[str, Counter[str]]:
            return {stage: +(counts - b.get(stage, Counter())) for stage, counts in a.items()}

        return Census(minus(self.totals, before.totals), minus(self.statements, before.statements))

    def lines(self, per: Mapping[str, tuple[int, str]], top: int = 8) -> list[str]:
        """One line per stage: totals divided by `per[stage]` (count, what) where given, and the
        statements that stage ran most."""
        out = []
        for stage in sorted(self.totals):
            totals = self.totals[stage]
            if not totals:
                continue  # a stage that ran nothing during the span (a job between its runs)
            n, unit = per.get(stage, (1, "run"))
            n = max(n, 1)

            def each(key: str, totals: Counter[str] = totals, n: int = n) -> str:
                return f"{totals.get(key, 0) / n:.2f}" if n > 1 else str(totals.get(key, 0))

            out.append(
                f"  {stage:<10} per {unit}: statements {each('statements')}, commits {each('commits')}, "
                f"BEGINs {each('begins')}, rollbacks {each('rollbacks')}, ORM flushes {each('flushes')}"
                + (f" (over {n} {unit}s)" if n > 1 else " (in all)")
            )
            common = self.statements.get(stage, Counter()).most_common(top)
            if common:
                shown = ", ".join(
                    f"{name} {count / n:.2f}" if n > 1 else f"{name} {count}" for name, count in common
                )
                out.append(f"  {'':<10} most run: {shown}")
        return out
