"""Correcting triage through the real /slack/events endpoint with signed requests: the card's "Correct
triage" menu, its form and `/social triage`, checked against what the Slack stand-in received, the
stored case (SLA due time, `sla_check_at`, team) and its events."""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from sqlmodel import Session, col, select

from socialdesk.app import Runtime
from socialdesk.clock import ManualClock, as_utc
from socialdesk.config import Config, Roles, load_config
from socialdesk.digest.build import DigestBuilder, weekly_key
from socialdesk.domain.enums import CaseStatus, Category, Platform, Priority
from socialdesk.domain.models import Case, CaseEvent, TriageCorrection
from socialdesk.slack.blocks.digest_view import render_digest
from socialdesk.slack.ids import ActionId, CallbackId, InputId, OverflowOption
from socialdesk.standin import SlackStandin
from tests.conftest import SAMPLE_CONFIG
from tests.integration.helpers import generic_mention, post_generic, settle
from tests.integration.slack_driver import SlackDriver, selected

MARIA, PRIYA = "U0AGENT01", "U0MANAGER1"
# Reddit targets per priority (minutes to the first response), so every correction moves the due time.
TARGETS = {"P1": 15, "P2": 30, "P3": 120, "P4": 240}


@pytest.fixture
def config() -> Config:
    base = load_config(SAMPLE_CONFIG)
    sla = base.sla.model_copy(
        update={"first_response": {**base.sla.first_response, Platform.REDDIT: dict(TARGETS)}}
    )
    return base.model_copy(update={"roles": Roles(leads=[PRIYA]), "sla": sla})


@pytest.fixture
def slack(server: str, standin: SlackStandin, runtime: Runtime) -> Iterator[SlackDriver]:
    yield SlackDriver(server, standin, runtime)


def open_case(
    server: str, runtime: Runtime, clock: ManualClock, text: str = "my parcel never arrived"
) -> int:
    with Session(runtime.engine) as session:
        before = len(session.exec(select(Case.id)).all())
    post_generic(
        server, generic_mention(f"m-{before + 1}", text, created_at=clock.now(), handle=f"cust{before}")
    )
    settle(runtime, clock)
    return before + 1


def stored(runtime: Runtime, case_id: int) -> Case:
    with Session(runtime.engine) as session:
        found = session.get(Case, case_id)
        assert found is not None
        return found


def triage_events(runtime: Runtime, case_id: int) -> list[CaseEvent]:
    with Session(runtime.engine) as session:
        stmt = (
            select(CaseEvent)
            .where(CaseEvent.case_id == case_id, CaseEvent.kind == "triage_corrected")
            .order_by(col(CaseEvent.id))
        )
        return list(session.exec(stmt).all())


def labelled(runtime: Runtime, case_id: int) -> list[TriageCorrection]:
    with Session(runtime.engine) as session:
        stmt = select(TriageCorrection).where(TriageCorrection.case_id == case_id)
        return list(session.exec(stmt.order_by(col(TriageCorrection.id))).all())


def card_updates(standin: SlackStandin) -> list[dict[str, Any]]:
    return [c.args for c in standin.calls_to("chat.update")]


def menu_words(blocks: list[dict[str, Any]]) -> list[str]:
    """The words offered by the card's triage menu (the part of each value before the case)."""
    for block in blocks:
        for element in block.get("elements", []) if block.get("type") == "actions" else []:
            if element.get("action_id") == ActionId.TRIAGE.value:
                values = [o["value"] for g in element["option_groups"] for o in g["options"]]
                return [v.removeprefix("triage:").partition("|")[0] for v in values]
    raise AssertionError("the card has no triage menu")


def other_priority(current: Priority) -> Priority:
    return Priority.P1 if current is not Priority.P1 else Priority.P3


