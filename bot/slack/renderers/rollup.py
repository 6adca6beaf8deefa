"""The roll-up message's Slack call, drawn from the current state when the outbox sends it."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlmodel import Session, select

from socialdesk.domain.models import OutboxMessage
from socialdesk.flood.rollup_repo import rollup_view
from socialdesk.slack.blocks.rollup_view import render_rollup


def rollup_call(session: Session, item: OutboxMessage, now: datetime) -> dict[str, Any]:
    """Arguments for the roll-up's chat.postMessage or chat.update (which points at the post's ts)."""
    payload = item.payload
    view = rollup_view(session, int(payload["rollup_id"]), samples=int(payload.get("samples", 3)), now=now)
    message = render_rollup(view)
    args: dict[str, Any] = {"channel": item.channel, "text": message.text, "blocks": message.blocks}
    if item.method == "chat.update":
        key = str(payload.get("after", f"rollup:{view.rollup_id}"))
        posted = session.exec(select(OutboxMessage.result_ts).where(OutboxMessage.dedupe_key == key)).first()
        if not posted:
            raise LookupError(f"the roll-up post {key!r} that outbox {item.id} updates was not sent")
        args["ts"] = posted
    else:
        args["unfurl_links"] = False
        args["unfurl_media"] = False
    return args
