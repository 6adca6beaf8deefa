"""The stand-in's Slack workspace: channels, people, messages, views and files, behind one lock.

Method handlers change it while holding `lock`; the stand-in's read accessors take the same lock and
hand out copies. Timestamps come from a clock so that a test's `ManualClock` makes them reproducible.
"""

from __future__ import annotations

import hashlib
import re
import threading
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from socialdesk.clock import Clock, SystemClock
from socialdesk.standin.args import ApiError
from socialdesk.standin.models import (
    Channel,
    Ephemeral,
    StandInUser,
    StandInUsergroup,
    StoredFile,
    StoredMessage,
    StoredView,
)

TEAM_ID = "T0STANDIN1"
TEAM_NAME = "Socialdesk Stand-in"
TEAM_DOMAIN = "socialdesk-standin"
BOT_USER_ID = "U0SDBOT001"
BOT_ID = "B0SDBOT001"
APP_ID = "A0SDAPP001"
BOT_NAME = "socialdesk"

# The ids match the ones in Slack-shaped test payloads (tests/support.py), so a slash command "from"
# C0SUPPORT1 / U0AGENT01 refers to something that exists here.
DEFAULT_CHANNELS: dict[str, str] = {
    "general": "C0GENERAL1",
    "social-support": "C0SUPPORT1",
    "social-managers": "C0MANAGER1",
    "social-duty": "C0SOCDUTY1",
}
DEFAULT_USERS: tuple[StandInUser, ...] = (
    StandInUser("U0AGENT01", "maria", "Maria Agent", "maria@example.com"),
    StandInUser("U0AGENT02", "sam", "Sam Agent", "sam@example.com"),
    StandInUser("U0MANAGER1", "priya", "Priya Manager", "priya@example.com", is_admin=True),
)
DEFAULT_USERGROUPS: tuple[StandInUsergroup, ...] = (
    StandInUsergroup("S0SOCIAL01", "social-team", "Social team", ("U0AGENT01", "U0AGENT02")),
)

_TRIGGER_FORMAT = re.compile(r"^[0-9]+\.[0-9]+\.[0-9A-Za-z]+$")


@dataclass
class ResponseUrlTarget:
    token: str
    channel: str | None
    user: str | None
    message_ts: str | None
    uses: int = 0


