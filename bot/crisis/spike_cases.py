"""The cases of an early warning: what a crisis started from that warning takes into its war room.

A spike warning (`crisis-warning:<playbook>:<n>`) was about the negative posts on its playbook's topic
in the window before it was sent; the crisis takes those cases, and every later one on the topic up to
the start (or to the end of the episode, if it calmed down before anyone started the playbook): the
posts a crisis running since the warning would have tagged on arrival (bot/crisis/intake.py). A reach
warning (`crisis-reach:<mention>`) was about one post: its case.

Only open cases that are in no crisis yet and not from history are taken; spam stays out.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import cast

from sqlalchemy import Table, select
from sqlmodel import Session, col
from sqlmodel import select as model_select

from socialdesk.clock import as_utc
from socialdesk.crisis.spike import window_of
from socialdesk.domain.enums import OPEN_STATUSES, Category
from socialdesk.domain.models import Case, Mention, Notice
from socialdesk.domain.playbooks.matching import topic_keyword, watches
from socialdesk.domain.playbooks.schema import Playbook

SPIKE_KIND = "crisis_warning"  # socialdesk.crisis.early_warning's notice kinds
REACH_KIND = "crisis_reach"
CHUNK = 500  # ids per IN (...): a large spike stays under SQLite's bound-parameter limit

_MENTION = cast(Table, Mention.__table__)  # type: ignore[attr-defined]  # SQLModel sets it at class creation
_CASE = cast(Table, Case.__table__)  # type: ignore[attr-defined]
M, C = _MENTION.c, _CASE.c


def warning_case_ids(
    session: Session, warning: str, playbooks: Mapping[str, Playbook], *, now: datetime
) -> list[int]:
    """The ids of the open cases the warning keyed ``warning`` was about (see the module), oldest
    first; none for a key that names no warning."""
    notice = session.exec(model_select(Notice).where(Notice.key == warning)).first()
    if notice is None:
        return []
    if notice.kind == REACH_KIND:
        return _takeable(session, [notice.case_id] if notice.case_id is not None else [])
    if notice.kind != SPIKE_KIND:
        return []
    book = playbooks.get(str(notice.detail.get("playbook_id", "")))
    if book is None:
        return []
    detection = book.detection
    alerted = as_utc(notice.created_at)
    closed_at = notice.detail.get("closed_at") if notice.detail.get("closed") else None
    until = min(now, as_utc(datetime.fromisoformat(closed_at))) if closed_at else now
    rows = session.connection().execute(
        select(M.case_id, M.platform, M.text_masked)
        .select_from(_MENTION.join(_CASE, C.id == M.case_id))
        .where(
            M.received_at >= alerted - window_of(detection),
            M.received_at <= until,
            M.sentiment_score <= detection.sentiment_at_most,
        )
        .order_by(M.case_id)
    )
    on_topic = [
        int(case_id)
        for case_id, platform, text in rows
        if watches(detection, platform) and topic_keyword(detection, text or "") is not None
    ]
    return _takeable(session, list(dict.fromkeys(on_topic)))


def _takeable(session: Session, ids: list[int]) -> list[int]:
    found: list[int] = []
    for start in range(0, len(ids), CHUNK):
        found += [
            int(i)
            for i in session.exec(
                model_select(Case.id).where(
                    col(Case.id).in_(ids[start : start + CHUNK]),
                    col(Case.status).in_(OPEN_STATUSES),
                    col(Case.crisis_id).is_(None),
                    Case.category != Category.SPAM,
                    col(Case.historical).is_(False),
                )
            ).all()
            if i is not None
        ]
    return sorted(found)
