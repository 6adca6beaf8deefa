"""Errors never escape a listener: domain errors become a private message to the user, anything else
is logged and answered with an apology, never a stack trace.

Why not only `@app.error`: when a listener raises after `ack()` in Bolt's threaded mode, Bolt resets
the stored ack and the HTTP answer to Slack can become a 404 "unhandled request" (a race in
slack_bolt's ThreadListenerRunner). So listeners run their bodies through `answer_privately`.
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Callable
from typing import Any, TypeVar

from slack_bolt import App

from socialdesk.domain.errors import DomainError
from socialdesk.handlers.context import HandlerContext

log = logging.getLogger(__name__)

APOLOGY = "Something went wrong on our side; nothing was changed. Please try again."
F = TypeVar("F", bound=Callable[..., None])


def _tell(respond: Any, text: str) -> None:
    respond(text=text, response_type="ephemeral", replace_original=False)


def answer_privately(listener: F) -> F:
    """Wrap a listener (which must take `respond`) so that no exception leaves it."""

    @functools.wraps(listener)
    def wrapper(*args: Any, **kwargs: Any) -> None:
        try:
            listener(*args, **kwargs)
        except DomainError as exc:
            _tell(kwargs["respond"], str(exc))
        except Exception:
            log.exception("listener %s failed", listener.__name__)
            _tell(kwargs["respond"], APOLOGY)

    return wrapper  # type: ignore[return-value]


def register(app: App, _ctx: HandlerContext) -> None:
    @app.error
    def on_error(error: Exception, body: dict[str, Any], respond: Any) -> None:
        # Reached only for failures outside listener bodies (middleware, parsing).
        log.error("unhandled Slack request error: %s", type(error).__name__, exc_info=error)
        if body.get("response_url"):
            _tell(respond, str(error) if isinstance(error, DomainError) else APOLOGY)
