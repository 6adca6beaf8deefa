"""The outbox's upload kind (`RENDER_DIGEST_CHART`): a PNG into the thread of a message the outbox
posted before it.

Slack's external upload is three calls: files.getUploadURLExternal (a file id and an upload URL), a
POST of the bytes to that URL, and files.completeUploadExternal, which shares the file into the
channel or thread. Only the last is visible, and only it must never happen twice. So the row keeps its
progress between attempts (``file_id`` and ``upload_url`` after the first call, ``uploaded`` after the
POST), and a retry resumes from there. Completing a file Slack has already completed answers
``file_not_found``: since this row uploaded the bytes itself, that means an earlier attempt completed
it and lost the answer, so the row is done, not shared again.

The chart is drawn when the upload goes out, from the data on the row (like cards are drawn at send
time), so the row stays a few kilobytes, by the drawer its ``chart_kind`` names: features register their
drawers (the digest's, the crisis review's) at composition time, as they register their renderers.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

import httpx
from sqlalchemy import Engine
from sqlmodel import Session, select

from socialdesk.domain.enums import OutboxStatus
from socialdesk.domain.models import OutboxMessage
from socialdesk.outbox.transport import CallError, ChatApi
from socialdesk.store.db import writer
from socialdesk.store.notices_repo import mark_sent

UPLOAD_TIMEOUT_SECONDS = 30.0


class NotReady(ConnectionError):
    """The upload cannot go yet (the post has no ts, the upload URL expired): retry with backoff.
    A ConnectionError, so the sender treats it like a network failure (backoff, kept pending)."""


# A chart's PNG from the JSON data on its row (matplotlib is imported by the drawer, when it draws).
DrawChart = Callable[[Any], bytes]
DEFAULT_CHART_KIND = "digest"  # rows queued before charts had kinds


class FileUploads:
    """The `Delivery` of chart uploads (socialdesk.outbox.renderers), with its table of chart drawers."""

    def __init__(self, *, engine: Engine, api: ChatApi) -> None:
        self._engine = engine
        self._writer = writer(engine)
        self._api = api
        self._drawers: dict[str, DrawChart] = {}

    def register_chart(self, chart_kind: str, draw: DrawChart) -> None:
        if chart_kind in self._drawers:
            raise ValueError(f"chart kind {chart_kind!r} is registered twice")
        self._drawers[chart_kind] = draw

    def draw(self, state: dict[str, Any]) -> bytes:
        """The PNG of a row's ``chart`` data. LookupError for a kind nobody draws: the row fails for good,
        with the reason."""
        kind = str(state.get("chart_kind") or DEFAULT_CHART_KIND)
        drawer = self._drawers.get(kind)
        if drawer is None:
            raise LookupError(f"unknown chart kind {kind!r}")
        return drawer(state["chart"])

    def send(self, item: OutboxMessage, now: datetime) -> tuple[dict[str, Any], str]:
        """Upload the row's chart into its post's thread; returns Slack's answer and the channel id.

        Raises CallError and OSError like a Web API call does, and LookupError when the post it
        belongs to failed for good (nothing to thread it under).
        """
        state = dict(item.payload)
        post = self._post(str(state.get("after", "")))
        if post is None or post.status is OutboxStatus.DEAD:
            raise LookupError(f"the post {state.get('after')!r} of outbox {item.id} was not sent")
        if post.result_ts is None:
            raise NotReady("the post has no ts yet")
        channel_id = self._api.resolve(post.channel)
        png = self.draw(state)
        filename, title = str(state.get("filename") or "chart.png"), str(state.get("title") or "Chart")
        if not state.get("file_id"):
            issued = self._api.upload_url(filename=filename, length=len(png), alt_txt=title[:1000])
            state.update(file_id=issued["file_id"], upload_url=issued["upload_url"], uploaded=False)
            self._save(item, state)
        if not state.get("uploaded"):
            self._post_bytes(item, state, png)
        try:
            answer = self._api.complete_upload(
                file_id=str(state["file_id"]), title=title, channel_id=channel_id, thread_ts=post.result_ts
            )
        except CallError as exc:
            if exc.error != "file_not_found":
                raise
            answer = {"ok": True, "already_completed": state["file_id"]}
        self._finish(state, now)
        return answer, channel_id

    def _post(self, dedupe_key: str) -> OutboxMessage | None:
        with Session(self._engine) as session:
            return session.exec(select(OutboxMessage).where(OutboxMessage.dedupe_key == dedupe_key)).first()

    def _post_bytes(self, item: OutboxMessage, state: dict[str, Any], png: bytes) -> None:
        try:
            response = httpx.post(str(state["upload_url"]), content=png, timeout=UPLOAD_TIMEOUT_SECONDS)
        except httpx.HTTPError as exc:
            raise ConnectionError(f"upload: {type(exc).__name__}") from exc
        if response.status_code == 404:
            # The URL expired or was never valid: start again from a new one.
            state.update(file_id=None, upload_url=None, uploaded=False)
            self._save(item, state)
            raise NotReady("the upload URL is gone")
        if response.status_code >= 300:
            raise ConnectionError(f"upload: http_{response.status_code}")
        state["uploaded"] = True
        self._save(item, state)

    def _save(self, item: OutboxMessage, state: dict[str, Any]) -> None:
        """Progress kept on the row before the next step, so a crash or retry resumes, never repeats."""
        with Session(self._writer) as session:
            row = session.get(OutboxMessage, item.id)
            if row is None:
                raise LookupError(f"outbox {item.id} is gone")
            row.payload = dict(state)  # a new dict: the JSON column is saved only when reassigned
            session.add(row)
            session.commit()
        item.payload = dict(state)

    def _finish(self, state: dict[str, Any], now: datetime) -> None:
        with Session(self._writer) as session:
            for key in state.get("notices") or []:
                mark_sent(session, str(key), now)
            session.commit()
