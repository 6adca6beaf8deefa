"""Settings from the environment: absent means off (and harmless to every socialdesk), wrong is reported."""

from __future__ import annotations

import pytest
from socialdesk_mastodon import plugin
from socialdesk_mastodon.settings import MastodonSettings

from socialdesk.testing import DeskFactory

NAMES = ("BASE_URL", "TOKEN", "VIP_HANDLES", "EXPORT_HOUR", "POLL_SECONDS")


@pytest.fixture(autouse=True)
def _no_mastodon_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in NAMES:
        monkeypatch.delenv(f"SOCIALDESK_MASTODON_{name}", raising=False)


def status(factory: DeskFactory, **kw: object) -> tuple[str, list[str]]:
    desk = factory(**kw)  # type: ignore[arg-type]
    [record] = [r for r in desk.runtime.plugins.records if r.name == "mastodon"]
    return record.status, record.problems


def test_without_settings_the_plugin_is_off(socialdesk_desk: DeskFactory) -> None:
    state, problems = status(socialdesk_desk, plugins=[plugin])
    assert state == "off" and "SOCIALDESK_MASTODON_BASE_URL" in problems[0]


def test_installed_and_unconfigured_it_is_off_among_the_entry_points(socialdesk_desk: DeskFactory) -> None:
    # The way every socialdesk finds it once it is installed: through the entry point.
    desk = socialdesk_desk(use_entry_points=True)
    states = {r.name: r.status for r in desk.runtime.plugins.records}
    assert states.get("mastodon") == "off"
    assert desk.duty_messages() == []  # off is not a failure: nobody is told


def test_a_wrong_base_url_is_a_settings_problem(socialdesk_desk: DeskFactory) -> None:
    env = {"SOCIALDESK_MASTODON_BASE_URL": "mastodon.example", "SOCIALDESK_MASTODON_TOKEN": "t"}
    state, problems = status(socialdesk_desk, plugins=[plugin], env=env)
    assert state == "failed"
    assert problems[0].startswith("SOCIALDESK_MASTODON_BASE_URL:") and "http(s) URL" in problems[0]


def test_vip_handles_are_a_comma_separated_list_with_optional_tiers(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SOCIALDESK_MASTODON_VIP_HANDLES", " @Dana@Mastodon.Social=gold, lee ,, ")
    monkeypatch.setenv("SOCIALDESK_MASTODON_TOKEN", "   ")
    settings = MastodonSettings(_env_prefix="SOCIALDESK_MASTODON_")  # type: ignore[call-arg]
    assert settings.vip_handles == {"dana@mastodon.social": "gold", "lee": "vip"}
    assert settings.token is None  # a blank token is no token
