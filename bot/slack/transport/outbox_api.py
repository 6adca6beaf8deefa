"""The outbox's `ChatApi` over Slack's WebClient and the channel directory: the one place the outbox's
calls meet slack_sdk, turning its SlackApiError into the outbox's `CallError`."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.web import SlackResponse

from socialdesk.outbox.transport import CallError
from socialdesk.slack.transport.channels import ChannelDirectory


@contextmanager
def _answered() -> Iterator[None]:
    try:
        yield
    except SlackApiError as exc:
        status = exc.response.status_code
        error = str(exc.response.get("error") or f"http_{status}")
        raise CallError(error, status=status, headers=dict(exc.response.headers or {})) from exc


def _data(response: SlackResponse) -> dict[str, Any]:
    return dict(response.data) if isinstance(response.data, dict) else {}


class SlackCalls:
    """Implements `socialdesk.outbox.transport.ChatApi`."""

    def __init__(self, client: WebClient, channels: ChannelDirectory) -> None:
        self._client = client
        self._channels = channels

    def _run(self, call: Callable[[], SlackResponse]) -> dict[str, Any]:
        with _answered():
            return _data(call())

    def call(self, method: str, args: dict[str, Any]) -> dict[str, Any]:
        return self._run(lambda: self._client.api_call(method, json=args))

    def history(self, channel_id: str, *, oldest: str, cursor: str | None) -> dict[str, Any]:
        return self._run(
            lambda: self._client.conversations_history(
                channel=channel_id, oldest=oldest, limit=200, include_all_metadata=True, cursor=cursor
            )
        )

    def upload_url(self, *, filename: str, length: int, alt_txt: str) -> dict[str, Any]:
        return self._run(
            lambda: self._client.files_getUploadURLExternal(filename=filename, length=length, alt_txt=alt_txt)
        )

    def complete_upload(self, *, file_id: str, title: str, channel_id: str, thread_ts: str) -> dict[str, Any]:
        return self._run(
            lambda: self._client.files_completeUploadExternal(
                files=[{"id": file_id, "title": title}], channel_id=channel_id, thread_ts=thread_ts
            )
        )

    def resolve(self, channel: str) -> str:
        with _answered():
            return self._channels.resolve(channel)

    def join(self, channel_id: str) -> None:
        with _answered():
            self._channels.join(channel_id)

    def forget(self, channel: str) -> None:
        self._channels.forget(channel)
