"""The outbox's `ChatApi` over Slack's Web API and the channel directory: the one place the outbox's
calls meet Slack. Its calls go over kept-alive connections (`SlackWebApi`: slack_sdk's WebClient opens a
connection per call), made from the WebClient's own token, URL, timeout and proxy; the channel
directory's rare lookups stay on the WebClient, whose SlackApiError becomes the outbox's `CallError`."""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from socialdesk.outbox.transport import CallError
from socialdesk.slack.transport.channels import ChannelDirectory
from socialdesk.slack.transport.web_api import SlackWebApi


@contextmanager
def _answered() -> Iterator[None]:
    try:
        yield
    except SlackApiError as exc:
        status = exc.response.status_code
        error = str(exc.response.get("error") or f"http_{status}")
        raise CallError(error, status=status, headers=dict(exc.response.headers or {})) from exc


class SlackCalls:
    """Implements `socialdesk.outbox.transport.ChatApi`. `web` defaults to kept-alive connections with the
    WebClient's settings; each call takes the WebClient's timeout as it is then (it can be changed while
    running, as on a WebClient); `close()` closes the connections."""

    def __init__(
        self, client: WebClient, channels: ChannelDirectory, *, web: SlackWebApi | None = None
    ) -> None:
        self._client = client
        self._web = web or SlackWebApi.from_web_client(client)
        self._channels = channels

    @property
    def _timeout(self) -> float:
        return float(self._client.timeout)

    def call(self, method: str, args: dict[str, Any]) -> dict[str, Any]:
        return self._web.call(method, args, timeout=self._timeout)

    def history(self, channel_id: str, *, oldest: str, cursor: str | None) -> dict[str, Any]:
        args = {
            "channel": channel_id,
            "oldest": oldest,
            "limit": 200,
            "include_all_metadata": True,
            "cursor": cursor,
        }
        return self._web.form("conversations.history", args, timeout=self._timeout)

    def upload_url(self, *, filename: str, length: int, alt_txt: str) -> dict[str, Any]:
        args = {"filename": filename, "length": length, "alt_txt": alt_txt}
        return self._web.form("files.getUploadURLExternal", args, timeout=self._timeout)

    def complete_upload(self, *, file_id: str, title: str, channel_id: str, thread_ts: str) -> dict[str, Any]:
        files = json.dumps([{"id": file_id, "title": title}])
        args = {"files": files, "channel_id": channel_id, "thread_ts": thread_ts}
        return self._web.form("files.completeUploadExternal", args, timeout=self._timeout)

    def resolve(self, channel: str) -> str:
        with _answered():
            return self._channels.resolve(channel)

    def join(self, channel_id: str) -> None:
        with _answered():
            self._channels.join(channel_id)

    def forget(self, channel: str) -> None:
        self._channels.forget(channel)

    def close(self) -> None:
        self._web.close()
