"""Claim, unclaim, assign, escalate, resolve, reopen, notes and spam through the real /slack/events
endpoint with signed requests, checked against what the Slack stand-in received."""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest
from sqlmodel import Session, select

from socialdesk.app import Runtime
from socialdesk.clock import ManualClock
from socialdesk.config import Config, Roles, load_config
from socialdesk.domain.enums import CaseStatus
from socialdesk.domain.models import Case, CaseEvent
from socialdesk.slack.ids import ActionId, CallbackId, InputId, OverflowOption
from socialdesk.standin import SlackStandin
from tests.conftest import SAMPLE_CONFIG
from tests.integration.helpers import generic_mention, post_generic, settle
from tests.integration.slack_driver import SlackDriver, picked_user, selected, typed

MARIA, SAM, PRIYA = "U0AGENT01", "U0AGENT02", "U0MANAGER1"


@pytest.fixture
def config() -> Config:
    base = load_config(SAMPLE_CONFIG)
    return base.model_copy(update={"roles": Roles(leads=[PRIYA])})


@pytest.fixture
def slack(server: str, standin: SlackStandin, runtime: Runtime) -> Iterator[SlackDriver]:
    yield SlackDriver(server, standin, runtime)


def open_case(
    server: str, runtime: Runtime, clock: ManualClock, text: str = "my parcel never arrived"
) -> int:
    before = _count_cases(runtime)
    post_generic(
        server, generic_mention(f"m-{before + 1}", text, created_at=clock.now(), handle=f"cust{before}")
    )
    settle(runtime, clock)
    return before + 1


def _count_cases(runtime: Runtime) -> int:
    with Session(runtime.engine) as session:
        return len(session.exec(select(Case.id)).all())


def case(runtime: Runtime, case_id: int) -> Case:
    with Session(runtime.engine) as session:
        found = session.get(Case, case_id)
        assert found is not None
        return found


def events(runtime: Runtime, case_id: int) -> list[CaseEvent]:
    with Session(runtime.engine) as session:
        return list(
            session.exec(select(CaseEvent).where(CaseEvent.case_id == case_id).order_by(CaseEvent.id))
        )


def card(standin: SlackStandin, channel: str = "social-support", index: int = -1) -> dict:
    return {"text": standin.messages(channel)[index].text, "blocks": standin.messages(channel)[index].blocks}


def thread_texts(standin: SlackStandin, channel: str = "social-support", index: int = -1) -> list[str]:
    return [json.dumps(r.blocks) for r in standin.messages(channel)[index].replies]


def test_claim_button_updates_the_card_for_everyone_and_logs_it_in_the_thread(
    server: str, runtime: Runtime, clock: ManualClock, standin: SlackStandin, slack: SlackDriver
) -> None:
    case_id = open_case(server, runtime, clock)
    answers = slack.click(case_id, ActionId.CLAIM, user=MARIA)
    assert answers == [f"You claimed #{case_id}."]
    settle(runtime, clock)
    status_line = json.dumps(card(standin)["blocks"])
    assert f"Claimed by <@{MARIA}>" in status_line
    assert any("Claimed by <@U0AGENT01>" in line for line in thread_texts(standin))
    stored = case(runtime, case_id)
    assert stored.status is CaseStatus.CLAIMED and stored.assignee == MARIA and stored.claimed_at is not None
    claim_event = events(runtime, case_id)[-1]
    assert claim_event.kind == "claimed" and claim_event.actor == MARIA
    assert (
        claim_event.detail["before"]["assignee"] is None and claim_event.detail["after"]["assignee"] == MARIA
    )


def test_second_claimer_is_told_who_has_it(
    server: str, runtime: Runtime, clock: ManualClock, slack: SlackDriver
) -> None:
    case_id = open_case(server, runtime, clock)
    slack.command(f"claim #{case_id}", user=MARIA)
    assert slack.click(case_id, ActionId.CLAIM, user=SAM) == [f"#{case_id} is already claimed by <@{MARIA}>."]
    assert slack.command(f"claim {case_id}", user=MARIA) == [f"#{case_id} is already yours."]
    assert case(runtime, case_id).assignee == MARIA
    assert [e.kind for e in events(runtime, case_id)].count("claimed") == 1


