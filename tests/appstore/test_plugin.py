"""The appstore plugin as socialdesk runs it: off without its settings, failed with a bad key file (named,
never shown), conformant with its samples, its SLA a day."""

from __future__ import annotations

from pathlib import Path

from socialdesk.domain.enums import Platform, Priority
from socialdesk.sources import appstore
from socialdesk.standin.platforms.appstore_api import AppStoreStandIn
from socialdesk.testing import Desk, DeskFactory, check_source
from tests.appstore.conftest import APP


def test_without_its_settings_the_plugin_is_off(socialdesk_desk: DeskFactory) -> None:
    desk = socialdesk_desk(plugins=[appstore.plugin], env={"APPSTORE_ISSUER_ID": "57246542"})
    [record] = [r for r in desk.runtime.plugins.records if r.name == "appstore"]
    assert record.status == "off"
    assert record.problems == [
        "APPSTORE_KEY_ID and APPSTORE_PRIVATE_KEY_FILE and APPSTORE_APP_IDS are not set"
    ]


def test_a_key_file_that_is_not_a_p8_fails_naming_the_variable_never_the_content(
    socialdesk_desk: DeskFactory, env: dict[str, str], tmp_path: Path
) -> None:
    bad = tmp_path / "AuthKey.p8"
    bad.write_text("-----BEGIN PRIVATE KEY-----\nnot-a-key-SECRET123\n-----END PRIVATE KEY-----\n")
    desk = socialdesk_desk(plugins=[appstore.plugin], env={**env, "APPSTORE_PRIVATE_KEY_FILE": str(bad)})
    [record] = [r for r in desk.runtime.plugins.records if r.name == "appstore"]
    assert record.status == "failed"
    assert any("APPSTORE_PRIVATE_KEY_FILE" in p and str(bad) in p for p in record.problems), record.problems
    assert not any("SECRET123" in p for p in record.problems)


def test_an_app_id_that_is_not_a_number_is_refused(socialdesk_desk: DeskFactory, env: dict[str, str]) -> None:
    desk = socialdesk_desk(plugins=[appstore.plugin], env={**env, "APPSTORE_APP_IDS": "123, com.acme.app"})
    [record] = [r for r in desk.runtime.plugins.records if r.name == "appstore"]
    assert record.status == "failed" and any("com.acme.app" in p for p in record.problems)


def test_the_source_conforms(desk: Desk, asc: AppStoreStandIn) -> None:
    asc.add_samples(APP)  # the harness answers the first sample: Apple must know that review

    report = check_source(desk, desk.source("appstore"))

    assert [(s.name, s.delivered_as, len(s.cases)) for s in report.samples] == [
        ("a one-star review", "poll page", 1),
        ("two reviews of one app", "poll page", 2),
    ]
    [(review_id, response)] = asc.responses.items()
    assert report.reply is not None and report.reply.external_id == response.id
    assert review_id.endswith("00000001")


def test_app_store_cases_have_a_day_to_answer(desk: Desk) -> None:
    config = desk.runtime.config
    assert config.sla.first_response_minutes(Platform("appstore"), Priority.P3) == 24 * 60
    caps = desk.source("appstore").capabilities_for(Platform("appstore"))
    assert caps.one_answer and caps.edits and caps.max_length == 5970 and not caps.private