class Workspace:
    def __init__(
        self,
        *,
        channels: Mapping[str, str],
        users: Iterable[StandInUser],
        usergroups: Iterable[StandInUsergroup],
        clock: Clock | None = None,
    ) -> None:
        self.lock = threading.RLock()
        # Set by the server once it knows its port; upload URLs are absolute, as Slack's are.
        self.root_url = ""
        # Set while a SocketModeStandin is attached: issues the URL apps.connections.open answers with.
        self.socket_mode_url: Callable[[], str] | None = None
        self._clock: Clock = clock or SystemClock()
        self._last_us = 0
        self._counters: dict[str, int] = {}
        bot = StandInUser(BOT_USER_ID, BOT_NAME, "Socialdesk", is_bot=True)
        self.users: dict[str, StandInUser] = {u.id: u for u in (bot, *users)}
        self.usergroups: dict[str, StandInUsergroup] = {g.id: g for g in usergroups}
        self.channels: dict[str, Channel] = {}
        self._names: dict[str, str] = {}
        self.messages: dict[str, list[StoredMessage]] = {}
        self._index: dict[tuple[str, str], StoredMessage] = {}
        self.ephemerals: list[Ephemeral] = []
        self.views: dict[str, StoredView] = {}
        self.home_views: dict[str, str] = {}
        self.files: dict[str, StoredFile] = {}
        self.response_urls: dict[str, ResponseUrlTarget] = {}
        self.issued_triggers: dict[str, str | None] = {}
        self.used_triggers: set[str] = set()
        everyone = set(self.users)
        for name, channel_id in channels.items():
            self.add_channel(name, channel_id=channel_id, members=everyone, is_general=name == "general")

    # -- time and identifiers -------------------------------------------------------------

    def now(self) -> int:
        return int(self._clock.now().timestamp())

    def next_ts(self) -> str:
        """A Slack `ts`: epoch seconds.microseconds, strictly increasing even when the clock stands still."""
        with self.lock:
            now_us = int(self._clock.now().timestamp() * 1_000_000)
            self._last_us = max(now_us, self._last_us + 1)
            seconds, micros = divmod(self._last_us, 1_000_000)
            return f"{seconds}.{micros:06d}"

    def new_id(self, prefix: str) -> str:
        with self.lock:
            while True:
                count = self._counters.get(prefix, 0) + 1
                self._counters[prefix] = count
                candidate = f"{prefix}0SD{count:06X}"
                if (
                    candidate not in self.channels
                    and candidate not in self.views
                    and candidate not in self.files
                ):
                    return candidate

    def new_trigger_id(self, user: str | None) -> str:
        with self.lock:
            count = self._counters.get("trigger", 0) + 1
            self._counters["trigger"] = count
            digest = hashlib.sha1(f"trigger-{count}".encode()).hexdigest()[:32]
            trigger = f"{self.now()}.{count}.{digest}"
            self.issued_triggers[trigger] = user
            return trigger

    def exchange_trigger(self, trigger_id: str) -> str | None:
        """Spend a trigger_id once, as Slack does; returns the user it was issued for, if known."""
        if not _TRIGGER_FORMAT.match(trigger_id):
            raise ApiError("invalid_trigger_id")
        if trigger_id in self.used_triggers:
            raise ApiError("exchanged_trigger_id")
        self.used_triggers.add(trigger_id)
        return self.issued_triggers.get(trigger_id)

    # -- channels ---------------------------------------------------------------------------

    def add_channel(
        self,
        name: str,
        *,
        channel_id: str | None = None,
        members: Iterable[str] = (),
        is_private: bool = False,
        is_general: bool = False,
        creator: str = BOT_USER_ID,
    ) -> Channel:
        with self.lock:
            cid = channel_id or self.new_id("G" if is_private else "C")
            channel = Channel(
                id=cid,
                name=name,
                created=self.now(),
                creator=creator,
                is_private=is_private,
                is_general=is_general,
                members={BOT_USER_ID, *members},
            )
            self.channels[cid] = channel
            self._names[name] = cid
            self.messages[cid] = []
            return channel

    def channel_named(self, name: str) -> Channel | None:
        cid = self._names.get(name)
        return self.channels.get(cid) if cid else None

    def resolve_channel(self, value: str | None, *, allow_name: bool, allow_user: bool = False) -> Channel:
        """The channel an argument names, or `channel_not_found`, following Slack's rules per method.

        Only chat.postMessage / chat.postEphemeral take a `#name` or a user id (which means the app's
        direct message with that person); every other method needs the encoded channel id.
        """
        if not value:
            raise ApiError("channel_not_found")
        if value in self.channels:
            return self.channels[value]
        if allow_user and value in self.users:
            return self.dm_channel(value)
        if allow_name:
            channel = self.channel_named(value.removeprefix("#"))
            if channel is not None:
                return channel
        raise ApiError("channel_not_found")

    def lookup_channel(self, key: str) -> Channel:
        """For the stand-in's own accessors: an id, a name with or without `#`, or a user id (their DM)."""
        with self.lock:
            try:
                return self.resolve_channel(key, allow_name=True, allow_user=True)
            except ApiError:
                raise LookupError(f"the stand-in has no channel {key!r}") from None

    def dm_channel(self, user_id: str) -> Channel:
        with self.lock:
            for channel in self.channels.values():
                if channel.is_im and channel.im_user == user_id:
                    return channel
            cid = self.new_id("D")
            channel = Channel(
                id=cid,
                name=cid,
                created=self.now(),
                creator=BOT_USER_ID,
                is_im=True,
                members={BOT_USER_ID, user_id},
                im_user=user_id,
            )
            self.channels[cid] = channel
            self.messages[cid] = []
            return channel

    # -- messages ---------------------------------------------------------------------------

    def post(
        self,
        channel: Channel,
        *,
        text: str,
        blocks: list[dict[str, Any]] | None = None,
        attachments: list[dict[str, Any]] | None = None,
        metadata: dict[str, Any] | None = None,
        thread_ts: str | None = None,
        reply_broadcast: bool = False,
        files: list[str] | None = None,
    ) -> StoredMessage:
        """Store a message; `thread_ts` must already be a top-level message (see `thread_root`)."""
        ts = self.next_ts()
        message = StoredMessage(
            channel=channel.id,
            ts=ts,
            text=text,
            user=BOT_USER_ID,
            blocks=with_block_ids(blocks, ts),
            attachments=attachments,
            metadata=metadata,
            thread_ts=thread_ts,
            reply_broadcast=reply_broadcast,
            files=list(files or []),
        )
        if thread_ts is None:
            self.messages[channel.id].append(message)
        else:
            self._index[(channel.id, thread_ts)].replies.append(message)
        self._index[(channel.id, ts)] = message
        return message

    def find_message(self, channel_id: str, ts: str | None) -> StoredMessage | None:
        return self._index.get((channel_id, ts)) if ts else None

    def thread_root(self, channel_id: str, thread_ts: str) -> str:
        """The ts to file a reply under: replies to a reply land in the parent's thread, as in Slack."""
        parent = self.find_message(channel_id, thread_ts)
        if parent is None:
            raise ApiError("thread_not_found")
        return parent.thread_ts or parent.ts

    def delete_message(self, message: StoredMessage) -> None:
        self._index.pop((message.channel, message.ts), None)
        if message.thread_ts is None:
            self.messages[message.channel].remove(message)
        else:
            self._index[(message.channel, message.thread_ts)].replies.remove(message)

    def permalink(self, message: StoredMessage) -> str:
        link = f"https://{TEAM_DOMAIN}.slack.com/archives/{message.channel}/p{message.ts.replace('.', '')}"
        if message.thread_ts:
            link += f"?thread_ts={message.thread_ts}&cid={message.channel}"
        return link


def with_block_ids(blocks: list[dict[str, Any]] | None, seed: str) -> list[dict[str, Any]] | None:
    """Give every block a block_id, as Slack does, so action payloads built from them look real."""
    if blocks is None:
        return None
    result = []
    for index, block in enumerate(blocks):
        if isinstance(block, dict) and "block_id" not in block:
            digest = hashlib.sha1(f"{seed}/{index}".encode()).hexdigest()
            block = {**block, "block_id": _short_id(digest)}
        result.append(block)
    return result


_ALPHABET = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"


def _short_id(hex_digest: str) -> str:
    number = int(hex_digest[:12], 16)
    chars = []
    for _ in range(5):
        number, rem = divmod(number, len(_ALPHABET))
        chars.append(_ALPHABET[rem])
    return "".join(chars)
