"""A platform's word that one of our sent replies never reached the customer (WhatsApp's `failed`
delivery status), recorded against the reply and shown on its case's card.

The reply stays `sent`: the platform took it and the agent did answer, so the first response and the SLA
clocks stand. What changes is what the agent sees: the reply row carries `error_kind = "undelivered"` and
the platform's reason, the card says the last reply did not arrive (socialdesk.store.case_views), and a
line in the card's thread says so. A status for a message socialdesk did not send (from the phone app,
or a reply already marked) changes nothing, so a redelivered status is harmless.
"""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Session, col, select

from socialdesk.domain.models import Case, PlatformReply
from socialdesk.domain.notify import CaseNotifier
from socialdesk.plugins.mentions import DeliveryFailure
from socialdesk.store import events_repo

UNDELIVERED = "undelivered"  # PlatformReply.error_kind of a sent reply the platform could not deliver
EVENT = "reply_undelivered"


def record_failures(
    session: Session, failures: list[DeliveryFailure], *, notifier: CaseNotifier, now: datetime
) -> int:
    """Mark each failed reply and tell its case's card; returns how many replies were marked."""
    marked = 0
    for failure in failures:
        row = session.exec(
            select(PlatformReply).where(
                PlatformReply.platform == failure.platform,
                col(PlatformReply.external_id) == failure.reply_external_id,
            )
        ).first()
        if row is None or row.id is None or row.error_kind == UNDELIVERED:
            continue
        case = session.get(Case, row.case_id)
        if case is None or case.id is None:
            continue
        row.error_kind, row.error = UNDELIVERED, failure.reason
        session.add(row)
        case.version += 1
        session.add(case)
        event = events_repo.record(
            session,
            case_id=case.id,
            actor=events_repo.SYSTEM,
            kind=EVENT,
            at=now,
            reply_id=row.id,
            error=failure.reason,
        )
        session.flush()
        notifier.case_changed(session, case, now=now)
        notifier.event_recorded(session, case, event, now=now)
        marked += 1
    return marked
