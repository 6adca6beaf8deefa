"""Turns an outbox row into the arguments of its call: through the renderer its kind registered, or, for a
row queued without a kind, from the payload as it was queued."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlmodel import Session, select

from socialdesk.domain.models import Case, OutboxMessage
from socialdesk.outbox.renderers import RenderTable


def row_case(session: Session, item: OutboxMessage) -> Case:
    """The case behind a row; LookupError when it is gone (the row then fails for good)."""
    case = session.get(Case, item.case_id) if item.case_id is not None else None
    if case is None:
        raise LookupError(f"case {item.case_id} not found for outbox {item.id}")
    return case


def render_call(
    table: RenderTable, session: Session, item: OutboxMessage, *, now: datetime
) -> dict[str, Any]:
    """Arguments for `item.method`, always with a `channel` (a name or an id) to resolve. Raises
    LookupError (UnknownRender among them) when the row cannot be drawn."""
    kind = item.payload.get("render")
    if kind is not None:
        render = table.lookup(str(kind)).render
        if render is None:
            raise LookupError(f"render kind {kind!r} makes its own calls and draws no call")
        return render(session, item, now)
    return as_queued(session, item)


def as_queued(session: Session, item: OutboxMessage) -> dict[str, Any]:
    """A call queued with its arguments: only the ts it points at (`after`) or the card's thread is added."""
    payload = dict(item.payload)
    payload.pop("thread", None)
    if "after" in payload:
        point_at_after(session, item, payload)
    if item.needs_case_ts:
        case = row_case(session, item)
        payload.setdefault("thread_ts", case.slack_ts)
        payload["channel"] = case.slack_channel or item.channel
    payload.setdefault("channel", item.channel)
    return payload


def point_at_after(
    session: Session, item: OutboxMessage, payload: dict[str, Any], *, into: dict[str, Any] | None = None
) -> None:
    """Fill in the ts of the post this call refers to (an update, a pin, a thread reply): in `into`,
    by default the payload itself."""
    key = str(payload.pop("after"))
    field = str(payload.pop("after_field", "thread_ts"))
    post = session.exec(select(OutboxMessage).where(OutboxMessage.dedupe_key == key)).first()
    if post is None or post.result_ts is None:
        raise LookupError(f"the post {key!r} that outbox {item.id} refers to was not sent")
    (payload if into is None else into)[field] = post.result_ts
