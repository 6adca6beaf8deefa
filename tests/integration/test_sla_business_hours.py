"""A team with business hours: its targets count working time only, so a post on Friday at 16:50 with a
60-minute target is due on Monday at 09:50, and nobody is pinged over the weekend."""

from __future__ import annotations

import datetime as dt
from datetime import UTC, datetime, timedelta

import pytest

from socialdesk.app import Runtime
from socialdesk.clock import ManualClock, as_utc
from socialdesk.config import BusinessHours, Config, load_config
from socialdesk.domain.enums import Priority
from socialdesk.standin import SlackStandin
from tests.conftest import SAMPLE_CONFIG
from tests.integration.sla_helpers import alerts, at, blocks_text, card, post_cases, stored, thread

FRIDAY_1650 = datetime(2026, 11, 27, 16, 50, tzinfo=UTC)  # Europe/London is on UTC in November
MONDAY_0950 = datetime(2026, 11, 30, 9, 50, tzinfo=UTC)


@pytest.fixture
def config() -> Config:
    base = load_config(SAMPLE_CONFIG)  # timezone Europe/London, reddit: 60 min to the first response
    office = BusinessHours(days=["mon", "tue", "wed", "thu", "fri"], start=dt.time(9), end=dt.time(17))
    teams = [
        t.model_copy(update={"business_hours": office}) if t.name == "support" else t for t in base.teams
    ]
    sla = base.sla.model_copy(update={"page_priorities": list(Priority)})  # a routine question pages too
    return base.model_copy(update={"teams": teams, "sla": sla})


def test_friday_evening_post_is_due_monday_morning(
    server: str, runtime: Runtime, clock: ManualClock, standin: SlackStandin
) -> None:
    clock.set(FRIDAY_1650)
    [case_id] = post_cases(server, runtime, clock, ["hello, can someone help me with my account?"])
    case = stored(runtime, case_id)
    assert case.team == "support"
    assert as_utc(case.first_response_due) == MONDAY_0950
    assert as_utc(case.sla_check_at) == datetime(2026, 11, 30, 9, 38, tzinfo=UTC)  # type: ignore[arg-type]
    assert "due in 2 d 17 h" in blocks_text(card(standin, case_id))  # the card counts wall-clock time left

    for quiet in (datetime(2026, 11, 27, 17, 30, tzinfo=UTC), datetime(2026, 11, 29, 12, 0, tzinfo=UTC)):
        report = at(runtime, clock, quiet)
        assert report.looked_at == 0 and report.nudges == 0
    assert at(runtime, clock, datetime(2026, 11, 30, 9, 37, tzinfo=UTC)).nudges == 0

    assert at(runtime, clock, datetime(2026, 11, 30, 9, 38, tzinfo=UTC)).nudges == 1
    assert any("is unclaimed and at risk" in line for line in thread(standin, case_id))
    assert at(runtime, clock, MONDAY_0950).breaches == 1
    assert len(alerts(standin, "social-support")) == 1
    # Paged at 150%: 90 working minutes, i.e. 10 on Friday and 80 on Monday.
    assert at(runtime, clock, datetime(2026, 11, 30, 10, 19, tzinfo=UTC)).pages == 0
    assert at(runtime, clock, datetime(2026, 11, 30, 10, 20, tzinfo=UTC)).pages == 1


def test_teams_without_hours_keep_the_wall_clock(server: str, runtime: Runtime, clock: ManualClock) -> None:
    clock.set(FRIDAY_1650)
    [case_id] = post_cases(server, runtime, clock, ["I was charged twice, I want a refund"])
    case = stored(runtime, case_id)
    assert case.team == "billing"
    assert as_utc(case.first_response_due) == FRIDAY_1650 + timedelta(minutes=60)
