"""One public answer per item (`ReplyCapabilities.one_answer`: the review stores). A second answer to the
same review is not a second post: it is sent as an edit of ours (`OutgoingReply.replaces` = the platform's
id of our earlier answer), the reply form says so before the agent types, and an answer still being sent
blocks another one before anything is recorded (two in flight could both be posted as first answers).
"""

from __future__ import annotations

from sqlmodel import Session, col, select

from socialdesk.domain.enums import Platform, ReplyStatus, ReplyVisibility
from socialdesk.domain.errors import DomainError
from socialdesk.domain.models import PlatformReply
from socialdesk.plugins.source import ReplyCapabilities

REPLACES_NOTE = "This review already has our answer; sending replaces it."


def one_answer(capabilities: ReplyCapabilities | None) -> bool:
    return capabilities is not None and capabilities.one_answer


def earlier_answer(
    session: Session, mention_id: int | None, *, before: int | None = None
) -> PlatformReply | None:
    """Our newest public answer to the item that reached the platform (with its id there), or None.
    `before`: only answers recorded before that reply row (the one being sent now)."""
    stmt = select(PlatformReply).where(
        PlatformReply.mention_id == mention_id,
        PlatformReply.visibility == ReplyVisibility.PUBLIC,
        col(PlatformReply.purpose).is_(None),
        PlatformReply.status == ReplyStatus.SENT,
        col(PlatformReply.external_id).is_not(None),
    )
    if before is not None:
        stmt = stmt.where(col(PlatformReply.id) < before)
    return session.exec(stmt.order_by(col(PlatformReply.id).desc())).first()


def refuse_while_in_flight(session: Session, *, mention_id: int | None, case_id: int) -> None:
    """An answer to this item is still pending or being sent: a second one now could be posted as
    another first answer, so it is refused before anything is recorded."""
    busy = session.exec(
        select(PlatformReply.id).where(
            PlatformReply.mention_id == mention_id,
            PlatformReply.visibility == ReplyVisibility.PUBLIC,
            col(PlatformReply.purpose).is_(None),
            col(PlatformReply.status).in_([ReplyStatus.PENDING, ReplyStatus.SENDING]),
        )
    ).first()
    if busy is not None:
        raise DomainError(
            f"An answer to #{case_id} is being sent; this review takes one answer. Wait for it, then "
            "send again to replace it."
        )


def form_note(platform: Platform, capabilities: ReplyCapabilities | None, *, answered: bool) -> str | None:
    """What the reply form says of the store's rules: one answer (and that ours would be replaced), and
    the length the store allows, counted as the store counts (the preview shows the count)."""
    if capabilities is None:
        return None
    parts: list[str] = []
    if capabilities.one_answer:
        parts.append(REPLACES_NOTE if answered else f"{platform.label} takes one public answer per review.")
    if capabilities.max_length is not None and capabilities.one_answer:
        label, limit = platform.label, capabilities.max_length
        parts.append(
            f"{label} allows {limit} characters, counted as {label} counts them (as the preview does)."
        )
    return " ".join(parts) or None
