"""The SLA scan: one pass that moves cases up their SLA levels and queues the alerts, exactly once.

Finding the cases is one indexed range read (`case.sla_check_at <= now`, see the model): only cases
that crossed a threshold, or whose snooze ended, come back, however many are open. Everything about a
case is then worked out from its due times (`socialdesk.domain.sla.SlaPolicy`), and `sla_check_at` moves to
the next threshold.

Exactly once: every alert claims a `Notice` key (`sla:42:at_risk`) in the same transaction that
queues its outbox rows and raises the levels, so a retry, a restart or a second replica finds the key
taken and sends nothing. On PostgreSQL the rows are locked with SKIP LOCKED: a case an agent is
changing right now is simply looked at by the next scan.

What people get: at risk, a nudge in the card's thread; a breach, one message per team channel listing
the cases that breached; a page, one message in the duty channel naming the duty leads, for the
priorities that page (`sla.page_priorities`). A case of a running crisis is alerted in its war room
instead. During a spike the grouped messages are updated, not re-posted: one per channel per
`sla.alert_window_minutes` (bot/sla/groups.py). A snoozed case still changes colour but nobody is
pinged; when the snooze ends, the level it reached and was not alerted for is alerted then. A case
that jumps levels between scans (a scan missed, a snooze) is alerted for where it is now, never for
what is already past (a late "at risk" is noise).

Spam, a case that needs no reply and a case opened from history have no clock (`no_clock_reason`):
a scan that meets one (an old row, a case corrected since) drops it without a word.
"""

from __future__ import annotations

import logging
import time
from dataclasses import asdict, dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import Engine
from sqlmodel import Session, col, select

from socialdesk.clock import Clock, as_utc
from socialdesk.config import Config
from socialdesk.domain.models import Case
from socialdesk.domain.sla import (
    CaseSla,
    ClockReading,
    SlaClock,
    SlaEventKind,
    SlaLevel,
    SlaPolicy,
    has_sla_clock,
    level_of,
)
from socialdesk.sla.claims import claim_alerts, claimed_keys
from socialdesk.sla.notify import Alert, SlaNotifier
from socialdesk.store import events_repo
from socialdesk.store.db import writer

log = logging.getLogger(__name__)

# Cases per transaction. A backlog (an outage, a bulk import of old posts) is worked off in several
# short transactions, so webhooks are never kept waiting on SQLite's write lock for seconds.
DEFAULT_BATCH = 500
# A scan stops after this long and leaves the rest to the next one (the job runs every minute).
SCAN_BUDGET_SECONDS = 20.0


@dataclass
class ScanReport:
    looked_at: int = 0
    level_changes: int = 0
    nudges: int = 0  # at risk
    breaches: int = 0
    pages: int = 0
    silenced: int = 0  # alerts held back by a snooze, sent when it ends
    finished: int = 0  # resolved or spam since they were scheduled: dropped from the scan
    no_clock: int = 0  # spam, no reply needed or history (an old row, a correction): dropped, no alert
    batches: int = 0  # transactions; more than one only while a backlog is worked off
    more: bool = False  # stopped at the time budget: the next scan carries on
    breached_by_team: dict[str, int] = field(default_factory=dict)

    def as_dict(self) -> dict[str, object]:
        return asdict(self)


@dataclass
class _Look:
    """One case in a batch: what its clocks read and which alerts it is owed (not yet claimed)."""

    case: Case
    reading: CaseSla | None = None  # None: the case is closed
    snoozed: bool = False
    changed: bool = False  # a level went up or a snooze ended: the card is redrawn
    owed: list[tuple[Alert, dict[str, Any]]] = field(default_factory=list)


@dataclass
class _Queued:
    nudges: list[tuple[Case, Alert]] = field(default_factory=list)
    breaches: list[tuple[Case, Alert]] = field(default_factory=list)
    pages: list[tuple[Case, Alert]] = field(default_factory=list)