def test_a_priority_picked_from_the_card_menu_moves_the_due_time_and_updates_the_card(
    server: str, runtime: Runtime, clock: ManualClock, standin: SlackStandin, slack: SlackDriver
) -> None:
    case_id = open_case(server, runtime, clock)
    opened = stored(runtime, case_id)
    card = standin.messages("social-support")[-1]
    assert opened.priority.value not in menu_words(card.blocks or [])  # only values it does not have
    assert "edit" in menu_words(card.blocks or [])
    target = other_priority(opened.priority)
    updates_before = len(card_updates(standin))

    answers = slack.pick(case_id, target.value, user=MARIA)

    assert answers == [
        f"#{case_id} corrected: priority {opened.priority.value} → {target.value}. "
        f"Its SLA clock now follows the {target.value} target."
    ]
    after = stored(runtime, case_id)
    assert after.priority is target
    posted = as_utc(opened.opened_at)
    assert as_utc(after.first_response_due) == posted + timedelta(minutes=TARGETS[target.value])
    assert as_utc(after.first_response_due) != as_utc(opened.first_response_due)
    assert after.sla_check_at != opened.sla_check_at
    (event,) = triage_events(runtime, case_id)
    assert event.actor == MARIA
    assert (event.detail["field"], event.detail["from"], event.detail["to"]) == (
        "priority",
        opened.priority.value,
        target.value,
    )
    (example,) = labelled(runtime, case_id)
    with Session(runtime.engine) as session:
        opened_event = session.exec(
            select(CaseEvent).where(CaseEvent.case_id == case_id, CaseEvent.kind == "opened")
        ).one()
    model = opened_event.detail["triage"]  # what ingest recorded: the model's own answer
    assert (example.model_category, example.model_priority, example.model_version) == (
        model["category"],
        model["priority"],
        model["model_version"],
    )
    assert example.model_version and example.text_masked == "my parcel never arrived"
    settle(runtime, clock)
    updates = card_updates(standin)[updates_before:]
    assert updates, "the card was not updated (no chat.update reached the stand-in)"
    assert updates[-1]["ts"] == opened.slack_ts
    drawn = json.dumps(updates[-1]["blocks"], ensure_ascii=False)
    assert f"#{case_id} · {target.value}" in drawn
    assert f"set by @maria (was {opened.priority.value})" in drawn
    now_card = standin.messages("social-support")[-1]
    assert target.value not in menu_words(now_card.blocks or [])
    assert opened.priority.value in menu_words(now_card.blocks or [])
    thread = json.dumps([r.blocks for r in now_card.replies], ensure_ascii=False)
    assert f"corrected the priority: {opened.priority.value} → *{target.value}*" in thread


def test_slash_command_reroutes_an_incident_to_its_team_and_moves_the_card(
    server: str, runtime: Runtime, clock: ManualClock, standin: SlackStandin, slack: SlackDriver
) -> None:
    case_id = open_case(server, runtime, clock, "where can I find my order number")
    assert stored(runtime, case_id).team == "support"
    assert slack.command(f"claim {case_id}", user=MARIA) == [f"You claimed #{case_id}."]

    answers = slack.command(f"triage #{case_id} incident", user=MARIA)

    assert len(answers) == 1
    assert answers[0].startswith(f"#{case_id} corrected: category ")
    assert "→ incident. Moved to incidents (#social-incidents)." in answers[0]
    after = stored(runtime, case_id)
    assert after.category is Category.INCIDENT and after.team == "incidents" and after.route == "outages"
    assert after.assignee is None and after.status is CaseStatus.NEW
    settle(runtime, clock)
    old = standin.messages("social-support")[-1]
    assert "was re-routed after a triage correction to *incidents*" in json.dumps(old.blocks)
    (new_card,) = standin.messages("social-incidents")
    assert f"#{case_id}" in new_card.text and "incident" in new_card.text
    assert "corrected the category" in json.dumps([r.blocks for r in new_card.replies], ensure_ascii=False)
    assert stored(runtime, case_id).slack_channel == standin.channel_id("social-incidents")
    (event,) = triage_events(runtime, case_id)
    assert event.detail["to"] == "incident" and event.detail["to_team"] == "incidents"
    assert [(r.field, r.to_value) for r in labelled(runtime, case_id)] == [("category", "incident")]


def test_no_reply_by_command_stops_the_sla_clock_and_the_card_says_so(
    server: str, runtime: Runtime, clock: ManualClock, standin: SlackStandin, slack: SlackDriver
) -> None:
    case_id = open_case(server, runtime, clock, "my parcel never arrived")
    assert stored(runtime, case_id).needs_reply and stored(runtime, case_id).sla_check_at is not None
    answers = slack.command(f"triage {case_id} no-reply", user=MARIA)
    assert answers == [f"#{case_id} corrected: needs a reply yes → no. No SLA clock runs on it now."]
    after = stored(runtime, case_id)
    assert after.needs_reply is False and after.sla_check_at is None and after.status.is_open
    settle(runtime, clock)
    drawn = json.dumps(standin.messages("social-support")[-1].blocks, ensure_ascii=False)
    assert "No reply needed · no SLA clock" in drawn
    assert "needs-reply" in menu_words(standin.messages("social-support")[-1].blocks or [])
    assert slack.command(f"triage {case_id} no-reply", user=MARIA) == [
        f"#{case_id} already needs no reply; nothing changed."
    ]


