"""The table of renderers: what turns an outbox row into its call, keyed by the payload's `render` kind.

Features register their kinds at composition time (bot/app.py): the case card, its thread lines, the SLA
alerts, the roll-up, the chart uploads. The sender looks a row's kind up here and knows no kind by name;
a kind nobody registered fails that row for good, with the kind in its reason. A row without a `render`
kind is a call queued as it goes (a DM, a pin, an invite) and is sent through `render.as_queued`.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol

from sqlmodel import Session

from socialdesk.domain.models import OutboxMessage

# Arguments of `item.method`, drawn from the current state when the row is sent, always with a `channel`
# (an id or a name to resolve). Raises LookupError when what it draws is gone: the row fails for good.
Renderer = Callable[[Session, OutboxMessage, datetime], dict[str, Any]]


@dataclass(frozen=True, slots=True)
class Post:
    """A post Slack took: its row, the message's ts and the channel's id."""

    item: OutboxMessage
    ts: str
    channel_id: str


class Posted(Protocol):
    """Told the posts of its kind, in the transaction that marks their rows sent (a case card records
    its ts on the case, so its updates and thread lines find it). Several at once: the sender marks a
    batch of posts in one transaction (outbox/marks.py)."""

    def __call__(self, session: Session, posts: Sequence[Post]) -> None: ...


class Delivery(Protocol):
    """A kind that makes its own calls (a file upload is three): it keeps its progress on the row between
    attempts, so its row is claimed without a row lock, and it waits for the post it belongs to
    (`payload["after"]`) itself. Returns the platform's answer and the channel id."""

    def send(self, item: OutboxMessage, now: datetime) -> tuple[dict[str, Any], str]: ...


@dataclass(frozen=True, slots=True)
class Kind:
    render: Renderer | None = None
    deliver: Delivery | None = None
    posted: Posted | None = None


class UnknownRender(LookupError):
    """A row whose kind no feature registered: nothing can draw it, so retrying cannot help."""


class RenderTable:
    def __init__(self) -> None:
        self._kinds: dict[str, Kind] = {}

    def register(self, kind: str, render: Renderer, *, posted: Posted | None = None) -> None:
        self._add(kind, Kind(render=render, posted=posted))

    def register_delivery(self, kind: str, deliver: Delivery) -> None:
        self._add(kind, Kind(deliver=deliver))

    def _add(self, kind: str, entry: Kind) -> None:
        # Two features claiming one kind would make which one draws it depend on wiring order.
        if kind in self._kinds:
            raise ValueError(f"outbox render kind {kind!r} is registered twice")
        self._kinds[kind] = entry

    def kinds(self) -> frozenset[str]:
        return frozenset(self._kinds)

    def lookup(self, kind: str) -> Kind:
        entry = self._kinds.get(kind)
        if entry is None:
            raise UnknownRender(f"unknown render kind {kind!r} (no feature registered it)")
        return entry

    def delivers(self, item: OutboxMessage) -> bool:
        """Whether the row's kind makes its own calls (False for an unknown kind: it fails at send)."""
        kind = item.payload.get("render")
        entry = self._kinds.get(str(kind)) if kind is not None else None
        return entry is not None and entry.deliver is not None
