"""The scheduler benchmark's store: a SQLite file with N cases opened uniformly over the 30 days before
`END`, as the product would have written them, built once per size with Core `insert` executemany and
cached under the temp dir (keyed by size, open count, schema head, generator version and config).

Each case has its mention (sentiment, category, a redacted text), its audit trail (opened, claimed,
escalated, replied, resolved, reopened, snoozed), a `PlatformReply` per answer (a third from canned
replies), and for some resolved cases a survey sent and answered. Due times come from
`SlaPolicy.dues` as the ingest pipeline computes them; open cases keep the `sla_check_at` the pipeline
(or a follow-up, reopen or snooze) left, with every level still "ok": no SLA scan has run yet, so the
first scan finds the backlog. Open cases are the most recent ones more often (the chance decays with
age over `OPEN_DECAY_DAYS`); exactly `open_cases` of them are open.
"""

from __future__ import annotations

import hashlib
import heapq
import math
import random
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import create_engine, event, insert

from benchmarks.scheduler_mix import (
    AGENTS,
    CANNED,
    CATEGORIES,
    CSAT_SCORES,
    ESCALATE_TO,
    PLATFORMS,
    PRIORITY,
    SENTIMENT,
    TEXTS,
    W,
)
from socialdesk.config import Config
from socialdesk.domain.enums import CaseStatus, Platform, Priority
from socialdesk.domain.models import Case
from socialdesk.domain.sla import SlaPolicy

GENERATOR_VERSION = 3  # bump when the generated data changes: part of the cache key
END = datetime(2026, 11, 25, 8, 0, tzinfo=UTC)  # a Wednesday: the digest of Tuesday is due
DAYS = 30
OPEN_DECAY_DAYS = 6.0
CHUNK = 20_000


def store_file(cases: int, open_cases: int, cache_dir: Path, config: Config) -> Path:
    from socialdesk.store.migrate import head_revision

    head = head_revision(create_engine("sqlite://"))
    shape = hashlib.sha256(config.model_dump_json().encode()).hexdigest()[:8]
    return cache_dir / f"sched-{cases}-{open_cases}-{head}-g{GENERATOR_VERSION}-{shape}.db"


def _table(weights: W) -> list[str]:
    return [value for value, weight in weights for _ in range(weight)]


def _pick(rng: random.Random, values: Sequence[str]) -> str:
    return values[rng.randrange(len(values))]


@dataclass
class _Rows:
    """One chunk of rows per table, and the ids handed out so far."""

    case: list[dict[str, Any]] = field(default_factory=list)
    mention: list[dict[str, Any]] = field(default_factory=list)
    case_event: list[dict[str, Any]] = field(default_factory=list)
    platform_reply: list[dict[str, Any]] = field(default_factory=list)
    survey_response: list[dict[str, Any]] = field(default_factory=list)
    ids: dict[str, int] = field(default_factory=dict)

    def add(self, table: str, row: dict[str, Any]) -> int:
        row["id"] = self.ids[table] = self.ids.get(table, 0) + 1
        getattr(self, table).append(row)
        return row["id"]

    def event(self, case_id: int, at: datetime, actor: str, kind: str, **detail: Any) -> None:
        self.add("case_event", {"case_id": case_id, "at": at, "actor": actor, "kind": kind, "detail": detail})

    def flush(self, conn: Any, tables: dict[str, Any]) -> None:
        for name in ("case", "mention", "case_event", "platform_reply", "survey_response"):
            rows = getattr(self, name)
            if rows:
                conn.execute(insert(tables[name]), rows)
                rows.clear()


