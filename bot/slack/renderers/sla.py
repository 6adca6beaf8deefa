"""SLA alerts, drawn with the cases as they are when the alert goes out (answered since, claimed since)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlmodel import Session

from socialdesk.domain.case_view import SlaAlertView
from socialdesk.domain.models import OutboxMessage
from socialdesk.outbox.render import point_at_after, row_case
from socialdesk.sla.groups import group_alerts
from socialdesk.slack.blocks.sla_alerts import MAX_LISTED, render_breach_alert, render_page, render_sla_nudge
from socialdesk.store.case_views import sla_alert_view, sla_alert_views


def nudge_call(session: Session, item: OutboxMessage, now: datetime) -> dict[str, Any]:
    """At risk: a line in the card's thread for the assignee or the team."""
    payload = item.payload
    case = row_case(session, item)
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


def breaches_call(session: Session, item: OutboxMessage, now: datetime) -> dict[str, Any]:
    """The channel's grouped list of breached cases (bot/sla/groups.py)."""
    views, collecting = _group(session, item, now)
    message = render_breach_alert(views, team=item.payload.get("team"), collecting_until=collecting)
    return _grouped_call(session, item, message.text, message.blocks)


def page_call(session: Session, item: OutboxMessage, now: datetime) -> dict[str, Any]:
    """The page mentioning the duty leads (the duty channel, or a war room)."""
    views, collecting = _group(session, item, now)
    leads = [str(lead) for lead in item.payload.get("leads", [])]
    message = render_page(views, leads=leads, collecting_until=collecting)
    return _grouped_call(session, item, message.text, message.blocks)


def _group(
    session: Session, item: OutboxMessage, now: datetime
) -> tuple[list[SlaAlertView], datetime | None]:
    payload = item.payload
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
    return views, collecting


def _grouped_call(
    session: Session, item: OutboxMessage, text: str, blocks: list[Any]
) -> dict[str, Any]:
    args: dict[str, Any] = {"channel": item.channel, "text": text, "blocks": blocks}
    if item.method == "chat.update":
        # The group's post: its ts from the row it points at.
        point_at_after(session, item, {**item.payload, "after_field": "ts"}, into=args)
    else:
        args["unfurl_links"] = False
    return args
