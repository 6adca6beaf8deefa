"""Snoozing a case's SLA alerts: a lead knows about it (waiting on the warehouse, say) and stops the
pings for a while. The card still turns amber and red; nobody is mentioned until the snooze ends, and
then whatever level the case reached and was not alerted for is alerted (bot/sla/scanner.py).

Same transaction shape as every case action: lock the row, change it, record a case event, queue the
card update and the thread line, commit.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import Engine
from sqlmodel import Session, col, select

from socialdesk.casework.roles import Actor, Capability
from socialdesk.casework.service import snapshot
from socialdesk.clock import Clock, as_utc
from socialdesk.domain.casework import require_open
from socialdesk.domain.commands import UsageError
from socialdesk.domain.errors import CaseNotFound
from socialdesk.domain.models import Case
from socialdesk.domain.notify import CaseNotifier
from socialdesk.domain.sla import SlaEventKind
from socialdesk.store import events_repo
from socialdesk.store.db import writer

MAX_SNOOZE = timedelta(days=7)  # longer than a week is not a snooze: resolve it, or move it
BUTTON_SNOOZE = timedelta(hours=1)
_TOO_LONG = "A snooze lasts at most 7 days; resolve the case or hand it on instead."

_DURATION = re.compile(r"^(?:(?P<h>\d{1,3})\s*h)?\s*(?:(?P<m>\d{1,5})\s*(?:m|min|mins|minutes?)?)?$", re.I)
_CLOCK_TIME = re.compile(r"^(?P<h>[01]?\d|2[0-3])[:.](?P<m>[0-5]\d)$")


def parse_snooze(words: Sequence[str], *, now: datetime, tz: str) -> datetime | None:
    """`30`, `45m`, `2h`, `1h30`, `until 14:30` (local time, tomorrow if already past) or `off` (None).

    Raises UsageError with the reason and the usage line."""
    text = " ".join(words).strip().lower()
    if text in ("off", "cancel", "resume", "0"):
        return None
    if text.startswith("until"):
        match = _CLOCK_TIME.match(text.removeprefix("until").strip())
        if match is None:
            raise UsageError(f"`{text}`: give the time as HH:MM, e.g. `until 14:30`.", "snooze")
        zone = ZoneInfo(tz)
        local_now = now.astimezone(zone)
        wanted = time(int(match["h"]), int(match["m"]))
        until = datetime.combine(local_now.date(), wanted, tzinfo=zone)
        if until <= local_now:
            until = datetime.combine(local_now.date() + timedelta(days=1), wanted, tzinfo=zone)
        return as_utc(until)
    match = _DURATION.match(text)
    if not text or match is None or not (match["h"] or match["m"]):
        raise UsageError("For how long? Minutes (`30`), hours (`2h`) or a time (`until 14:30`).", "snooze")
    span = timedelta(hours=int(match["h"] or 0), minutes=int(match["m"] or 0))
    if span <= timedelta(0):
        return None
    if span > MAX_SNOOZE:
        raise UsageError(_TOO_LONG, "snooze")
    return now + span


class SlaSnooze:
    def __init__(self, *, engine: Engine, clock: Clock, notifier: CaseNotifier) -> None:
        self._writer = writer(engine)
        self._clock = clock
        self._notifier = notifier

    def snooze(self, *, case_id: int, actor: Actor, until: datetime | None) -> None:
        """Silence the case's SLA alerts until `until`; None turns them back on now."""
        actor.require(Capability.SNOOZE_ALERTS)
        now = self._clock.now()
        if until is not None and until - now > MAX_SNOOZE:
            raise UsageError(_TOO_LONG, "snooze")
        with Session(self._writer, expire_on_commit=False) as session:
            case = session.exec(select(Case).where(col(Case.id) == case_id).with_for_update()).first()
            if case is None or case.id is None:
                raise CaseNotFound(case_id)
            require_open(case, "snooze its alerts")
            before = case.snoozed_until
            case.snoozed_until = until
            if until is None:
                # Alerts held back by the snooze go out on the next scan instead of at its planned end.
                case.sla_check_at = now
            case.version += 1
            session.add(case)
            event = events_repo.record(
                session,
                case_id=case.id,
                actor=actor.user_id,
                kind=SlaEventKind.SNOOZED,
                at=now,
                until=until.isoformat() if until is not None else None,
                previous=as_utc(before).isoformat() if before is not None else None,
                after=snapshot(case),
            )
            session.flush()
            self._notifier.case_changed(session, case, now=now)
            self._notifier.event_recorded(session, case, event, now=now)
            session.commit()
