"""A crisis from start to review through the real `/slack/events` endpoint, with the shipped service
outage playbook, the Slack stand-in and the X and Graph API stand-ins (real sockets).

People (sample config plus roles): Maria is a lead and the duty lead (incident lead, comms lead); Sam
is a lead too (comms lead); Priya is a manager (comms lead and legal); Ana (U0AGENT03) is an agent only.
The sev2 chain is comms_lead + legal, two people.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import timedelta

import pytest
from sqlmodel import Session, col, select

from socialdesk.app import Runtime, build_runtime
from socialdesk.clock import ManualClock, as_utc
from socialdesk.config import Config
from socialdesk.crisis.early_warning import EarlyWarning
from socialdesk.domain.crisis_models import (
    Crisis,
    CrisisEvent,
    CrisisPublication,
    CrisisStatement,
    StatementStatus,
)
from socialdesk.domain.enums import ReplyStatus
from socialdesk.domain.models import Case, Mention
from socialdesk.slack.ids import CrisisActionId, CrisisCallbackId, CrisisValue, encode_crisis_value
from socialdesk.standin import SlackStandin
from socialdesk.standin.platforms import GraphApiStandIn, XApiStandIn
from tests.integration.helpers import generic_mention, post_generic, settle
from tests.integration.slack_driver import SlackDriver, selected, typed
from tests.integration.test_replies_platforms import graph, platform_settings, xapi  # noqa: F401

MARIA, SAM, PRIYA = "U0AGENT01", "U0AGENT02", "U0MANAGER1"
ROOM = "outage-1-login-failures-in-eu"  # the playbook names its war rooms "outage-…"
SPIKE_TEXTS = [
    "The app is down again and login fails, this is terrible",
    "Login is down, useless service, I am furious",
    "Can't login, everything is down. Awful.",
]


@pytest.fixture
def config(config: Config) -> Config:
    roles = config.roles.model_copy(update={"leads": [MARIA, SAM], "managers": [PRIYA], "agents": []})
    return config.model_copy(update={"roles": roles, "duty_leads": [MARIA]})


@pytest.fixture
def runtime(
    database_url: str,
    standin: SlackStandin,
    clock: ManualClock,
    config: Config,
    xapi: XApiStandIn,  # noqa: F811
    graph: GraphApiStandIn,  # noqa: F811
) -> Iterator[Runtime]:
    settings = platform_settings(database_url, standin, xapi, graph).model_copy(
        update={"meta_page_id": graph.page_id}
    )
    rt = build_runtime(settings, clock=clock, config=config, migrate=False)
    yield rt
    rt.close()


@dataclass
class Room:
    server: str
    runtime: Runtime
    clock: ManualClock
    standin: SlackStandin
    xapi: XApiStandIn
    graph: GraphApiStandIn

    @property
    def slack(self) -> SlackDriver:
        return SlackDriver(self.server, self.standin, self.runtime)

    def crisis(self, *args: str, user: str = MARIA, channel_name: str = "social-duty") -> list[str]:
        answers = self.slack.command(" ".join(args), user=user, slash="/crisis", channel_name=channel_name)
        settle(self.runtime, self.clock)
        return answers

    def press(self, action: CrisisActionId, statement_id: int, *, user: str) -> list[str]:
        value = encode_crisis_value(CrisisValue(crisis_id=1, statement_id=statement_id))
        answers = self.slack.press(action.value, value, user=user)
        settle(self.runtime, self.clock)
        return answers

    def statements(self) -> list[CrisisStatement]:
        with Session(self.runtime.engine) as session:
            return list(session.exec(select(CrisisStatement).order_by(col(CrisisStatement.id))))

    def publications(self) -> list[CrisisPublication]:
        with Session(self.runtime.engine) as session:
            return list(session.exec(select(CrisisPublication).order_by(col(CrisisPublication.id))))

    def events(self) -> list[str]:
        with Session(self.runtime.engine) as session:
            return [e.kind for e in session.exec(select(CrisisEvent).order_by(col(CrisisEvent.id)))]

    def texts(self, channel: str) -> str:
        messages = self.standin.messages(channel)
        return json.dumps([[m.text, m.blocks] for m in messages], ensure_ascii=False)

    def room_texts(self) -> str:
        return self.texts(ROOM)

    def start(self) -> None:
        answers = self.crisis("start", "service-outage", "sev2", "Login failures in EU")
        assert any("Crisis 1 started" in a for a in answers), answers


@pytest.fixture
def room(
    server: str,
    runtime: Runtime,
    clock: ManualClock,
    standin: SlackStandin,
    xapi: XApiStandIn,  # noqa: F811
    graph: GraphApiStandIn,  # noqa: F811
) -> Room:
    return Room(server, runtime, clock, standin, xapi, graph)


def test_start_builds_the_war_room_with_a_holding_draft(room: Room) -> None:
    room.start()
    assert {MARIA, SAM, PRIYA} <= room.standin.channel_members(ROOM)  # the playbook's roles were invited
    pinned = [
        c for c in room.standin.calls_to("pins.add") if isinstance(c.response, dict) and c.response["ok"]
    ]
    assert len(pinned) == 2  # the crisis card and the checklist
    texts = room.room_texts()
    assert "Crisis 1: Login failures in EU" in texts and "Checklist" in texts
    (holding,) = room.statements()
    assert holding.kind == "holding" and holding.status is StatementStatus.DRAFT
    assert set(holding.texts) == {"x", "facebook", "status_page"}
    assert "Login failures in EU" in holding.texts["x"]
    assert "started the" in room.texts("social-duty")


def test_only_the_playbook_roles_may_start_approve_and_publish(room: Room) -> None:
    answers = room.crisis("start", "service-outage", user="U0AGENT03")
    assert any("incident_lead" in a for a in answers), answers
    with Session(room.runtime.engine) as session:
        assert session.exec(select(Crisis)).first() is None
    room.start()
    (holding,) = room.statements()
    assert holding.id is not None
    refused = room.press(CrisisActionId.APPROVE, holding.id, user="U0AGENT03")
    assert any("comms_lead" in a and "legal" in a for a in refused), refused
    refused = room.press(CrisisActionId.PUBLISH, holding.id, user="U0AGENT03")
    assert any("publish" in a for a in refused), refused
    assert room.xapi.posted == [] and room.publications() == []


def test_a_second_start_points_to_the_running_crisis(room: Room) -> None:
    room.start()
    answers = room.crisis("start", "service-outage", "sev1", "Again")
    assert any("Crisis 1" in a and "already running" in a and ROOM in a for a in answers), answers
    with Session(room.runtime.engine) as session:
        assert len(session.exec(select(Crisis)).all()) == 1


def test_two_people_rule_and_an_edit_resets_approvals(room: Room) -> None:
    room.start()
    (holding,) = room.statements()
    assert holding.id is not None
    own = room.press(CrisisActionId.APPROVE, holding.id, user=MARIA)
    assert any("You drafted this text" in a for a in own), own
    ok = room.press(CrisisActionId.APPROVE, holding.id, user=SAM)
    assert any("comms_lead" in a and "Still waiting for legal" in a for a in ok), ok
    # Maria edits the facts: Sam's approval was for the old text and no longer counts.
    edited = room.runtime.crisis.desk.edit(  # type: ignore[union-attr]
        crisis_id=1,
        statement_id=holding.id,
        actor=_actor(room, MARIA),
        filled={"confirmed_facts": ["Login fails for about a third of EU customers since 14:02"]},
    )
    settle(room.runtime, room.clock)
    assert "no longer count" in edited.message
    blocked = room.press(CrisisActionId.PUBLISH, holding.id, user=MARIA)
    assert any("waiting for" in a and "comms_lead" in a for a in blocked), blocked
    room.press(CrisisActionId.APPROVE, holding.id, user=SAM)
    room.press(CrisisActionId.APPROVE, holding.id, user=PRIYA)
    done = room.press(CrisisActionId.PUBLISH, holding.id, user=MARIA)
    assert any("published" in a for a in done), done
    (tweet,) = room.xapi.posted
    assert "third of EU customers" in tweet["text"] or "Login failures in EU" in tweet["text"]


def _actor(room: Room, user: str):
    return room.runtime.crisis.desk._roles._directory.actor(user)  # type: ignore[union-attr]


def _approve_all(room: Room, statement_id: int) -> None:
    room.press(CrisisActionId.APPROVE, statement_id, user=SAM)
    room.press(CrisisActionId.APPROVE, statement_id, user=PRIYA)


def test_publish_failure_on_one_platform_is_retried_without_a_second_post(room: Room) -> None:
    room.start()
    (holding,) = room.statements()
    assert holding.id is not None
    _approve_all(room, holding.id)
    room.graph.fail_next(status=500, edge="feed")
    first = room.press(CrisisActionId.PUBLISH, holding.id, user=MARIA)
    assert any("not posted on Facebook" in a for a in first), first
    assert len(room.xapi.posted) == 1
    assert {p.target: p.status for p in room.publications()} == {
        "x": ReplyStatus.SENT,
        "facebook": ReplyStatus.FAILED,
    }
    assert room.statements()[0].status is StatementStatus.PUBLISHING
    again = room.press(CrisisActionId.PUBLISH, holding.id, user=MARIA)
    assert any("published" in a for a in again), again
    assert len(room.xapi.posted) == 1  # X was not posted twice
    assert len(room.graph.calls_to("feed")) == 1  # the accepted write
    assert room.statements()[0].status is StatementStatus.PUBLISHED
    third = room.press(CrisisActionId.PUBLISH, holding.id, user=MARIA)
    assert any("already published" in a for a in third), third
    assert "published" in room.room_texts()


def test_reminders_follow_the_cadence_until_the_crisis_ends(room: Room) -> None:
    room.start()
    (holding,) = room.statements()
    assert holding.id is not None
    _approve_all(room, holding.id)
    room.press(CrisisActionId.PUBLISH, holding.id, user=MARIA)
    with Session(room.runtime.engine) as session:
        crisis = session.get(Crisis, 1)
        assert crisis is not None and crisis.next_update_at is not None
        due = as_utc(crisis.next_update_at)
    scan = room.runtime.jobs["crisis-reminders"].func
    assert due - room.clock.now() <= timedelta(minutes=30)
    room.clock.set(due - timedelta(minutes=11))
    assert scan().reminders == 0  # type: ignore[attr-defined]
    room.clock.set(due - timedelta(minutes=9))
    assert scan().reminders == 1  # type: ignore[attr-defined]  # the heads-up
    assert scan().reminders == 0  # type: ignore[attr-defined]  # once only
    room.clock.set(due)
    assert scan().reminders == 1  # type: ignore[attr-defined]  # due now
    room.clock.set(due + timedelta(minutes=30))
    assert scan().reminders == 1  # type: ignore[attr-defined]  # overdue, one cadence later
    settle(room.runtime, room.clock)
    assert "is due now" in room.room_texts() and "overdue" in room.room_texts()
    room.crisis("end", "Login restored for all customers at 15:40")
    room.clock.set(due + timedelta(minutes=90))
    assert scan().reminders == 0  # type: ignore[attr-defined]  # ended: no more reminders
    statements = room.statements()
    assert statements[-1].kind == "resolution" and statements[-1].status is StatementStatus.DRAFT


def test_an_update_goes_through_the_same_approval(room: Room) -> None:
    room.start()
    (holding,) = room.statements()
    assert holding.id is not None
    _approve_all(room, holding.id)
    room.press(CrisisActionId.PUBLISH, holding.id, user=MARIA)
    room.clock.advance(timedelta(minutes=20))
    answers = room.crisis("update", "Login works again for most customers", user=SAM)
    assert any("Drafted update statement" in a for a in answers), answers
    update = room.statements()[-1]
    assert update.kind == "update" and update.id is not None
    assert "Login works again for most customers" in update.texts["x"]
    early = room.press(CrisisActionId.PUBLISH, update.id, user=MARIA)
    assert any("Not approved yet" in a for a in early), early
    assert len(room.xapi.posted) == 1
    room.press(CrisisActionId.APPROVE, update.id, user=MARIA)  # Sam drafted it, so Maria may approve
    room.press(CrisisActionId.APPROVE, update.id, user=PRIYA)
    room.press(CrisisActionId.PUBLISH, update.id, user=SAM)
    assert len(room.xapi.posted) == 2


def test_a_rejection_carries_the_reason_to_the_drafter(room: Room) -> None:
    room.start()
    (holding,) = room.statements()
    assert holding.id is not None
    room.press(CrisisActionId.REJECT, holding.id, user=PRIYA)
    modal = room.slack.last_view(CrisisCallbackId.REJECT.value)
    response = room.slack.submit(
        modal, {"crisis_reason": typed("Do not name the EU; the scope is unconfirmed")}, user=PRIYA
    )
    assert response.status_code == 200
    settle(room.runtime, room.clock)
    statement = room.statements()[0]
    assert statement.status is StatementStatus.REJECTED and statement.rejected_by == PRIYA
    assert "scope is unconfirmed" in room.texts(MARIA)  # the app's DM with the drafter
    assert "scope is unconfirmed" in room.room_texts()
    refused = room.press(CrisisActionId.APPROVE, holding.id, user=SAM)
    assert any("sent back" in a for a in refused), refused


def test_matching_cases_are_tagged_routed_to_the_war_room_and_offered_the_crisis_reply(room: Room) -> None:
    room.start()
    (holding,) = room.statements()
    assert holding.id is not None
    _approve_all(room, holding.id)
    room.press(CrisisActionId.PUBLISH, holding.id, user=MARIA)
    now = room.clock.now()
    assert (
        post_generic(
            room.server, generic_mention("r1", "Your login is down again, useless", created_at=now)
        ).status_code
        == 200
    )
    assert (
        post_generic(
            room.server, generic_mention("r2", "Love the new colours", handle="lee", created_at=now)
        ).status_code
        == 200
    )
    settle(room.runtime, room.clock)
    with Session(room.runtime.engine) as session:
        cases = {c.author_handle: c for c in session.exec(select(Case))}
    tagged, other = cases["casey"], cases["lee"]
    assert tagged.crisis_id == 1 and other.crisis_id is None
    assert as_utc(tagged.first_response_due) - as_utc(tagged.opened_at) <= timedelta(minutes=15)
    assert tagged.slack_channel == room.standin.channel_id(ROOM)
    draft = room.runtime.replies.form.draft(case_id=tagged.id or 0, actor=_actor(room, SAM))  # type: ignore[union-attr]
    assert draft.suggestions[0].id == "crisis-1"


def test_two_publish_clicks_at_once_post_each_target_once(room: Room) -> None:
    room.start()
    (holding,) = room.statements()
    assert holding.id is not None
    _approve_all(room, holding.id)
    room.xapi.delay_next(0.5, endpoint="tweets")  # the first click is still posting when the second lands
    desk = room.runtime.crisis.desk  # type: ignore[union-attr]
    results: list[str] = []

    def click() -> None:
        try:
            results.append(
                desk.publish(crisis_id=1, statement_id=holding.id, actor=_actor(room, MARIA)).message
            )
        except Exception as exc:  # a refusal is a fine answer for the second click
            results.append(str(exc))

    threads = [threading.Thread(target=click) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=20)
    settle(room.runtime, room.clock)
    assert len(results) == 2
    assert len(room.xapi.posted) == 1
    assert len(room.graph.calls_to("feed")) == 1
    assert {p.status for p in room.publications()} == {ReplyStatus.SENT}


def test_start_from_the_early_warning_button_opens_the_form(room: Room) -> None:
    value = encode_crisis_value(
        CrisisValue(
            playbook_id="service-outage", severity="sev2", summary="Spike of negative posts about login"
        )
    )
    room.slack.press(CrisisActionId.START_FROM_WARNING.value, value, user=MARIA)
    modal = room.slack.last_view(CrisisCallbackId.START.value)
    blank = room.slack.submit(
        modal,
        {
            "crisis_playbook": selected("service-outage"),
            "crisis_severity": selected("sev9"),
            "crisis_summary": typed("Login failures in EU"),
        },
        user=MARIA,
    )
    assert "not a severity" in blank.text  # refused in the form, which stays open
    ok = room.slack.submit(
        modal,
        {
            "crisis_playbook": selected("service-outage"),
            "crisis_severity": selected("sev2"),
            "crisis_summary": typed("Login failures in EU"),
        },
        user=MARIA,
    )
    assert ok.status_code == 200 and "errors" not in ok.text
    settle(room.runtime, room.clock)
    with Session(room.runtime.engine) as session:
        crisis = session.get(Crisis, 1)
    assert crisis is not None and crisis.severity == "sev2"
    # What the warning saw is kept as the trigger (internal), never as the crisis's public words.
    assert crisis.trigger == {"via": "early warning", "detected": "Spike of negative posts about login"}
    assert crisis.summary == "Login failures in EU"
    assert "Crisis 1: Login failures in EU" in room.room_texts()


def test_a_crisis_started_from_a_spike_warning_takes_in_its_cases_and_never_its_words(room: Room) -> None:
    """Forty negative posts about login in five minutes, through the signed webhook: the early warning
    posts in the duty channel; Maria presses its Start button. The form shows what the warning saw as
    internal context and leaves the public headline to her; the forty cases join the crisis and their
    cards move to the war room. Posts off the topic, or not negative, or from before the spike stay."""
    rt, clock = room.runtime, room.clock
    assert rt.crisis is not None and rt.crisis.desk is not None
    playbooks = rt.crisis.playbooks
    warning = EarlyWarning(rt.engine, rt.config, lambda: playbooks, clock)
    t0 = clock.now() + timedelta(hours=2)
    stray = [
        (t0 - timedelta(hours=2), "x", "Login is down for me, useless"),  # on the topic, long before
        (t0 + timedelta(minutes=1), "x", "My parcel is late, this is terrible and useless"),  # off topic
        (t0 + timedelta(minutes=2), "x", "Love the new login page, great job!"),  # not negative
    ]
    spike = [
        (t0 + timedelta(seconds=7 * i), "facebook" if i % 4 == 0 else "x", SPIKE_TEXTS[i % len(SPIKE_TEXTS)])
        for i in range(40)
    ]
    warned = 0
    for index, (at, platform, text) in enumerate(sorted(stray + spike)):
        clock.set(max(at, clock.now()))
        mention = generic_mention(
            f"spike-{index}", text, platform=platform, handle=f"c{index}", created_at=at
        )
        assert post_generic(room.server, mention).status_code == 200
        settle(rt, clock)
        if at >= t0:
            warned += warning.scan().warnings
            settle(rt, clock)
    assert warned == 1
    with Session(rt.engine) as session:
        cases = {c.id: c for c in session.exec(select(Case)).all()}
        spike_ids = sorted(c.id for c in cases.values() if c.opened_at and as_utc(c.opened_at) >= t0)
    stray_ids = {i for i, c in cases.items() if _first_text(rt, i) in {t for _, _, t in stray}}
    spike_ids = [i for i in spike_ids if i not in stray_ids]
    assert len(cases) == 43 and len(spike_ids) == 40 and len(stray_ids) == 3

    [alert] = [
        m
        for m in room.standin.messages("social-duty")
        if (m.blocks or [{}])[0].get("block_id") == "crisis-warning:head"
    ]
    start = next(
        e
        for b in alert.blocks or []
        if b["type"] == "actions"
        for e in b["elements"]
        if e["action_id"] == CrisisActionId.START_FROM_WARNING
    )
    room.slack.press(CrisisActionId.START_FROM_WARNING.value, start["value"], user=MARIA)
    modal = room.slack.last_view(CrisisCallbackId.START.value)
    form = json.dumps(modal.payload["blocks"], ensure_ascii=False)
    assert "What the early warning saw" in form and "Spike of negative posts about" in form
    [summary] = [b for b in modal.payload["blocks"] if b.get("block_id") == "crisis_summary"]
    assert "initial_value" not in summary["element"]  # the public headline is not pre-filled
    answer = room.slack.submit(
        modal,
        {
            "crisis_playbook": selected("service-outage"),
            "crisis_severity": selected("sev2"),
            "crisis_summary": typed("Some customers cannot log in"),
        },
        user=MARIA,
    )
    assert answer.status_code == 200 and "errors" not in answer.text
    settle(rt, clock)

    war_room = "outage-1-some-customers-cannot-log-in"
    with Session(rt.engine) as session:
        crisis = session.get(Crisis, 1)
        joined = sorted(c.id for c in session.exec(select(Case).where(Case.crisis_id == 1)).all())
        tightened = session.exec(select(Case).where(col(Case.id).in_(spike_ids))).all()
        events = session.exec(select(CrisisEvent).where(CrisisEvent.kind == "cases_joined")).all()
    assert crisis is not None and crisis.summary == "Some customers cannot log in"
    assert crisis.trigger["warning"] == "crisis-warning:service-outage:1"
    assert crisis.trigger["detected"].startswith("Spike of negative posts about")
    assert joined == spike_ids  # the forty, and none of the strays
    assert all(as_utc(c.first_response_due) <= as_utc(c.opened_at) + timedelta(minutes=15) for c in tightened)
    [event] = events
    assert event.detail["count"] == 40 and event.actor == MARIA
    # Each of the forty has its card in the war room; the team channel's card says where it went.
    cards = {
        int(m.blocks[0]["block_id"].split(":")[1])
        for m in room.standin.messages(war_room)
        if m.blocks and m.blocks[0].get("block_id", "").startswith("case:")
    }
    assert cards == set(spike_ids)
    stubs = {
        int(block["block_id"].split(":")[1]): block["text"]["text"]
        for call in room.standin.calls_to("chat.update")
        for block in (call.args.get("blocks") or [])[:1]
        if block.get("block_id", "").endswith(":moved") and call.args.get("channel") != war_room
    }
    assert set(stubs) == set(spike_ids)  # the old cards (team channels) point to the war room
    assert all("is part of a crisis now and continues in its war room" in t for t in stubs.values())
    assert "40 cases from the early warning are worked here now" in room.texts(war_room)
    # The public statement is the playbook's template with Maria's headline, never the warning's words.
    (holding,) = room.statements()
    for text in holding.texts.values():
        assert "Some customers cannot log in" in text and "Spike" not in text and "negative posts" not in text


def test_a_crisis_started_from_a_reach_warning_takes_in_that_post(room: Room) -> None:
    rt, clock = room.runtime, room.clock
    assert rt.crisis is not None
    playbooks = rt.crisis.playbooks
    warning = EarlyWarning(rt.engine, rt.config, lambda: playbooks, clock)
    loud = generic_mention(
        "loud-1",
        "Your login is down for hours, worst service ever, I am furious",
        platform="x",
        handle="bigvoice",
        created_at=clock.now(),
        followers=250_000,
    )
    other = generic_mention(
        "quiet-1", "Login down, awful", platform="x", handle="small", created_at=clock.now()
    )
    for mention in (loud, other):
        assert post_generic(room.server, mention).status_code == 200
    settle(rt, clock)
    clock.set(clock.now() + timedelta(minutes=1))
    assert warning.scan().reach_warnings == 1
    settle(rt, clock)
    [alert] = [
        m
        for m in room.standin.messages("social-duty")
        if (m.blocks or [{}])[0].get("block_id") == "crisis-reach:head"
    ]
    start = next(
        e
        for b in alert.blocks or []
        if b["type"] == "actions"
        for e in b["elements"]
        if e["action_id"] == CrisisActionId.START_FROM_WARNING
    )
    room.slack.press(CrisisActionId.START_FROM_WARNING.value, start["value"], user=MARIA)
    modal = room.slack.last_view(CrisisCallbackId.START.value)
    [summary] = [b for b in modal.payload["blocks"] if b.get("block_id") == "crisis_summary"]
    assert "initial_value" not in summary["element"]
    assert "@bigvoice" in json.dumps(modal.payload["blocks"])  # shown to the lead as context only
    room.slack.submit(
        modal,
        {
            "crisis_playbook": selected("service-outage"),
            "crisis_severity": selected("sev2"),
            "crisis_summary": typed("Login failures in EU"),
        },
        user=MARIA,
    )
    settle(rt, clock)
    with Session(rt.engine) as session:
        joined = session.exec(select(Case).where(Case.crisis_id == 1)).all()
    assert [_first_text(rt, c.id) for c in joined if c.id is not None] == [loud["text"]]
    (holding,) = room.statements()
    assert not any("bigvoice" in text or "Severe complaint" in text for text in holding.texts.values())


def _first_text(runtime: Runtime, case_id: int) -> str:
    with Session(runtime.engine) as session:
        mention = session.exec(
            select(Mention).where(Mention.case_id == case_id).order_by(col(Mention.id))
        ).first()
    return mention.text_raw if mention is not None else ""


def test_wrong_crisis_commands_get_a_private_explanation(room: Room) -> None:
    assert any("not a crisis command" in a for a in room.crisis("frobnicate"))
    assert any("No crisis is running" in a for a in room.crisis("status"))
    assert any("no playbook `nope`" in a for a in room.crisis("start", "nope"))
    assert any("not a Slack user" in a or "No crisis" in a for a in room.crisis("role", "legal", "ana"))
    listing = room.crisis("list")
    assert listing and "4 playbooks" in listing[0]


def test_end_publish_the_resolution_and_review_with_lessons(room: Room) -> None:
    room.start()
    (holding,) = room.statements()
    assert holding.id is not None
    _approve_all(room, holding.id)
    room.press(CrisisActionId.PUBLISH, holding.id, user=MARIA)
    room.clock.advance(timedelta(minutes=50))
    room.crisis("end", "Login restored for all customers at 15:40", channel_name=ROOM)
    resolution = room.statements()[-1]
    assert resolution.kind == "resolution" and resolution.id is not None
    _approve_all(room, resolution.id)
    room.press(CrisisActionId.PUBLISH, resolution.id, user=MARIA)
    assert len(room.xapi.posted) == 2
    answers = room.crisis("review", channel_name=ROOM)
    assert any("review of crisis 1" in a for a in answers), answers
    report = room.room_texts()
    assert "first statement after" in report.lower() and "before" in report.lower()
    review_post = next(m for m in room.standin.messages(ROOM) if (m.text or "").startswith("Crisis 1 review"))
    assert any(
        f.filename.endswith(".png") and f.completed and (f.content or b"")[:4] == b"\x89PNG"
        for f in room.standin.files()
    )
    assert review_post.replies, "the chart goes into the review's thread"
    room.slack.press(CrisisActionId.LESSONS.value, encode_crisis_value(CrisisValue(crisis_id=1)), user=MARIA)
    modal = room.slack.last_view(CrisisCallbackId.LESSONS.value)
    room.slack.submit(
        modal, {"crisis_lessons": typed("Status page lagged the first tweet by 12 minutes")}, user=MARIA
    )
    with Session(room.runtime.engine) as session:
        crisis = session.get(Crisis, 1)
    assert crisis is not None and crisis.lessons == "Status page lagged the first tweet by 12 minutes"
    assert "statement_published" in room.events() and "lessons" in room.events()


def test_the_crisis_card_buttons_and_a_platform_text_on_request(room: Room) -> None:
    room.start()
    card = next(m for m in room.standin.messages(ROOM) if (m.text or "").startswith("🚨 Crisis 1"))
    actions = next(b for b in card.blocks or [] if b.get("type") == "actions")
    assert [e["action_id"] for e in actions["elements"]] == ["crisis.update", "crisis.redraft", "crisis.end"]
    shown = room.crisis("statement", "status_page", channel_name=ROOM)
    assert any("Statement #1, status_page" in a and "Investigating" in a for a in shown), shown
    value = encode_crisis_value(CrisisValue(crisis_id=1))
    room.slack.press(CrisisActionId.REDRAFT.value, value, user=SAM)
    settle(room.runtime, room.clock)
    first, second = room.statements()
    assert first.status is StatementStatus.SUPERSEDED and second.drafted_by == SAM
    room.slack.press(CrisisActionId.UPDATE.value, value, user=SAM)
    assert room.slack.last_view(CrisisCallbackId.UPDATE.value)
    room.slack.press(CrisisActionId.END.value, value, user=MARIA)
    modal = room.slack.last_view(CrisisCallbackId.END.value)
    room.slack.submit(modal, {"crisis_summary": typed("Restored at 15:40")}, user=MARIA)
    settle(room.runtime, room.clock)
    with Session(room.runtime.engine) as session:
        crisis = session.get(Crisis, 1)
    assert crisis is not None and crisis.status.value == "ended" and crisis.end_summary == "Restored at 15:40"


def test_a_role_is_given_to_a_person_picked_from_the_at_menu(room: Room) -> None:
    room.start()
    # Slack escapes a picked user as <@U…|name> (the manifest sets should_escape).
    answers = room.crisis("role", "legal", "<@U0AGENT02|sam>", channel_name=ROOM)
    assert any("is now `legal`" in a for a in answers), answers
    with Session(room.runtime.engine) as session:
        crisis = session.get(Crisis, 1)
    assert crisis is not None and crisis.assignments.get("legal") == [SAM]
    assert "made <@U0AGENT02> *legal*" in room.room_texts()
