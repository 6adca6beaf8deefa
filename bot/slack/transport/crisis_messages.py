"""The crisis desk's Slack side: every war-room post, update, invite and pin goes into the outbox in the
caller's transaction, rendered now (crises are few; a snapshot per change is cheap and keeps order).

Updates and pins point at the post they change through `payload["after"]` (its dedupe key): the
outbox sends them once that post has its ts (bot/outbox/sender.py)."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime

from sqlmodel import Session

from socialdesk.domain.crisis_views import CrisisView, StatementView
from socialdesk.outbox.queue import enqueue
from socialdesk.slack.blocks.card_text import SlackMessage
from socialdesk.slack.blocks.crisis_view import (
    render_checklist,
    render_crisis_card,
    render_line,
    render_started,
    render_statement,
)
from socialdesk.slack.transport.channels import is_channel_id


def _room(name: str) -> str:
    """A war room by name (`#outage-3-…`), or an id as is (a user id: the app's DM with them)."""
    return name if is_channel_id(name) else "#" + name.lstrip("#")


def _payload(message: SlackMessage) -> dict[str, object]:
    return {"text": message.text, "blocks": message.blocks, "unfurl_links": False, "unfurl_media": False}


class CrisisMessages:
    """Implements `socialdesk.crisis.notify.CrisisNotifier`."""

    def war_room_opened(
        self, session: Session, view: CrisisView, *, invite: Sequence[str], duty_channel: str, now: datetime
    ) -> None:
        room = _room(view.war_room)
        # The first call on the room's name creates the channel (transport/channels.py), then people join.
        card_key = f"crisis-card:{view.id}"
        enqueue(
            session,
            dedupe_key=card_key,
            method="chat.postMessage",
            channel=room,
            payload=_payload(render_crisis_card(view, now=now)),
            now=now,
        )
        enqueue(
            session,
            dedupe_key=f"crisis-pin:{view.id}",
            method="pins.add",
            channel=room,
            payload={"after": card_key, "after_field": "timestamp"},
            now=now,
        )
        enqueue(
            session,
            dedupe_key=f"crisis-purpose:{view.id}",
            method="conversations.setPurpose",
            channel=room,
            payload={"purpose": f"Crisis {view.id}: {view.title}"[:250]},
            now=now,
        )
        self.invite(session, view, invite, now=now)
        checklist_key = f"crisis-checklist:{view.id}"
        enqueue(
            session,
            dedupe_key=checklist_key,
            method="chat.postMessage",
            channel=room,
            payload=_payload(render_checklist(view.id, view.playbook_title, view.checklist)),
            now=now,
        )
        enqueue(
            session,
            dedupe_key=f"crisis-checklist-pin:{view.id}",
            method="pins.add",
            channel=room,
            payload={"after": checklist_key, "after_field": "timestamp"},
            now=now,
        )
        enqueue(
            session,
            dedupe_key=f"crisis-started:{view.id}",
            method="chat.postMessage",
            channel=duty_channel,
            payload=_payload(render_started(view)),
            now=now,
        )

    def invite(self, session: Session, view: CrisisView, users: Sequence[str], *, now: datetime) -> None:
        # One call per person: Slack refuses a whole list when one of them is already in the channel.
        for user in users:
            enqueue(
                session,
                dedupe_key=f"crisis-invite:{view.id}:{user}",
                method="conversations.invite",
                channel=_room(view.war_room),
                payload={"users": user},
                now=now,
            )

    def crisis_changed(self, session: Session, view: CrisisView, *, now: datetime) -> None:
        enqueue(
            session,
            dedupe_key=f"crisis-card-update:{view.id}:{uuid.uuid4().hex}",
            method="chat.update",
            channel=_room(view.war_room),
            payload={
                **_payload(render_crisis_card(view, now=now)),
                "after": f"crisis-card:{view.id}",
                "after_field": "ts",
            },
            now=now,
        )

    def statement_changed(
        self, session: Session, view: StatementView, *, war_room: str, now: datetime
    ) -> None:
        post_key = f"crisis-statement:{view.id}"
        message = _payload(render_statement(view, now=now))
        if (
            enqueue(
                session,
                dedupe_key=post_key,
                method="chat.postMessage",
                channel=_room(war_room),
                payload=message,
                now=now,
            )
            is not None
        ):
            return
        enqueue(
            session,
            dedupe_key=f"crisis-statement-update:{view.id}:{uuid.uuid4().hex}",
            method="chat.update",
            channel=_room(war_room),
            payload={**message, "after": post_key, "after_field": "ts"},
            now=now,
        )

    def line(self, session: Session, *, war_room: str, text: str, key: str, now: datetime) -> None:
        enqueue(
            session,
            dedupe_key=f"crisis-line:{key}",
            method="chat.postMessage",
            channel=_room(war_room),
            payload=_payload(render_line(text, block_id="crisis-line")),
            now=now,
        )
