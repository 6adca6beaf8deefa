"""A plugin: a name, a version, a settings class, and a `build` that returns what it contributes.

An installed package names its plugin in the entry-point group `socialdesk.plugins`:

    [project.entry-points."socialdesk.plugins"]
    mastodon = "socialdesk_mastodon:plugin"

The entry point is a `Plugin` (or a function without arguments returning one). At start socialdesk reads
the plugin's settings from the environment (prefix `SOCIALDESK_<NAME>_`, `.env` too), then calls
`build(settings, host)`. A plugin whose settings are absent raises `PluginOff` from `build`: it is listed
as off, which is not an error. Any other failure switches that plugin off and is reported; the rest of
socialdesk keeps running.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any, TypeAlias

import httpx
from pydantic_settings import BaseSettings, SettingsConfigDict

from socialdesk.plugins.kinds import CardSection, Command, Enricher, EventObserver, Job
from socialdesk.plugins.source import Source

# The API's version: a plugin built against 1.x works with every 1.y (see docs/plugins.md).
API_VERSION = "1.0"
PLUGIN_NAME = re.compile(r"[a-z][a-z0-9_]{0,31}")

Contribution: TypeAlias = Source | Enricher | Command | Job | CardSection | EventObserver
CONTRIBUTION_KINDS: tuple[tuple[type, str], ...] = (
    (Source, "source"),
    (Enricher, "enricher"),
    (Command, "command"),
    (Job, "job"),
    (CardSection, "card_section"),
    (EventObserver, "events"),
)


class PluginSettings(BaseSettings):
    """Base for a plugin's settings: secrets as `SecretStr`; read from the environment and `.env`.

    socialdesk sets the prefix from the plugin's name (`SOCIALDESK_MASTODON_BASE_URL` for the field
    `base_url` of plugin `mastodon`) unless `Plugin.env_prefix` names another (the built-in channels keep
    the names `META_*`, `X_*` of the interface contract). Unknown variables are ignored.
    """

    model_config = SettingsConfigDict(env_file=".env", extra="ignore", frozen=True)


class PluginOff(Exception):
    """Raised by `build` when the plugin is not configured (its settings are absent): listed as off."""


@dataclass(frozen=True, slots=True)
class PluginHost:
    """What socialdesk lends a plugin at build time.

    `http` is a shared httpx client without a base URL (timeouts set, redirects not followed) that
    socialdesk closes at shutdown; `now` is socialdesk's clock (the demo and tests move it), so use it
    instead of `datetime.now()`; `log` is a logger named after the plugin.
    """

    http: httpx.Client
    now: Callable[[], datetime]
    log: logging.Logger


@dataclass(frozen=True)
class Plugin:
    name: str
    version: str
    build: Callable[[Any, PluginHost], Iterable[Contribution]]
    settings: type[BaseSettings] | None = None
    env_prefix: str | None = None  # None: SOCIALDESK_<NAME>_
    description: str = ""
    api_version: str = API_VERSION  # the API the plugin was written for; a newer major is refused

    def __post_init__(self) -> None:
        if not PLUGIN_NAME.fullmatch(self.name):
            raise ValueError(f"plugin name {self.name!r}: use 1-32 of a-z, 0-9 and _, starting with a letter")

    @property
    def prefix(self) -> str:
        return self.env_prefix if self.env_prefix is not None else f"SOCIALDESK_{self.name.upper()}_"


def kind_of(contribution: object) -> str | None:
    for cls, kind in CONTRIBUTION_KINDS:
        if isinstance(contribution, cls):
            return kind
    return None
