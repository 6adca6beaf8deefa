"""When this socialdesk first ran against its database: the install record.

Kept in the `cursor` table (key `socialdesk:first-run`, an ISO UTC instant) and written once, by the
first run of the scheduled digest job (`socialdesk.digest.service`), which `serve` runs at once on becoming
leader. Insert-if-absent, so two replicas starting together keep the earlier writer's instant.

Period work reads it with the data itself: a digest is due only for a period that ended after
socialdesk first ran, or that has cases of its own (history imported before the first `serve`, or a
database from before this record existed). A first start on an empty database therefore sends no
digest or weekly review for days before it existed.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any, cast

from sqlalchemy import Engine, Table, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlmodel import Session

from socialdesk.clock import as_utc
from socialdesk.domain.models import Case, Cursor
from socialdesk.store.db import session_scope, writer

FIRST_RUN_KEY = "socialdesk:first-run"

_CURSOR = cast(Table, Cursor.__table__)  # type: ignore[attr-defined]  # SQLModel sets it at class creation
_CASE = cast(Table, Case.__table__)  # type: ignore[attr-defined]


def first_run(session: Session) -> datetime | None:
    """The recorded first run, or None before any."""
    stmt = select(_CURSOR.c.value).where(_CURSOR.c.key == FIRST_RUN_KEY)
    found = session.connection().execute(stmt).first()
    if found is None or not found[0]:
        return None
    return as_utc(datetime.fromisoformat(str(found[0])))


def record_first_run(engine: Engine, now: datetime) -> datetime:
    """Record ``now`` as the first run unless one is recorded; returns the recorded instant."""
    with Session(engine) as session:
        known = first_run(session)
    if known is not None:
        return known
    values = {"key": FIRST_RUN_KEY, "value": now.astimezone(UTC).isoformat(), "updated_at": now}
    with session_scope(writer(engine)) as session:
        stmt: Any
        if session.get_bind().dialect.name == "postgresql":
            stmt = postgresql.insert(_CURSOR).values(values).on_conflict_do_nothing(index_elements=["key"])
        else:
            stmt = sqlite.insert(_CURSOR).values(values).on_conflict_do_nothing(index_elements=["key"])
        session.connection().execute(stmt)
    with Session(engine) as session:
        stored = first_run(session)
    assert stored is not None, "the first run was just recorded"
    return stored


def has_cases_in(session: Session, start: datetime, end: datetime) -> bool:
    """Whether any case (spam and imported history included) was opened in [start, end): one read of
    the ``opened_at`` index."""
    opened = _CASE.c.opened_at
    found = session.connection().execute(select(_CASE.c.id).where(opened >= start, opened < end).limit(1))
    return found.first() is not None
