"""The floor of the pipeline after acceptance: a bare loop with SQLAlchemy Core that makes the rows the
pipeline makes per mention, on the same schema and database kind, so benchmarks/ingest.py can show what
everything else (parsing through the source plugin, triage, routing, SLA, flood and crisis checks, the
ORM, the card's rendering, the workers' hand-offs) costs.

Per mention, one transaction (the case stage): read the inbox row, insert the mention, the case, its
`opened` event and the card's outbox row, mark the inbox row processed. Per card (the card stage): the
`chat.postMessage` call to the Slack stand-in over one kept-alive HTTP connection, then one transaction
that marks the outbox row sent and stores the card's ts on the case. The inbox rows are stored before
the clock starts (acceptance has its own floor, benchmarks/floor_app.py); the stages run one after the
other, as one loop would.
"""

from __future__ import annotations

import hashlib
import json
import time
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, cast

import httpx
from sqlalchemy import Engine, Table, insert, select, update

from socialdesk.domain.models import Case, CaseEvent, InboxItem, Mention, OutboxMessage
from socialdesk.store.db import make_engine, writer
from socialdesk.store.migrate import upgrade

INBOX = cast(Table, InboxItem.__table__)  # type: ignore[attr-defined]  # SQLModel sets it at class creation
MENTION = cast(Table, Mention.__table__)  # type: ignore[attr-defined]
CASE = cast(Table, Case.__table__)  # type: ignore[attr-defined]
EVENT = cast(Table, CaseEvent.__table__)  # type: ignore[attr-defined]
OUTBOX = cast(Table, OutboxMessage.__table__)  # type: ignore[attr-defined]
CHANNEL = "C0SUPPORT1"  # a channel the stand-in knows (#social-support)
PAGE = 200  # outbox rows read per query by the card stage


@dataclass
class FloorResult:
    mentions: int
    case_seconds: float  # the case stage, every mention
    card_seconds: float  # the card stage, every card

    @property
    def cases_per_second(self) -> float:
        return self.mentions / self.case_seconds

    @property
    def cards_per_second(self) -> float:
        return self.mentions / self.card_seconds

    @property
    def end_to_end_per_second(self) -> float:
        """Mentions made into cards per second by the loop doing both stages."""
        return self.mentions / (self.case_seconds + self.card_seconds)


def store_inbox(engine: Engine, bodies: Sequence[bytes], now: datetime) -> list[int]:
    rows = [
        {
            "source": "generic",
            "received_at": now,
            "body_sha256": hashlib.sha256(body).hexdigest(),
            "body": body.decode(),
            "content_type": "application/json",
            "status": "pending",
            "attempts": 0,
        }
        for body in bodies
    ]
    with engine.begin() as conn:
        conn.execute(insert(INBOX), rows)
        return [int(i) for i in conn.execute(select(INBOX.c.id).order_by(INBOX.c.id)).scalars()]


def make_case(engine: Engine, inbox_id: int) -> None:
    """The case stage for one inbox row, in one transaction."""
    with engine.begin() as conn:
        source, body = conn.execute(select(INBOX.c.source, INBOX.c.body).where(INBOX.c.id == inbox_id)).one()
        data = json.loads(body)
        now = datetime.now(UTC)
        author = data["author"]
        platform = data["platform"]
        key = f"{platform}:{author['id']}"
        case_id = conn.execute(
            insert(CASE)
            .values(
                platform=platform,
                conversation_key=key,
                status="new",
                priority="P3",
                priority_reason="",
                category="other",
                sentiment="neutral",
                is_private=False,
                team="support",
                route="",
                author_id=author["id"],
                author_handle=author["handle"],
                author_name=author["name"],
                opened_at=now,
                first_response_due=now + timedelta(hours=1),
                last_activity_at=now,
                mention_count=1,
                reply_count=0,
                escalation_count=0,
                reopen_count=0,
                sla_level="ok",
                paused_seconds=0,
                resolution_level="ok",
                needs_reply=True,
                historical=False,
                enrichment={},
                version=0,
            )
            .returning(CASE.c.id)
        ).scalar_one()
        mention_id = conn.execute(
            insert(MENTION)
            .values(
                platform=platform,
                external_id=data["id"],
                kind=data["kind"],
                is_private=False,
                conversation_key=key,
                case_id=case_id,
                inbox_id=inbox_id,
                author_id=author["id"],
                author_handle=author["handle"],
                author_name=author["name"],
                author_verified=False,
                text_raw=data["text"],
                text_masked=data["text"],
                extra={},
                posted_at=now,
                received_at=now,
                sentiment_score=0.0,
                sentiment="neutral",
                category="other",
                details=[],
                edit_count=0,
            )
            .returning(MENTION.c.id)
        ).scalar_one()
        conn.execute(
            insert(EVENT).values(
                case_id=case_id, at=now, actor="system", kind="opened", detail={"source": source}
            )
        )
        conn.execute(
            insert(OUTBOX).values(
                dedupe_key=f"card:{case_id}",
                method="chat.postMessage",
                channel=CHANNEL,
                payload=card(case_id, mention_id, data["text"]),
                case_id=case_id,
                needs_case_ts=False,
                status="pending",
                attempts=0,
                created_at=now,
                next_attempt_at=now,
            )
        )
        conn.execute(update(INBOX).where(INBOX.c.id == inbox_id).values(status="processed", processed_at=now))


