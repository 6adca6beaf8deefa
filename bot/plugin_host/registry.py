"""The running plugins: what each contributes, and the guard every hook call goes through.

`PluginSet` is built once per runtime from the loaded records. The core asks it for sources (by name, by
platform, by shared route), enrichers in order, commands by name, jobs, card sections and observers, and
calls a hook through `guarded`, which turns an exception into "switch that plugin off, count it, report
it once" and returns the caller's fallback, so a broken plugin never loses or blocks a mention.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Collection, Iterator
from typing import Any, TypeVar

from socialdesk.plugin_host.loading import LoadedPlugin
from socialdesk.plugins.kinds import CardSection, Command, Enricher, EventObserver, Job
from socialdesk.plugins.plugin import Contribution
from socialdesk.plugins.source import Source

log = logging.getLogger(__name__)

T = TypeVar("T")

# (plugin name, reason) -> None: the runtime posts it to the duty channel once and counts it.
FailureReporter = Callable[[str, str], None]


class PluginSet:
    def __init__(self, records: list[LoadedPlugin]) -> None:
        self.records = records
        self._owner: dict[int, LoadedPlugin] = {}
        for record in records:
            for item in record.contributions:
                self._owner[id(item)] = record
        self._lock = threading.Lock()
        self._reporters: list[FailureReporter] = []
        self._deferred: list[FailureReporter] = []
        self._pending: list[tuple[str, str]] = []

    # --- what is running -------------------------------------------------------------------------------
    def _active(self) -> Iterator[Contribution]:
        # An "off" record holds contributions only when it is a channel without its settings: its source
        # stays in place (webhook 503 and replies refused, both naming the variable; stored rows read).
        for record in self.records:
            if record.status in ("active", "off"):
                yield from record.contributions

    def owner(self, item: object) -> LoadedPlugin:
        return self._owner[id(item)]

    def is_active(self, item: object) -> bool:
        record = self._owner.get(id(item))
        return record is not None and record.status in ("active", "off")

    def sources(self) -> list[Source]:
        return list(c for c in self._active() if isinstance(c, Source))

    def source(self, name: str) -> Source | None:
        return next((s for s in (c for c in self._active() if isinstance(c, Source)) if s.name == name), None)

    def source_for_platform(self, platform: str) -> Source | None:
        """The source that answers on `platform` (the first that declares it)."""
        for source in (c for c in self._active() if isinstance(c, Source)):
            if any(spec.name == platform for spec in source.platforms):
                return source
        return None

    def enrichers(self) -> list[Enricher]:
        found = [c for c in self._active() if isinstance(c, Enricher)]
        return sorted(found, key=lambda e: (e.order, self.owner(e).name, e.name))

    def commands(self) -> dict[str, Command]:
        return {c.name: c for c in self._active() if isinstance(c, Command)}

    def jobs(self) -> list[Job]:
        return list(c for c in self._active() if isinstance(c, Job))

    def refuse_command_names(self, reserved: Collection[str]) -> None:
        """Switch off a plugin whose subcommand takes a built-in name, or one another plugin has."""
        taken = set(reserved)
        for command in [c for c in self._active() if isinstance(c, Command)]:
            if command.name in taken:
                self.switch_off(self.owner(command), f"command: /social {command.name} is already taken")
            taken.add(command.name)

    def card_sections(self) -> list[CardSection]:
        return list(c for c in self._active() if isinstance(c, CardSection))

    def observers(self) -> list[EventObserver]:
        return list(c for c in self._active() if isinstance(c, EventObserver))

    def readiness(self) -> dict[str, Any]:
        """The `/readyz` detail: each plugin's status, its problems (why it is off or failed, the settings
        it runs without) and what its sources report wrong right now (`Source.troubles`)."""
        detail: dict[str, Any] = {}
        for r in self.records:
            problems = list(r.problems)
            if r.status == "active":
                for source in (c for c in r.contributions if isinstance(c, Source)):
                    problems.extend(self.guarded(source, "troubles", source.troubles, []))
            detail[r.name] = {"status": r.status, **({"problems": problems} if problems else {})}
        return {"plugins": detail}

    def problems(self) -> list[str]:
        return [f"{r.name}: {p}" for r in self.records if r.status == "failed" for p in r.problems]

    # --- isolation -------------------------------------------------------------------------------------
    def on_failure(self, reporter: FailureReporter, *, deferred: bool = False) -> None:
        """`reporter` is told of each plugin switched off. A `deferred` one (it writes to the database)
        is told at the next `flush_reports`, never inside the hook's caller: a hook may fail in the
        middle of ingest's write transaction, where a second writer would wait for the first forever."""
        (self._deferred if deferred else self._reporters).append(reporter)

    def flush_reports(self) -> None:
        """Tell the deferred reporters what failed since the last flush (called outside transactions)."""
        with self._lock:
            pending, self._pending = self._pending, []
        for name, reason in pending:
            self._tell(self._deferred, name, reason)

    def _tell(self, reporters: list[FailureReporter], name: str, reason: str) -> None:
        for report in reporters:
            try:
                report(name, reason)
            except Exception:  # reporting must not turn one failure into two
                log.exception("reporting the failure of plugin %s failed", name)

    def switch_off(self, record: LoadedPlugin, reason: str) -> None:
        with self._lock:
            if record.status == "failed":
                return
            record.fail(reason)
        log.error("plugin %s switched off: %s", record.name, reason)
        self._tell(self._reporters, record.name, reason)
        with self._lock:
            self._pending.append((record.name, reason))

    def guarded(
        self,
        item: Contribution,
        hook: str,
        call: Callable[[], T],
        fallback: T,
        *,
        expected: tuple[type[BaseException], ...] = (),
    ) -> T:
        """`call()`, or `fallback` when the plugin failed or the call raises (which switches it off).

        Exceptions in `expected` are part of the hook's contract (a source's `MalformedPayload`, a
        reply's `PlatformError`): they pass through to the caller and leave the plugin on."""
        record = self._owner.get(id(item))
        # An "off" plugin is a channel without its settings: its hooks still answer (503 naming them).
        if record is None or record.status == "failed":
            return fallback
        try:
            return call()
        except expected:
            raise
        except Exception as exc:
            log.exception("plugin %s: %s raised", record.name, hook)
            self.switch_off(record, f"{hook} raised {type(exc).__name__}: {exc}")
            return fallback


EMPTY = PluginSet([])
