"""The checks every review store's answer passes before any call: stores take one public answer per review
(no private message), no empty text, and their own length rule (each store's `too_long` says it the way
the store counts)."""

from __future__ import annotations

from collections.abc import Callable

from socialdesk.domain.enums import ReplyVisibility
from socialdesk.plugins.replies import ErrorKind, OutgoingReply, PlatformError


def public_answer_text(
    reply: OutgoingReply, *, no_private: str, empty: str, too_long: Callable[[str], str | None]
) -> str:
    """The text to send, or `PlatformError` with the reason the agent is told (nothing was sent)."""
    if reply.visibility is ReplyVisibility.PRIVATE or reply.target.is_private:
        raise PlatformError(ErrorKind.UNSUPPORTED, no_private)
    if not reply.text.strip():
        raise PlatformError(ErrorKind.REJECTED, empty)
    why = too_long(reply.text)
    if why is not None:
        raise PlatformError(ErrorKind.REJECTED, why)
    return reply.text
