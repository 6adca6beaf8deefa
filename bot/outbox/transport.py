"""What the outbox needs from the chat platform's Web API, as a protocol: the sender makes every call
through it, so `socialdesk.outbox` never imports slack_sdk. The Slack implementation, over kept-alive
connections and the channel directory, is `socialdesk.slack.transport.outbox_api.SlackCalls`.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Protocol


class CallError(Exception):
    """The platform refused a call: `error` is its error code (Slack's `error` field, or `http_<status>`
    when the answer had none), `status` the HTTP status, `headers` the answer's (Retry-After)."""

    def __init__(self, error: str, *, status: int = 200, headers: Mapping[str, Any] | None = None) -> None:
        super().__init__(error)
        self.error = error
        self.status = status
        self.headers: Mapping[str, Any] = headers or {}


class ChatApi(Protocol):
    """The Web API calls the outbox makes. Every method raises `CallError` for an answered error and
    OSError (or TimeoutError) when no answer came."""

    def call(self, method: str, args: dict[str, Any]) -> dict[str, Any]:
        """One Web API method with JSON arguments; the answer's data."""
        ...

    def history(self, channel_id: str, *, oldest: str, cursor: str | None) -> dict[str, Any]:
        """One page of conversations.history with message metadata (to find a post whose answer was lost)."""
        ...

    def upload_url(self, *, filename: str, length: int, alt_txt: str) -> dict[str, Any]:
        """files.getUploadURLExternal: `file_id` and `upload_url`."""
        ...

    def complete_upload(self, *, file_id: str, title: str, channel_id: str, thread_ts: str) -> dict[str, Any]:
        """files.completeUploadExternal, sharing the file into a thread."""
        ...

    def resolve(self, channel: str) -> str:
        """The id of a channel named by id, `#name` or `name`."""
        ...

    def join(self, channel_id: str) -> None: ...

    def forget(self, channel: str) -> None:
        """Drop a remembered channel id (the channel is gone)."""
        ...

    def close(self) -> None:
        """Release kept-alive connections (at shutdown)."""
        ...
