"""WhatsApp, Threads and Bluesky take their settings from a runtime's `Settings` like Meta and X do
(socialdesk.sources.preset): what the demo relies on to point them at its stand-ins."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from datetime import UTC, datetime

import httpx
import pytest
from pydantic import SecretStr

from socialdesk.plugin_host.loading import start_plugin
from socialdesk.plugins import PluginHost
from socialdesk.settings import Settings
from socialdesk.sources import bluesky, threads, whatsapp
from socialdesk.sources.bluesky.settings import BlueskySettings
from socialdesk.sources.preset import builtin_settings
from socialdesk.sources.threads.settings import ThreadsSettings
from socialdesk.sources.whatsapp.settings import WhatsAppSettings

NOW = datetime(2026, 12, 7, 9, 0, tzinfo=UTC)
CHANNEL_VARIABLES = (
    "WHATSAPP_PHONE_NUMBER_ID",
    "WHATSAPP_TOKEN",
    "THREADS_USER_ID",
    "THREADS_TOKEN",
    "THREADS_API_URL",
    "THREADS_POLL_SECONDS",
    "BLUESKY_HANDLE",
    "BLUESKY_APP_PASSWORD",
    "BLUESKY_SERVICE_URL",
    "META_APP_SECRET",
    "META_VERIFY_TOKEN",
    "META_GRAPH_URL",
)


@pytest.fixture(autouse=True)
def clean_env(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in CHANNEL_VARIABLES:
        monkeypatch.delenv(name, raising=False)


@pytest.fixture
def host() -> Iterator[PluginHost]:
    with httpx.Client(timeout=5.0) as http:
        yield PluginHost(http=http, now=lambda: NOW, log=logging.getLogger("test.preset"))


def _settings(**values: str | SecretStr) -> Settings:
    return Settings(_env_file=None, **values)  # type: ignore[call-arg]


def test_the_three_channels_take_their_variables_from_settings(host: PluginHost) -> None:
    settings = _settings(
        WHATSAPP_PHONE_NUMBER_ID="109876543210987",
        WHATSAPP_TOKEN=SecretStr("wa-SECRET"),
        META_GRAPH_URL="http://127.0.0.1:9/v21.0",
        META_APP_SECRET=SecretStr("app-SECRET"),
        THREADS_USER_ID="27000000000000001",
        THREADS_TOKEN=SecretStr("threads-SECRET"),
        BLUESKY_HANDLE="@Acme.bsky.social",
        BLUESKY_APP_PASSWORD=SecretStr("abcd-efgh-ijkl-mnop"),
        BLUESKY_SERVICE_URL="http://127.0.0.1:8",
    )

    presets = builtin_settings(settings)

    wa, th, bs = presets["whatsapp"], presets["threads"], presets["bluesky"]
    assert isinstance(wa, WhatsAppSettings) and isinstance(th, ThreadsSettings)
    assert isinstance(bs, BlueskySettings)
    assert wa.whatsapp_phone_number_id == "109876543210987"
    assert wa.meta_graph_url == "http://127.0.0.1:9/v21.0/"  # the one Graph host, checked by the plugin
    assert th.meta_app_secret is not None and th.meta_app_secret.get_secret_value() == "app-SECRET"
    assert th.threads_api_url == "https://graph.threads.net/"  # unset: the plugin's default
    assert th.poll_every() == 0  # webhooks are signed with the app secret, so no poller
    assert (bs.bluesky_handle, bs.bluesky_service_url) == ("acme.bsky.social", "http://127.0.0.1:8/")
    for plugin in (whatsapp.plugin, threads.plugin, bluesky.plugin):
        loaded = start_plugin(plugin, host, origin="socialdesk", preset=presets[plugin.name])
        assert loaded.status == "active", (plugin.name, loaded.problems)


def test_without_their_variables_the_plugins_read_the_environment_themselves(
    monkeypatch: pytest.MonkeyPatch, host: PluginHost
) -> None:
    presets = builtin_settings(_settings())  # made before the variables were set, as a test may
    monkeypatch.setenv("BLUESKY_HANDLE", "acme.bsky.social")
    monkeypatch.setenv("BLUESKY_APP_PASSWORD", "abcd-efgh-ijkl-mnop")

    assert not {"whatsapp", "threads", "bluesky"} & set(presets)
    loaded = start_plugin(bluesky.plugin, host, origin="socialdesk", preset=presets.get("bluesky"))
    assert loaded.status == "active"
    assert start_plugin(whatsapp.plugin, host, origin="socialdesk").status == "off"


def test_a_value_the_plugin_refuses_fails_that_plugin_alone(
    monkeypatch: pytest.MonkeyPatch, host: PluginHost
) -> None:
    monkeypatch.setenv("THREADS_USER_ID", "@acme")
    monkeypatch.setenv("THREADS_TOKEN", "threads-SECRET")
    monkeypatch.setenv("WHATSAPP_PHONE_NUMBER_ID", "109876543210987")
    monkeypatch.setenv("WHATSAPP_TOKEN", "wa-SECRET")
    settings = Settings(_env_file=None)  # type: ignore[call-arg]  # as `serve` reads it

    presets = builtin_settings(settings)

    assert "threads" not in presets and "whatsapp" in presets
    loaded = start_plugin(threads.plugin, host, origin="socialdesk", preset=presets.get("threads"))
    assert loaded.status == "failed"
    assert loaded.problems == [
        "THREADS_USER_ID: Value error, must be the numeric id of the brand's Threads account"
    ]
