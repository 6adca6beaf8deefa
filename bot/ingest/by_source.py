"""Which source reads an inbox row: the registry's, by the row's source name.

| inbox source     | read by                                                                   |
| ---------------- | ------------------------------------------------------------------------- |
| `<name>`         | the active source `<name>`'s `normalize` (webhook deliveries)             |
| `<name>_poll`    | its poller's `normalize`, else the source's (pages its poller fetched;    |
|                  | `x_poll` rows written before the sources were plugins are the same)       |
| `history`        | the `generic` source (`socialdesk ingest --historical`; the row's name is |
|                  | what marks its cases as history, bot/ingest/history.py)                   |

A source that is not active (not installed, off, switched off after a failure) cannot read a row: the
row fails with `SourceUnavailable` and keeps its body, so nothing is lost and it can be replayed once
the source runs again. A `normalize` that raises anything but `MalformedPayload` switches its plugin off
(through `PluginSet.guarded`) and the row is kept the same way.

Ingest reads a row with `ingest`: `normalize`, then the source's `complete` for each mention (a platform
call for what the delivery left out: an Instagram @mention's author and text). Before a body is stored
(the webhook handler, `socialdesk ingest` lines) it is only normalized, never completed: the sender waits.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime
from typing import Any, Final, Protocol, TypeVar

from socialdesk.ingest.history import HISTORY_SOURCE
from socialdesk.ingest.normalizers import parse_json
from socialdesk.plugins.mentions import MalformedPayload, NormalizedMention, NormalizeResult
from socialdesk.plugins.payloads import BrandAccounts
from socialdesk.plugins.source import Source

T = TypeVar("T")


class SourceRegistry(Protocol):
    """What the reader needs of the plugin registry (socialdesk.plugin_host.registry.PluginSet); a
    protocol so that ingest does not import the plugin host, which imports ingest."""

    @property
    def records(self) -> Sequence[Any]: ...

    def source(self, name: str) -> Source | None: ...

    def guarded(
        self,
        item: Any,
        hook: str,
        call: Callable[[], T],
        fallback: T,
        *,
        expected: tuple[type[BaseException], ...] = (),
    ) -> T: ...


POLL_SUFFIX: Final = "_poll"
ALIASES: Final = {HISTORY_SOURCE: "generic"}

Reader = Callable[[Any, BrandAccounts], NormalizeResult]


class SourceUnavailable(LookupError):
    """No active source reads this inbox row; the row keeps its body."""


def poll_feed(source: Source) -> str:
    """The inbox source name of the pages `source`'s poller fetched."""
    return source.name + POLL_SUFFIX


class InboxReader:
    def __init__(self, plugins: SourceRegistry) -> None:
        self._plugins = plugins

    def resolve(self, inbox_source: str) -> tuple[Source, Reader]:
        name = ALIASES.get(inbox_source, inbox_source)
        source = self._plugins.source(name)
        if source is not None:
            return source, source.normalize
        if name.endswith(POLL_SUFFIX):
            polled = self._plugins.source(name.removesuffix(POLL_SUFFIX))
            if polled is not None:
                return polled, polled.normalize_poll
        raise SourceUnavailable(
            f"no active source reads inbox rows of {inbox_source!r}{self._why(name)}; the body is kept"
        )

    def _why(self, name: str) -> str:
        """Why the source of that name is not running, when a plugin once gave it."""
        base = name.removesuffix(POLL_SUFFIX)
        for record in self._plugins.records:
            if any(isinstance(c, Source) and c.name in (name, base) for c in record.contributions):
                return f" (plugin {record.name} is {record.status})"
        return ""

    def read(self, source: Source, reader: Reader, payload: Any, brand: BrandAccounts) -> NormalizeResult:
        """`reader(payload, brand)` through the plugin guard: `MalformedPayload` passes, anything else
        switches the source's plugin off and becomes `SourceUnavailable`."""
        result = self._plugins.guarded(
            source, "normalize", lambda: reader(payload, brand), None, expected=(MalformedPayload,)
        )
        if result is None:
            raise SourceUnavailable(f"source {source.name} is switched off; the body is kept")
        return result

    def normalize(self, inbox_source: str, body: bytes, brand: BrandAccounts) -> NormalizeResult:
        """Parse and normalize one body: what a body is checked with before it is stored (`MalformedPayload`
        tells the sender what is wrong). No `complete`: nothing calls the platform while a sender waits."""
        source, reader = self.resolve(inbox_source)
        return self.read(source, reader, parse_json(body), brand)

    def ingest(
        self, inbox_source: str, body: bytes, brand: BrandAccounts, *, now: datetime
    ) -> NormalizeResult:
        """The ingest pipeline's reading of a stored row: normalized, then each mention completed by its
        source (`Source.complete`, which may call the platform)."""
        source, reader = self.resolve(inbox_source)
        result = self.read(source, reader, parse_json(body), brand)
        if result.mentions:
            result.mentions = [self.complete(source, m, now=now) for m in result.mentions]
        return result

    def complete(self, source: Source, mention: NormalizedMention, *, now: datetime) -> NormalizedMention:
        """`source.complete(mention)` through the plugin guard: anything it raises switches the source's
        plugin off and becomes `SourceUnavailable`, so the row keeps its body for a later try."""
        completed = self._plugins.guarded(source, "complete", lambda: source.complete(mention, now=now), None)
        if completed is None:
            raise SourceUnavailable(f"source {source.name} is switched off; the body is kept")
        return completed