class SlaScanner:
    def __init__(
        self,
        *,
        engine: Engine,
        config: Config,
        clock: Clock,
        notifier: SlaNotifier,
        batch: int = DEFAULT_BATCH,
    ) -> None:
        self._engine = engine
        self._writer = writer(engine)
        self._policy = SlaPolicy(config)
        self._clock = clock
        self._notifier = notifier
        self._batch = batch
        self._lock_rows = engine.url.get_backend_name() != "sqlite"

    @property
    def policy(self) -> SlaPolicy:
        return self._policy

    def scan(self) -> ScanReport:
        """One pass over every case that is due a look now. Each batch of cases is one transaction
        (levels, notices, outbox rows and the grouped alerts' lists together)."""
        now = self._clock.now()
        report = ScanReport()
        started = time.monotonic()
        while True:
            due_ids = self._due_ids(now)
            if not due_ids:
                break
            looked_at = report.looked_at
            self._scan_batch(due_ids, now, report)
            report.batches += 1
            if len(due_ids) < self._batch or report.looked_at == looked_at:
                break  # all done, or only rows other transactions hold are left (the next scan takes them)
            if time.monotonic() - started > SCAN_BUDGET_SECONDS:
                report.more = True
                break
        if report.level_changes or report.breaches or report.pages:
            log.info("sla scan: %s", report.as_dict())
        return report

    def _due_ids(self, now: datetime) -> list[int]:
        # A plain read first: most minutes nothing is due, and then no write lock is taken at all.
        with Session(self._engine) as session:
            ids = session.exec(
                select(Case.id)
                .where(col(Case.sla_check_at) <= now)
                .order_by(col(Case.sla_check_at))
                .limit(self._batch)
            ).all()
        return [i for i in ids if i is not None]

    def _scan_batch(self, due_ids: list[int], now: datetime, report: ScanReport) -> None:
        with Session(self._writer, expire_on_commit=False) as session:
            stmt = select(Case).where(col(Case.id).in_(due_ids), col(Case.sla_check_at) <= now)
            if self._lock_rows:
                stmt = stmt.with_for_update(skip_locked=True)
            # One flush at the commit instead of one before every query: what is written here is keyed
            # per case and per level, so no query in the batch needs to see the rows of another case.
            with session.no_autoflush:
                looks = [self._look_at(session, case, now, report) for case in session.exec(stmt).all()]
                self._settle(session, looks, now, report)
            session.commit()

    def _look_at(self, session: Session, case: Case, now: datetime, report: ScanReport) -> _Look:
        """Raise the case's levels to what its clocks read now; returns the alerts it is owed."""
        assert case.id is not None
        report.looked_at += 1
        look = _Look(case)
        if not case.status.is_open or not has_sla_clock(case):
            case.sla_check_at = None
            session.add(case)
            if case.status.is_open:
                report.no_clock += 1
            else:
                report.finished += 1
            return look
        look.reading = self._policy.read(case, now)
        look.snoozed = case.snoozed_until is not None and as_utc(case.snoozed_until) > now
        if case.snoozed_until is not None and not look.snoozed:
            # The snooze is over: the card loses its 🔕, and what it held back goes out now.
            case.snoozed_until = None
            look.changed = True
        for clock in look.reading.readings:
            if self._raise_level(session, case, clock, now):
                look.changed = True
                report.level_changes += 1
            if clock.level is SlaLevel.OK:
                continue
            detail = {"clock": clock.clock.value, "due": clock.due.isoformat()}
            look.owed.append(
                (Alert(case.id, clock.clock, clock.level), {**detail, "level": clock.level.value})
            )
            if clock.level is SlaLevel.PAGED:
                # Jumped past the breach (a snooze, a missed scan): the team hears of it as well.
                look.owed.append(
                    (
                        Alert(case.id, clock.clock, SlaLevel.BREACHED),
                        {**detail, "level": SlaLevel.BREACHED.value},
                    )
                )
        return look

    def _settle(self, session: Session, looks: list[_Look], now: datetime, report: ScanReport) -> None:
        """Claims every owed alert of the batch at once, queues what was claimed, and moves each case's
        next check on (to the end of its snooze when the snooze held an alert back)."""
        held = claimed_keys(session, (a.notice_key for k in looks if k.snoozed for a, _ in k.owed))
        sent = claim_alerts(session, [owed for k in looks if not k.snoozed for owed in k.owed], now)
        queued = _Queued()
        for look in looks:
            case = look.case
            if look.reading is None:
                continue
            next_at = look.reading.next_check_at
            for alert, _ in look.owed:
                if look.snoozed and alert.notice_key not in held:
                    report.silenced += 1
                    ends = as_utc(case.snoozed_until) if case.snoozed_until is not None else now
                    next_at = ends if next_at is None else min(next_at, ends)
                elif not look.snoozed and alert.notice_key in sent:
                    self._queue(case, alert, queued)
            case.sla_check_at = next_at
            if look.changed:
                case.version += 1
            session.add(case)
        self._notifier.cards_changed(session, [k.case for k in looks if k.changed], now=now)
        self._send(session, queued, now, report)

    def _raise_level(self, session: Session, case: Case, clock: ClockReading, now: datetime) -> bool:
        assert case.id is not None
        first = clock.clock is SlaClock.FIRST_RESPONSE
        stored = level_of(case.sla_level if first else case.resolution_level)
        if clock.level.rank <= stored.rank:
            return False
        if first:
            case.sla_level = clock.level.value
        else:
            case.resolution_level = clock.level.value
        events_repo.record(
            session,
            case_id=case.id,
            actor=events_repo.SYSTEM,
            kind=SlaEventKind.LEVEL,
            at=now,
            clock=clock.clock.value,
            before=stored.value,
            level=clock.level.value,
            due=clock.due.isoformat(),
        )
        return True

    @staticmethod
    def _queue(case: Case, alert: Alert, queued: _Queued) -> None:
        match alert.level:
            case SlaLevel.AT_RISK:
                queued.nudges.append((case, alert))
            case SlaLevel.BREACHED:
                queued.breaches.append((case, alert))
            case SlaLevel.PAGED:
                queued.pages.append((case, alert))

    def _send(self, session: Session, queued: _Queued, now: datetime, report: ScanReport) -> None:
        self._notifier.sla_nudges(session, queued.nudges, now=now)
        report.nudges += len(queued.nudges)
        if queued.breaches:
            self._notifier.sla_breaches(session, queued.breaches, now=now)
            report.breaches += len(queued.breaches)
            for case, _ in queued.breaches:
                report.breached_by_team[case.team] = report.breached_by_team.get(case.team, 0) + 1
        if queued.pages:
            self._notifier.sla_page(session, queued.pages, now=now)
            report.pages += len(queued.pages)