def test_unclaim_is_for_the_owner_or_a_lead(
    server: str, runtime: Runtime, clock: ManualClock, slack: SlackDriver
) -> None:
    case_id = open_case(server, runtime, clock)
    slack.command(f"claim {case_id}", user=MARIA)
    refused = slack.choose(case_id, OverflowOption.UNCLAIM, user=SAM)
    assert "only they or a lead can unclaim it" in refused[0]
    assert slack.choose(case_id, OverflowOption.UNCLAIM, user=PRIYA) == [f"#{case_id} is back with its team."]
    stored = case(runtime, case_id)
    assert stored.assignee is None and stored.status is CaseStatus.NEW


def test_assign_needs_the_lead_role_and_a_real_user(
    server: str, runtime: Runtime, clock: ManualClock, slack: SlackDriver
) -> None:
    case_id = open_case(server, runtime, clock)
    denied = slack.command(f"assign {case_id} <@{SAM}|sam>", user=MARIA)
    assert "You need the lead or manager role to assign cases to others" in denied[0]
    assert "`@sam` is not a Slack user" in slack.command(f"assign {case_id} @sam", user=PRIYA)[0]
    assert slack.command(f"assign {case_id} <@{SAM}|sam>", user=PRIYA) == [
        f"#{case_id} is now assigned to <@{SAM}>."
    ]
    stored = case(runtime, case_id)
    assert stored.assignee == SAM and stored.status is CaseStatus.CLAIMED
    assigned = events(runtime, case_id)[-1]
    assert assigned.actor == PRIYA and assigned.detail["assignee"] == SAM


def test_assign_from_the_card_opens_a_people_picker_for_leads(
    server: str, runtime: Runtime, clock: ManualClock, slack: SlackDriver
) -> None:
    case_id = open_case(server, runtime, clock)
    assert "lead or manager role" in slack.choose(case_id, OverflowOption.ASSIGN, user=MARIA)[0]
    slack.choose(case_id, OverflowOption.ASSIGN, user=PRIYA)
    view = slack.last_view(CallbackId.ASSIGN_MODAL)
    response = slack.submit(view, {InputId.ASSIGN_USER: picked_user(SAM)}, user=PRIYA)
    assert response.status_code == 200 and response.text in ("", "{}")
    assert case(runtime, case_id).assignee == SAM


def test_escalate_by_command_moves_the_card_and_pings_the_team(
    server: str, runtime: Runtime, clock: ManualClock, standin: SlackStandin, slack: SlackDriver
) -> None:
    case_id = open_case(server, runtime, clock)
    slack.command(f"claim {case_id}", user=MARIA)
    settle(runtime, clock)
    answer = slack.command(f'escalate {case_id} billing "charged twice for order"', user=MARIA)
    assert answer == [f"#{case_id} escalated to billing (#social-billing)."]
    settle(runtime, clock)
    old = standin.messages("social-support")[-1]
    assert "was escalated to *billing*" in json.dumps(old.blocks)
    new_cards = standin.messages("social-billing")
    assert len(new_cards) == 1 and f"#{case_id}" in new_cards[0].text
    escalation_line = json.dumps([r.blocks for r in new_cards[0].replies])
    assert "escalated from *support* to *billing*" in escalation_line
    assert "charged twice for order" in escalation_line
    stored = case(runtime, case_id)
    assert stored.team == "billing" and stored.status is CaseStatus.ESCALATED and stored.assignee is None
    assert stored.escalation_count == 1 and stored.slack_channel == standin.channel_id("social-billing")


def test_escalate_modal_validates_then_escalates(
    server: str, runtime: Runtime, clock: ManualClock, standin: SlackStandin, slack: SlackDriver
) -> None:
    case_id = open_case(server, runtime, clock)
    slack.click(case_id, ActionId.ESCALATE, user=MARIA)
    view = slack.last_view(CallbackId.ESCALATE_MODAL)
    teams = [
        o["value"]
        for b in view.payload["blocks"]
        if b.get("block_id") == "escalate_team"
        for o in b["element"]["options"]
    ]
    assert "support" not in teams and "billing" in teams
    missing = slack.submit(
        view, {InputId.ESCALATE_TEAM: selected("billing"), InputId.ESCALATE_REASON: typed("  ")}
    )
    assert missing.json() == {
        "response_action": "errors",
        "errors": {"escalate_reason": "Say why, for the next team."},
    }
    assert case(runtime, case_id).team == "support"
    done = slack.submit(
        view, {InputId.ESCALATE_TEAM: selected("billing"), InputId.ESCALATE_REASON: typed("refund")}
    )
    assert done.status_code == 200 and "errors" not in done.text
    assert case(runtime, case_id).team == "billing"
    again = slack.submit(
        view, {InputId.ESCALATE_TEAM: selected("billing"), InputId.ESCALATE_REASON: typed("refund")}
    )
    assert again.json()["errors"]["escalate_team"] == f"#{case_id} is already with billing."


