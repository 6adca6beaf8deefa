"""The sources' pollers as scheduled jobs: leader-only, the cursor kept in the database.

Each active source with a `poller` gets the job `poll-<name>` every `poller.every`. A run reads the
source's position from the `cursor` table (key `poll:<name>`, JSON `{"cursor", "retry_at"}`), calls
`poll`, stores every body it fetched in the inbox as `<name>_poll` (deduplicated like a webhook
redelivery), then stores the new cursor. A crash between the two fetches those pages again and the
inbox's dedupe absorbs them: delivery is at-least-once, a page is never skipped.

`RateLimited` is honoured: no call before `retry_at`, across restarts and replicas. Any other exception
is logged and counted (`socialdesk_poller_runs_total{outcome="error"}`) and the same cursor is tried at
the next run; a network failure is not a broken plugin, so the source stays on.

What stopped the last run (the exception's message, or the back-off and its reason) is kept with the
cursor until a run succeeds, and `/readyz` shows it beside the plugin's status on every replica (only
the leader polls): "the platform refused the token" is then one probe away, not only in the leader's
log. Sources write these messages for people and never put a secret in them.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal

from sqlalchemy import Engine

from socialdesk.clock import Clock, as_utc
from socialdesk.domain.models import Cursor
from socialdesk.ingest import inbox
from socialdesk.ingest.by_source import poll_feed
from socialdesk.ingest.normalizers import as_utf8
from socialdesk.jobs import Job
from socialdesk.metrics import Metrics
from socialdesk.plugin_host.registry import PluginSet
from socialdesk.plugins.source import RateLimited, Source
from socialdesk.store.db import session_scope

log = logging.getLogger(__name__)

Outcome = Literal["ok", "waiting", "rate_limited", "error", "off"]


def cursor_key(source: Source) -> str:
    return f"poll:{source.name}"


@dataclass(slots=True)
class PollState:
    cursor: str | None = None
    retry_at: datetime | None = None
    # The last run's trouble ({"outcome", "detail", "at"}), cleared by a run that succeeds.
    trouble: dict[str, str] | None = None

    @classmethod
    def loads(cls, raw: str) -> PollState:
        data = json.loads(raw) if raw else {}
        retry = data.get("retry_at")
        trouble = data.get("trouble")
        return cls(
            cursor=data.get("cursor"),
            retry_at=as_utc(datetime.fromisoformat(retry)) if retry else None,
            trouble=trouble if isinstance(trouble, dict) else None,
        )

    def dumps(self) -> str:
        retry = self.retry_at.isoformat() if self.retry_at is not None else None
        data: dict[str, object] = {"cursor": self.cursor, "retry_at": retry}
        if self.trouble is not None:
            data["trouble"] = self.trouble
        return json.dumps(data, sort_keys=True)


def _trouble(outcome: str, detail: str, now: datetime) -> dict[str, str]:
    flat = " ".join(detail.split())
    return {"outcome": outcome, "detail": flat[:500], "at": now.isoformat()}


class SourcePolling:
    def __init__(
        self,
        *,
        plugins: PluginSet,
        engine: Engine,
        clock: Clock,
        metrics: Metrics,
        on_stored: Callable[[], None],
    ) -> None:
        self._plugins = plugins
        self._engine = engine
        self._clock = clock
        self._metrics = metrics
        self._on_stored = on_stored  # wakes the ingest worker

    def jobs(self) -> list[Job]:
        found = []
        for source in self._plugins.sources():
            if source.poller is not None:
                every = max(1, int(source.poller.every.total_seconds()))
                found.append(
                    Job(
                        f"poll-{source.name}",
                        lambda s=source: self.poll(s),  # type: ignore[misc]
                        every_seconds=every,
                        misfire_grace_seconds=every,
                        leader_only=True,  # one poller per deployment: one rate limit, one cursor
                    )
                )
        return found

    # -- the cursor ---------------------------------------------------------------------------------
    def state(self, source: Source) -> PollState:
        with session_scope(self._engine) as session:
            row = session.get(Cursor, cursor_key(source))
            return PollState.loads(row.value) if row is not None else PollState()

    def _save(self, source: Source, state: PollState, now: datetime) -> None:
        with session_scope(self._engine) as session:
            row = session.get(Cursor, cursor_key(source))
            if row is None:
                row = Cursor(key=cursor_key(source), value="", updated_at=now)
            row.value = state.dumps()
            row.updated_at = now
            session.add(row)

    def readiness(self, detail: dict[str, Any]) -> dict[str, Any]:
        """`/readyz`'s plugin detail with each poller's last trouble added under its plugin (`last_poll`)."""
        plugins = detail.get("plugins")
        if not isinstance(plugins, dict):
            return detail
        sources = {cursor_key(s): s for s in self._plugins.sources() if s.poller is not None}
        if not sources:
            return detail
        with session_scope(self._engine) as session:
            rows = [session.get(Cursor, key) for key in sources]
        for row in rows:
            if row is None:
                continue
            trouble = PollState.loads(row.value).trouble
            if trouble is None:
                continue
            owner = self._plugins.owner(sources[row.key]).name
            if isinstance(plugins.get(owner), dict):
                plugins[owner] = {**plugins[owner], "last_poll": trouble}
        return detail

    # -- one run ------------------------------------------------------------------------------------
    def poll(self, source: Source) -> Outcome:
        outcome = self._poll(source)
        self._metrics.poller_runs.labels(source=source.name, outcome=outcome).inc()
        return outcome

    def _poll(self, source: Source) -> Outcome:
        poller = source.poller
        if poller is None or not self._plugins.is_active(source):
            return "off"
        state = self.state(source)
        now = self._clock.now()
        if state.retry_at is not None and now < state.retry_at:
            return "waiting"
        try:
            result = poller.poll(state.cursor, now=now)
        except RateLimited as exc:
            state.retry_at = as_utc(exc.retry_at)
            waiting = f"{exc} (no call before {state.retry_at:%H:%M} UTC)"
            state.trouble = _trouble("rate_limited", waiting, now)
            self._save(source, state, now)
            log.info("poller %s rate limited until %s", source.name, state.retry_at)
            return "rate_limited"
        except Exception as exc:
            log.warning(
                "poller %s failed (%s): %s; the same cursor is tried next time",
                source.name,
                type(exc).__name__,
                exc,
            )
            state.trouble = _trouble("error", f"{type(exc).__name__}: {exc}", now)
            self._save(source, state, now)  # the cursor unchanged: the same one is tried next time
            return "error"
        for body in result.bodies:
            inbox.accept(
                self._engine,
                source=poll_feed(source),
                body=as_utf8(body),
                content_type="application/json",
                now=now,
            )
        if result.cursor is not None:
            state.cursor = result.cursor
        state.retry_at = None
        state.trouble = None
        self._save(source, state, now)
        if result.bodies:
            self._on_stored()
        return "ok"