class _Generator:
    def __init__(self, config: Config, total: int, rng: random.Random) -> None:
        self.policy = SlaPolicy(config)
        self.rng = rng
        self.authors = max(10, total // 3)
        self.tables = {n: _table(w) for n, w in (("platform", PLATFORMS), ("category", CATEGORIES))}
        self.sentiment = {k: _table(w) for k, w in SENTIMENT.items()}
        self.priority = {k: _table(w) for k, w in PRIORITY.items()}
        self.agents = {t: [f"U0{t[:3].upper()}{i:03d}" for i in range(n)] for t, n in AGENTS.items()}
        self.channels = {t.name: f"C0{t.name[:8].upper()}" for t in config.teams}  # ids, as Slack gives

    def case(self, cid: int, opened: datetime, is_open: bool, rows: _Rows) -> None:
        rng = self.rng
        platform, category = _pick(rng, self.tables["platform"]), _pick(rng, self.tables["category"])
        sentiment, priority = _pick(rng, self.sentiment[category]), _pick(rng, self.priority[category])
        billing = category in ("complaint", "question") and rng.random() < 0.3
        body = _pick(rng, TEXTS["billing" if billing else category])
        team, route = "support", "default"
        if platform == "review":
            team, route = "reviews", "review-sites"
        elif category == "incident":
            team, route = "incidents", "outages"
        elif billing:
            team, route = "billing", "money"
        dues = self.policy.dues(
            team=team, platform=Platform(platform), priority=Priority(priority), posted_at=opened
        )
        author = rng.randrange(self.authors)
        key = f"{platform}:{platform}-{author}:{cid}"
        c: dict[str, Any] = {
            "id": cid, "platform": platform, "conversation_key": key, "status": "new", "priority": priority,
            "priority_reason": f"{category}, {sentiment}", "category": category, "sentiment": sentiment,
            "is_private": platform == "messenger", "team": team, "route": route,
            "author_id": f"{platform}-{author}", "author_handle": f"customer{author}",
            "author_name": f"Customer {author}", "opened_at": opened,
            "first_response_due": dues.first_response, "first_response_at": None,
            "last_activity_at": opened, "resolved_at": None, "assignee": None, "mention_count": 1,
            "claimed_at": None, "reply_count": 0, "escalation_count": 0, "reopen_count": 0, "outcome": None,
            "resolution_due": dues.resolution, "sla_level": "ok", "snoozed_until": None,
            "waiting_since": None, "paused_seconds": 0, "resolution_level": "ok", "sla_check_at": None,
            "slack_channel": self.channels[team], "slack_ts": f"{int(opened.timestamp())}.{cid % 10**6:06d}",
            "version": 1,
        }
        mention_id = self._mention(c, body, rows)
        rows.event(cid, opened, "system", "opened", mention_id=mention_id, team=team, route=route)
        canned = CANNED["billing" if billing else category] if category != "spam" else ()
        if is_open:  # spam too: a spam post nobody has marked yet is open like any other
            self._open(c, dues.check_at, canned, rows)
        elif category == "spam":
            self._spam(c, rows)
        else:
            self._closed(c, canned, rows)
        if c["resolved_at"] is not None:
            self._as_scanned(c)
        rows.case.append(c)

    # --- the story of a case -------------------------------------------------------------------------

    def _mention(self, c: dict[str, Any], body: str, rows: _Rows, at: datetime | None = None) -> int:
        negative = "negative" in c["sentiment"]
        return rows.add(
            "mention",
            {
                "platform": c["platform"], "external_id": f"bench-{c['id']}-{c['mention_count']}",
                "kind": "direct" if c["is_private"] else ("reply" if at else "post"),
                "is_private": c["is_private"], "conversation_key": c["conversation_key"],
                "parent_external_id": f"bench-{c['id']}-1" if at else None, "case_id": c["id"],
                "inbox_id": None, "author_id": c["author_id"], "author_handle": c["author_handle"],
                "author_name": c["author_name"], "author_followers": (c["id"] * 37) % 50_000,
                "author_verified": c["id"] % 97 == 0, "author_url": None, "text_raw": body,
                "text_masked": body, "url": f"https://example.com/{c['platform']}/{c['id']}", "extra": {},
                "posted_at": at or c["opened_at"], "received_at": at or c["opened_at"],
                "sentiment_score": -0.5 if negative else 0.3, "sentiment": c["sentiment"],
                "category": c["category"], "slack_ts": None,
            },
        )

    def _first_wait(self, c: dict[str, Any]) -> datetime:
        """Most first responses are in time, some late, a few very late (as a fraction of the target)."""
        rng, r = self.rng, self.rng.random()
        f = 0.05 + 0.95 * rng.random() ** 1.3 if r < 0.8 else 1 + rng.random() * (1 if r < 0.94 else 5)
        return c["opened_at"] + (c["first_response_due"] - c["opened_at"]) * f

    def _claim(self, c: dict[str, Any], at: datetime, rows: _Rows) -> None:
        c["assignee"], c["claimed_at"] = _pick(self.rng, self.agents[c["team"]]), at
        c["status"] = "claimed"
        rows.event(c["id"], at, c["assignee"], "claimed", after={"assignee": c["assignee"]})

    def _escalate(self, c: dict[str, Any], at: datetime, rows: _Rows) -> None:
        before = c["team"]
        c["team"] = _pick(self.rng, ESCALATE_TO[before])
        c["slack_channel"] = self.channels[c["team"]]
        c["assignee"], c["claimed_at"], c["status"] = None, None, "escalated"
        c["escalation_count"] += 1
        actor = _pick(self.rng, self.agents[before])
        rows.event(c["id"], at, actor, "escalated", from_team=before, to_team=c["team"], reason="specialist")

    def _reply(self, c: dict[str, Any], at: datetime, canned: tuple[str, ...], rows: _Rows) -> None:
        rng = self.rng
        if c["assignee"] is None:
            self._claim(c, at, rows)
        canned_id = _pick(rng, canned) if canned and rng.random() < 0.35 else None
        visibility = "private" if c["is_private"] else "public"
        if rng.random() < 0.01:  # the platform refused once; the agent sent it again a minute later
            rows.add("platform_reply", self._reply_row(c, at, visibility, canned_id, failed=True))
            at += timedelta(minutes=1)
        reply_id = rows.add("platform_reply", self._reply_row(c, at, visibility, canned_id))
        c["reply_count"] += 1
        c["first_response_at"] = c["first_response_at"] or at
        c["last_activity_at"], c["status"] = at, "waiting_customer"
        rows.event(c["id"], at, c["assignee"], "replied", reply_id=reply_id, visibility=visibility,
                   canned_reply_id=canned_id, first_response=c["reply_count"] == 1)

    def _reply_row(
        self, c: dict[str, Any], at: datetime, visibility: str, canned_id: str | None, *,
        failed: bool = False, actor: str | None = None, purpose: str | None = None,
    ) -> dict[str, Any]:
        n = self.rng.getrandbits(48)
        return {
            "idempotency_key": f"bench:{c['id']}:{n:x}", "case_id": c["id"], "mention_id": None,
            "actor": actor or c["assignee"], "visibility": visibility, "platform": c["platform"],
            "text": "Hi there, thanks for getting in touch. Please DM us the details and we'll sort it.",
            "canned_reply_id": canned_id, "purpose": purpose, "status": "failed" if failed else "sent",
            "created_at": at, "attempted_at": at, "sent_at": None if failed else at,
            "external_id": None if failed else f"ext-{n:x}", "error_kind": "rate_limited" if failed else None,
            "error": "429 from the platform" if failed else None,
        }

    def _replies(self, c: dict[str, Any], first: datetime, n: int, until: datetime, canned: tuple[str, ...],
                 rows: _Rows) -> datetime:
        at = first
        for i in range(n):
            if i:
                at += timedelta(minutes=10 + self.rng.random() * 350)
                if at >= until:
                    break
            self._reply(c, at, canned, rows)
        return at

    def _spam(self, c: dict[str, Any], rows: _Rows) -> None:
        at = min(c["opened_at"] + timedelta(minutes=2 + 28 * self.rng.random()), END - timedelta(seconds=1))
        c.update(status="spam", outcome="spam", resolved_at=at, last_activity_at=at)
        rows.event(c["id"], at, _pick(self.rng, self.agents[c["team"]]), "spam")

    def _open(self, c: dict[str, Any], check_at: datetime, canned: tuple[str, ...], rows: _Rows) -> None:
        rng, opened = self.rng, c["opened_at"]
        c["sla_check_at"] = check_at  # as the pipeline left it; no scan has looked yet
        first = self._first_wait(c)
        if first < END and rng.random() < 0.6:
            last = self._replies(c, first, 1 if rng.random() < 0.8 else 2, END, canned, rows)
            c["waiting_since"] = last
            if rng.random() < 0.25:  # the customer wrote back: the pipeline ends the pause, scan re-reads
                back = last + (END - last) * rng.random()
                known = {k: c[k] for k in ("team", "resolution_due", "paused_seconds", "platform")}
                case = Case(**known, status=CaseStatus.WAITING_CUSTOMER, waiting_since=last)
                self.policy.end_pause(case, back)
                c.update(status="claimed", waiting_since=None, paused_seconds=case.paused_seconds,
                         resolution_due=case.resolution_due, sla_check_at=back, last_activity_at=back,
                         mention_count=2)
                self._mention(c, "Still not sorted, any news?", rows, at=back)
            return
        r, span = rng.random(), END - opened
        if r < 0.1:
            self._escalate(c, opened + span * rng.random(), rows)
        elif r < 0.4:
            self._claim(c, opened + span * rng.random() * 0.5, rows)
        if rng.random() < 0.01:  # a lead snoozed its alerts (the snooze moves the next check to then)
            at = opened + span * rng.random()
            c["snoozed_until"] = at + timedelta(minutes=60 + rng.randrange(420))
            c["sla_check_at"] = min(check_at, at)
            rows.event(c["id"], at, "U0LEAD001", "snoozed", until=c["snoozed_until"].isoformat())

    def _closed(self, c: dict[str, Any], canned: tuple[str, ...], rows: _Rows) -> None:
        rng, opened = self.rng, c["opened_at"]
        room = END - opened  # everything happens before END: stretch the story into the time there was
        first = self._first_wait(c)
        settle = timedelta(minutes=5 + rng.random() * 720)
        scale = min(1.0, 0.9 * room / max(first - opened + settle * 2, timedelta(seconds=1)))
        first = opened + (first - opened) * scale
        if rng.random() < 0.05:
            self._escalate(c, opened + (first - opened) * rng.random(), rows)
        if rng.random() < 0.04:  # closed without an answer (a duplicate, nothing to say)
            done = opened + min((first - opened) * (0.2 + rng.random()), room * 0.95)
            self._claim(c, opened + (done - opened) / 2, rows)
            self._resolve(c, done, "no_action", rows)
            return
        if rng.random() < 0.5:
            self._claim(c, opened + (first - opened) * rng.random(), rows)
        n = 1 if rng.random() < 0.65 else (2 if rng.random() < 0.7 else 3)
        until = opened + room * 0.95
        last = self._replies(c, first, n, until, canned, rows)
        done = min(last + settle * scale, until)
        self._resolve(c, done, "answered", rows)
        if rng.random() < 0.03:  # reopened (most within a week), answered again and resolved again
            back = done + timedelta(minutes=30 + rng.random() * 10_000)
            again = back + timedelta(minutes=60 + rng.random() * 1_400)
            if again < END:
                c.update(status="claimed", reopen_count=1, resolved_at=None, outcome=None)
                rows.event(c["id"], back, c["assignee"], "reopened")
                self._reply(c, back + (again - back) / 3, canned, rows)
                self._resolve(c, again, "answered", rows)
        self._survey(c, rows)

    def _resolve(self, c: dict[str, Any], at: datetime, outcome: str, rows: _Rows) -> None:
        c.update(status="resolved", outcome=outcome, resolved_at=at, last_activity_at=at, waiting_since=None)
        rows.event(c["id"], at, c["assignee"] or "system", "resolved", outcome=outcome)

    def _as_scanned(self, c: dict[str, Any]) -> None:
        """A closed case as the every-minute scan left it: the levels its clocks reached, and its next
        check, still set when that comes after END (closing a case does not clear it: the scan drops
        the case when it comes)."""
        known = ("team", "platform", "opened_at", "first_response_due", "resolution_due", "paused_seconds")
        case = Case(**{k: c[k] for k in known}, status=CaseStatus.CLAIMED)
        first, done = c["first_response_at"], c["resolved_at"]
        unanswered = self.policy.read(case, min(first or done, done)).first_response
        c["sla_level"] = unanswered.level.value if unanswered is not None else "ok"
        case.first_response_at = first
        reading = self.policy.read(case, done)
        if reading.resolution is not None:
            c["resolution_level"] = reading.resolution.level.value
        after = reading.next_check_at
        c["sla_check_at"] = after if after is not None and after > END else None

    def _survey(self, c: dict[str, Any], rows: _Rows) -> None:
        rng = self.rng
        sent = c["resolved_at"] + timedelta(minutes=1)
        if rng.random() < 0.3 and sent < END:
            survey = self._reply_row(c, sent, "public", None, actor="system", purpose="survey:csat")
            rows.add("platform_reply", survey)
            answered = sent + timedelta(minutes=5 + rng.random() * 2_000)
            if rng.random() < 0.35 and answered < END:
                score = int(_pick(rng, CSAT_SCORES))
                rows.add("survey_response", {"case_id": c["id"], "kind": "csat", "score": score,
                                             "source": "reply", "source_ref": f"bench-{c['id']}-csat",
                                             "comment": None, "received_at": answered})
        nps_at = c["resolved_at"] + timedelta(minutes=60 + rng.random() * 4_000)
        if rng.random() < 0.04 and nps_at < END:
            rows.add("survey_response", {"case_id": c["id"], "kind": "nps", "score": rng.choice(range(11)),
                                         "source": "webhook", "source_ref": f"tool-{c['id']}",
                                         "comment": None, "received_at": nps_at})


def _opened_times(total: int, rng: random.Random) -> list[float]:
    """Uniform over the 30 days, in id order (ids grow with time, as in the product)."""
    start, span = (END - timedelta(days=DAYS)).timestamp(), DAYS * 86_400
    return [start + span * (i + rng.random()) / total for i in range(total)]


def _open_set(times: list[float], open_cases: int, rng: random.Random) -> set[int]:
    """Exactly `open_cases` indexes, weighted towards recent cases (weighted sampling without
    replacement, Efraimidis-Spirakis: the largest log(u) / weight)."""
    end, decay = END.timestamp(), OPEN_DECAY_DAYS * 86_400
    keys = [math.log(rng.random() or 1e-300) / math.exp(-(end - t) / decay) for t in times]
    return set(heapq.nlargest(open_cases, range(len(times)), key=keys.__getitem__))


def build_store(cases: int, open_cases: int, target: Path, config: Config) -> float:
    """Writes a migrated SQLite store to `target`; returns the seconds it took."""
    from sqlmodel import SQLModel

    from socialdesk.store.db import make_engine
    from socialdesk.store.migrate import upgrade

    started = time.perf_counter()
    building = target.with_name(target.name + ".building")
    for stale in (building, Path(f"{building}-wal"), Path(f"{building}-shm")):
        stale.unlink(missing_ok=True)
    migrated = make_engine(f"sqlite:///{building}")
    upgrade(migrated)
    migrated.dispose()
    engine = create_engine(f"sqlite:///{building}")

    @event.listens_for(engine, "connect")
    def _fast(dbapi_conn: Any, _record: Any) -> None:  # a throwaway file until it is renamed: no fsyncs
        dbapi_conn.execute("PRAGMA synchronous=OFF")
        dbapi_conn.execute("PRAGMA cache_size=-400000")

    tables = SQLModel.metadata.tables
    rng = random.Random(20261125)
    times = _opened_times(cases, rng)
    is_open = _open_set(times, open_cases, rng)
    generator, rows = _Generator(config, cases, rng), _Rows()
    for start in range(0, cases, CHUNK):
        for i in range(start, min(cases, start + CHUNK)):
            generator.case(i + 1, datetime.fromtimestamp(times[i], UTC), i in is_open, rows)
        with engine.begin() as conn:
            rows.flush(conn, tables)
        print(f"  building the store: {min(cases, start + CHUNK):,}/{cases:,} cases", end="\r", flush=True)
    with engine.connect() as conn:
        conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
    engine.dispose()
    building.replace(target)
    print()
    return time.perf_counter() - started
