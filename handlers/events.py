"""Events API: messages typed in a case thread are internal notes and are never sent to customers."""

from __future__ import annotations

from typing import Any

from slack_bolt import App

from handlers.context import HandlerContext


def register(app: App, _ctx: HandlerContext) -> None:
    @app.event("message")
    def on_message(ack: Any) -> None:
        ack()

    @app.event("app_mention")
    def on_app_mention(ack: Any, say: Any, event: dict[str, Any]) -> None:
        ack()
        say(text="Use `/social help` to see what I can do.", thread_ts=event.get("ts"))