def test_resolve_modal_records_the_outcome_and_a_note_then_reopen(
    server: str, runtime: Runtime, clock: ManualClock, standin: SlackStandin, slack: SlackDriver
) -> None:
    case_id = open_case(server, runtime, clock)
    slack.command(f"claim {case_id}", user=MARIA)
    slack.click(case_id, ActionId.RESOLVE, user=MARIA)
    view = slack.last_view(CallbackId.RESOLVE_MODAL)
    response = slack.submit(
        view,
        {InputId.RESOLVE_OUTCOME: selected("refunded"), InputId.RESOLVE_NOTE: typed("refund 4411 issued")},
    )
    assert response.status_code == 200 and "errors" not in response.text
    settle(runtime, clock)
    stored = case(runtime, case_id)
    assert (
        stored.status is CaseStatus.RESOLVED
        and stored.outcome == "refunded"
        and stored.resolved_at is not None
    )
    blocks = json.dumps(card(standin)["blocks"])
    assert "Resolved" in blocks and "Refund or compensation" in blocks and "case.reopen" in blocks
    kinds = [e.kind for e in events(runtime, case_id)]
    assert kinds[-2:] == ["resolved", "note"]
    assert (
        "already" in slack.command(f"claim {case_id}", user=SAM)[0]
        or "resolved" in slack.command(f"claim {case_id}", user=SAM)[0]
    )
    assert (
        "reopening someone else's case needs the lead role"
        in slack.click(case_id, ActionId.REOPEN, user=SAM)[0]
    )
    assert slack.click(case_id, ActionId.REOPEN, user=MARIA) == [f"#{case_id} is open again."]
    reopened = case(runtime, case_id)
    assert reopened.status is CaseStatus.CLAIMED and reopened.reopen_count == 1 and reopened.outcome is None


def test_wrong_state_messages_are_specific(
    server: str, runtime: Runtime, clock: ManualClock, slack: SlackDriver
) -> None:
    case_id = open_case(server, runtime, clock)
    assert slack.command(f"resolve {case_id} no action") == [f"#{case_id} resolved (no_action)."]
    assert slack.command(f"claim {case_id}") == [
        f"#{case_id} is resolved; `/social reopen {case_id}` first if you need to claim it."
    ]
    assert slack.command(f"reopen {case_id}")[0] == f"#{case_id} is open again."
    assert slack.command(f"reopen {case_id}") == [f"#{case_id} is open already."]
    assert slack.command("claim 999") == ["There is no case #999."]
    assert "Which case?" in slack.command("claim")[0]
    assert "There is no team `legal`" in slack.command(f"escalate {case_id} legal because")[0]
    assert "The note has no text." in slack.command(f"note {case_id}")[0]


def test_notes_from_the_command_and_from_the_thread_are_internal(
    server: str, runtime: Runtime, clock: ManualClock, standin: SlackStandin, slack: SlackDriver
) -> None:
    case_id = open_case(server, runtime, clock)
    assert slack.command(f"note {case_id} customer called the shop too") == [f"Note added to #{case_id}."]
    settle(runtime, clock)
    stored = case(runtime, case_id)
    assert stored.slack_ts is not None and stored.slack_channel is not None
    slack.thread_message(
        stored.slack_channel, stored.slack_ts, "checked the courier: lost in depot", user=SAM
    )
    slack.thread_message("C0GENERAL1", "123.456", "a thread that is not a case", user=SAM)
    notes = [e for e in events(runtime, case_id) if e.kind == "note"]
    assert [(n.actor, n.detail["text"], n.detail["source"]) for n in notes] == [
        (MARIA, "customer called the shop too", "command"),
        (SAM, "checked the courier: lost in depot", "thread"),
    ]
    assert "Internal note from <@U0AGENT01>" in json.dumps(thread_texts(standin))


def test_mark_spam_closes_the_case(
    server: str, runtime: Runtime, clock: ManualClock, standin: SlackStandin, slack: SlackDriver
) -> None:
    case_id = open_case(server, runtime, clock, "buy followers cheap at spam dot example")
    assert slack.choose(case_id, OverflowOption.MARK_SPAM) == [f"#{case_id} marked as spam."]
    settle(runtime, clock)
    assert case(runtime, case_id).status is CaseStatus.SPAM
    assert "Spam" in card(standin)["text"] or "Spam" in json.dumps(card(standin)["blocks"])
