"""Finding a message an earlier attempt posted although its answer never came back, by the outbox id
every top-level post carries in its message metadata."""

from __future__ import annotations

from typing import Any

from slack_sdk import WebClient

MAX_PAGES = 5  # 1,000 messages back: far more than a channel receives while a retry waits


def find_posted(client: WebClient, channel_id: str, *, outbox_id: int | None, oldest: float) -> str | None:
    """The ts of the message posted for `outbox_id` since `oldest`, or None. Raises SlackApiError."""
    cursor: str | None = None
    for _ in range(MAX_PAGES):
        page = client.conversations_history(
            channel=channel_id, oldest=f"{oldest:.6f}", limit=200, include_all_metadata=True, cursor=cursor
        )
        for message in page.get("messages") or []:
            if _outbox_id(message) == outbox_id:
                return str(message.get("ts"))
        cursor = (page.get("response_metadata") or {}).get("next_cursor") or None
        if not cursor:
            return None
    return None


def _outbox_id(message: dict[str, Any]) -> int | None:
    metadata = message.get("metadata") or {}
    if metadata.get("event_type") != "socialdesk_outbox":
        return None
    value = (metadata.get("event_payload") or {}).get("outbox_id")
    return value if isinstance(value, int) else None
