"""Case events to the plugins' observers, read from the audit trail after they are committed.

Why from the table and not from the services' calls: an event is told only once its transaction has
committed (an observer never hears of a claim that was rolled back), events from every process count
(serve's ingest runs in a process of its own), and the relay survives restarts. It runs as one leader-only
job; a cursor in `plugin_state` says how far it got. Events are read once they are `SETTLE` old, so a
transaction that took a lower id but committed later is not skipped. Delivery is at least once: a crash
between an observer's call and the cursor's update tells that batch again.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta
from functools import partial

from sqlalchemy import Engine, func
from sqlmodel import Session, select

from socialdesk.clock import Clock, as_utc
from socialdesk.domain.models import CaseEvent, PluginState
from socialdesk.plugin_host.registry import PluginSet
from socialdesk.plugins.kinds import CaseEvent as PluginCaseEvent
from socialdesk.plugins.kinds import CaseEventKind
from socialdesk.store.db import session_scope, writer

log = logging.getLogger(__name__)

CURSOR_KEY = "events:cursor"
SETTLE = timedelta(seconds=5)
BATCH = 500

# Flat facts of an event that observers may rely on (never message text).
DETAIL_KEYS = (
    "platform",
    "team",
    "from_team",
    "to_team",
    "priority",
    "reason",
    "outcome",
    "field",
    "from",
    "to",
)
# The audit trail's kinds that plugins are told about, under the API's names.
KINDS: dict[str, CaseEventKind] = {
    "opened": "opened",
    "claimed": "claimed",
    "replied": "replied",
    "escalated": "escalated",
    "resolved": "resolved",
    "reopened": "reopened",
    "triage_corrected": "corrected",
}


class EventRelay:
    def __init__(self, *, engine: Engine, plugins: PluginSet, clock: Clock) -> None:
        self._engine = engine
        self._writer = writer(engine)
        self._plugins = plugins
        self._clock = clock

    def start(self) -> None:
        """Set the cursor at the newest event if there is none yet (the first start with observers)."""
        self._cursor(self._clock.now())

    def run(self) -> int:
        """Tell the observers every settled event after the cursor; returns how many events were read."""
        if not self._plugins.observers():
            return 0
        now = self._clock.now()
        cursor = self._cursor(now)
        with Session(self._engine) as session:
            rows = session.exec(
                select(CaseEvent)
                .where(CaseEvent.id > cursor, CaseEvent.at <= now - SETTLE)  # type: ignore[operator]
                .order_by(CaseEvent.id)  # type: ignore[arg-type]
                .limit(BATCH)
            ).all()
        for row in rows:
            kind = KINDS.get(row.kind)
            if kind is not None:
                at, actor = as_utc(row.at), _actor(row.actor)
                self._tell(PluginCaseEvent(kind, row.case_id, at, actor, _detail(row)))
        if rows:
            self._save(rows[-1].id or cursor, now)
        return len(rows)

    def _tell(self, event: PluginCaseEvent) -> None:
        for observer in self._plugins.observers():
            if event.kind in observer.kinds:
                self._plugins.guarded(observer, "on_event", partial(observer.on_event, event), None)

    def _cursor(self, now: datetime) -> int:
        """The last event told; at the first start with observers, the newest event then."""
        with session_scope(self._writer) as session:
            state = session.get(PluginState, CURSOR_KEY)
            if state is not None:
                return int(state.value)
            newest = session.exec(select(func.max(CaseEvent.id))).one() or 0
            session.add(PluginState(key=CURSOR_KEY, value=str(newest), updated_at=now))
            return int(newest)

    def _save(self, cursor: int, now: datetime) -> None:
        with session_scope(self._writer) as session:
            state = session.get(PluginState, CURSOR_KEY)
            if state is None:
                session.add(PluginState(key=CURSOR_KEY, value=str(cursor), updated_at=now))
            else:
                state.value, state.updated_at = str(cursor), now
                session.add(state)


def _actor(actor: str) -> str | None:
    return None if actor in ("", "system") else actor


def _detail(row: CaseEvent) -> dict[str, str]:
    """Only flat, short facts of the event (team, reason, field...): never message text."""
    detail = row.detail or {}
    return {k: str(v)[:200] for k, v in detail.items() if k in DETAIL_KEYS and not isinstance(v, dict | list)}
