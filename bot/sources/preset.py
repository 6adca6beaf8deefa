"""The one seam between `Settings` and the built-in sources' own settings.

A runtime built from a `Settings` (the CLI reads it from the environment; tests and the demo build one
with the secrets as fields) gives the built-in plugins the same values instead of letting them read the
environment a second time: `build_runtime` passes `builtin_settings(...)` to the plugin loader, which
uses a preset only for the plugin of that name whose settings class it is an instance of. The variable
names are the same either way (`META_APP_SECRET` is `Settings.meta_app_secret` and
`MetaSettings.meta_app_secret`), so in production both read one environment.
"""

from __future__ import annotations

from collections.abc import Mapping

from pydantic_settings import BaseSettings

from socialdesk.config import Config
from socialdesk.domain.enums import Platform
from socialdesk.plugins.plugin import Plugin
from socialdesk.settings import Settings
from socialdesk.sources import generic, meta, x
from socialdesk.sources.generic.settings import GenericSettings
from socialdesk.sources.meta.settings import MetaSettings
from socialdesk.sources.x.settings import XSettings

# The same three socialdesk's entry points name (pyproject.toml), for callers without a runtime.
BUILTIN_PLUGINS: tuple[Plugin, ...] = (meta.plugin, x.plugin, generic.plugin)


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
    }
