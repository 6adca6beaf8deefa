"""The weekly review's triage tallies: the cases opened in a period by their values now (one GROUP BY),
and the few of them that agents corrected, with each field's value before its first correction."""

from __future__ import annotations

from typing import cast

from sqlalchemy import Table, func, select
from sqlmodel import Session

from socialdesk.domain.metrics import Period
from socialdesk.domain.models import TriageCorrection
from socialdesk.domain.triage_review import CorrectedCase, TriageTallies
from socialdesk.store.digest_repo import CASE, C, group_key, within

CORRECTION = cast(Table, TriageCorrection.__table__)  # type: ignore[attr-defined]  # set by SQLModel
T = CORRECTION.c
_CHUNK = 500  # case ids per IN (...) list


def triage_tallies(session: Session, period: Period) -> TriageTallies:
    conn = session.connection()
    grouped = (
        select(group_key(C.category), group_key(C.priority), C.needs_reply, func.count())
        .select_from(CASE)
        .where(within(C.opened_at, period))
        .group_by(group_key(C.category), group_key(C.priority), C.needs_reply)
    )
    cases = {
        (str(category), str(priority), bool(needs_reply)): int(n)
        for category, priority, needs_reply, n in conn.execute(grouped)
    }
    if not cases:
        return TriageTallies()
    touched = (
        select(T.case_id)
        .select_from(CORRECTION.join(CASE, C.id == T.case_id))
        .where(within(C.opened_at, period))
        .distinct()
    )
    ids = sorted(int(case_id) for (case_id,) in conn.execute(touched))
    corrected: list[CorrectedCase] = []
    for start in range(0, len(ids), _CHUNK):
        chunk = ids[start : start + _CHUNK]
        first: dict[int, dict[str, str]] = {}
        rows = select(T.case_id, T.field, T.from_value).where(T.case_id.in_(chunk)).order_by(T.id)
        for case_id, fld, before in conn.execute(rows):
            first.setdefault(int(case_id), {}).setdefault(str(fld), str(before))
        now = select(C.id, C.category, C.priority, C.needs_reply).where(C.id.in_(chunk))
        for case_id, category, priority, needs_reply in conn.execute(now):
            values = (str(category), str(priority), bool(needs_reply))
            corrected.append(CorrectedCase(values, first.get(int(case_id), {})))
    return TriageTallies(cases, corrected)