def test_needs_reply_from_the_card_gives_praise_an_sla_clock(
    server: str, runtime: Runtime, clock: ManualClock, standin: SlackStandin, slack: SlackDriver
) -> None:
    case_id = open_case(server, runtime, clock, "love the new app, great work")
    praise = stored(runtime, case_id)
    assert praise.needs_reply is False and praise.sla_check_at is None  # triage: praise needs no reply
    assert "needs-reply" in menu_words(standin.messages("social-support")[-1].blocks or [])
    answers = slack.pick(case_id, "needs-reply", user=MARIA)
    assert answers == [
        f"#{case_id} corrected: needs a reply no → yes. Its SLA clock now follows the "
        f"{praise.priority.value} target."
    ]
    after = stored(runtime, case_id)
    due = as_utc(praise.opened_at) + timedelta(minutes=TARGETS[praise.priority.value])
    assert after.needs_reply and as_utc(after.first_response_due) == due
    assert after.sla_check_at is not None
    settle(runtime, clock)
    drawn = json.dumps(standin.messages("social-support")[-1].blocks, ensure_ascii=False)
    assert "No reply needed · no SLA clock" not in drawn and "*First response*\\ndue <!date" in drawn


def test_a_wrong_triage_command_gets_the_usage_privately(
    server: str, runtime: Runtime, clock: ManualClock, standin: SlackStandin, slack: SlackDriver
) -> None:
    case_id = open_case(server, runtime, clock)
    (unknown,) = slack.command(f"triage {case_id} urgent", user=MARIA)
    assert unknown.startswith("`urgent` is not a category, a priority or a reply setting.")
    assert "Usage: `/social triage <case> <category|P1..P4|spam|no-reply|needs-reply>`" in unknown
    (no_value,) = slack.command(f"triage {case_id}", user=MARIA)
    assert no_value.startswith("What should it be?") and "Usage: `/social triage" in no_value
    (no_case,) = slack.command("triage", user=MARIA)
    assert no_case.startswith("Which case?")
    assert slack.command("triage 999 P1", user=MARIA) == ["There is no case #999."]
    responses = [c.args for c in standin.calls_to("response_url")]
    assert responses and all(r.get("response_type") == "ephemeral" for r in responses)
    assert triage_events(runtime, case_id) == [] and labelled(runtime, case_id) == []
    slack.command("help", user=MARIA)
    help_blocks = json.dumps(standin.calls_to("response_url")[-1].args.get("blocks"))
    assert "/social triage <case> <category|P1..P4|spam|no-reply|needs-reply>" in help_blocks


def test_the_form_changes_several_fields_at_once_and_refuses_no_change(
    server: str, runtime: Runtime, clock: ManualClock, standin: SlackStandin, slack: SlackDriver
) -> None:
    case_id = open_case(server, runtime, clock)
    opened = stored(runtime, case_id)
    assert slack.pick(case_id, "edit", user=MARIA) == []
    view = slack.last_view(CallbackId.TRIAGE_MODAL)
    initial = {
        b["block_id"]: b["element"]["initial_option"]["value"]
        for b in view.payload["blocks"]
        if b.get("type") == "input"
    }
    assert initial == {
        InputId.TRIAGE_CATEGORY.value: opened.category.value,
        InputId.TRIAGE_PRIORITY.value: opened.priority.value,
        InputId.TRIAGE_REPLY.value: "needs-reply",
    }
    target = other_priority(opened.priority)
    category = Category.COMPLAINT if opened.category is not Category.COMPLAINT else Category.QUESTION
    values = {
        InputId.TRIAGE_CATEGORY.value: selected(category.value),
        InputId.TRIAGE_PRIORITY.value: selected(target.value),
        InputId.TRIAGE_REPLY.value: selected("needs-reply"),
    }
    done = slack.submit(view, values, user=MARIA)
    assert done.status_code == 200 and "errors" not in done.text
    after = stored(runtime, case_id)
    assert after.category is category and after.priority is target and after.needs_reply
    assert as_utc(after.first_response_due) == as_utc(opened.opened_at) + timedelta(
        minutes=TARGETS[target.value]
    )
    assert [e.detail["field"] for e in triage_events(runtime, case_id)] == ["category", "priority"]
    again = slack.submit(view, values, user=MARIA)
    assert "nothing changed" in again.json()["errors"][InputId.TRIAGE_CATEGORY.value]
    assert len(triage_events(runtime, case_id)) == 2


