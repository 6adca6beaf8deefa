"""Loading plugins: each failure stays with its plugin, reported with the variable's name, never its value."""

from __future__ import annotations

import logging
import sys
import textwrap
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import httpx
import pytest
from pydantic import SecretStr
from typer.testing import CliRunner

from socialdesk.cli import cli
from socialdesk.plugin_host.loading import load_all, start_plugin
from socialdesk.plugin_host.registry import PluginSet
from socialdesk.plugins import (
    CardSection,
    CaseFacts,
    Enricher,
    Enrichment,
    MentionFacts,
    Plugin,
    PluginHost,
    PluginOff,
    PluginSettings,
)

NOW = datetime(2026, 12, 7, 9, 0, tzinfo=UTC)


@pytest.fixture
def host() -> Iterator[PluginHost]:
    with httpx.Client() as http:
        yield PluginHost(http=http, now=lambda: NOW, log=logging.getLogger("test.plugin"))


class CrmSettings(PluginSettings):
    base_url: str
    token: SecretStr
    timeout_seconds: int = 5


class Tagger(Enricher):
    name = "tagger"

    def enrich(self, mention: MentionFacts) -> Enrichment | None:
        return Enrichment(tags=("seen",))


def crm_plugin(**kwargs: object) -> Plugin:
    def build(settings: CrmSettings, host: PluginHost) -> list[Tagger]:
        return [Tagger()]

    return Plugin(name="crm", version="1.2.0", build=build, settings=CrmSettings, **kwargs)  # type: ignore[arg-type]


def test_settings_come_from_the_plugins_prefix(host: PluginHost, monkeypatch: pytest.MonkeyPatch) -> None:
    seen: list[CrmSettings] = []

    def build(settings: CrmSettings, _host: PluginHost) -> list[Tagger]:
        seen.append(settings)
        return [Tagger()]

    monkeypatch.setenv("SOCIALDESK_CRM_BASE_URL", "https://crm.example")
    monkeypatch.setenv("SOCIALDESK_CRM_TOKEN", "s3cret-token")
    record = start_plugin(Plugin("crm", "1.0", build, settings=CrmSettings), host, origin="given")
    assert record.status == "active"
    assert record.kinds == ["enricher"]
    assert seen[0].base_url == "https://crm.example"
    assert seen[0].token.get_secret_value() == "s3cret-token"


