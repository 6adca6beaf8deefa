"""The case state machine and the permission table, without a database."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from socialdesk.casework.roles import Capability, NotPermitted, Role, RoleDirectory
from socialdesk.clock import ManualClock
from socialdesk.config import Roles
from socialdesk.domain import casework as rules
from socialdesk.domain.enums import CaseStatus, Platform
from socialdesk.domain.models import Case

NOW = datetime(2026, 11, 24, 9, 0, tzinfo=UTC)


def a_case(**changes: object) -> Case:
    case = Case(
        id=42,
        platform=Platform.X,
        conversation_key="c",
        team="support",
        author_id="a",
        opened_at=NOW,
        first_response_due=NOW + timedelta(minutes=15),
        last_activity_at=NOW,
    )
    for key, value in changes.items():
        setattr(case, key, value)
    return case


def test_claim_takes_an_unclaimed_case_and_refuses_a_taken_one() -> None:
    case = a_case()
    rules.claim(case, "U1", NOW)
    assert (case.status, case.assignee, case.claimed_at) == (CaseStatus.CLAIMED, "U1", NOW)
    with pytest.raises(rules.AlreadyClaimed, match="already claimed by <@U1>"):
        rules.claim(case, "U2", NOW)
    with pytest.raises(rules.WrongState, match="already yours"):
        rules.claim(case, "U1", NOW)


def test_a_waiting_case_stays_waiting_when_claimed() -> None:
    case = a_case(status=CaseStatus.WAITING_CUSTOMER)
    rules.claim(case, "U1", NOW)
    assert case.status is CaseStatus.WAITING_CUSTOMER


@pytest.mark.parametrize("status", [CaseStatus.RESOLVED, CaseStatus.SPAM])
def test_closed_cases_refuse_everything_but_reopen(status: CaseStatus) -> None:
    case = a_case(status=status)
    for act in (
        lambda: rules.claim(case, "U1", NOW),
        lambda: rules.resolve(case, "answered", NOW),
        lambda: rules.escalate(case, "billing", ["support", "billing"]),
        lambda: rules.check_can_reply(case, "U1", is_lead=True),
    ):
        with pytest.raises(rules.WrongState, match="reopen 42"):
            act()
    rules.reopen(case, "U1", NOW, is_lead=False)
    assert case.sla_check_at == NOW  # the SLA scan looks at a reopened case again
    assert case.status is CaseStatus.NEW and case.reopen_count == 1


def test_unclaim_by_someone_else_needs_a_lead() -> None:
    case = a_case(assignee="U1", status=CaseStatus.CLAIMED)
    with pytest.raises(rules.WrongState, match="only they or a lead"):
        rules.unclaim(case, "U2", is_lead=False)
    assert rules.unclaim(case, "U2", is_lead=True) == "U1"
    assert case.assignee is None and case.status is CaseStatus.NEW


def test_escalation_clears_the_owner_and_counts() -> None:
    case = a_case(assignee="U1", status=CaseStatus.CLAIMED)
    assert rules.escalate(case, "billing", ["support", "billing"]) == "support"
    assert (case.team, case.assignee, case.status, case.escalation_count) == (
        "billing",
        None,
        CaseStatus.ESCALATED,
        1,
    )
    with pytest.raises(rules.WrongState, match="already with billing"):
        rules.escalate(case, "billing", ["support", "billing"])
    with pytest.raises(rules.WrongState, match="no team `legal`"):
        rules.escalate(case, "legal", ["support", "billing"])
    rules.claim(case, "U3", NOW)
    rules.unclaim(case, "U3", is_lead=False)
    assert case.status is CaseStatus.ESCALATED  # still visibly escalated while nobody holds it


def test_first_reply_stops_the_clock_once_and_claims_for_the_sender() -> None:
    case = a_case()
    rules.replied(case, "U1", sent_at=NOW + timedelta(minutes=5))
    rules.replied(case, "U1", sent_at=NOW + timedelta(minutes=9))
    assert case.first_response_at == NOW + timedelta(minutes=5)
    assert case.reply_count == 2 and case.assignee == "U1" and case.status is CaseStatus.WAITING_CUSTOMER


def test_reply_over_someone_elses_claim_needs_a_lead() -> None:
    case = a_case(assignee="U1", status=CaseStatus.CLAIMED)
    with pytest.raises(rules.AlreadyClaimed):
        rules.check_can_reply(case, "U2", is_lead=False)
    rules.check_can_reply(case, "U2", is_lead=True)


@pytest.mark.parametrize(
    ("typed", "code"),
    [
        ("", "answered"),
        ("Refunded", "refunded"),
        ("no action", "no_action"),
        ("sent a voucher", "sent a voucher"),
    ],
)
def test_outcomes_map_known_words_and_keep_free_text(typed: str, code: str) -> None:
    assert rules.outcome_of(typed) == code


def test_roles_from_ids_and_groups_with_a_cached_lookup() -> None:
    lookups: list[str] = []

    def members(group: str) -> list[str]:
        lookups.append(group)
        return ["U0GROUPED"]

    clock = ManualClock(NOW)
    directory = RoleDirectory(
        Roles(agents=["U0AGENT1", "S0AGENTS1"], leads=["U0LEAD1"], managers=["U0MANAGER"]),
        group_members=members,
        clock=clock,
    )
    assert directory.roles_of("U0AGENT1") == {Role.AGENT}
    assert directory.roles_of("U0GROUPED") == {Role.AGENT}
    assert directory.roles_of("U0STRANGER") == frozenset()
    directory.roles_of("U0GROUPED")
    assert lookups == ["S0AGENTS1"]  # cached
    clock.advance(timedelta(minutes=6))
    directory.roles_of("U0GROUPED")
    assert lookups == ["S0AGENTS1", "S0AGENTS1"]
    assert directory.actor("U0MANAGER").can(Capability.ASSIGN)
    with pytest.raises(NotPermitted, match="lead or manager role to assign"):
        directory.actor("U0AGENT1").require(Capability.ASSIGN)
    with pytest.raises(NotPermitted, match="agent or lead or manager role to work cases"):
        directory.actor("U0STRANGER").require(Capability.WORK_CASES)


def test_no_agents_configured_means_everyone_is_an_agent_and_a_failed_lookup_keeps_the_last_answer() -> None:
    calls = iter([["U0LEADGRP"], RuntimeError("slack down")])

    def members(_group: str) -> list[str]:
        answer = next(calls)
        if isinstance(answer, Exception):
            raise answer
        return answer

    clock = ManualClock(NOW)
    directory = RoleDirectory(Roles(leads=["S0LEADS01"]), group_members=members, clock=clock)
    assert directory.roles_of("U0LEADGRP") == {Role.AGENT, Role.LEAD}
    clock.advance(timedelta(minutes=10))
    assert directory.roles_of("U0LEADGRP") == {Role.AGENT, Role.LEAD}
