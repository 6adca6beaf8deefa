"""The trustpilot plugin as socialdesk runs it: off without its settings, conformant with them, its SLA
a day, the business user's absence listed."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from socialdesk.domain.enums import Platform, Priority
from socialdesk.sources import trustpilot
from socialdesk.sources.trustpilot.samples import sample_pages
from socialdesk.sources.trustpilot.settings import API_URL, TOKEN_URL, TrustpilotSettings
from socialdesk.standin.platforms.trustpilot_api import TrustpilotStandIn
from socialdesk.testing import Desk, DeskFactory, check_source


def test_without_key_secret_or_unit_the_plugin_is_off(socialdesk_desk: DeskFactory) -> None:
    desk = socialdesk_desk(plugins=[trustpilot.plugin], env={"TRUSTPILOT_API_KEY": "k"})
    [record] = [r for r in desk.runtime.plugins.records if r.name == "trustpilot"]
    assert record.status == "off"
    assert record.problems == ["TRUSTPILOT_API_SECRET and TRUSTPILOT_BUSINESS_UNIT_ID are not set"]
    assert desk.runtime.plugins.source("trustpilot") is None


def test_the_source_conforms(desk: Desk, api: TrustpilotStandIn) -> None:
    # The recorded reviews exist on the stand-in too, so the harness's reply reaches a real review.
    api.reviews.extend(r for _, body, _ in sample_pages(desk.clock.now()) for r in body["reviews"])

    report = check_source(desk, desk.source("trustpilot"))

    assert [(s.name, s.delivered_as, len(s.cases)) for s in report.samples] == [
        ("a one-star review", "poll page", 1),
        ("a three-star and a five-star review", "poll page", 2),
        ("an archived review is not a case", "poll page", 0),
    ]
    assert report.reply is not None and report.reply.external_id == "6745b2c1f0a3c9d1e2f3a4b5/reply"
    [posted] = api.reply_posts
    assert posted["review_id"] == "6745b2c1f0a3c9d1e2f3a4b5" and posted["message"].startswith("Thanks")


def test_the_cases_keep_a_days_sla(desk: Desk) -> None:
    assert desk.runtime.config.sla.first_response_minutes(Platform("trustpilot"), Priority.P3) == 24 * 60


def test_without_the_business_user_it_runs_and_says_what_waits(
    socialdesk_desk: DeskFactory, env: dict[str, str], api: TrustpilotStandIn
) -> None:
    env = {k: v for k, v in env.items() if k != "TRUSTPILOT_BUSINESS_USER_ID"}
    desk = socialdesk_desk(plugins=[trustpilot.plugin], env=env)
    [record] = [r for r in desk.runtime.plugins.records if r.name == "trustpilot"]
    assert record.status == "active"
    assert any("TRUSTPILOT_BUSINESS_USER_ID is not set" in p for p in record.problems), record.problems
    api.add_review("Dana", 1, "Parcel never arrived", "Nothing yet.")
    desk.poll("trustpilot")
    desk.settle()
    case = desk.cards()[-1].case

    desk.command(f"reply {case} We're on it.")
    desk.settle()

    [reply] = desk.replies(case)  # the stand-in wants the author, as Trustpilot does for an app's token
    assert reply.error_kind == "rejected" and "TRUSTPILOT_BUSINESS_USER_ID" in (reply.error or "")
    assert api.reply_posts == []


def test_settings_defaults_and_blanks() -> None:
    settings = TrustpilotSettings.model_validate(
        {"TRUSTPILOT_API_SECRET": " ", "TRUSTPILOT_BUSINESS_UNIT_ID": "  ", "TRUSTPILOT_BUSINESS_USER_ID": ""}
    )
    assert settings.trustpilot_api_secret is None and settings.trustpilot_business_unit_id is None
    assert settings.trustpilot_business_user_id is None
    assert settings.trustpilot_api_url == API_URL + "/" and settings.trustpilot_token_url == TOKEN_URL
    with pytest.raises(ValidationError):
        TrustpilotSettings.model_validate({"TRUSTPILOT_TOKEN_URL": "api.trustpilot.com/token"})
