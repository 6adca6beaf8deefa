"""Each figure in socialdesk.domain.metrics on hand-built cases: the formula, its edges, and "no data" as
None."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from socialdesk.domain import metrics
from socialdesk.domain.enums import CaseStatus, Platform, Priority
from socialdesk.domain.metrics import CaseFacts, Period

T0 = datetime(2026, 11, 24, 0, 0, tzinfo=UTC)  # a Tuesday
DAY = Period(T0, T0 + timedelta(days=1))
_ids = iter(range(1, 10_000))


def at(minutes: float) -> datetime:
    return T0 + timedelta(minutes=minutes)


def mins(value: float) -> timedelta:
    return timedelta(minutes=value)


def case(
    opened: float = 60,
    *,
    due_after: float = 60,
    answered_after: float | None = None,
    claimed_after: float | None = None,
    resolved_after: float | None = None,
    status: CaseStatus | None = None,
    **extra: Any,
) -> CaseFacts:
    """A case opened ``opened`` minutes into DAY; the other times are minutes after it opened."""
    opened_at = at(opened)

    def after(value: float | None) -> datetime | None:
        return None if value is None else opened_at + mins(value)

    if status is None:
        status = CaseStatus.RESOLVED if resolved_after is not None else CaseStatus.NEW
    fields: dict[str, Any] = dict(
        case_id=next(_ids),
        team="support",
        platform=Platform.X,
        priority=Priority.P3,
        status=status,
        opened_at=opened_at,
        first_response_due=opened_at + mins(due_after),
        first_response_at=after(answered_after),
        claimed_at=after(claimed_after),
        resolved_at=after(resolved_after),
        reply_count=1 if answered_after is not None else 0,
    )
    fields.update(extra)
    return CaseFacts(**fields)


# --- empty period: None, not 0 ---------------------------------------------------------------------


def test_an_empty_period_has_counts_of_zero_and_no_ratios_or_durations() -> None:
    summary = metrics.summarize([], DAY)
    assert (summary.opened, summary.answered, summary.resolved, summary.backlog) == (0, 0, 0, 0)
    assert summary.frt_median is None and summary.frt_p90 is None
    assert summary.sla_compliance is None and (summary.sla_met, summary.sla_counted) == (0, 0)
    assert summary.resolution_rate is None and summary.fcr is None and summary.aht is None
    assert summary.oldest_open is None


def test_cases_outside_the_period_leave_it_empty() -> None:
    yesterday = case(-600, answered_after=10, claimed_after=5, resolved_after=20)
    summary = metrics.summarize([yesterday], DAY)
    assert summary.opened == 0
    assert summary.frt_median is None and summary.sla_compliance is None and summary.fcr is None


# --- volume ----------------------------------------------------------------------------------------


def test_volume_counts_cases_opened_in_the_half_open_period() -> None:
    cases = [case(0), case(600), case(24 * 60 - 0.001), case(24 * 60), case(-1)]
    assert metrics.volume(cases, DAY) == 3  # the start is in, the end is out


def test_spam_is_left_out_of_every_figure() -> None:
    spam = case(10, resolved_after=1, status=CaseStatus.SPAM, outcome="spam")
    overdue_spam = case(10, status=CaseStatus.SPAM)
    assert metrics.summarize([spam, overdue_spam], DAY) == metrics.summarize([], DAY)


# --- first response time ---------------------------------------------------------------------------


def test_frt_is_post_to_first_reply_for_cases_answered_in_the_period() -> None:
    cases = [
        case(60, answered_after=10),
        case(60, answered_after=30),
        case(60),  # unanswered: no response time (the SLA figure counts it instead)
        case(-120, answered_after=150),  # posted yesterday, answered today: counted today, 150 min
        case(24 * 60 - 5, answered_after=10),  # answered tomorrow: not today's
    ]
    assert metrics.first_response_times(cases, DAY) == [mins(10), mins(30), mins(150)]
    assert metrics.answered(cases, DAY) == 3
    assert metrics.frt_median(cases, DAY) == mins(30)


def test_frt_median_of_an_even_count_is_the_mean_of_the_two_middle_waits() -> None:
    cases = [case(answered_after=m) for m in (40, 10, 20, 30)]
    assert metrics.frt_median(cases, DAY) == mins(25)


def test_a_reply_stamped_before_the_post_counts_as_an_instant_answer() -> None:
    assert metrics.first_response_times([case(answered_after=-2)], DAY) == [timedelta(0)]


@pytest.mark.parametrize(
    ("waits", "expected"),
    [
        ([7], 7),  # one answer: p90 is that answer
        ([1, 2, 3, 4, 5], 5),  # fewer than ten: the longest wait (rank ceil(4.5) = 5)
        (list(range(1, 11)), 9),  # ten: rank ceil(9.0) = 9
        (list(range(1, 12)), 10),  # eleven: rank ceil(9.9) = 10
        (list(range(1, 21)), 18),  # twenty: rank 18
    ],
)
def test_p90_uses_the_nearest_rank_method(waits: list[int], expected: int) -> None:
    cases = [case(answered_after=w) for w in reversed(waits)]
    assert metrics.frt_p90(cases, DAY) == mins(expected)


def test_nearest_rank_answers_with_a_value_from_the_sample_and_checks_its_percentile() -> None:
    values = [mins(1), mins(100)]
    assert metrics.nearest_rank(values, 50) == mins(1)
    assert metrics.nearest_rank(values, 51) == mins(100)
    assert metrics.nearest_rank(values, 100) == mins(100)
    assert metrics.nearest_rank([], 90) is None
    with pytest.raises(ValueError):
        metrics.nearest_rank(values, 0)


# --- SLA compliance --------------------------------------------------------------------------------


def test_an_answer_exactly_at_the_due_time_meets_the_sla() -> None:
    assert metrics.sla_tally([case(due_after=15, answered_after=15)], DAY) == (1, 1)


def test_an_answer_a_second_late_misses_the_sla() -> None:
    late = case(due_after=15, answered_after=15 + 1 / 60)
    assert metrics.sla_compliance([late], DAY) == 0.0


def test_unanswered_overdue_cases_count_as_misses_and_not_yet_due_ones_are_not_counted() -> None:
    now = at(120)
    so_far = Period(T0, now)
    cases = [
        case(0, due_after=60, answered_after=30),  # met at 00:30
        case(0, due_after=60),  # overdue since 01:00: a miss now
        case(100, due_after=60),  # due at 02:40, still ahead: can still be met
    ]
    assert metrics.sla_tally(cases, so_far) == (1, 2)
    assert metrics.sla_compliance(cases, so_far) == 0.5


def test_a_late_answer_is_counted_as_a_miss_in_the_period_its_due_time_passed() -> None:
    # Due late yesterday, answered this morning: yesterday's miss, not today's.
    late = case(-30, due_after=15, answered_after=90)
    yesterday = Period(T0 - timedelta(days=1), T0)
    assert metrics.sla_tally([late], yesterday) == (0, 1)
    assert metrics.sla_tally([late], DAY) == (0, 0)


def test_an_on_time_answer_is_counted_when_it_was_sent() -> None:
    # Posted yesterday, due today, answered yesterday on time: decided yesterday.
    early = case(-30, due_after=60, answered_after=10)
    assert metrics.sla_tally([early], DAY) == (0, 0)
    assert metrics.sla_tally([early], Period(T0 - timedelta(days=1), T0)) == (1, 1)


def test_a_case_closed_before_its_due_time_without_an_answer_is_not_counted() -> None:
    duplicate = case(due_after=60, resolved_after=5, outcome="duplicate")
    closed_late = case(due_after=60, resolved_after=90, outcome="no_action")
    assert metrics.sla_tally([duplicate, closed_late], DAY) == (0, 1)


def test_cases_without_an_sla_clock_are_never_a_miss() -> None:
    # Praise that needs no reply, and history imported from last month: nobody waited for us.
    praise = case(due_after=15, needs_reply=False)
    history = case(due_after=15, historical=True)
    answered_praise = case(due_after=15, answered_after=5, needs_reply=False)
    waiting = case(due_after=15)
    assert metrics.sla_tally([praise, history, answered_praise, waiting], DAY) == (0, 1)


def test_sla_compliance_is_met_over_counted() -> None:
    cases = [case(answered_after=m, due_after=15) for m in (5, 10, 15, 20)]
    assert metrics.sla_compliance(cases, DAY) == 0.75
    assert metrics.summarize(cases, DAY).sla_compliance == 0.75


# --- resolution rate, FCR, AHT ---------------------------------------------------------------------


def test_resolution_rate_is_the_share_of_the_periods_cases_resolved_by_its_end() -> None:
    cases = [
        case(60, answered_after=5, resolved_after=30),
        case(60, answered_after=5, resolved_after=30),
        case(60, answered_after=5),  # still open
        case(24 * 60 - 10, resolved_after=30),  # opened today, resolved tomorrow: not by the end
        case(-60, resolved_after=120),  # resolved today but opened yesterday: not in today's cohort
    ]
    assert metrics.resolution_rate(cases, DAY) == pytest.approx(2 / 4)
    assert metrics.resolved(cases, DAY) == 3


def test_a_reopened_case_is_not_resolved_until_it_is_resolved_again() -> None:
    reopened = case(60, answered_after=5, status=CaseStatus.CLAIMED, reopen_count=1)
    assert metrics.resolution_rate([reopened], DAY) == 0.0
    assert metrics.resolved([reopened], DAY) == 0


def test_fcr_counts_one_reply_no_escalation_never_reopened_among_answered_resolved_cases() -> None:
    first_contact = case(answered_after=5, resolved_after=30)
    two_replies = case(answered_after=5, resolved_after=30, reply_count=2)
    escalated = case(answered_after=5, resolved_after=30, escalation_count=1)
    reopened = case(answered_after=5, resolved_after=300, reopen_count=1)
    silent = case(resolved_after=30, outcome="duplicate")  # no reply: not in the denominator
    cases = [first_contact, two_replies, escalated, reopened, silent]
    assert metrics.first_contact_resolution(cases, DAY) == pytest.approx(1 / 4)


def test_fcr_is_none_when_only_unanswered_cases_were_resolved() -> None:
    assert metrics.first_contact_resolution([case(resolved_after=5)], DAY) is None


def test_aht_is_the_mean_of_claim_to_resolve_over_claimed_cases_resolved_in_the_period() -> None:
    cases = [
        case(claimed_after=10, answered_after=20, resolved_after=40),  # 30 min
        case(claimed_after=0, answered_after=20, resolved_after=90),  # 90 min
        case(answered_after=5, resolved_after=50),  # never claimed: left out
        case(claimed_after=0, answered_after=20),  # not resolved: left out
    ]
    assert metrics.average_handling_time(cases, DAY) == mins(60)


def test_aht_is_none_without_a_claimed_resolved_case() -> None:
    assert metrics.average_handling_time([case(resolved_after=5)], DAY) is None


# --- backlog -----------------------------------------------------------------------------------------


def test_backlog_is_what_was_open_at_the_moment_and_the_oldest_of_it() -> None:
    moment = at(600)
    oldest = case(-300)
    cases = [
        oldest,
        case(100, status=CaseStatus.WAITING_CUSTOMER),
        case(200, resolved_after=30),  # resolved before the moment
        case(300, resolved_after=600),  # resolved after the moment: open at it
        case(700),  # opened after the moment
    ]
    assert metrics.open_backlog(cases, moment) == 3
    assert metrics.oldest_open(cases, moment) == oldest


def test_oldest_open_breaks_ties_by_case_number() -> None:
    first, second = case(0), case(0)
    assert metrics.oldest_open([second, first], at(10)) == first
    assert metrics.oldest_open([], at(10)) is None


# --- periods -----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("now", "zone", "today_start", "week_start"),
    [
        # Plain winter day in London (GMT = UTC).
        (datetime(2026, 11, 24, 9, 0, tzinfo=UTC), "Europe/London", "2026-11-24 00:00", "2026-11-23 00:00"),
        # Late evening UTC is already tomorrow in BST.
        (datetime(2026, 7, 1, 23, 30, tzinfo=UTC), "Europe/London", "2026-07-01 23:00", "2026-06-28 23:00"),
        # Sunday 29 March 2026: clocks go forward at 01:00 UTC; the day started at GMT midnight...
        (datetime(2026, 3, 29, 12, 0, tzinfo=UTC), "Europe/London", "2026-03-29 00:00", "2026-03-23 00:00"),
        # ...and the next Monday starts at BST midnight: a 23-hour Sunday.
        (datetime(2026, 3, 30, 10, 0, tzinfo=UTC), "Europe/London", "2026-03-29 23:00", "2026-03-29 23:00"),
        # Sunday 25 October 2026: clocks go back at 01:00 UTC; the day started at BST midnight.
        (datetime(2026, 10, 25, 12, 0, tzinfo=UTC), "Europe/London", "2026-10-24 23:00", "2026-10-18 23:00"),
        (datetime(2026, 10, 26, 8, 0, tzinfo=UTC), "Europe/London", "2026-10-26 00:00", "2026-10-26 00:00"),
        # East of UTC, where Monday morning local is still Sunday in UTC.
        (
            datetime(2026, 11, 22, 20, 0, tzinfo=UTC),
            "Pacific/Auckland",
            "2026-11-22 11:00",
            "2026-11-22 11:00",
        ),
        (datetime(2026, 11, 24, 9, 0, tzinfo=UTC), "UTC", "2026-11-24 00:00", "2026-11-23 00:00"),
    ],
)
def test_today_and_week_start_at_local_midnight_across_daylight_saving(
    now: datetime, zone: str, today_start: str, week_start: str
) -> None:
    def utc(text: str) -> datetime:
        return datetime.fromisoformat(text).replace(tzinfo=UTC)

    assert metrics.today(now, zone) == Period(utc(today_start), now)
    assert metrics.week(now, zone) == Period(utc(week_start), now)


def test_a_period_refuses_naive_times_and_a_negative_length() -> None:
    with pytest.raises(ValueError):
        Period(datetime(2026, 1, 1), datetime(2026, 1, 2))
    with pytest.raises(ValueError):
        Period(T0, T0 - timedelta(seconds=1))
    assert T0 in DAY and DAY.end not in DAY and None not in DAY


# --- summaries -----------------------------------------------------------------------------------------


def test_summarize_by_team_lists_configured_teams_first_even_when_idle_then_others() -> None:
    cases = [
        case(answered_after=5, team="support"),
        case(answered_after=5, team="zz-renamed"),
        case(answered_after=5, team="aa-old"),
    ]
    by_team = metrics.summarize_by_team(cases, DAY, teams=["support", "billing"])
    assert list(by_team) == ["support", "billing", "aa-old", "zz-renamed"]
    assert by_team["billing"].opened == 0 and by_team["billing"].frt_median is None
    assert by_team["support"].opened == 1


def test_summary_matches_the_single_figures() -> None:
    cases = [
        case(0, due_after=15, answered_after=10, claimed_after=1, resolved_after=40),
        case(30, due_after=15, answered_after=20, claimed_after=2, resolved_after=50, reply_count=2),
        case(60, due_after=15),
        replace(case(90), status=CaseStatus.CLAIMED, claimed_at=at(95)),
    ]
    now = at(24 * 60 - 1)
    period = Period(T0, now)
    summary = metrics.summarize(cases, period)
    assert summary.opened == 4
    assert summary.answered == 2
    assert summary.frt_median == mins(15)
    assert summary.frt_p90 == mins(20)
    assert (summary.sla_met, summary.sla_counted) == (1, 4)
    assert summary.resolved == 2
    assert summary.resolution_rate == 0.5
    assert summary.fcr == 0.5
    assert summary.aht == mins((39 + 48) / 2)
    assert summary.backlog == 2
    assert summary.oldest_open == cases[2]
