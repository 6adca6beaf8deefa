"""The digest's SQL adds up the same figures as the definitions in `socialdesk.domain.metrics`: on cases built
to hit every rule's edge, `socialdesk.store.digest_repo` and friends must agree with `tally_of`, `sla_tally`,
`volume_by` and the rest run over `CaseFacts` of the same rows (SQLite and PostgreSQL)."""

from __future__ import annotations

from collections import Counter

from sqlalchemy import Engine
from sqlmodel import Session

from socialdesk.domain import metrics
from socialdesk.domain.enums import CaseStatus, Category, Platform, Sentiment
from socialdesk.domain.metrics import Period, local_days
from socialdesk.store import digest_detail_repo as detail
from socialdesk.store import digest_repo
from socialdesk.store.digest_review_repo import outcomes_by_canned, outcomes_by_route
from socialdesk.store.metrics_repo import case_facts
from tests.integration.digest_seed import add_case, add_event, add_survey, at

TZ = "Europe/London"  # on UTC in November
TUESDAY = local_days(at(24, 0).date(), at(24, 0).date(), TZ)
MONDAY = local_days(at(23, 0).date(), at(23, 0).date(), TZ)
RESOLVED = CaseStatus.RESOLVED


def seed_edges(engine: Engine) -> None:
    with Session(engine) as s:
        # First response and SLA.
        add_case(s, opened=at(24, 9), answered=at(24, 9, 15), replies=[(at(24, 9, 15), "U1", None)])  # at due
        add_case(  # answered on Tuesday, late: missed on Monday when it fell due
            s, opened=at(23, 23, 50), answered=at(24, 0, 30), replies=[(at(24, 0, 30), "U2", "sorry")]
        )
        add_case(s, opened=at(24, 10), team="billing")  # unanswered, missed at 10:15
        # No SLA clock: praise that needs no reply, and a post imported as history: never met nor missed.
        add_case(s, opened=at(24, 10, 5), team="billing", category=Category.PRAISE, needs_reply=False)
        add_case(s, opened=at(24, 10, 6), team="billing", historical=True)
        add_case(
            s, opened=at(24, 11), status=RESOLVED, resolved=at(24, 11, 5), team="billing"
        )  # never counted
        add_case(
            s, opened=at(24, 12), status=RESOLVED, resolved=at(24, 13), team="billing"
        )  # missed at 12:15
        add_case(s, opened=at(24, 12), status=CaseStatus.SPAM, resolved=at(24, 12, 1))  # left out
        add_case(s, opened=at(24, 23, 55), answered=at(25, 0, 5), replies=[(at(25, 0, 5), "U1", None)])
        # Resolution, first contact and handling time.
        quick = add_case(
            s,
            opened=at(20, 9),
            answered=at(20, 9, 5),
            claimed=at(24, 8),
            status=RESOLVED,
            resolved=at(24, 9),
            replies=[(at(20, 9, 5), "U1", "sorry")],
            reopen_count=1,
            route="money",
        )
        add_event(s, quick, "resolved", at(20, 10))
        add_event(s, quick, "reopened", at(22, 10))  # 2 days after: not first contact
        late = add_case(
            s,
            opened=at(10, 9),
            answered=at(10, 9, 5),
            claimed=at(24, 8),
            status=RESOLVED,
            resolved=at(24, 10),
            replies=[(at(10, 9, 5), "U2", "sorry")],
            reopen_count=1,
            route="money",
        )
        add_event(s, late, "resolved", at(10, 10))
        add_event(s, late, "reopened", at(19, 10))  # 9 days after: a new contact, still first contact
        unknown = add_case(
            s,
            opened=at(24, 1),
            answered=at(24, 1, 5),
            status=RESOLVED,
            resolved=at(24, 2),
            replies=[(at(24, 1, 5), "U1", None)],
            reopen_count=1,
            team="billing",
        )
        add_event(s, unknown, "reopened", at(24, 1, 30))  # no resolution before it: counts as quick
        add_case(
            s,
            opened=at(24, 3),
            answered=at(24, 3, 5),
            claimed=at(24, 3, 1),
            status=RESOLVED,
            resolved=at(24, 4),
            replies=[(at(24, 3, 5), "U2", None)],
            escalation_count=1,
            team="incidents",
            sentiment=Sentiment.VERY_NEGATIVE,
            category=Category.INCIDENT,
            platform=Platform.FACEBOOK,
        )
        fcr = add_case(
            s,
            opened=at(24, 5),
            answered=at(24, 5, 2),
            claimed=at(24, 5, 1),
            status=RESOLVED,
            resolved=at(24, 5, 40),
            replies=[(at(24, 5, 2), "U1", "sorry")],
            sentiment=Sentiment.NEGATIVE,
            category=Category.COMPLAINT,
        )
        add_case(  # claimed after it was resolved (clock skew): a handling time of 0, never negative
            s,
            opened=at(24, 6),
            answered=at(24, 6, 2),
            claimed=at(24, 6, 50),
            status=RESOLVED,
            resolved=at(24, 6, 40),
            replies=[(at(24, 6, 2), "U2", None), (at(24, 6, 30), "U2", "sorry")],
            platform=Platform.INSTAGRAM,
        )
        add_case(
            s, opened=at(24, 22), status=RESOLVED, resolved=at(25, 1), answered=at(24, 22, 5)
        )  # cohort: no
        add_case(
            s, opened=at(23, 9), status=CaseStatus.CLAIMED, claimed=at(23, 9, 1), assignee="U1"
        )  # Monday
        add_survey(s, fcr, 5, at(24, 6))
        add_survey(s, quick, 2, at(24, 9, 30))
        s.commit()


