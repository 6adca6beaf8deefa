"""SLA levels from due times (at risk at 80%, breached at 100%, paged at 150%), never going back; the
resolution clock paused while waiting on the customer; parsing a snooze."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from socialdesk.config import Config, SlaTargets, load_config
from socialdesk.domain.commands import UsageError
from socialdesk.domain.enums import CaseStatus, Platform, Priority
from socialdesk.domain.models import Case
from socialdesk.domain.sla import SlaClock, SlaLevel, SlaPolicy
from socialdesk.sla.notify import Alert
from socialdesk.sla.snooze import parse_snooze
from tests.conftest import SAMPLE_CONFIG

T0 = datetime(2026, 11, 24, 10, 0, tzinfo=UTC)


@pytest.fixture
def config() -> Config:
    base = load_config(SAMPLE_CONFIG)
    sla = SlaTargets(
        first_response={Platform.REDDIT: {"default": 60}},
        resolution={Platform.REDDIT: {"default": 600}},
        page_priorities=list(Priority),  # the levels for any priority (which page: test_sla_alert_rules.py)
    )
    return base.model_copy(update={"sla": sla, "timezone": "UTC"})


def make_case(policy: SlaPolicy, **changes: object) -> Case:
    dues = policy.dues(team="support", platform=Platform.REDDIT, priority=Priority.P3, posted_at=T0)
    case = Case(
        id=1,
        platform=Platform.REDDIT,
        conversation_key="k",
        team="support",
        author_id="a",
        opened_at=T0,
        first_response_due=dues.first_response,
        resolution_due=dues.resolution,
        last_activity_at=T0,
        sla_check_at=dues.check_at,
    )
    for key, value in changes.items():
        setattr(case, key, value)
    return case


def test_dues_and_the_first_check(config: Config) -> None:
    dues = SlaPolicy(config).dues(
        team="support", platform=Platform.REDDIT, priority=Priority.P3, posted_at=T0
    )
    assert dues.first_response == T0 + timedelta(minutes=60)
    assert dues.resolution == T0 + timedelta(minutes=600)
    assert dues.check_at == T0 + timedelta(minutes=48)  # 80% of the first-response target


@pytest.mark.parametrize(
    ("minutes", "level", "next_check"),
    [
        (0, SlaLevel.OK, 48),
        (47, SlaLevel.OK, 48),
        (48, SlaLevel.AT_RISK, 60),
        (60, SlaLevel.BREACHED, 90),
        (89, SlaLevel.BREACHED, 90),
        (90, SlaLevel.PAGED, 480),  # then only the resolution clock (80% of 600 min) is left to watch
    ],
)
def test_first_response_levels(config: Config, minutes: int, level: SlaLevel, next_check: int) -> None:
    policy = SlaPolicy(config)
    reading = policy.read(make_case(policy), T0 + timedelta(minutes=minutes))
    assert reading.first_response is not None
    assert reading.first_response.level is level
    assert reading.next_check_at == T0 + timedelta(minutes=next_check)


def test_levels_never_go_back(config: Config) -> None:
    policy = SlaPolicy(config)
    case = make_case(policy, sla_level="breached")
    reading = policy.read(case, T0 + timedelta(minutes=5))
    assert reading.first_response is not None and reading.first_response.level is SlaLevel.BREACHED
    assert reading.first_response.next_at == T0 + timedelta(minutes=90)


def test_answered_and_closed_cases(config: Config) -> None:
    policy = SlaPolicy(config)
    answered = make_case(policy, first_response_at=T0 + timedelta(minutes=5), status=CaseStatus.CLAIMED)
    reading = policy.read(answered, T0 + timedelta(minutes=100))
    assert reading.first_response is None
    assert reading.resolution is not None and reading.resolution.level is SlaLevel.OK
    resolved = make_case(policy, status=CaseStatus.RESOLVED)
    assert policy.read(resolved, T0 + timedelta(days=3)).readings == []


def test_resolution_clock_pauses_while_waiting_and_moves_on_by_the_wait(config: Config) -> None:
    policy = SlaPolicy(config)
    case = make_case(
        policy,
        first_response_at=T0 + timedelta(minutes=10),
        status=CaseStatus.WAITING_CUSTOMER,
        waiting_since=T0 + timedelta(minutes=100),
    )
    # Waiting: ten hours later the clock still reads as at minute 100, and nothing is due.
    reading = policy.read(case, T0 + timedelta(hours=20))
    assert reading.resolution is not None
    assert reading.resolution.level is SlaLevel.OK and reading.resolution.paused
    assert reading.next_check_at is None
    # The customer writes back at hour 20: 18 h 20 min of waiting moves the due time on by as much.
    back = T0 + timedelta(hours=20)
    added = policy.end_pause(case, back)
    assert added == timedelta(hours=18, minutes=20)
    assert case.paused_seconds == 66000 and case.waiting_since is None
    assert case.resolution_due == T0 + timedelta(minutes=600) + added
    case.status = CaseStatus.CLAIMED
    reading = policy.read(case, back)
    assert reading.resolution is not None and reading.resolution.level is SlaLevel.OK
    # 480 min of the target used is at risk: 100 before the wait, 380 after it.
    assert reading.next_check_at == back + timedelta(minutes=380)


def test_pause_switched_off(config: Config) -> None:
    policy = SlaPolicy(
        config.model_copy(update={"sla": config.sla.model_copy(update={"pause_while_waiting": False})})
    )
    case = make_case(
        policy,
        first_response_at=T0 + timedelta(minutes=10),
        status=CaseStatus.WAITING_CUSTOMER,
        waiting_since=T0 + timedelta(minutes=100),
    )
    reading = policy.read(case, T0 + timedelta(hours=20))
    assert reading.resolution is not None and reading.resolution.level is SlaLevel.PAGED
    assert policy.end_pause(case, T0 + timedelta(hours=20)) == timedelta(0)


def test_notice_keys() -> None:
    assert Alert(42, SlaClock.FIRST_RESPONSE, SlaLevel.AT_RISK).notice_key == "sla:42:at_risk"
    assert Alert(42, SlaClock.RESOLUTION, SlaLevel.PAGED).notice_key == "sla:42:resolution:paged"


@pytest.mark.parametrize(
    ("words", "expected"),
    [
        (["30"], T0 + timedelta(minutes=30)),
        (["45m"], T0 + timedelta(minutes=45)),
        (["2h"], T0 + timedelta(hours=2)),
        (["1h30"], T0 + timedelta(minutes=90)),
        (["until", "14:30"], datetime(2026, 11, 24, 14, 30, tzinfo=UTC)),
        (["until", "09:15"], datetime(2026, 11, 25, 9, 15, tzinfo=UTC)),  # already past today: tomorrow
        (["off"], None),
    ],
)
def test_parse_snooze(words: list[str], expected: datetime | None) -> None:
    assert parse_snooze(words, now=T0, tz="Europe/London") == expected


@pytest.mark.parametrize("words", [["soon"], ["until", "25:00"], ["200h"], []])
def test_parse_snooze_refuses_with_the_usage(words: list[str]) -> None:
    with pytest.raises(UsageError, match="snooze"):
        parse_snooze(words, now=T0, tz="Europe/London")
