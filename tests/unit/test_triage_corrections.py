"""Correcting triage (bot/casework/triage.py) on a real database with a manual clock: the SLA clock, the
route, the case event and the labelled example follow; a correction that changes nothing is refused.
Also the words `/social triage` and the card's menu take (bot/domain/triage_fix.py)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import Engine
from sqlmodel import Session, col, select

from socialdesk.casework.roles import Actor, Role
from socialdesk.casework.service import CaseWork
from socialdesk.clock import ManualClock, as_utc
from socialdesk.config import Config
from socialdesk.domain.casework import WrongState
from socialdesk.domain.commands import UsageError, parse_social, parse_triage
from socialdesk.domain.enums import CaseStatus, Category, MentionKind, Platform, Priority, Sentiment
from socialdesk.domain.models import Case, CaseEvent, Mention, TriageCorrection
from socialdesk.domain.sla import SlaPolicy
from socialdesk.domain.triage_fix import TriageChange, change_of, parse_triage_words
from socialdesk.store import events_repo
from socialdesk.surveys.schedule import SurveyScheduler

NOW = datetime(2026, 11, 24, 10, 0, tzinfo=UTC)
MARIA = Actor(user_id="U0AGENT01", name="maria", roles=frozenset({Role.AGENT}))


@dataclass
class RecordingNotifier:
    """The chat side, reduced to what it was told (the outbox is tested through Slack elsewhere)."""

    calls: list[tuple[str, int, dict[str, Any]]] = field(default_factory=list)

    def case_opened(self, session: Session, case: Case, *, now: datetime) -> None:
        self.calls.append(("opened", case.id or 0, {}))

    def followup_added(self, session: Session, case: Case, mention: Mention, *, now: datetime) -> None:
        self.calls.append(("followup", case.id or 0, {}))

    def case_changed(self, session: Session, case: Case, *, now: datetime) -> None:
        self.calls.append(("changed", case.id or 0, {"priority": case.priority.value}))

    def event_recorded(self, session: Session, case: Case, event: CaseEvent, *, now: datetime) -> None:
        self.calls.append(("event", case.id or 0, {"kind": event.kind}))

    def case_moved(self, session: Session, case: Case, *, now: datetime, why: str = "escalated") -> None:
        self.calls.append(("moved", case.id or 0, {"team": case.team, "why": why}))

    def tell_user(self, session: Session, case: Case, *, user: str, text: str, now: datetime) -> None:
        self.calls.append(("tell", case.id or 0, {"text": text}))

    def kinds(self) -> list[str]:
        return [kind for kind, _, _ in self.calls]


@pytest.fixture
def config(config: Config) -> Config:
    # Targets that differ per priority on Reddit, and a resolution target, so every move is visible.
    sla = config.sla.model_copy(
        update={
            "first_response": {
                **config.sla.first_response,
                Platform.REDDIT: {"P1": 15, "P2": 30, "P3": 120, "P4": 240},
            },
            "resolution": {Platform.REDDIT: {"P1": 240, "default": 1440}},
        }
    )
    return config.model_copy(update={"sla": sla})


@pytest.fixture
def notifier() -> RecordingNotifier:
    return RecordingNotifier()


@pytest.fixture
def work(engine: Engine, config: Config, notifier: RecordingNotifier) -> CaseWork:
    return CaseWork(
        engine=engine,
        config=config,
        clock=ManualClock(NOW),
        notifier=notifier,
        schedule_survey=SurveyScheduler(config.surveys),
    )


_seq = iter(range(1, 10_000))


def open_case(
    engine: Engine,
    config: Config,
    *,
    text: str = "where is my parcel, ordered two weeks ago",
    category: Category = Category.QUESTION,
    priority: Priority = Priority.P4,
    opened_at: datetime = NOW - timedelta(minutes=10),
    team: str = "support",
    route: str = "default",
    triage: dict[str, Any] | None = None,
    **case_fields: Any,
) -> int:
    """A case as ingest leaves it: due times from its post time, a first mention, an "opened" event."""
    dues = SlaPolicy(config).dues(team=team, platform=Platform.REDDIT, priority=priority, posted_at=opened_at)
    n = next(_seq)
    with Session(engine, expire_on_commit=False) as session:
        case = Case(
            platform=Platform.REDDIT,
            conversation_key=f"reddit:{n}",
            priority=priority,
            priority_reason=f"{priority.value}: no rule matched",
            category=category,
            team=team,
            route=route,
            author_id=f"reddit-{n}",
            author_handle=f"cust{n}",
            opened_at=opened_at,
            last_activity_at=opened_at,
            **{
                "first_response_due": dues.first_response,
                "resolution_due": dues.resolution,
                "sla_check_at": dues.check_at,
                **case_fields,
            },
        )
        session.add(case)
        session.flush()
        assert case.id is not None
        session.add(
            Mention(
                platform=Platform.REDDIT,
                external_id=f"t{n}",
                kind=MentionKind.POST,
                conversation_key=case.conversation_key,
                case_id=case.id,
                author_id=case.author_id,
                text_raw=text + " call me on 07700 900123",
                text_masked=text + " call me on [phone]",
                posted_at=opened_at,
                received_at=opened_at,
                sentiment=Sentiment.NEGATIVE,
                category=category,
            )
        )
        detail: dict[str, Any] = {"team": team, "priority": priority.value}
        if triage is not None:
            detail["triage"] = triage
        events_repo.record(
            session, case_id=case.id, actor=events_repo.SYSTEM, kind="opened", at=opened_at, **detail
        )
        session.commit()
        return case.id


def load(engine: Engine, case_id: int) -> Case:
    with Session(engine) as session:
        found = session.get(Case, case_id)
        assert found is not None
        return found


def corrections(engine: Engine, case_id: int) -> list[TriageCorrection]:
    with Session(engine) as session:
        stmt = (
            select(TriageCorrection)
            .where(TriageCorrection.case_id == case_id)
            .order_by(col(TriageCorrection.id))
        )
        return list(session.exec(stmt).all())


def triage_events(engine: Engine, case_id: int) -> list[CaseEvent]:
    with Session(engine) as session:
        return [e for e in events_repo.events_of(session, case_id) if e.kind == "triage_corrected"]


# --- the SLA clock ---------------------------------------------------------------------------------


def test_raising_the_priority_moves_the_due_time_counted_from_the_post(
    engine: Engine, config: Config, work: CaseWork, notifier: RecordingNotifier
) -> None:
    opened = NOW - timedelta(minutes=10)
    case_id = open_case(engine, config, opened_at=opened)
    before = load(engine, case_id)
    assert as_utc(before.first_response_due) == opened + timedelta(minutes=240)

    outcome = work.correct_triage(case_id=case_id, actor=MARIA, change=TriageChange(priority=Priority.P2))

    after = load(engine, case_id)
    assert after.priority is Priority.P2
    assert as_utc(after.first_response_due) == opened + timedelta(minutes=30)  # from the post, not now
    assert after.resolution_due is not None
    assert as_utc(after.resolution_due) == opened + timedelta(minutes=1440)
    # 80 % of 30 minutes after the post: 14 minutes from now.
    assert after.sla_check_at is not None and as_utc(after.sla_check_at) == opened + timedelta(minutes=24)
    assert after.sla_level == "ok"
    assert after.priority_reason == "P2: set by @maria (was P4)"
    assert (
        outcome.message == f"#{case_id} corrected: priority P4 → P2. Its SLA clock now follows the P2 target."
    )
    assert notifier.kinds() == ["changed", "event"]
    assert after.version == before.version + 1


def test_a_priority_whose_target_has_passed_is_breached_at_once_and_scanned_now(
    engine: Engine, config: Config, work: CaseWork
) -> None:
    case_id = open_case(engine, config, opened_at=NOW - timedelta(minutes=20))
    work.correct_triage(case_id=case_id, actor=MARIA, change=TriageChange(priority=Priority.P1))
    after = load(engine, case_id)
    assert as_utc(after.first_response_due) == NOW - timedelta(minutes=5)
    assert after.sla_level == "breached"
    assert after.sla_check_at is not None and as_utc(after.sla_check_at) == NOW  # the scan alerts now


def test_lowering_the_priority_gives_back_a_level_reached_under_the_old_promise(
    engine: Engine, config: Config, work: CaseWork
) -> None:
    case_id = open_case(
        engine, config, priority=Priority.P1, opened_at=NOW - timedelta(minutes=13), sla_level="at_risk"
    )
    work.correct_triage(case_id=case_id, actor=MARIA, change=TriageChange(priority=Priority.P3))
    after = load(engine, case_id)
    assert after.sla_level == "ok"
    assert as_utc(after.first_response_due) == NOW - timedelta(minutes=13) + timedelta(minutes=120)


def test_no_reply_stops_the_clock_and_needs_reply_starts_it_again(
    engine: Engine, config: Config, work: CaseWork
) -> None:
    case_id = open_case(engine, config, category=Category.PRAISE)
    assert load(engine, case_id).sla_check_at is not None
    done = work.correct_triage(case_id=case_id, actor=MARIA, change=change_of("no-reply"))
    stopped = load(engine, case_id)
    assert stopped.needs_reply is False and stopped.sla_check_at is None
    assert stopped.status is CaseStatus.NEW  # still open: it can be answered or resolved
    assert done.message.endswith("No SLA clock runs on it now.")

    work.correct_triage(case_id=case_id, actor=MARIA, change=change_of("needs-reply"))
    again = load(engine, case_id)
    assert again.needs_reply is True
    assert again.sla_check_at is not None
    assert as_utc(again.sla_check_at) == NOW - timedelta(minutes=10) + timedelta(minutes=240 * 0.8)
    fields = [(c.field, c.from_value, c.to_value) for c in corrections(engine, case_id)]
    assert fields == [("needs_reply", "true", "false"), ("needs_reply", "false", "true")]


def test_spam_closes_the_case_with_no_clock_and_two_labelled_examples(
    engine: Engine, config: Config, work: CaseWork, notifier: RecordingNotifier
) -> None:
    case_id = open_case(engine, config, text="buy followers cheap", category=Category.QUESTION)
    outcome = work.correct_triage(case_id=case_id, actor=MARIA, change=change_of("spam"))
    after = load(engine, case_id)
    assert after.category is Category.SPAM and after.needs_reply is False
    assert after.status is CaseStatus.SPAM and after.outcome == "spam" and after.resolved_at is not None
    assert after.sla_check_at is None
    assert (
        outcome.message
        == f"#{case_id} corrected: category question → spam; needs a reply yes → no. Closed as spam."
    )
    assert [
        (e.detail["field"], e.detail["from"], e.detail["to"]) for e in triage_events(engine, case_id)
    ] == [
        ("category", "question", "spam"),
        ("needs_reply", "true", "false"),
    ]
    assert triage_events(engine, case_id)[0].detail["closed_as_spam"] is True
    assert [c.field for c in corrections(engine, case_id)] == ["category", "needs_reply"]
    assert notifier.kinds() == ["changed", "event", "event"]


def test_taking_an_open_case_out_of_spam_gives_it_back_its_reply_and_clock(
    engine: Engine, config: Config, work: CaseWork
) -> None:
    case_id = open_case(engine, config, category=Category.SPAM, needs_reply=False, sla_check_at=None)
    outcome = work.correct_triage(case_id=case_id, actor=MARIA, change=change_of("complaint"))
    after = load(engine, case_id)
    assert after.category is Category.COMPLAINT and after.needs_reply is True
    assert after.sla_check_at is not None
    assert outcome.message == (
        f"#{case_id} corrected: category spam → complaint; needs a reply no → yes. "
        "Its SLA clock now follows the P4 target."
    )
    # Said explicitly in the same correction, "no reply" stands.
    other = open_case(engine, config, category=Category.SPAM, needs_reply=False, sla_check_at=None)
    work.correct_triage(case_id=other, actor=MARIA, change=parse_triage_words(["praise", "no-reply"]))
    assert load(engine, other).needs_reply is False and load(engine, other).sla_check_at is None


def test_a_case_from_history_gets_no_clock_back(engine: Engine, config: Config, work: CaseWork) -> None:
    case_id = open_case(engine, config, historical=True, needs_reply=False, sla_check_at=None)
    work.correct_triage(case_id=case_id, actor=MARIA, change=change_of("needs-reply"))
    after = load(engine, case_id)
    assert after.needs_reply is True and after.sla_check_at is None  # it never alerts about the past


def test_mark_spam_on_the_card_is_a_correction_too(engine: Engine, config: Config, work: CaseWork) -> None:
    case_id = open_case(engine, config, category=Category.COMPLAINT)
    work.mark_spam(case_id=case_id, actor=MARIA)
    after = load(engine, case_id)
    assert after.status is CaseStatus.SPAM and after.category is Category.SPAM and not after.needs_reply
    assert [(c.field, c.from_value, c.to_value) for c in corrections(engine, case_id)] == [
        ("category", "complaint", "spam"),
        ("needs_reply", "true", "false"),
    ]


# --- routing ---------------------------------------------------------------------------------------


def test_a_category_the_routing_rules_send_elsewhere_moves_the_case(
    engine: Engine, config: Config, work: CaseWork, notifier: RecordingNotifier
) -> None:
    # The sample config routes incidents to the incidents team ("outages" rule).
    case_id = open_case(engine, config, assignee="U0AGENT01", status=CaseStatus.CLAIMED)
    outcome = work.correct_triage(case_id=case_id, actor=MARIA, change=change_of("incident"))
    after = load(engine, case_id)
    assert after.team == "incidents" and after.route == "outages"
    assert after.assignee is None and after.status is CaseStatus.NEW  # the new team claims it afresh
    assert after.escalation_count == 0  # a re-route is not an escalation
    assert ("moved", case_id, {"team": "incidents", "why": "rerouted"}) in notifier.calls
    assert outcome.moved_from == "support"
    assert "Moved to incidents (#social-incidents)." in outcome.message
    (event,) = triage_events(engine, case_id)
    assert event.detail["from_team"] == "support" and event.detail["to_team"] == "incidents"

    work.correct_triage(case_id=case_id, actor=MARIA, change=change_of("question"))
    assert load(engine, case_id).team == "support"  # and back, since routing put it there


def test_a_case_escalated_by_hand_stays_where_a_person_put_it(
    engine: Engine, config: Config, work: CaseWork, notifier: RecordingNotifier
) -> None:
    case_id = open_case(engine, config, team="billing", escalation_count=1, status=CaseStatus.ESCALATED)
    outcome = work.correct_triage(case_id=case_id, actor=MARIA, change=change_of("incident"))
    assert load(engine, case_id).team == "billing"
    assert outcome.moved_from is None and "moved" not in notifier.kinds()


def test_a_priority_change_routing_ignores_does_not_move_the_case(
    engine: Engine, config: Config, work: CaseWork, notifier: RecordingNotifier
) -> None:
    case_id = open_case(engine, config)
    work.correct_triage(case_id=case_id, actor=MARIA, change=change_of("P1"))
    assert load(engine, case_id).team == "support" and "moved" not in notifier.kinds()


# --- the record ------------------------------------------------------------------------------------


def test_event_and_labelled_example_carry_the_model_answer_and_the_masked_text(
    engine: Engine, config: Config, work: CaseWork
) -> None:
    model = {"category": "question", "priority": "P3", "needs_reply": True, "model_version": "cat-2026.11"}
    # Config rules overrode the model's P3 at ingest: the example keeps what the model itself said.
    case_id = open_case(engine, config, category=Category.QUESTION, priority=Priority.P4, triage=model)
    work.correct_triage(case_id=case_id, actor=MARIA, change=parse_triage_words(["complaint", "p2"]))

    rows = corrections(engine, case_id)
    assert [(r.field, r.from_value, r.to_value) for r in rows] == [
        ("category", "question", "complaint"),
        ("priority", "P4", "P2"),
    ]
    for row in rows:
        assert row.actor == "U0AGENT01" and row.platform == "reddit" and as_utc(row.at) == NOW
        assert row.text_masked == "where is my parcel, ordered two weeks ago call me on [phone]"
        assert "07700" not in row.text_masked
        assert (row.model_category, row.model_priority, row.model_needs_reply, row.model_version) == (
            "question",
            "P3",
            True,
            "cat-2026.11",
        )
    events = triage_events(engine, case_id)
    assert [(e.actor, e.detail["field"], e.detail["from"], e.detail["to"]) for e in events] == [
        ("U0AGENT01", "category", "question", "complaint"),
        ("U0AGENT01", "priority", "P4", "P2"),
    ]
    assert as_utc(events[0].at) == NOW


def test_without_a_recorded_model_answer_the_values_at_open_stand_in(
    engine: Engine, config: Config, work: CaseWork
) -> None:
    case_id = open_case(engine, config, category=Category.OTHER, priority=Priority.P3)
    work.correct_triage(case_id=case_id, actor=MARIA, change=change_of("complaint"))
    work.correct_triage(case_id=case_id, actor=MARIA, change=change_of("incident"))
    work.correct_triage(case_id=case_id, actor=MARIA, change=change_of("P2"))
    rows = corrections(engine, case_id)
    # Every example names what triage said at open, however many corrections came before it.
    assert {(r.model_category, r.model_priority, r.model_needs_reply, r.model_version) for r in rows} == {
        ("other", "P3", True, "")
    }
    assert [r.from_value for r in rows] == ["other", "complaint", "P3"]


def test_a_correction_to_the_same_value_is_refused_and_writes_nothing(
    engine: Engine, config: Config, work: CaseWork, notifier: RecordingNotifier
) -> None:
    case_id = open_case(engine, config, priority=Priority.P4, category=Category.QUESTION)
    before = load(engine, case_id)
    with pytest.raises(WrongState, match=rf"^#{case_id} is already P4; nothing changed\.$"):
        work.correct_triage(case_id=case_id, actor=MARIA, change=change_of("P4"))
    with pytest.raises(
        WrongState, match=r"is already in category question and already needs a reply; nothing changed"
    ):
        work.correct_triage(case_id=case_id, actor=MARIA, change=parse_triage_words(["question", "reply"]))
    assert corrections(engine, case_id) == [] and triage_events(engine, case_id) == []
    assert notifier.calls == []
    assert load(engine, case_id).version == before.version


def test_a_closed_case_keeps_its_state_but_the_correction_is_kept(
    engine: Engine, config: Config, work: CaseWork
) -> None:
    case_id = open_case(engine, config, status=CaseStatus.RESOLVED, outcome="answered", sla_check_at=None)
    work.correct_triage(case_id=case_id, actor=MARIA, change=change_of("P1"))
    after = load(engine, case_id)
    assert after.priority is Priority.P1 and after.status is CaseStatus.RESOLVED
    assert after.sla_check_at is None and after.team == "support"
    assert len(corrections(engine, case_id)) == 1


# --- the words ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("word", "change"),
    [
        ("complaint", TriageChange(category=Category.COMPLAINT)),
        ("Incident", TriageChange(category=Category.INCIDENT)),
        ("p1", TriageChange(priority=Priority.P1)),
        ("P4", TriageChange(priority=Priority.P4)),
        ("spam", TriageChange(category=Category.SPAM, needs_reply=False)),
        ("no-reply", TriageChange(needs_reply=False)),
        ("needs-reply", TriageChange(needs_reply=True)),
    ],
)
def test_each_word_names_one_change(word: str, change: TriageChange) -> None:
    assert change_of(word) == change


def test_the_command_parses_and_says_how_to_write_it_when_wrong() -> None:
    assert parse_triage(parse_social("triage #42 incident P1")) == (
        42,
        TriageChange(category=Category.INCIDENT, priority=Priority.P1),
    )
    with pytest.raises(UsageError) as unknown:
        parse_triage(parse_social("triage 42 urgent"))
    assert "`urgent` is not a category, a priority or a reply setting" in str(unknown.value)
    assert "Usage: `/social triage <case> <category|P1..P4|spam|no-reply|needs-reply>`" in str(unknown.value)
    with pytest.raises(UsageError, match=r"What should it be\?"):
        parse_triage(parse_social("triage 42"))
    with pytest.raises(UsageError, match=r"Which case\?"):
        parse_triage(parse_social("triage"))
    with pytest.raises(UsageError, match="two different values for the priority"):
        parse_triage(parse_social("triage 42 P1 P2"))
    with pytest.raises(UsageError, match="two different values for the needs a reply"):
        parse_triage(parse_social("triage 42 spam needs-reply"))
