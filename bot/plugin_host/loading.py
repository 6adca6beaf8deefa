"""Finding and starting plugins: entry points -> `Plugin` -> settings -> contributions.

Each step can fail for one plugin without touching the others: an entry point that raises on import, an
object that is not a `Plugin`, settings the environment does not satisfy, a `build` that raises or
returns something that is not a contribution. The failure becomes that plugin's status and problems (one
line each, with the environment variable's name and never its value); the rest load as usual.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from importlib.metadata import EntryPoint, entry_points
from typing import Any, Literal

from pydantic import ValidationError

from socialdesk.plugins.plugin import API_VERSION, Contribution, Plugin, PluginHost, PluginOff, kind_of
from socialdesk.plugins.source import Source

log = logging.getLogger(__name__)

ENTRY_POINT_GROUP = "socialdesk.plugins"
Status = Literal["active", "off", "failed"]


@dataclass
class LoadedPlugin:
    """One plugin as socialdesk sees it: where it came from, what it gives, and whether it runs."""

    name: str
    version: str
    origin: str  # "socialdesk" for the built-ins, else the distribution that installed it
    status: Status
    problems: list[str] = field(default_factory=list)
    contributions: list[Contribution] = field(default_factory=list)
    plugin: Plugin | None = None

    @property
    def kinds(self) -> list[str]:
        found = {kind_of(c) for c in self.contributions}
        return sorted(k for k in found if k is not None)

    def fail(self, reason: str) -> None:
        self.status = "failed"
        self.problems.append(reason)


def _settings_problems(plugin: Plugin, error: ValidationError) -> list[str]:
    problems = []
    for item in error.errors(include_input=False, include_url=False):
        where = ".".join(str(p) for p in item["loc"]) or "settings"
        problems.append(f"{plugin.prefix}{where.upper()}: {item['msg']}")
    return problems


def _major(version: str) -> str:
    return version.split(".", 1)[0]


def start_plugin(plugin: Plugin, host: PluginHost, *, origin: str, preset: Any = None) -> LoadedPlugin:
    """Settings, then `build`; every failure is caught and becomes the returned record's status.

    `preset` is settings already read for this plugin (an instance of its settings class): the
    built-in sources take theirs from the runtime's `Settings` (socialdesk.sources.preset)."""
    loaded = LoadedPlugin(plugin.name, plugin.version, origin, "active", plugin=plugin)
    if _major(plugin.api_version) != _major(API_VERSION):
        loaded.fail(f"written for plugin API {plugin.api_version}; this socialdesk offers {API_VERSION}")
        return loaded
    settings: Any = None
    if plugin.settings is not None and isinstance(preset, plugin.settings):
        settings = preset
    elif plugin.settings is not None:
        try:
            settings = plugin.settings(_env_prefix=plugin.prefix)
        except ValidationError as exc:
            for problem in _settings_problems(plugin, exc):
                loaded.fail(problem)
            return loaded
        except Exception as exc:  # a validator of the plugin's own that raised something else
            loaded.fail(f"settings: {type(exc).__name__}: {exc}")
            return loaded
    try:
        contributions = list(plugin.build(settings, host))
    except PluginOff as exc:
        loaded.status = "off"
        loaded.problems.append(str(exc) or "not configured")
        return loaded
    except Exception as exc:
        log.exception("plugin %s: build failed", plugin.name)
        loaded.fail(f"build: {type(exc).__name__}: {exc}")
        return loaded
    for item in contributions:
        if kind_of(item) is None:
            loaded.fail(f"build returned {type(item).__name__}, which is none of the plugin kinds")
            return loaded
        if isinstance(item, Source) and not getattr(item, "name", ""):
            loaded.fail(f"source {type(item).__name__} has no name")
            return loaded
    loaded.contributions = contributions
    # What a source runs without is a note, not a failure: it stays loaded so that its webhook answers
    # 503 naming the variable, and `plugins list` shows the note instead of a silent "active".
    sources = [item for item in contributions if isinstance(item, Source)]
    for source in sources:
        loaded.problems.extend(source.unconfigured())
    if sources and len(sources) == len(contributions) and not any(s.configured() for s in sources):
        loaded.status = "off"  # a channel whose settings are absent is off, never an error
    return loaded


def _distribution(entry: EntryPoint) -> tuple[str, str]:
    dist = entry.dist
    if dist is None:
        return "unknown", "?"
    return dist.metadata["Name"] or "unknown", dist.version


def _plugin_of(value: Any) -> Plugin:
    if isinstance(value, Plugin):
        return value
    if callable(value):
        made = value()
        if isinstance(made, Plugin):
            return made
        raise TypeError(f"calling it returned {type(made).__name__}, not a socialdesk.plugins.Plugin")
    raise TypeError(f"it is a {type(value).__name__}, not a socialdesk.plugins.Plugin")


def discover(group: str = ENTRY_POINT_GROUP) -> list[tuple[EntryPoint, Plugin | None, str | None]]:
    """Every entry point of the group, imported: (entry point, plugin or None, why not)."""
    found: list[tuple[EntryPoint, Plugin | None, str | None]] = []
    for entry in sorted(entry_points(group=group), key=lambda e: e.name):
        try:
            found.append((entry, _plugin_of(entry.load()), None))
        except Exception as exc:  # an import error, a syntax error, a factory that raised
            log.error("plugin %s (%s) not loaded: %s: %s", entry.name, entry.value, type(exc).__name__, exc)
            found.append((entry, None, f"import {entry.value}: {type(exc).__name__}: {exc}"))
    return found


def load_all(
    host: PluginHost,
    *,
    plugins: Iterable[Plugin] = (),
    use_entry_points: bool = True,
    disabled: Iterable[str] = (),
    presets: Mapping[str, Any] | None = None,
) -> list[LoadedPlugin]:
    """Entry-point plugins and the given ones (tests, the demo), started one by one; a name seen twice
    keeps the first and fails the second; a name in `disabled` is listed as off and never built."""
    off = set(disabled)
    records: list[LoadedPlugin] = []
    candidates: list[tuple[str, Plugin]] = [("given", p) for p in plugins]
    if use_entry_points:
        for entry, plugin, error in discover():
            origin, version = _distribution(entry)
            if plugin is None:
                records.append(LoadedPlugin(entry.name, version, origin, "failed", [error or "not loaded"]))
            else:
                candidates.append((origin, plugin))
    seen = {r.name for r in records}
    for origin, plugin in candidates:
        if plugin.name in seen:
            records.append(
                LoadedPlugin(plugin.name, plugin.version, origin, "failed", ["another plugin has this name"])
            )
            continue
        seen.add(plugin.name)
        if plugin.name in off:
            records.append(LoadedPlugin(plugin.name, plugin.version, origin, "off", ["disabled in config"]))
            continue
        records.append(start_plugin(plugin, host, origin=origin, preset=(presets or {}).get(plugin.name)))
    for record in records:
        if record.status == "failed":
            log.error("plugin %s switched off: %s", record.name, "; ".join(record.problems))
    return records
