"""A review's SLA (issue 15 item 5): a day by default on every review platform, the built-in ones and a
plugin's review store alike, and per platform in the config like any other channel."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import yaml

from socialdesk.config import SlaTargets, load_config
from socialdesk.domain.enums import Platform, Priority
from socialdesk.plugins import PlatformSpec, ReplyCapabilities
from socialdesk.samples import sample_config_path
from socialdesk.testing import START, Desk
from tests.reviews.shop import SHOP, page, review

DAY = 24 * 60


def test_every_review_platform_defaults_to_a_day() -> None:
    targets = SlaTargets()
    for name in ("google_business", "google_play", "appstore", "trustpilot", "review"):
        assert targets.first_response_minutes(Platform(name), Priority.P3) == DAY, name
    # A plugin's store that takes one answer per review is a review platform too; any other an hour.
    SHOP.register()
    chat = PlatformSpec("chatroom", "Chat room", ReplyCapabilities(public=True))
    chat.register()
    assert targets.first_response_minutes(Platform("shop"), Priority.P2) == DAY
    assert targets.first_response_minutes(Platform("chatroom"), Priority.P2) == 60


def test_the_config_sets_a_review_platforms_target_per_priority(tmp_path: Path) -> None:
    SHOP.register()
    data = yaml.safe_load(sample_config_path().read_text())
    data["sla"]["first_response"]["shop"] = {"P1": 60, "default": 720}
    path = tmp_path / "socialdesk.yaml"
    path.write_text(yaml.safe_dump(data))
    targets = load_config(path).sla
    assert targets.first_response_minutes(Platform("shop"), Priority.P1) == 60
    assert targets.first_response_minutes(Platform("shop"), Priority.P3) == 720
    # The shipped sample's lines for the built-in review stores: faster for P1 and P2, a day otherwise.
    sample = load_config(sample_config_path()).sla
    assert sample.first_response_minutes(Platform("google_play"), Priority.P2) == 480
    assert sample.first_response_minutes(Platform("trustpilot"), Priority.P4) == DAY


def test_a_review_case_is_due_a_day_after_it_was_posted(desk: Desk) -> None:
    desk.accept_page("shop", page(review("r1", 3, "Okay, I guess. Sync is slow.", START)))
    desk.settle()

    [case] = desk.cases()
    assert case.needs_reply
    assert case.first_response_due == (START + timedelta(days=1)).replace(tzinfo=None)
