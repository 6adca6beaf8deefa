"""Starting the plugins for a runtime and connecting their failures to the log, metrics and duty channel."""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping
from typing import Any

import httpx

from socialdesk.clock import Clock
from socialdesk.metrics import Metrics
from socialdesk.plugin_host.duty import DutyNotices
from socialdesk.plugin_host.loading import load_all
from socialdesk.plugin_host.registry import PluginSet
from socialdesk.plugins.plugin import Plugin, PluginHost

log = logging.getLogger(__name__)


def start_plugins(
    *,
    clock: Clock,
    http: httpx.Client,
    metrics: Metrics,
    plugins: Iterable[Plugin] = (),
    use_entry_points: bool = True,
    disabled: Iterable[str] = (),
    presets: Mapping[str, Any] | None = None,
) -> PluginSet:
    """`presets`: settings already read, by plugin name (the built-in sources', see sources/preset.py)."""
    host = PluginHost(http=http, now=clock.now, log=logging.getLogger("socialdesk.plugin"))
    records = load_all(
        host, plugins=plugins, use_entry_points=use_entry_points, disabled=disabled, presets=presets
    )
    found = PluginSet(records)

    def count(name: str, reason: str) -> None:
        # The reason starts with the hook that raised ("enrich raised KeyError: ...").
        metrics.plugin_errors.labels(plugin=name, hook=reason.split(" ", 1)[0]).inc()
        refresh_gauge(found, metrics)

    found.on_failure(count)
    refresh_gauge(found, metrics)
    return found


def refresh_gauge(plugins: PluginSet, metrics: Metrics) -> None:
    for status in ("active", "off", "failed"):
        metrics.plugins.labels(status=status).set(sum(1 for r in plugins.records if r.status == status))


def report_to_duty(plugins: PluginSet, duty: DutyNotices) -> None:
    """Plugins that failed at start are told once now; those that fail later, when they do."""
    for record in plugins.records:
        if record.status == "failed":
            duty.plugin_failed(record.name, "; ".join(record.problems))
    plugins.on_failure(duty.plugin_failed, deferred=True)