def test_bad_settings_name_the_variable_and_never_the_value(
    host: PluginHost, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SOCIALDESK_CRM_TOKEN", "s3cret-token")
    monkeypatch.setenv("SOCIALDESK_CRM_TIMEOUT_SECONDS", "soon-ish")
    monkeypatch.delenv("SOCIALDESK_CRM_BASE_URL", raising=False)
    record = start_plugin(crm_plugin(), host, origin="given")
    assert record.status == "failed"
    assert any(p.startswith("SOCIALDESK_CRM_BASE_URL: Field required") for p in record.problems)
    assert any(p.startswith("SOCIALDESK_CRM_TIMEOUT_SECONDS: ") for p in record.problems)
    assert "soon-ish" not in " ".join(record.problems)
    assert "s3cret" not in " ".join(record.problems)
    assert record.contributions == []


def test_a_plugin_without_its_settings_is_off_not_broken(host: PluginHost) -> None:
    def build(_settings: None, _host: PluginHost) -> list[Tagger]:
        raise PluginOff("SOCIALDESK_CRM_BASE_URL is not set")

    record = start_plugin(Plugin("crm", "1.0", build), host, origin="given")
    assert (record.status, record.problems) == ("off", ["SOCIALDESK_CRM_BASE_URL is not set"])


def test_build_that_raises_or_returns_junk_fails_that_plugin_only(host: PluginHost) -> None:
    def explode(_s: None, _h: PluginHost) -> list[Tagger]:
        raise ConnectionError("crm.example unreachable")

    def junk(_s: None, _h: PluginHost) -> list[object]:
        return [Tagger(), "not a contribution"]

    records = load_all(
        host,
        plugins=[
            Plugin("boom", "0.1", explode),
            Plugin("junk", "0.1", junk),  # type: ignore[arg-type]
            Plugin("fine", "0.1", lambda _s, _h: [Tagger()]),
        ],
        use_entry_points=False,
    )
    status = {r.name: r.status for r in records}
    assert status == {"boom": "failed", "junk": "failed", "fine": "active"}
    assert records[0].problems == ["build: ConnectionError: crm.example unreachable"]
    assert "str, which is none of the plugin kinds" in records[1].problems[0]


def test_same_name_twice_keeps_the_first_and_a_newer_major_api_is_refused(host: PluginHost) -> None:
    records = load_all(
        host,
        plugins=[
            Plugin("crm", "1.0", lambda _s, _h: [Tagger()]),
            Plugin("crm", "2.0", lambda _s, _h: [Tagger()]),
            Plugin("future", "1.0", lambda _s, _h: [], api_version="2.0"),
        ],
        use_entry_points=False,
    )
    assert [(r.name, r.version, r.status) for r in records] == [
        ("crm", "1.0", "active"),
        ("crm", "2.0", "failed"),
        ("future", "1.0", "failed"),
    ]
    assert "plugin API 2.0" in records[2].problems[0]


def test_plugin_names_are_checked() -> None:
    with pytest.raises(ValueError, match="plugin name 'My CRM'"):
        Plugin("My CRM", "1.0", lambda _s, _h: [])


class Exploding(CardSection):
    name = "crm"
    title = "CRM"

    def fields(self, case: CaseFacts) -> list[tuple[str, str]]:
        raise KeyError("customer")


def test_a_hook_that_raises_switches_its_plugin_off_once_and_reports_it(host: PluginHost) -> None:
    section = Exploding()
    plugins = PluginSet(
        load_all(host, plugins=[Plugin("crm", "1.0", lambda _s, _h: [section])], use_entry_points=False)
    )
    reports: list[tuple[str, str]] = []
    plugins.on_failure(lambda name, reason: reports.append((name, reason)))
    assert plugins.guarded(section, "card_section", lambda: section.fields(None), "fallback") == "fallback"  # type: ignore[arg-type]
    # Off now: the hook is not called again, the fallback is returned, nothing is reported twice.
    assert plugins.guarded(section, "card_section", lambda: ["called"], "fallback") == "fallback"
    assert reports == [("crm", "card_section raised KeyError: 'customer'")]
    assert plugins.card_sections() == []
    assert plugins.readiness()["plugins"]["crm"]["status"] == "failed"


def test_expected_exceptions_pass_through_and_leave_the_plugin_on(host: PluginHost) -> None:
    tagger = Tagger()
    loaded = load_all(host, plugins=[Plugin("t", "1", lambda _s, _h: [tagger])], use_entry_points=False)
    plugins = PluginSet(loaded)

    def refuse() -> None:
        raise ValueError("usage: /social vip <case>")

    with pytest.raises(ValueError):
        plugins.guarded(tagger, "command", refuse, None, expected=(ValueError,))
    assert plugins.enrichers() == [tagger]


# --- entry points ------------------------------------------------------------------------------------


def _install_fake_distribution(root: Path, name: str, module_source: str, entry: str) -> None:
    """A distribution on sys.path as pip would leave it: a module and a dist-info with its entry point."""
    (root / f"{name}.py").write_text(textwrap.dedent(module_source))
    info = root / f"{name}-0.3.1.dist-info"
    info.mkdir()
    (info / "METADATA").write_text(f"Metadata-Version: 2.1\nName: {name}\nVersion: 0.3.1\n")
    (info / "entry_points.txt").write_text(f"[socialdesk.plugins]\n{entry}\n")


@pytest.fixture
def broken_and_good_installed(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    _install_fake_distribution(
        tmp_path,
        "sd_broken_plugin",
        'raise RuntimeError("missing dependency: crmlib")\n',
        "broken = sd_broken_plugin:plugin",
    )
    _install_fake_distribution(
        tmp_path,
        "sd_good_plugin",
        """
        from socialdesk.plugins import Plugin, PluginOff

        def build(settings, host):
            raise PluginOff("SOCIALDESK_GOOD_URL is not set")

        plugin = Plugin(name="good", version="0.3.1", build=build)
        """,
        "good = sd_good_plugin:plugin",
    )
    monkeypatch.syspath_prepend(str(tmp_path))
    yield tmp_path
    for module in ("sd_broken_plugin", "sd_good_plugin"):
        sys.modules.pop(module, None)


def test_an_entry_point_that_raises_on_import_is_listed_failed(
    host: PluginHost, broken_and_good_installed: Path
) -> None:
    records = {r.name: r for r in load_all(host)}
    assert records["broken"].status == "failed"
    assert records["broken"].origin == "sd_broken_plugin"
    assert records["broken"].problems == [
        "import sd_broken_plugin:plugin: RuntimeError: missing dependency: crmlib"
    ]
    assert records["good"].status == "off"


def test_plugins_list_and_check_show_the_broken_one_and_exit_1(broken_and_good_installed: Path) -> None:
    runner = CliRunner()
    listed = runner.invoke(cli, ["plugins", "list"])
    assert listed.exit_code == 1, listed.output
    assert "broken" in listed.output and "failed" in listed.output
    assert "! import sd_broken_plugin:plugin: RuntimeError: missing dependency: crmlib" in listed.output
    assert "good" in listed.output and "off" in listed.output
    checked = runner.invoke(cli, ["plugins", "check"])
    assert checked.exit_code == 1
    assert "plugin broken: import sd_broken_plugin:plugin" in checked.output
    as_json = runner.invoke(cli, ["plugins", "list", "--json"])
    assert '"status": "failed"' in as_json.output


def test_a_channel_without_any_of_its_settings_is_off_and_keeps_its_503_route(
    host: PluginHost, monkeypatch: pytest.MonkeyPatch
) -> None:
    from socialdesk.sources import meta

    for name in ("META_APP_SECRET", "META_VERIFY_TOKEN", "META_PAGE_TOKEN"):
        monkeypatch.delenv(name, raising=False)
    record = start_plugin(meta.plugin, host, origin="socialdesk")
    assert record.status == "off"
    assert "META_APP_SECRET is not set: the webhook answers 503" in record.problems
    plugins = PluginSet([record])
    # Still in place: its route answers 503 and a reply is refused, both naming what is missing.
    assert [s.name for s in plugins.sources()] == ["meta"]

    monkeypatch.setenv("META_PAGE_TOKEN", "EAAG-page-token")
    partly = start_plugin(meta.plugin, host, origin="socialdesk")
    assert partly.status == "active"  # replies work; the webhook's missing secret is a note
    assert "META_PAGE_TOKEN is not set: replies are refused" not in partly.problems
    assert "META_APP_SECRET is not set: the webhook answers 503" in partly.problems
