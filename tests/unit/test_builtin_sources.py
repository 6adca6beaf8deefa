"""The built-in channels as plugins: found through socialdesk's own entry points, configured by the
interface contract's variables, and the X mentions poller behind the `Poller` API on the X stand-in."""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from importlib.metadata import entry_points

import httpx
import pytest
from pydantic import SecretStr

from socialdesk.clock import ManualClock
from socialdesk.domain.enums import Platform
from socialdesk.plugin_host.loading import start_plugin
from socialdesk.plugins import BrandAccounts, PluginHost, RateLimited, ReplyVisibility, WebhookRequest
from socialdesk.settings import Settings
from socialdesk.sources import generic, meta, x
from socialdesk.sources.meta.source import MetaSource
from socialdesk.sources.meta.verify import sign_meta
from socialdesk.sources.preset import builtin_settings
from socialdesk.sources.x.settings import XSettings
from socialdesk.sources.x.source import XSource, build_x
from socialdesk.standin.platforms.x_api import XApiStandIn

NOW = datetime(2026, 12, 7, 9, 0, tzinfo=UTC)
USER_ID = "2244994945"
TOKEN = "x-bearer-SECRET"


@pytest.fixture
def host() -> Iterator[PluginHost]:
    with httpx.Client(timeout=5.0) as http:
        yield PluginHost(http=http, now=lambda: NOW, log=logging.getLogger("test.sources"))


@pytest.fixture(autouse=True)
def no_contract_env(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("META_APP_SECRET", "META_VERIFY_TOKEN", "META_PAGE_TOKEN", "X_ACCESS_TOKEN", "X_USER_ID"):
        monkeypatch.delenv(name, raising=False)


def request(body: bytes = b"", headers: dict[str, str] | None = None, **query: str) -> WebhookRequest:
    lowered = {k.lower(): v for k, v in (headers or {}).items()}
    return WebhookRequest("POST", "/webhooks/meta", query, lowered, body, NOW)


def test_socialdesk_names_its_built_ins_as_entry_points() -> None:
    found = {e.name: e.value for e in entry_points(group="socialdesk.plugins") if e.dist is not None}
    assert found["meta"] == "socialdesk.sources.meta:plugin"
    assert found["x"] == "socialdesk.sources.x:plugin"
    assert found["generic"] == "socialdesk.sources.generic:plugin"
    assert {p.env_prefix for p in (meta.plugin, x.plugin, generic.plugin)} == {""}


def test_settings_come_from_the_contract_variables(monkeypatch: pytest.MonkeyPatch, host: PluginHost) -> None:
    monkeypatch.setenv("META_APP_SECRET", "app-SECRET")
    monkeypatch.setenv("META_VERIFY_TOKEN", "  ")  # blank as .env.example has it: unset

    loaded = start_plugin(meta.plugin, host, origin="socialdesk")

    assert loaded.status == "active"
    (source,) = loaded.contributions
    assert isinstance(source, MetaSource)
    assert [p.name for p in source.platforms] == ["facebook", "instagram", "messenger"]
    body = b'{"object": "page", "entry": []}'
    assert source.verify(request(body, sign_meta(body, "app-SECRET"))) is None
    assert source.verify(request(body, sign_meta(body, "other"))).status == 401  # type: ignore[union-attr]
    challenge = source.challenge(
        request(**{"hub.mode": "subscribe", "hub.verify_token": "", "hub.challenge": "1"})
    )
    assert (challenge.status, challenge.reason) == (503, "META_VERIFY_TOKEN is not configured")
    assert not source.can_reply  # no META_PAGE_TOKEN


def test_a_bad_setting_fails_the_plugin_naming_the_variable(
    monkeypatch: pytest.MonkeyPatch, host: PluginHost
) -> None:
    monkeypatch.setenv("X_USER_ID", "@socialdesk")

    loaded = start_plugin(x.plugin, host, origin="socialdesk")

    assert loaded.status == "failed"
    assert loaded.problems == ["X_USER_ID: Value error, must be the numeric id of the X account"]


def test_a_runtime_settings_object_presets_the_built_ins(host: PluginHost) -> None:
    settings = Settings(
        _env_file=None,  # type: ignore[call-arg]
        META_PAGE_TOKEN=SecretStr("page-SECRET"),
        X_ACCESS_TOKEN=SecretStr(TOKEN),
        WEBHOOK_SECRET=SecretStr(""),
    )

    presets = builtin_settings(settings)
    loaded = {
        p.name: start_plugin(p, host, origin="socialdesk", preset=presets[p.name])
        for p in (meta.plugin, x.plugin)
    }

    assert all(r.status == "active" for r in loaded.values())
    meta_source, x_source = loaded["meta"].contributions[0], loaded["x"].contributions[0]
    assert isinstance(meta_source, MetaSource) and meta_source.can_reply
    assert isinstance(x_source, XSource) and x_source.can_reply
    assert x_source.poller is None  # no account to poll: the config names none
    assert presets["generic"].webhook_secret is None  # type: ignore[attr-defined]


def test_x_capabilities_count_as_x_does() -> None:
    caps = XSource.platforms[0].capabilities
    assert caps.max_length == 280 and caps.private
    assert caps.length("see https://example.com/" + "a" * 200) == 4 + 23
    assert caps.length("注文") == 4
    messenger = MetaSource.platforms[2].capabilities
    assert not messenger.public and messenger.private
    assert MetaSource.platforms[0].capabilities.private_window == timedelta(days=7)
    assert ReplyVisibility.PRIVATE  # the visibilities the form offers follow these (tests/integration)


@pytest.fixture
def xapi() -> Iterator[XApiStandIn]:
    clock = ManualClock(NOW)
    with XApiStandIn(now=lambda: clock.now().timestamp(), bearer_token=TOKEN, user_id=USER_ID) as server:
        yield server


def test_the_x_poller_pages_through_the_poller_api_and_backs_off(xapi: XApiStandIn) -> None:
    ids = [xapi.add_mention(f"@socialdesk help #{i}", f"user{i}")["id"] for i in range(3)]
    with httpx.Client(timeout=5.0) as http:
        settings = XSettings(
            _env_file=None,  # type: ignore[call-arg]
            x_access_token=SecretStr(TOKEN),
            x_api_url=xapi.base_url,
            x_user_id=USER_ID,
        )
        poller = build_x(settings, http).poller
        assert poller is not None

        first = poller.poll(None, now=NOW)

        (page,) = first.bodies
        assert sorted(t["id"] for t in json.loads(page)["data"]) == sorted(ids)
        assert json.loads(first.cursor or "") == {"since_id": max(ids, key=int)}
        read = poller.normalize(json.loads(page), BrandAccounts())
        assert read is not None and {m.platform for m in read.mentions} == {Platform.X}

        xapi.exhaust()
        xapi.add_mention("@socialdesk still waiting", "user9")
        with pytest.raises(RateLimited) as waited:
            poller.poll(first.cursor, now=NOW)
        assert waited.value.retry_at > NOW
        assert TOKEN not in repr(poller)
