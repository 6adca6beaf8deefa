"""The digest's figures in socialdesk.domain.metrics, each on hand-built data with the answer worked out by
hand
in the test: change against the previous period, first contact with the 7-day reopen window, the
tally behind each figure, breakdowns, agents, canned replies, CSAT / NPS and the review's rules."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest

from socialdesk.domain import metrics
from socialdesk.domain.enums import CaseStatus, Category, Platform, Priority, Sentiment
from socialdesk.domain.metrics import CaseFacts, Outcome, Period, Tally, WaitStats

T0 = datetime(2026, 11, 24, 0, 0, tzinfo=UTC)
DAY = Period(T0, T0 + timedelta(days=1))
_ids = iter(range(1, 10_000))


def mins(value: float) -> timedelta:
    return timedelta(minutes=value)


def case(opened: float = 60, **fields: Any) -> CaseFacts:
    """A case opened ``opened`` minutes into DAY; ``answered``, ``claimed`` and ``resolved`` are minutes
    after it opened."""
    opened_at = T0 + mins(opened)
    after = {k: fields.pop(k, None) for k in ("answered", "claimed", "resolved")}
    status = fields.pop("status", CaseStatus.RESOLVED if after["resolved"] is not None else CaseStatus.NEW)
    base: dict[str, Any] = dict(
        case_id=next(_ids),
        team="support",
        platform=Platform.X,
        priority=Priority.P3,
        status=status,
        opened_at=opened_at,
        first_response_due=opened_at + mins(fields.pop("due", 60)),
        first_response_at=None if after["answered"] is None else opened_at + mins(after["answered"]),
        claimed_at=None if after["claimed"] is None else opened_at + mins(after["claimed"]),
        resolved_at=None if after["resolved"] is None else opened_at + mins(after["resolved"]),
        reply_count=1 if after["answered"] is not None else 0,
    )
    base.update(fields)
    return CaseFacts(**base)


# --- change against the previous period ---------------------------------------------------------


@pytest.mark.parametrize(
    ("current", "previous", "expected"),
    [
        (120, 100, 0.20),  # (120 - 100) / 100
        (75, 100, -0.25),
        (100, 100, 0.0),
        (mins(45), mins(30), 0.5),  # durations compare the same way
        (12, 0, None),  # no base: "new", not infinitely more
        (None, 10, None),
        (10, None, None),
    ],
)
def test_change_is_relative_to_the_previous_period(
    current: Any, previous: Any, expected: float | None
) -> None:
    result = metrics.change(current, previous)
    assert result == (pytest.approx(expected) if expected is not None else None)


def test_ratios_change_by_points_not_percent() -> None:
    assert metrics.point_change(0.55, 0.50) == pytest.approx(0.05)  # +5 pts, not +10 %
    assert metrics.point_change(0.40, 0.52) == pytest.approx(-0.12)
    assert metrics.point_change(None, 0.5) is None and metrics.point_change(0.5, None) is None


# --- first contact: one reply, no escalation, no reopen within 7 days ---------------------------


def test_quickest_reopen_is_the_shortest_gap_from_a_resolution_to_the_reopen_that_undid_it() -> None:
    d = lambda day, hour=0: datetime(2026, 11, day, hour, tzinfo=UTC)  # noqa: E731
    trail = [(d(1), "resolved"), (d(3), "reopened"), (d(10), "resolved"), (d(10, 12), "reopened")]
    assert metrics.quickest_reopen(trail) == timedelta(hours=12)  # 2 days, then 12 hours: 12 hours
    assert metrics.quickest_reopen([(d(1), "spam"), (d(9), "reopened")]) == timedelta(days=8)
    assert metrics.quickest_reopen([(d(1), "resolved")]) is None  # never reopened
    assert metrics.quickest_reopen([(d(2), "reopened"), (d(1), "resolved")]) == timedelta(days=1)  # any order
    assert metrics.quickest_reopen([(d(1), "reopened")]) is None  # nothing before it: unknown


@pytest.mark.parametrize(
    ("replies", "escalations", "reopens", "gap", "expected"),
    [
        (1, 0, 0, None, True),
        (2, 0, 0, None, False),
        (1, 1, 0, None, False),
        (1, 0, 1, timedelta(days=6, hours=23), False),  # reopened within the week
        (1, 0, 1, timedelta(days=7), False),  # exactly 7 days is still within
        (1, 0, 1, timedelta(days=7, seconds=1), True),  # later: a new contact
        (1, 0, 1, None, False),  # reopened, timing unknown: the cautious reading
        (0, 0, 0, None, False),
    ],
)
def test_is_first_contact(
    replies: int, escalations: int, reopens: int, gap: timedelta | None, expected: bool
) -> None:
    assert metrics.is_first_contact(replies, escalations, reopens, gap) is expected


def test_fcr_lets_a_reopen_after_seven_days_count_as_a_new_contact() -> None:
    cases = [
        case(answered=5, resolved=30),  # first contact
        case(
            answered=5, resolved=30, reopen_count=1, quickest_reopen=timedelta(days=9)
        ),  # still first contact
        case(answered=5, resolved=30, reopen_count=1, quickest_reopen=timedelta(days=2)),  # not
        case(answered=5, resolved=30, escalation_count=1),  # not
    ]
    assert metrics.first_contact_resolution(cases, DAY) == pytest.approx(2 / 4)


# --- the tally and the figures drawn from it -----------------------------------------------------


def test_tally_of_a_hand_built_day_and_its_figures() -> None:
    cases = [
        # answered after 10 min (due 60: met), claimed at 5, resolved at 65: handling 60 min, first contact
        case(0, answered=10, claimed=5, resolved=65),
        # answered after 90 min (due 60: missed at 60), two replies, claimed at 30, resolved at 120
        case(60, answered=90, claimed=30, resolved=120, reply_count=2),
        case(120),  # unanswered, due at 180 min: missed
        case(600, resolved=10, due=60),  # closed before its due time without a reply: no SLA
        case(1400),  # due tomorrow: not decided yet
        case(700, status=CaseStatus.SPAM),  # left out
        case(-30, answered=40, resolved=50),  # opened yesterday, answered and resolved today
    ]
    tally = metrics.tally_of(cases, DAY)
    assert tally == Tally(
        opened=5,
        answered=3,
        sla_met=2,  # 10 min and yesterday's 40 min (due 60)
        sla_counted=4,  # plus the late one and the unanswered one
        resolved=4,
        resolved_of_opened=3,  # of the 5 opened today, 3 were resolved by midnight
        replied_resolved=3,
        first_contact=2,
        handled=2,
        handling=mins(60) + mins(90),
        frt_median=mins(40),  # waits 10, 40, 90
        frt_p90=mins(90),
    )
    f = metrics.figures(tally)
    assert f.sla_compliance == pytest.approx(2 / 4)
    assert f.resolution_rate == pytest.approx(3 / 5)
    assert f.fcr == pytest.approx(2 / 3)
    assert f.aht == mins(75)


def test_figures_of_nothing_are_none_and_counts_zero() -> None:
    f = metrics.figures(Tally())
    assert (f.opened, f.answered, f.resolved, f.sla_counted) == (0, 0, 0, 0)
    assert f.sla_compliance is None and f.resolution_rate is None and f.fcr is None and f.aht is None


def test_wait_stats_median_and_nearest_rank_p90() -> None:
    waits = [mins(m) for m in (1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 100)]  # 11 waits
    # median: the 6th; p90: rank ceil(0.9 * 11) = 10, the 10th
    assert metrics.wait_stats(waits) == WaitStats(11, mins(6), mins(10))
    assert metrics.wait_stats([mins(4), mins(2)]) == WaitStats(2, mins(3), mins(4))
    assert metrics.wait_stats([]) == WaitStats(0, None, None)
    assert metrics.median([1.0, 4.0, 2.0, 3.0]) == 2.5  # floats work too (SQL hands seconds over)


# --- breakdowns ------------------------------------------------------------------------------------


def test_volume_by_platform_and_category() -> None:
    cases = [
        case(platform=Platform.X, category=Category.COMPLAINT),
        case(platform=Platform.X, category=Category.QUESTION),
        case(platform=Platform.FACEBOOK, category=Category.COMPLAINT),
        case(platform=Platform.REDDIT, status=CaseStatus.SPAM),  # left out
        case(-60, platform=Platform.FACEBOOK),  # yesterday
    ]
    assert metrics.volume_by(cases, DAY, lambda c: c.platform) == [(Platform.X, 2), (Platform.FACEBOOK, 1)]
    by_category = metrics.volume_by(cases, DAY, lambda c: c.category)
    assert by_category == [(Category.COMPLAINT, 2), (Category.QUESTION, 1)]
    assert sum(n for _, n in by_category) == metrics.volume(cases, DAY)


def test_escalations_by_team_count_each_move() -> None:
    moves = [
        ("support", "billing"),
        ("support", "billing"),
        ("billing", "incidents"),
        ("support", "incidents"),
    ]
    assert metrics.escalations_by_team(moves) == [
        ("support", "billing", 2),
        ("billing", "incidents", 1),
        ("support", "incidents", 1),
    ]


def test_sentiment_mix_is_the_share_of_each_sentiment() -> None:
    mix = metrics.sentiment_mix({Sentiment.NEGATIVE: 3, Sentiment.NEUTRAL: 5, Sentiment.POSITIVE: 2})
    assert list(mix) == list(Sentiment)  # the scale's order, every value present
    assert mix[Sentiment.NEGATIVE] == pytest.approx(0.3) and mix[Sentiment.VERY_NEGATIVE] == 0
    assert metrics.sentiment_mix({}) == {}


def test_negative_topics_rank_by_negative_cases_then_share() -> None:
    topics = metrics.negative_topics(
        {"complaint": (8, 10), "question": (8, 40), "incident": (3, 3), "praise": (0, 9)}, limit=3
    )
    assert [(t.name, t.negative, t.negative_share) for t in topics] == [
        ("complaint", 8, 0.8),  # as many as question, but a larger share
        ("question", 8, 0.2),
        ("incident", 3, 1.0),
    ]
    assert metrics.negative_topics({"complaint": (1, 5)}, min_cases=2) == []


def test_top_keywords_count_texts_not_repeats_and_skip_noise() -> None:
    texts = [
        "Refund refund REFUND now! I was charged twice",
        "Where is my refund? email me at [email]",
        "Charged twice again, @AcmeHelp this is terrible",
        "ok",
    ]
    assert metrics.top_keywords(texts, limit=4, ignore=["acmehelp"]) == [
        ("charged", 2),
        ("refund", 2),  # three times in one text counts once
        ("twice", 2),
        ("email", 1),  # "[email]" is a redaction placeholder, "email" itself is a word
    ]


def test_top_keywords_leave_out_every_handle_and_our_own_names() -> None:
    texts = [
        "@AcmeSupport my login fails again",
        "@acme_help login broken, acme_help never answers",
        "Login broken since the update @AppleSupport @jane.doe_99.",
        "AcmeSupport ignores me, login still broken",
        "write to support@acme.com about the login",  # an address (unmasked here): not a handle
    ]
    words = dict(metrics.top_keywords(texts, limit=20, ignore=["@AcmeSupport", "acme_help"]))
    assert words["login"] == 5 and words["broken"] == 3
    assert not {"acmesupport", "acme_help", "applesupport", "jane.doe_99", "jane", "doe_99"} & set(words)
    assert "support" in words  # the address's local part is a word like any other


def test_agent_table_joins_resolutions_and_first_replies() -> None:
    rows = metrics.agent_table(
        {"U1": 3, "U2": 5},
        {"U1": metrics.wait_stats([mins(10), mins(20), mins(60)]), "U3": metrics.wait_stats([mins(5)])},
    )
    assert [(r.agent, r.handled, r.first_responses, r.frt_median) for r in rows] == [
        ("U2", 5, 0, None),
        ("U1", 3, 3, mins(20)),
        ("U3", 0, 1, mins(5)),
    ]


def test_canned_usage_counts_and_share() -> None:
    ranked, share = metrics.canned_usage({"ack": 6, "refund": 9, None: 15})
    assert ranked == [("refund", 9), ("ack", 6)]
    assert share == pytest.approx(15 / 30)
    assert metrics.canned_usage({}) == ([], None)


# --- satisfaction ----------------------------------------------------------------------------------


def test_csat_is_the_share_of_4_and_5_among_1_to_5() -> None:
    answers = {5: 3, 4: 1, 3: 2, 1: 2, 9: 4}  # the 9s are off the scale and ignored
    assert metrics.csat(answers) == pytest.approx(4 / 8)
    assert metrics.csat_mean(answers) == pytest.approx((15 + 4 + 6 + 2) / 8)
    assert metrics.csat({}) is None and metrics.csat_mean({}) is None


def test_nps_is_promoters_minus_detractors_in_points() -> None:
    answers = {10: 3, 9: 2, 8: 2, 7: 1, 6: 1, 0: 1}  # 5 promoters, 3 passives, 2 detractors of 10
    assert metrics.nps(answers) == pytest.approx(100 * (5 - 2) / 10)
    assert metrics.nps({3: 4}) == -100
    assert metrics.nps({}) is None


# --- the improvement review's rules ----------------------------------------------------------------


def test_unusual_flags_values_outside_mean_plus_minus_two_sd() -> None:
    history = [100.0, 110.0, 90.0, 100.0]  # mean 100, sample sd sqrt(200/3) = 8.165; band 83.67..116.33
    shift = metrics.unusual("opened", 120, history)
    assert shift is not None and shift.direction == "up"
    assert shift.mean == pytest.approx(100) and shift.sd == pytest.approx(8.1650, abs=1e-4)
    assert shift.high == pytest.approx(116.33, abs=0.01)
    assert metrics.unusual("opened", 116, history) is None  # inside the band
    assert metrics.unusual("opened", 80, history).direction == "down"  # type: ignore[union-attr]


def test_unusual_needs_history_and_respects_the_floor() -> None:
    assert metrics.unusual("sla", 0.5, [0.9, None, 0.9]) is None  # two known weeks: no normal yet
    assert metrics.unusual("sla", None, [0.9, 0.9, 0.9]) is None
    # Four identical weeks have sd 0: without a floor any wobble would be flagged.
    assert metrics.unusual("sla", 0.91, [0.9] * 4, floor=0.02) is None
    assert metrics.unusual("sla", 0.87, [0.9] * 4, floor=0.02) is not None


def test_worst_outcomes_rank_by_fcr_then_reopens_then_csat_with_a_minimum() -> None:
    rows = [
        Outcome("a", cases=20, first_contact=10, reopened=1),  # FCR 50 %
        Outcome("b", cases=20, first_contact=10, reopened=4),  # FCR 50 %, more reopens: worse
        Outcome("c", cases=20, first_contact=18, reopened=0, csat_good=1, csat_answers=4),
        Outcome("d", cases=3, first_contact=0, reopened=3),  # too few cases to judge
        Outcome("e", cases=20, first_contact=18, reopened=0),  # same as c, no CSAT: better than c
    ]
    assert [o.name for o in metrics.worst_outcomes(rows, min_cases=10, limit=4)] == ["b", "a", "c", "e"]
    assert rows[1].fcr == 0.5 and rows[1].reopen_rate == 0.2 and rows[2].csat == 0.25


# --- periods from local days -----------------------------------------------------------------------


def test_local_days_follow_the_wall_clock_across_a_clock_change() -> None:
    autumn = metrics.local_days(date(2026, 10, 25), date(2026, 10, 25), "Europe/London")
    assert autumn.length == timedelta(hours=25)
    assert autumn.start == datetime(2026, 10, 24, 23, 0, tzinfo=UTC)
    spring = metrics.local_days(date(2026, 3, 29), date(2026, 3, 29), "Europe/London")
    assert spring.length == timedelta(hours=23)
    week = metrics.local_days(date(2026, 10, 19), date(2026, 10, 25), "Europe/London")
    assert week.length == timedelta(days=7, hours=1)
    with pytest.raises(ValueError):
        metrics.local_days(date(2026, 10, 25), date(2026, 10, 24), "Europe/London")
