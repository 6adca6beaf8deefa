"""What the crisis early warning has already sent and what it shows: its episodes (kept in the detail
of each warning's notice), the running crises, and the posts a warning names. Reads only; the scan
and its decisions are in bot/crisis/early_warning.py."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import cast

from sqlalchemy import Table, select
from sqlmodel import Session, col
from sqlmodel import select as model_select

from socialdesk.clock import as_utc
from socialdesk.crisis.spike import Episode
from socialdesk.domain.crisis_models import Crisis, CrisisStatus
from socialdesk.domain.models import Case, Mention, Notice
from socialdesk.slack.blocks.crisis_warning_view import WarningPost

WARNING_KIND = "crisis_warning"

MENTION_TABLE = cast(Table, Mention.__table__)  # type: ignore[attr-defined]  # SQLModel sets it at class creation
CASE_TABLE = cast(Table, Case.__table__)  # type: ignore[attr-defined]
M, C = MENTION_TABLE.c, CASE_TABLE.c


def active_playbooks(session: Session) -> set[str]:
    rows = session.exec(model_select(Crisis.playbook_id).where(Crisis.status == CrisisStatus.ACTIVE)).all()
    return set(rows)


def latest_episode(session: Session, playbook_id: str) -> tuple[Notice, Episode] | None:
    notice = session.exec(
        model_select(Notice)
        .where(
            Notice.kind == WARNING_KIND,
            col(Notice.key).startswith(f"crisis-warning:{playbook_id}:", autoescape=True),
        )
        .order_by(col(Notice.id).desc())
        .limit(1)
    ).first()
    if notice is None:
        return None
    calm = notice.detail.get("calm_since")
    episode = Episode(
        number=int(notice.detail.get("episode", 1)),
        alerted_at=as_utc(notice.created_at),
        calm_since=as_utc(datetime.fromisoformat(calm)) if calm else None,
        closed=bool(notice.detail.get("closed", False)),
    )
    return notice, episode


def episode_open(session: Session, playbook_id: str) -> bool:
    latest = latest_episode(session, playbook_id)
    return latest is not None and not latest[1].closed


def claimed_keys(session: Session, keys: Sequence[str]) -> set[str]:
    if not keys:
        return set()
    return set(session.exec(model_select(Notice.key).where(col(Notice.key).in_(keys))).all())


def warning_posts(session: Session, ids: Sequence[int]) -> list[tuple[int, WarningPost]]:
    """The posts shown on a warning, by mention id, with their case's priority."""
    if not ids:
        return []
    rows = (
        session.connection()
        .execute(
            select(
                M.id,
                M.platform,
                M.text_masked,
                M.author_handle,
                M.author_followers,
                M.url,
                M.case_id,
                C.priority,
            )
            .select_from(MENTION_TABLE.outerjoin(CASE_TABLE, C.id == M.case_id))
            .where(M.id.in_(ids))
            .order_by(M.id)
        )
        .all()
    )
    return [
        (
            mid,
            WarningPost(
                platform, text, handle, followers, url, case_id, priority.value if priority else None
            ),
        )
        for mid, platform, text, handle, followers, url, case_id, priority in rows
    ]
