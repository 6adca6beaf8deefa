"""The benchmark store: a SQLite file with N cases and one mention each, built once per size with Core
`insert` executemany and cached under the temp dir (keyed by size, schema head and generator version)."""

from __future__ import annotations

import random
import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import create_engine, insert, text

GENERATOR_VERSION = 2  # bump when the generated data changes: the cache key
CHUNK = 50_000
AGENTS = [f"U0BENCH{i:03d}" for i in range(60)]


# --- the store -----------------------------------------------------------------------------------

PLATFORMS = (("x", 30), ("facebook", 20), ("instagram", 20), ("messenger", 8), ("reddit", 10), ("review", 7))
TEAMS = {"support": "C0SUPPORT1", "billing": "C0BILLING1", "incidents": "C0INCIDNT1", "reviews": "C0REVIEWS1"}
TEAM_WEIGHTS = (("support", 55), ("billing", 20), ("incidents", 10), ("reviews", 15))
PRIORITIES = (("P1", 3), ("P2", 12), ("P3", 35), ("P4", 50))
SLA_MINUTES = {"P1": 15, "P2": 60, "P3": 240, "P4": 1440}
CATEGORIES = (
    ("complaint", 30),
    ("question", 35),
    ("praise", 10),
    ("incident", 8),
    ("spam", 2),
    ("other", 15),
)
SENTIMENTS = (
    ("very_negative", 10),
    ("negative", 25),
    ("neutral", 40),
    ("positive", 18),
    ("very_positive", 7),
)
# The newest ~7% of cases are still being worked on; older ones are settled.
RECENT_STATUSES = (("new", 45), ("claimed", 28), ("waiting_customer", 15), ("escalated", 5), ("resolved", 7))
OLD_STATUSES = (("resolved", 96), ("spam", 4))
RECENT_SHARE = 0.07
TEXTS = (
    "Where is my order? It's been two weeks.",
    "I was charged twice this month, please refund me",
    "the app is down again, can't log in",
    "Love the new update, great work!",
    "How do I export my data to CSV?",
    "Terrible support, nobody answers my emails. Call me on [phone]",
    "Is there a student discount?",
    "My parcel arrived damaged, very disappointed",
)


def _weighted(table: tuple[tuple[str, int], ...]) -> list[str]:
    """A cheap weighted sampler: a list to index into with rng.randrange."""
    return [value for value, weight in table for _ in range(weight)]


def store_file(cases: int, cache_dir: Path) -> Path:
    from socialdesk.store.migrate import head_revision

    head = head_revision(create_engine("sqlite://"))
    return cache_dir / f"cases-{cases}-{head}-g{GENERATOR_VERSION}.db"


