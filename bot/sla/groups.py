"""One grouped SLA message per channel per window: during a spike, breaches and pages found by later
scans are added to the message already posted instead of each scan posting a new one.

A group is a `Notice` (kind `sla_group`) whose key names the alert, the channel and the group's number
in that channel: `sla-breach:#social-support:3`, `sla-page:#social-duty:1`. Its detail holds the alerts
it lists, `[[case id, clock, level], ...]`, and it collects for `sla.alert_window_minutes` from when it
was opened (its `created_at`). The message is drawn from that list whenever it is sent or updated
(bot/slack/renderers/sla.py), so it always shows the current list and count.

Exactly once, across replicas and restarts: each case's alert is claimed under its own key first
(`sla:42:breached`, bot/sla/claims.py), so two scans never add the same alert; adding to a group
locks its row (`SELECT ... FOR UPDATE`, the read sees the latest committed list), and opening the
next group claims the next number, so two replicas that both find the last group closed race for the
same key and one of them joins the other's group instead. Everything is in the scan's transaction.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any

from sqlmodel import Session, col, select

from socialdesk.clock import as_utc
from socialdesk.domain.enums import OutboxStatus
from socialdesk.domain.models import Notice, OutboxMessage
from socialdesk.sla.notify import Alert
from socialdesk.store.notices_repo import claim_notice

GROUP_KIND = "sla_group"

AlertRef = tuple[int, str, str]  # case id, clock, level: what a group lists


class GroupKind(StrEnum):
    BREACH = "breach"  # the team's channel (or a crisis war room): the cases that breached
    PAGE = "page"  # the duty channel (or a crisis war room), mentioning the duty leads


@dataclass(frozen=True, slots=True)
class GroupChange:
    key: str  # the group's notice key; also the dedupe key of the message's chat.postMessage
    opened: bool  # True: a new group, its message is to be posted; False: the posted one is updated
    count: int  # alerts the group lists now (each addition has its own count: an update's key)
    closes_at: datetime  # alerts after this go to a new message


def prefix_of(kind: GroupKind, channel: str) -> str:
    return f"sla-{kind.value}:{channel}:"


def add_to_group(
    session: Session,
    *,
    kind: GroupKind,
    channel: str,
    alerts: list[Alert],
    now: datetime,
    window: timedelta,
    extra: dict[str, Any] | None = None,
) -> GroupChange:
    """Put `alerts` (already claimed by this transaction) into the channel's open group, or open the
    next group when the last one's window is over or its message could not be posted."""
    refs: list[list[object]] = [[a.case_id, a.clock.value, a.level.value] for a in alerts]
    prefix = prefix_of(kind, channel)
    latest = _latest(session, prefix)
    if latest is not None and _still_open(session, latest, now, window):
        return _append(session, latest, refs, window)
    number = _number(latest, prefix) + 1
    while True:
        key = f"{prefix}{number}"
        detail = {
            "kind": kind.value,
            "channel": channel,
            "window_minutes": window.total_seconds() / 60,
            "alerts": refs,
            **(extra or {}),
        }
        if claim_notice(session, key, GROUP_KIND, now, detail=detail):
            return GroupChange(key=key, opened=True, count=len(refs), closes_at=now + window)
        # Another scan opened this group a moment ago (it committed first): join it if it is open.
        taken = _locked(session, select(Notice).where(Notice.key == key))
        if taken is not None and _still_open(session, taken, now, window):
            return _append(session, taken, refs, window)
        number += 1


def group_alerts(session: Session, key: str) -> tuple[list[AlertRef], datetime] | None:
    """What a group lists now, and when it stops collecting; None for an unknown key."""
    notice = session.exec(select(Notice).where(Notice.key == key)).first()
    if notice is None:
        return None
    alerts = [(int(a[0]), str(a[1]), str(a[2])) for a in notice.detail.get("alerts", [])]
    window = timedelta(minutes=float(notice.detail.get("window_minutes", 0)))
    return alerts, as_utc(notice.created_at) + window


def _latest(session: Session, prefix: str) -> Notice | None:
    stmt = (
        select(Notice)
        .where(Notice.kind == GROUP_KIND, col(Notice.key).startswith(prefix, autoescape=True))
        .order_by(col(Notice.id).desc())
        .limit(1)
    )
    return _locked(session, stmt)


def _locked(session: Session, stmt: Any) -> Notice | None:
    # populate_existing: the row as committed now, not as this session may have cached it.
    result = session.exec(stmt.with_for_update().execution_options(populate_existing=True)).first()
    return result if isinstance(result, Notice) else None


def _number(notice: Notice | None, prefix: str) -> int:
    if notice is None:
        return 0
    try:
        return int(notice.key.removeprefix(prefix))
    except ValueError:  # pragma: no cover - keys are only ever written by add_to_group
        return 0


def _still_open(session: Session, notice: Notice, now: datetime, window: timedelta) -> bool:
    """Collecting while its window runs, unless its message died (a permanent Slack error): then an
    update could never show the new alerts, and a new message goes out."""
    if now >= as_utc(notice.created_at) + window:
        return False
    status = session.exec(select(OutboxMessage.status).where(OutboxMessage.dedupe_key == notice.key)).first()
    return status is not OutboxStatus.DEAD


def _append(session: Session, notice: Notice, refs: list[list[object]], window: timedelta) -> GroupChange:
    listed = [list(a) for a in notice.detail.get("alerts", [])]
    seen = {tuple(a) for a in listed}
    listed.extend(r for r in refs if tuple(r) not in seen)
    notice.detail = {**notice.detail, "alerts": listed}  # a new dict: JSON columns track assignment
    session.add(notice)
    return GroupChange(
        key=notice.key, opened=False, count=len(listed), closes_at=as_utc(notice.created_at) + window
    )