def card(case_id: int, mention_id: int, text: str) -> dict[str, Any]:
    """A card about the size of the pipeline's: a header, the text, a context line and buttons."""
    return {
        "text": f"#{case_id}: {text}",
        "blocks": [
            {"type": "header", "text": {"type": "plain_text", "text": f"#{case_id} new case"}},
            {"type": "section", "text": {"type": "mrkdwn", "text": text}},
            {
                "type": "context",
                "elements": [{"type": "mrkdwn", "text": f"mention {mention_id} · P3 · support"}],
            },
            {
                "type": "actions",
                "elements": [
                    {"type": "button", "action_id": "claim", "text": {"type": "plain_text", "text": "Claim"}},
                    {"type": "button", "action_id": "reply", "text": {"type": "plain_text", "text": "Reply"}},
                ],
            },
        ],
    }


def send_cards(engine: Engine, http: httpx.Client) -> int:
    """The card stage: every pending outbox row posted, then marked sent with its ts on the case."""
    sent, after = 0, 0
    while True:
        with engine.connect() as conn:
            page = conn.execute(
                select(OUTBOX.c.id, OUTBOX.c.channel, OUTBOX.c.payload, OUTBOX.c.case_id)
                .where(OUTBOX.c.status == "pending", OUTBOX.c.id > after)
                .order_by(OUTBOX.c.id)
                .limit(PAGE)
            ).all()
        if not page:
            return sent
        for outbox_id, channel, payload, case_id in page:
            answer = http.post("/api/chat.postMessage", json={"channel": channel, **payload}).json()
            if not answer.get("ok"):
                raise RuntimeError(f"the stand-in refused a floor card: {answer}")
            now = datetime.now(UTC)
            with engine.begin() as conn:
                conn.execute(
                    update(OUTBOX)
                    .where(OUTBOX.c.id == outbox_id)
                    .values(
                        status="sent", sent_at=now, result_ts=answer["ts"], attempts=OUTBOX.c.attempts + 1
                    )
                )
                conn.execute(
                    update(CASE)
                    .where(CASE.c.id == case_id)
                    .values(slack_channel=answer.get("channel") or channel, slack_ts=answer["ts"])
                )
            sent += 1
            after = outbox_id


def run_floor(database_url: str, bodies: Sequence[bytes], slack_url: str, token: str) -> FloorResult:
    """Both stages over `bodies` on a fresh, migrated database at `database_url`."""
    engine = make_engine(database_url)
    try:
        upgrade(engine)
        ids = store_inbox(engine, bodies, datetime.now(UTC))
        case_writer = writer(engine)  # SQLite: the write lock from BEGIN, as the pipeline takes it
        started = time.perf_counter()
        for inbox_id in ids:
            make_case(case_writer, inbox_id)
        case_seconds = time.perf_counter() - started
        headers = {"Authorization": f"Bearer {token}"}
        with httpx.Client(base_url=slack_url.rstrip("/").removesuffix("/api"), headers=headers) as http:
            started = time.perf_counter()
            sent = send_cards(writer(engine), http)
            card_seconds = time.perf_counter() - started
        if sent != len(ids):
            raise RuntimeError(f"the floor sent {sent} cards for {len(ids)} mentions")
        return FloorResult(mentions=len(ids), case_seconds=case_seconds, card_seconds=card_seconds)
    finally:
        engine.dispose()
