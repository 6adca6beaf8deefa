"""The stand-in's records: the people and groups it is seeded with, and what callers left behind.

Everything handed out of the stand-in is a copy, so a test can keep and compare snapshots while the
server keeps answering on other threads.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal


@dataclass(frozen=True)
class StandInUser:
    id: str
    name: str
    real_name: str
    email: str | None = None
    is_bot: bool = False
    is_admin: bool = False
    tz: str = "Etc/UTC"
    tz_offset: int = 0


@dataclass(frozen=True)
class StandInUsergroup:
    id: str
    handle: str
    name: str
    users: tuple[str, ...] = ()


@dataclass
class ChannelLabel:
    """A channel's topic or purpose: Slack keeps who set it and when next to the text."""

    value: str = ""
    creator: str = ""
    last_set: int = 0


@dataclass(frozen=True)
class Pin:
    """A message pinned to a channel (pins.add), by its ts."""

    ts: str
    created: int
    created_by: str


@dataclass
class Channel:
    id: str
    name: str
    created: int
    creator: str
    is_private: bool = False
    is_im: bool = False
    is_general: bool = False
    is_archived: bool = False
    members: set[str] = field(default_factory=set)
    # For a direct-message channel: the other person.
    im_user: str | None = None
    topic: ChannelLabel = field(default_factory=ChannelLabel)
    purpose: ChannelLabel = field(default_factory=ChannelLabel)
    pins: list[Pin] = field(default_factory=list)  # oldest first


@dataclass
class StoredMessage:
    """A message as it stands now (after any chat.update), with its thread replies oldest first."""

    channel: str
    ts: str
    text: str
    user: str
    blocks: list[dict[str, Any]] | None = None
    attachments: list[dict[str, Any]] | None = None
    metadata: dict[str, Any] | None = None
    thread_ts: str | None = None
    reply_broadcast: bool = False
    edited_ts: str | None = None
    files: list[str] = field(default_factory=list)
    replies: list[StoredMessage] = field(default_factory=list)


@dataclass(frozen=True)
class Ephemeral:
    """A message only `user` saw: chat.postEphemeral, or a response_url post with response_type ephemeral."""

    channel: str | None
    user: str | None
    ts: str
    text: str
    blocks: list[dict[str, Any]] | None
    thread_ts: str | None
    source: str


@dataclass
class StoredView:
    id: str
    type: Literal["modal", "home"]
    payload: dict[str, Any]
    hash: str
    root_view_id: str
    previous_view_id: str | None
    user: str | None
    # Modals leave the stack when Slack would close them; the stand-in never closes them itself.
    via: str = "views.open"


@dataclass
class StoredFile:
    id: str
    filename: str
    length: int
    created: int
    user: str
    alt_txt: str | None = None
    title: str | None = None
    content: bytes | None = None
    completed: bool = False
    channels: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class RecordedCall:
    """One request the stand-in answered.

    `method` is the Web API method name, or "upload" for a POST to an upload URL, or "response_url".
    `args` are the arguments as the method saw them: query and body merged, JSON-valued form fields
    (blocks, view, attachments, files, metadata) decoded, the token left out. Header names are lower-case.
    `response` is the decoded JSON answer, or the text of a non-JSON one.
    """

    method: str
    args: dict[str, Any]
    headers: dict[str, str]
    status: int
    response: dict[str, Any] | str | None
    body: bytes = b""
    path: str = ""
