"""One error handler: domain errors become a private message to the user; anything else is logged
and answered with an apology, never a stack trace."""

from __future__ import annotations

import logging
from typing import Any

from slack_bolt import App

from bot.domain.errors import DomainError
from handlers.context import HandlerContext

log = logging.getLogger(__name__)


def register(app: App, _ctx: HandlerContext) -> None:
    @app.error
    def on_error(error: Exception, body: dict[str, Any], respond: Any) -> None:
        if isinstance(error, DomainError):
            message = str(error)
        else:
            log.exception("handler failed", exc_info=error)
            message = "Something went wrong on our side; nothing was changed. Please try again."
        if body.get("response_url"):
            respond(text=message, response_type="ephemeral", replace_original=False)
