"""Channel names in the config -> Slack channel ids, learned once and kept in the store.

A configured channel that does not exist yet is created (scope `channels:manage`) and joined, so a
fresh workspace works without anyone pre-creating channels.
"""

from __future__ import annotations

import re
import threading

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from sqlalchemy import Engine
from sqlmodel import Session, select

from socialdesk.domain.models import SlackChannel
from socialdesk.store.db import writer

# A user id is a valid chat.postMessage channel: the message goes to the app's DM with that person.
_CHANNEL_ID = re.compile(r"^[CGDUW][A-Z0-9]{2,}$")


def is_channel_id(value: str) -> bool:
    return bool(_CHANNEL_ID.match(value))


class ChannelDirectory:
    def __init__(self, *, client: WebClient, engine: Engine) -> None:
        self._client = client
        self._engine = engine
        self._cache: dict[str, str] = {}
        self._lock = threading.Lock()

    def resolve(self, channel: str) -> str:
        """The id of `channel` (an id, `#name` or `name`); may call Slack. Raises SlackApiError."""
        if is_channel_id(channel):
            return channel
        name = channel.lstrip("#")
        with self._lock:
            if name in self._cache:
                return self._cache[name]
            with Session(self._engine) as session:
                row = session.get(SlackChannel, name)
                if row is not None:
                    self._cache[name] = row.channel_id
                    return row.channel_id
            channel_id = self._find(name) or self._create(name)
            self._remember(name, channel_id)
            return channel_id

    def forget(self, channel_id: str) -> None:
        """After `channel_not_found` the mapping is stale (channel deleted or renamed)."""
        with self._lock:
            for name, cid in list(self._cache.items()):
                if cid == channel_id:
                    del self._cache[name]
            with Session(writer(self._engine)) as session:
                for row in session.exec(
                    select(SlackChannel).where(SlackChannel.channel_id == channel_id)
                ).all():
                    session.delete(row)
                session.commit()

    def join(self, channel_id: str) -> None:
        self._client.conversations_join(channel=channel_id)

    def _find(self, name: str) -> str | None:
        cursor: str | None = None
        while True:
            page = self._client.conversations_list(
                types="public_channel,private_channel", exclude_archived=True, limit=200, cursor=cursor
            )
            for ch in page.get("channels") or []:
                if ch.get("name") == name:
                    if not ch.get("is_member") and not ch.get("is_private"):
                        self.join(ch["id"])
                    return str(ch["id"])
            cursor = (page.get("response_metadata") or {}).get("next_cursor") or None
            if not cursor:
                return None

    def _create(self, name: str) -> str:
        try:
            created = self._client.conversations_create(name=name)
        except SlackApiError as exc:
            if exc.response.get("error") == "name_taken":  # created by someone else in between
                found = self._find(name)
                if found:
                    return found
            raise
        return str(created["channel"]["id"])

    def _remember(self, name: str, channel_id: str) -> None:
        self._cache[name] = channel_id
        with Session(writer(self._engine)) as session:
            session.merge(SlackChannel(name=name, channel_id=channel_id))
            session.commit()