def facts_tally(engine: Engine, period: Period, team: str | None) -> metrics.Tally:
    with Session(engine) as s:
        facts = [f for f in case_facts(s, period) if team is None or f.team == team]
    return metrics.tally_of(facts, period)


def test_sql_tallies_equal_the_definitions_per_team_and_overall(engine: Engine) -> None:
    seed_edges(engine)
    with Session(engine) as s:
        tuesday, monday = digest_repo.tallies(s, [TUESDAY, MONDAY])
    for counted, period in ((tuesday, TUESDAY), (monday, MONDAY)):
        assert counted.overall == facts_tally(engine, period, None)
        for team in ("support", "billing", "incidents"):
            assert counted.teams.get(team, metrics.Tally()) == facts_tally(engine, period, team), team
    # And by hand, so the two are not wrong together (Tuesday, all teams). SLA: met by the cases opened
    # at 09:00 (answered at its due time), 01:00, 03:00, 05:00, 06:00 and 22:00; missed by the one opened
    # Monday 23:50 (due 00:05 Tuesday), the unanswered one and the one resolved unanswered after its due
    # time; the one resolved before its due time is not counted.
    o = tuesday.overall
    assert (o.sla_met, o.sla_counted) == (6, 9)
    # Resolved with a reply: quick, late, unknown, escalated, fcr, two replies; first contact: late, fcr.
    assert (o.replied_resolved, o.first_contact) == (6, 2)
    assert (o.opened, o.resolved_of_opened) == (12, 6)  # the two cases without a clock were opened too


def test_sql_sla_by_day_volume_and_breakdowns_equal_the_definitions(engine: Engine) -> None:
    seed_edges(engine)
    days = [MONDAY, TUESDAY]
    with Session(engine) as s:
        by_day = detail.sla_by_day(s, days)
        mix = detail.volume_mix(s, days)
        facts = case_facts(s, MONDAY)
        canned = detail.canned_counts(s, TUESDAY)
        backlog = detail.backlog_now(s)
        surveys = detail.survey_histograms(s, TUESDAY)
        routes = {o.name: o for o in outcomes_by_route(s, TUESDAY)}
        by_canned = {o.name: o for o in outcomes_by_canned(s, TUESDAY)}
    assert by_day == [metrics.sla_tally(facts, d) for d in days]
    for index, day in enumerate(days):
        assert detail.split(mix[index], 0) == dict(metrics.volume_by(facts, day, lambda c: c.platform.value))
        assert detail.split(mix[index], 1) == dict(metrics.volume_by(facts, day, lambda c: c.category.value))
        assert detail.split(mix[index], 2) == dict(metrics.volume_by(facts, day, lambda c: c.sentiment.value))
    # Sent on Tuesday: from scratch at 09:15, 01:05, 03:05 and 06:02; "sorry" at 00:30, 05:02 and 06:30.
    assert canned == {None: 4, "sorry": 3}
    open_now = [f for f in facts if f.status.is_open]
    assert sum(b.count for b in backlog.values()) == len(open_now)
    oldest = metrics.oldest_open(facts, at(26, 0))
    assert oldest is not None and backlog[oldest.team].oldest_id == oldest.case_id
    assert surveys == {"support": {"csat": {5: 1, 2: 1}}}
    assert routes["money"] == metrics.Outcome(
        "money", cases=2, first_contact=1, reopened=2, csat_good=0, csat_answers=1
    )
    assert by_canned["sorry"].cases == 4 and by_canned["sorry"].first_contact == 2
    assert Counter(f.team for f in open_now) == Counter({k: v.count for k, v in backlog.items()})