def test_mark_spam_from_the_card_is_kept_as_a_correction(
    server: str, runtime: Runtime, clock: ManualClock, slack: SlackDriver
) -> None:
    case_id = open_case(server, runtime, clock, "is the shop open on sunday?")
    assert slack.choose(case_id, OverflowOption.MARK_SPAM, user=MARIA) == [f"#{case_id} marked as spam."]
    after = stored(runtime, case_id)
    assert after.status is CaseStatus.SPAM and after.category is Category.SPAM and not after.needs_reply
    assert [(r.field, r.to_value, r.actor) for r in labelled(runtime, case_id)] == [
        ("category", "spam", MARIA),
        ("needs_reply", "false", MARIA),
    ]


def _all_text(blocks: list[dict[str, Any]] | None) -> str:
    parts: list[str] = []
    for block in blocks or []:
        if "text" in block:
            parts.append(block["text"]["text"])
        parts += [f["text"] for f in block.get("fields", [])]
        parts += [e.get("text", "") for e in block.get("elements", [])]
    return "\n".join(parts)


def _shares(values: list[str], corrected: list[str]) -> list[str]:
    """``name k of n (p%)`` per value, as the review words them (most cases first for categories)."""
    totals, fixed = Counter(values), Counter(corrected)
    return [f"{name} {fixed[name]} of {n} ({round(100 * fixed[name] / n)}%)" for name, n in totals.items()]


def test_the_weekly_review_reports_the_corrections_of_its_week(
    server: str, runtime: Runtime, clock: ManualClock, standin: SlackStandin, slack: SlackDriver
) -> None:
    texts = [
        "my parcel never arrived",
        "where is my refund for order 1182",
        "the app keeps crashing",
        "thanks!",
    ]
    ids = [open_case(server, runtime, clock, text) for text in texts]
    at_open = {i: stored(runtime, i) for i in ids}
    first, second, third, _untouched = ids
    # One certain change per field, on three different cases (whatever triage said at open).
    slack.command(f"triage {first} {other_priority(at_open[first].priority).value}", user=MARIA)
    new_category = "incident" if at_open[second].category is not Category.INCIDENT else "question"
    slack.command(f"triage {second} {new_category}", user=MARIA)
    slack.command(f"triage {third} {'no-reply' if at_open[third].needs_reply else 'needs-reply'}", user=MARIA)
    assert [len(labelled(runtime, i)) for i in ids] == [1, 1, 1, 0]
    settle(runtime, clock)

    clock.set(datetime(2026, 11, 30, 8, 0, tzinfo=UTC))  # Monday 08:00 in London: the week's review
    runtime.jobs["digest"].func()
    runtime.run_until_idle(clock)

    weekly = [m for m in standin.messages("social-managers") if m.text.startswith("📈 Weekly review")]
    assert len(weekly) == 1 and "(2026-W48)" in weekly[0].text
    text = _all_text(weekly[0].blocks)
    assert "*Triage corrected by agents* · 3 of 4 cases opened this week (75%)" in text
    assert "Model's agreement with agents: category 75% · priority 75% · needs a reply 75%" in text
    corrected = [first, second, third]
    categories = [at_open[i].category.value for i in ids]
    by_category = text.split("By category triage gave: ", 1)[1].split("\n", 1)[0]
    for share in _shares(categories, [at_open[i].category.value for i in corrected]):
        assert share in by_category
    priorities = sorted(at_open[i].priority.value for i in ids)
    by_priority = text.split("By priority triage gave: ", 1)[1].split("\n", 1)[0]
    expected = _shares(priorities, [at_open[i].priority.value for i in corrected])
    assert by_priority == " · ".join(expected)


def test_a_week_without_corrections_says_so_in_the_review(
    server: str, runtime: Runtime, clock: ManualClock, config: Config
) -> None:
    open_case(server, runtime, clock)
    open_case(server, runtime, clock, "is the shop open on sunday?")
    digest = DigestBuilder(engine=runtime.engine, config=config).build(
        weekly_key(date(2026, 11, 29), config), now=datetime(2026, 11, 30, 8, 0, tzinfo=UTC)
    )
    assert digest.review is not None and digest.review.triage is not None
    assert digest.review.triage.cases == 2 and digest.review.triage.corrected == 0
    text = _all_text(render_digest(digest).blocks)
    assert "*Triage corrected by agents* · no corrections this week (2 cases opened)" in text
