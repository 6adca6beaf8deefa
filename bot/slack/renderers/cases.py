"""The case card and what goes into its thread, drawn from the current state when the outbox sends them."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import bindparam, update
from sqlmodel import Session

from socialdesk.clock import as_utc
from socialdesk.domain.case_view import CaseView
from socialdesk.domain.models import Case, CaseEvent, Mention, OutboxMessage
from socialdesk.outbox.render import row_case
from socialdesk.outbox.renderers import Post, Renderer
from socialdesk.slack.blocks.cards import render_case_card, render_followup
from socialdesk.slack.blocks.event_lines import render_event_line, render_moved_card
from socialdesk.store.case_views import case_and_view, mention_view
from socialdesk.store.cases_repo import first_mention

# What the composition root adds to a case's view before it is drawn (the plugins' card sections:
# socialdesk.plugin_host.sections.with_sections); the renderer itself stays pure.
DecorateCard = Callable[[CaseView, Case], CaseView]


def _undecorated(view: CaseView, _case: Case) -> CaseView:
    return view


def case_card_renderer(decorate: DecorateCard = _undecorated) -> Renderer:
    def render(session: Session, item: OutboxMessage, now: datetime) -> dict[str, Any]:
        # One read for the card's state (the case, its first mention, its latest answer's delivery):
        # this runs for every card the outbox sends.
        found = case_and_view(session, item.case_id, now=now) if item.case_id is not None else None
        if found is None:
            raise LookupError(f"case {item.case_id} not found for outbox {item.id}")
        case, view = found
        message = render_case_card(decorate(view, case))
        args: dict[str, Any] = {"channel": item.channel, "text": message.text, "blocks": message.blocks}
        if item.method == "chat.update":
            args["channel"] = case.slack_channel or item.channel
            args["ts"] = case.slack_ts
        else:
            args["unfurl_links"] = False
            args["unfurl_media"] = False  # the sender adds the outbox id as metadata (outbox/history.py)
        return args

    return render


_CASE = Case.__table__  # type: ignore[attr-defined]
_CARD_TS = (
    update(_CASE)
    .where(_CASE.c.id == bindparam("case_id"))
    .values(slack_ts=bindparam("ts"), slack_channel=bindparam("channel_id"))
)


def card_posted(session: Session, posts: Sequence[Post]) -> None:
    """Posted cards' ts and channel go on their cases: updates and thread lines point at them. One
    statement for the batch, no read: the case was read to draw the card, and only these fields change."""
    rows = [
        {"case_id": p.item.case_id, "ts": p.ts, "channel_id": p.channel_id}
        for p in posts
        if p.item.case_id is not None
    ]
    if rows:
        session.connection().execute(_CARD_TS, rows)


def render_followup_call(session: Session, item: OutboxMessage, now: datetime) -> dict[str, Any]:
    case = row_case(session, item)
    mention = session.get(Mention, item.payload.get("mention_id"))
    if mention is None:
        raise LookupError(f"mention for outbox {item.id} not found")
    first = first_mention(session, case.id) if case.id is not None else None
    first_posted_at = as_utc(first.posted_at) if first else None
    message = render_followup(mention_view(mention), first_posted_at=first_posted_at)
    return {
        "channel": case.slack_channel or item.channel,
        "thread_ts": case.slack_ts,
        "text": message.text,
        "blocks": message.blocks,
        "unfurl_links": False,
    }


def render_event_line_call(session: Session, item: OutboxMessage, now: datetime) -> dict[str, Any]:
    case = row_case(session, item)
    event = session.get(CaseEvent, item.payload.get("event_id"))
    if event is None or event.id is None:
        raise LookupError(f"event for outbox {item.id} not found")
    line = render_event_line(
        case_id=event.case_id,
        event_id=event.id,
        kind=event.kind,
        actor=event.actor,
        at=as_utc(event.at),
        detail=event.detail,
    )
    return {
        "channel": case.slack_channel or item.channel,
        "thread_ts": case.slack_ts,
        "text": line.text,
        "blocks": line.blocks,
        "unfurl_links": False,
    }


def render_moved_card_call(session: Session, item: OutboxMessage, now: datetime) -> dict[str, Any]:
    """The old card of an escalated case, pointing to its new channel."""
    assert item.case_id is not None
    payload = item.payload
    moved = render_moved_card(
        case_id=item.case_id,
        to_team=str(payload["to_team"]),
        to_channel=str(payload["to_channel"]),
        why=str(payload.get("why") or "escalated"),
    )
    return {"channel": item.channel, "ts": payload["ts"], "text": moved.text, "blocks": moved.blocks}
