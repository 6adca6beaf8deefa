"""Turns an outbox row into the arguments of its Slack call, drawing cards from the current state."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlmodel import Session, select

from socialdesk.clock import as_utc
from socialdesk.domain.models import Case, CaseEvent, Mention, OutboxMessage
from socialdesk.outbox.queue import (
    RENDER_CASE_CARD,
    RENDER_EVENT_LINE,
    RENDER_FOLLOWUP,
    RENDER_MOVED_CARD,
    RENDER_ROLLUP,
    RENDER_SLA_BREACHES,
    RENDER_SLA_NUDGE,
    RENDER_SLA_PAGE,
)
from socialdesk.sla.groups import group_alerts
from socialdesk.slack.cards import render_case_card, render_followup
from socialdesk.slack.event_lines import render_event_line, render_moved_card
from socialdesk.slack.rollup_message import rollup_call
from socialdesk.slack.sla_alerts import MAX_LISTED, render_breach_alert, render_page, render_sla_nudge
from socialdesk.store.case_views import case_view, mention_view, sla_alert_view, sla_alert_views
from socialdesk.store.cases_repo import first_mention


def _case(session: Session, item: OutboxMessage) -> Case:
    case = session.get(Case, item.case_id) if item.case_id is not None else None
    if case is None:
        raise LookupError(f"case {item.case_id} not found for outbox {item.id}")
    return case


def render_call(session: Session, item: OutboxMessage, *, now: datetime) -> dict[str, Any]:
    """Arguments for `item.method`, always with a `channel` (a name or an id) to resolve."""
    payload = dict(item.payload)
    render = payload.pop("render", None)
    payload.pop("thread", None)
    if render == RENDER_CASE_CARD:
        case = _case(session, item)
        message = render_case_card(case_view(session, case, now=now))
        args: dict[str, Any] = {"channel": item.channel, "text": message.text, "blocks": message.blocks}
        if item.method == "chat.update":
            args["channel"] = case.slack_channel or item.channel
            args["ts"] = case.slack_ts
        else:
            args["unfurl_links"] = False
            args["unfurl_media"] = False  # the sender adds the outbox id as metadata (outbox_history.py)
        return args
    if render == RENDER_FOLLOWUP:
        case = _case(session, item)
        mention = session.get(Mention, payload.pop("mention_id", None))
        if mention is None:
            raise LookupError(f"mention for outbox {item.id} not found")
        first = first_mention(session, case.id) if case.id is not None else None
        message = render_followup(
            mention_view(mention), first_posted_at=as_utc(first.posted_at) if first else None
        )
        return {
            "channel": case.slack_channel or item.channel,
            "thread_ts": case.slack_ts,
            "text": message.text,
            "blocks": message.blocks,
            "unfurl_links": False,
        }
    if render == RENDER_EVENT_LINE:
        case = _case(session, item)
        event = session.get(CaseEvent, payload.get("event_id"))
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
    if render == RENDER_MOVED_CARD:
        assert item.case_id is not None
        moved = render_moved_card(
            case_id=item.case_id,
            to_team=str(payload["to_team"]),
            to_channel=str(payload["to_channel"]),
            why=str(payload.get("why") or "escalated"),
        )
        return {"channel": item.channel, "ts": payload["ts"], "text": moved.text, "blocks": moved.blocks}
    if render == RENDER_ROLLUP:
        return rollup_call(session, item, now=now)
    if render in (RENDER_SLA_NUDGE, RENDER_SLA_BREACHES, RENDER_SLA_PAGE):
        return _sla_alert(session, item, render, payload, now=now)
    if "after" in payload:
        _point_at_after(session, item, payload)
    if item.needs_case_ts:
        case = _case(session, item)
        payload.setdefault("thread_ts", case.slack_ts)
        payload["channel"] = case.slack_channel or item.channel
    payload.setdefault("channel", item.channel)
    return payload


def _point_at_after(
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


def _sla_alert(
    session: Session, item: OutboxMessage, render: str, payload: dict[str, Any], *, now: datetime
) -> dict[str, Any]:
    """SLA alerts show the cases as they are when the alert goes out (answered since, claimed since)."""
    if render == RENDER_SLA_NUDGE:
        case = _case(session, item)
        assert case.id is not None
        view = sla_alert_view(session, case.id, str(payload["clock"]), str(payload["level"]), now=now)
        assert view is not None
        nudge = render_sla_nudge(view, oncall_group=payload.get("oncall_group"))
        return {
            "channel": case.slack_channel or item.channel,
            "thread_ts": case.slack_ts,
            "text": nudge.text,
            "blocks": nudge.blocks,
            "unfurl_links": False,
        }
    closes_at: datetime | None = None
    group = payload.get("group")
    if group is not None:
        found = group_alerts(session, str(group))
        if found is None:
            raise LookupError(f"the SLA alert group {group!r} of outbox {item.id} was not found")
        alerts, closes_at = found
    else:  # queued before alerts were grouped per window: the list is in the payload
        alerts = [(int(a[0]), str(a[1]), str(a[2])) for a in payload.get("alerts", [])]
    views = sla_alert_views(session, alerts, now=now, snippets=MAX_LISTED)
    collecting = closes_at if closes_at is not None and now < closes_at else None
    if render == RENDER_SLA_BREACHES:
        message = render_breach_alert(views, team=payload.get("team"), collecting_until=collecting)
    else:
        message = render_page(
            views, leads=[str(lead) for lead in payload.get("leads", [])], collecting_until=collecting
        )
    args: dict[str, Any] = {"channel": item.channel, "text": message.text, "blocks": message.blocks}
    if item.method == "chat.update":
        _point_at_after(session, item, {**payload, "after_field": "ts"}, into=args)  # the group's post
    else:
        args["unfurl_links"] = False
    return args
