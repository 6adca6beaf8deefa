"""The approval rules of a statement, and the reminder clock, without a database."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from socialdesk.crisis.reminders import due_reminder, lead_time
from socialdesk.domain.crisis import (
    Approval,
    CrisisError,
    RoleNeeded,
    approval_state,
    check_can_publish,
    roles_to_approve,
    text_sha,
)
from socialdesk.domain.playbooks.schema import ApprovalRule

T0 = datetime(2026, 11, 25, 14, 0, tzinfo=UTC)
RULE = ApprovalRule(chain=["comms_lead", "legal"], two_person=True)
TEXTS = {"x": "Some customers cannot log in.", "facebook": "Some customers cannot log in. More soon."}
SHA = text_sha(TEXTS)


def test_the_hash_covers_every_target_and_ignores_key_order() -> None:
    assert text_sha(dict(reversed(list(TEXTS.items())))) == SHA
    assert text_sha({**TEXTS, "x": TEXTS["x"] + " "}) != SHA


def test_approvals_of_an_older_text_do_not_count() -> None:
    old = Approval("U2", ("comms_lead",), T0, text_sha({"x": "old"}))
    state = approval_state(RULE, [old], current_sha=SHA, stale_at=None, now=T0)
    assert state.missing == ("comms_lead", "legal") and not state.complete


def test_complete_when_every_chain_role_approved_this_text() -> None:
    approvals = [Approval("U2", ("comms_lead",), T0, SHA), Approval("U3", ("legal",), T0, SHA)]
    state = approval_state(RULE, approvals, current_sha=SHA, stale_at=T0 + timedelta(minutes=30), now=T0)
    assert state.complete
    check_can_publish(state)


def test_approvals_lapse_at_the_promised_update_time() -> None:
    approvals = [Approval("U2", ("comms_lead", "legal"), T0, SHA)]
    stale_at = T0 + timedelta(minutes=30)
    assert approval_state(
        RULE, approvals, current_sha=SHA, stale_at=stale_at, now=stale_at - timedelta(seconds=1)
    ).complete
    late = approval_state(RULE, approvals, current_sha=SHA, stale_at=stale_at, now=stale_at)
    assert late.stale and not late.complete
    with pytest.raises(CrisisError, match="passed"):
        check_can_publish(late)


def test_the_drafter_cannot_approve_when_two_people_are_required() -> None:
    state = approval_state(RULE, [], current_sha=SHA, stale_at=None, now=T0)
    with pytest.raises(CrisisError, match="You drafted this text"):
        roles_to_approve(
            RULE,
            state,
            approver="U1",
            approver_roles={"comms_lead"},
            drafter="U1",
            playbook_title="Service outage",
        )
    solo = ApprovalRule(chain=["comms_lead"], two_person=False)
    state = approval_state(solo, [], current_sha=SHA, stale_at=None, now=T0)
    assert roles_to_approve(
        solo, state, approver="U1", approver_roles={"comms_lead"}, drafter="U1", playbook_title="x"
    ) == ("comms_lead",)


def test_an_approval_fills_only_the_open_roles_the_person_holds() -> None:
    first = Approval("U2", ("comms_lead",), T0, SHA)
    state = approval_state(RULE, [first], current_sha=SHA, stale_at=None, now=T0)
    assert roles_to_approve(
        RULE, state, approver="U3", approver_roles={"comms_lead", "legal"}, drafter="U1", playbook_title="x"
    ) == ("legal",)
    with pytest.raises(RoleNeeded, match="comms_lead"):
        roles_to_approve(RULE, state, approver="U4", approver_roles={"pr"}, drafter="U1", playbook_title="x")
    with pytest.raises(CrisisError, match="already approved"):
        roles_to_approve(
            RULE, state, approver="U5", approver_roles={"comms_lead"}, drafter="U1", playbook_title="x"
        )


def test_reminders_a_heads_up_then_due_then_each_cadence_overdue() -> None:
    cadence = timedelta(minutes=30)
    due = T0 + cadence
    assert lead_time(cadence) == timedelta(minutes=10)
    assert lead_time(timedelta(minutes=15)) == timedelta(minutes=5)
    assert due_reminder(due, cadence, due - timedelta(minutes=11)) is None
    assert due_reminder(due, cadence, due - timedelta(minutes=10)) == 0
    assert due_reminder(due, cadence, due) == 1
    assert due_reminder(due, cadence, due + timedelta(minutes=29)) == 1
    assert due_reminder(due, cadence, due + timedelta(minutes=30)) == 2
    assert due_reminder(due, cadence, due + timedelta(days=3)) == 12  # capped: no endless pings