def _rows(
    start: int, stop: int, total: int, now: datetime, rng: random.Random
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    platforms, teams = _weighted(PLATFORMS), _weighted(TEAM_WEIGHTS)
    priorities, categories = _weighted(PRIORITIES), _weighted(CATEGORIES)
    sentiments = _weighted(SENTIMENTS)
    recent, old = _weighted(RECENT_STATUSES), _weighted(OLD_STATUSES)
    first_recent = int(total * (1 - RECENT_SHARE))
    span = timedelta(days=365)
    authors = max(10, total // 3)  # about three cases per author, so `show` has history to draw
    cases: list[dict[str, Any]] = []
    mentions: list[dict[str, Any]] = []
    for case_id in range(start, stop):
        platform = platforms[rng.randrange(len(platforms))]
        is_recent = case_id > first_recent
        status = (recent if is_recent else old)[rng.randrange(len(recent if is_recent else old))]
        priority = priorities[rng.randrange(len(priorities))]
        team = teams[rng.randrange(len(teams))]
        category = categories[rng.randrange(len(categories))]
        sentiment = sentiments[rng.randrange(len(sentiments))]
        opened = now - span * (1 - case_id / total) - timedelta(minutes=rng.randrange(60))
        due = opened + timedelta(minutes=SLA_MINUTES[priority])
        author = rng.randrange(authors)
        author_id = f"{platform}-{author}"
        handle = f"customer{author}"
        settled = status in ("resolved", "spam")
        worked = status in ("claimed", "waiting_customer", "resolved")
        answered = status in ("waiting_customer", "resolved")
        assignee = AGENTS[rng.randrange(len(AGENTS))] if worked else None
        responded = opened + timedelta(minutes=rng.randrange(1, 2 * SLA_MINUTES[priority]))
        key = f"{platform}:{author_id}:{case_id}"
        channel = TEAMS[team]
        cases.append(
            {
                "id": case_id,
                "platform": platform,
                "conversation_key": key,
                "status": status,
                "priority": priority,
                "priority_reason": f"{category}, {sentiment}",
                "category": category,
                "sentiment": sentiment,
                "is_private": platform == "messenger",
                "team": team,
                "route": team,
                "author_id": author_id,
                "author_handle": handle,
                "author_name": f"Customer {author}",
                "opened_at": opened,
                "first_response_due": due,
                "first_response_at": responded if answered else None,
                "last_activity_at": responded if answered else opened,
                "resolved_at": responded + timedelta(hours=2) if settled else None,
                "assignee": assignee,
                "mention_count": 1,
                "claimed_at": opened + timedelta(minutes=1) if assignee else None,
                "reply_count": 1 if answered else 0,
                "escalation_count": 1 if status == "escalated" else 0,
                "reopen_count": 0,
                "outcome": ("spam" if status == "spam" else "answered") if settled else None,
                "slack_channel": channel,
                "slack_ts": f"{int(opened.timestamp())}.{case_id % 1_000_000:06d}",
                "version": 2 if worked else 0,
            }
        )
        body = TEXTS[case_id % len(TEXTS)]
        mentions.append(
            {
                "id": case_id,
                "platform": platform,
                "external_id": f"bench-{case_id}",
                "kind": "direct" if platform == "messenger" else "post",
                "is_private": platform == "messenger",
                "conversation_key": key,
                "parent_external_id": None,
                "case_id": case_id,
                "inbox_id": None,
                "author_id": author_id,
                "author_handle": handle,
                "author_name": f"Customer {author}",
                "author_followers": (author * 37) % 50_000,
                "author_verified": author % 97 == 0,
                "author_url": None,
                "text_raw": body,
                "text_masked": body,
                "url": f"https://example.com/{platform}/{case_id}",
                "extra": {},
                "posted_at": opened,
                "received_at": opened,
                "sentiment_score": -0.4 if "negative" in sentiment else 0.3,
                "sentiment": sentiment,
                "category": category,
                "slack_ts": None,
            }
        )
    return cases, mentions


def build_store(cases: int, target: Path) -> float:
    """Writes a migrated SQLite store with `cases` cases to `target`; returns the seconds it took."""
    from sqlmodel import SQLModel

    import socialdesk.domain.models  # noqa: F401  (registers the tables)
    from socialdesk.store.db import make_engine
    from socialdesk.store.migrate import upgrade

    started = time.perf_counter()
    building = target.with_name(target.name + ".building")
    for stale in (building, Path(f"{building}-wal"), Path(f"{building}-shm")):
        stale.unlink(missing_ok=True)
    engine = make_engine(f"sqlite:///{building}")
    upgrade(engine)
    case_table = SQLModel.metadata.tables["case"]
    mention_table = SQLModel.metadata.tables["mention"]
    rng = random.Random(20261124)
    now = datetime.now(UTC)
    for start in range(1, cases + 1, CHUNK):
        case_rows, mention_rows = _rows(start, min(cases + 1, start + CHUNK), cases, now, rng)
        with engine.begin() as conn:
            conn.execute(insert(case_table), case_rows)
            conn.execute(insert(mention_table), mention_rows)
        done = min(cases, start + CHUNK - 1)
        print(f"  building the store: {done:,}/{cases:,} cases", end="\r", flush=True)
    with engine.connect() as conn:
        conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
    engine.dispose()
    building.replace(target)
    print()
    return time.perf_counter() - started


@dataclass(frozen=True)
class StoreFacts:
    cases: int
    statuses: dict[str, int]
    unclaimed: list[int]


def store_facts(path: Path) -> StoreFacts:
    engine = create_engine(f"sqlite:///{path}")
    with engine.connect() as conn:
        statuses = {
            str(s): int(n) for s, n in conn.execute(text('SELECT status, count(*) FROM "case" GROUP BY 1'))
        }
        unclaimed = [
            int(i)
            for (i,) in conn.execute(
                text("SELECT id FROM \"case\" WHERE status = 'new' AND assignee IS NULL")
            )
        ]
    engine.dispose()
    return StoreFacts(cases=sum(statuses.values()), statuses=statuses, unclaimed=unclaimed)
