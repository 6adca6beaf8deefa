"""The one seam between `Settings` and the built-in sources' own settings.

A runtime built from a `Settings` (the CLI reads it from the environment; tests and the demo build one
with the secrets as fields) gives the built-in plugins the same values instead of letting them read the
environment a second time: `build_runtime` passes `builtin_settings(...)` to the plugin loader, which
uses a preset only for the plugin of that name whose settings class it is an instance of. The variable
names are the same either way (`META_APP_SECRET` is `Settings.meta_app_secret` and
`MetaSettings.meta_app_secret`), so in production both read one environment.

WhatsApp, Threads and Bluesky get theirs the same way, checked by their own settings classes (Settings
keeps those variables unchecked): a value their validators refuse gives no preset, and the plugin's own
read of the environment then fails it with the variable named, as it would without a preset.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar

from pydantic import ValidationError
from pydantic_settings import BaseSettings

from socialdesk.config import Config
from socialdesk.domain.enums import Platform
from socialdesk.plugins.plugin import Plugin
from socialdesk.settings import Settings
from socialdesk.sources import generic, meta, x
from socialdesk.sources.bluesky.settings import BlueskySettings
from socialdesk.sources.generic.settings import GenericSettings
from socialdesk.sources.meta.settings import MetaSettings
from socialdesk.sources.threads.settings import ThreadsSettings
from socialdesk.sources.whatsapp.settings import WhatsAppSettings
from socialdesk.sources.x.settings import XSettings

# The same three socialdesk's entry points name (pyproject.toml), for callers without a runtime.
BUILTIN_PLUGINS: tuple[Plugin, ...] = (meta.plugin, x.plugin, generic.plugin)

S = TypeVar("S", bound=BaseSettings)


def builtin_settings(settings: Settings, config: Config | None = None) -> Mapping[str, BaseSettings]:
    """The built-in plugins' settings, by plugin name, from `settings` (already validated there).

    The X poller polls the first of the config's `ingest.brand_ids.x`, as before the sources were
    plugins (read from the environment alone, it is `X_USER_ID`)."""
    x_ids = (config.ingest.brand_ids.get(Platform.X) or []) if config is not None else []
    x_user = next((str(i).strip() for i in x_ids if str(i).strip().isdigit()), None)
    return {
        "meta": MetaSettings.model_construct(
            meta_app_secret=settings.meta_app_secret,
            meta_verify_token=settings.meta_verify_token,
            meta_page_token=settings.meta_page_token,
            meta_graph_url=settings.meta_graph_url,
            meta_page_id=settings.meta_page_id,
        ),
        "x": XSettings.model_construct(
            x_consumer_secret=settings.x_consumer_secret,
            x_access_token=settings.x_access_token,
            x_api_url=settings.x_api_url,
            x_user_id=x_user,
        ),
        "generic": GenericSettings.model_construct(
            webhook_secret=settings.webhook_secret,
            generic_reply_url=settings.generic_reply_url,
        ),
        **_checked(
            "whatsapp",
            WhatsAppSettings,
            {
                "whatsapp_phone_number_id": settings.whatsapp_phone_number_id,
                "whatsapp_token": settings.whatsapp_token,
            },
            meta_graph_url=settings.meta_graph_url,  # one Graph host for every Meta product
            meta_app_secret=settings.meta_app_secret,
            meta_verify_token=settings.meta_verify_token,
        ),
        **_checked(
            "threads",
            ThreadsSettings,
            {
                "threads_user_id": settings.threads_user_id,
                "threads_token": settings.threads_token,
                "threads_api_url": settings.threads_api_url,
                "threads_poll_seconds": settings.threads_poll_seconds,
            },
            meta_app_secret=settings.meta_app_secret,
            meta_verify_token=settings.meta_verify_token,
        ),
        **_checked(
            "bluesky",
            BlueskySettings,
            {
                "bluesky_handle": settings.bluesky_handle,
                "bluesky_app_password": settings.bluesky_app_password,
                "bluesky_service_url": settings.bluesky_service_url,
            },
        ),
    }


def _checked(name: str, cls: type[S], own: dict[str, Any], **shared: Any) -> dict[str, S]:
    """`{name: settings}` from the channel's `own` variables and the `shared` Meta ones, validated by the
    plugin's class; `{}` when `settings` has none of its own (the plugin then reads the environment
    itself, as for a `Settings` made before a test set the channel's variables) or a value is refused.

    Unset values are left out, so a URL keeps the plugin's default (validation reads the environment
    for them, where `Settings` found nothing either)."""
    given = {k: v for k, v in {**own, **shared}.items() if _set(v)}
    if not any(_set(v) for v in own.values()):
        return {}
    try:
        return {name: cls.model_validate(given)}
    except ValidationError:
        return {}


def _set(value: Any) -> bool:
    return value is not None and not (isinstance(value, str) and not value.strip())
