"""Events API: messages typed in a case thread are internal notes and are never sent to customers."""

from __future__ import annotations

import logging
from typing import Any

from slack_bolt import App

from socialdesk.handlers.context import HandlerContext

log = logging.getLogger(__name__)

# Edits, joins, bot posts and the like are not somebody writing a note.
_IGNORED_SUBTYPES = frozenset({"message_changed", "message_deleted", "bot_message", "channel_join"})


def register(app: App, ctx: HandlerContext) -> None:
    @app.event("message")
    def on_message(ack: Any, event: dict[str, Any]) -> None:
        ack()
        thread_ts = event.get("thread_ts")
        if not thread_ts or thread_ts == event.get("ts") or event.get("bot_id"):
            return
        if event.get("subtype") in _IGNORED_SUBTYPES or not event.get("user"):
            return
        try:
            ctx.work.note_from_thread(
                channel=str(event.get("channel", "")),
                thread_ts=str(thread_ts),
                user=str(event["user"]),
                text=str(event.get("text", "")),
                ts=str(event.get("ts", "")),
            )
        except Exception:  # an event cannot answer anyone; keep the listener alive and say why in the log
            log.exception("thread note could not be recorded")

    @app.event("app_mention")
    def on_app_mention(ack: Any, say: Any, event: dict[str, Any]) -> None:
        ack()
        say(text="Use `/social help` to see what I can do.", thread_ts=event.get("ts"))
