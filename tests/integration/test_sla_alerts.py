"""SLA alerts end to end: cases arrive through the signed webhook, the scan runs on a manual clock, and
what people see is read back from the Slack stand-in: amber and red cards, the at-risk nudge in the
card's thread, one grouped breach alert per team, the page in the duty channel, never twice."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta

import pytest
from sqlmodel import Session, select
from typer.testing import CliRunner

from socialdesk.app import Runtime
from socialdesk.cli import cli
from socialdesk.clock import ManualClock
from socialdesk.config import Config, Roles, load_config
from socialdesk.domain.enums import Platform, Priority
from socialdesk.domain.models import CaseEvent
from socialdesk.samples import sample_config_path
from socialdesk.sla.scanner import SlaScanner
from socialdesk.slack.transport.notifier import OutboxNotifier
from socialdesk.standin import SlackStandin
from tests.conftest import SAMPLE_CONFIG
from tests.integration.helpers import settle
from tests.integration.sla_helpers import (
    MARIA,
    PRIYA,
    alerts,
    at,
    blocks_text,
    card,
    header,
    notices,
    outbox_keys,
    post_cases,
    stored,
    thread,
)
from tests.integration.slack_driver import SlackDriver

DUTY_GROUP = "S0DUTYLEAD"


@pytest.fixture
def config() -> Config:
    base = load_config(SAMPLE_CONFIG)
    # Reddit: 60 min to the first response (the sample's default), 10 h to resolve. Every priority pages
    # here: these tests are about the levels (which priorities page: test_sla_alert_hygiene.py).
    sla = base.sla.model_copy(
        update={"resolution": {Platform.REDDIT: {"default": 600}}, "page_priorities": list(Priority)}
    )
    return base.model_copy(
        update={"roles": Roles(leads=[PRIYA]), "duty_leads": [PRIYA, DUTY_GROUP], "sla": sla}
    )


@pytest.fixture
def slack(server: str, standin: SlackStandin, runtime: Runtime) -> SlackDriver:
    return SlackDriver(server, standin, runtime)


def test_at_risk_turns_the_card_amber_and_nudges_the_owner_or_the_team(
    server: str, runtime: Runtime, clock: ManualClock, standin: SlackStandin, slack: SlackDriver
) -> None:
    t0 = clock.now()
    mine, nobodys = post_cases(server, runtime, clock, ["where is my parcel?", "still no parcel?"])
    slack.command(f"claim {mine}", user=MARIA)
    settle(runtime, clock)
    assert at(runtime, clock, t0 + timedelta(minutes=47)).nudges == 0  # 78%: not yet

    report = at(runtime, clock, t0 + timedelta(minutes=48))
    assert report.nudges == 2 and report.level_changes == 2 and report.breaches == 0
    for case_id in (mine, nobodys):
        assert "🟧 At risk" in header(card(standin, case_id))
        assert "at risk: due in 1" in blocks_text(card(standin, case_id))  # 12 min, less the send pacing
        assert stored(runtime, case_id).sla_level == "at_risk"
    [owner_nudge] = [line for line in thread(standin, mine) if "is at risk" in line]
    assert f"<@{MARIA}>, #{mine} is at risk: its first response is due in 1" in owner_nudge
    [team_nudge] = [line for line in thread(standin, nobodys) if "at risk" in line]
    assert f"<!here> #{nobodys} is unclaimed and at risk" in team_nudge

    again = at(runtime, clock, t0 + timedelta(minutes=55))
    assert again.nudges == 0 and again.looked_at == 0  # nothing is due before the breach at 60
    assert notices(runtime) == sorted([f"sla:{mine}:at_risk", f"sla:{nobodys}:at_risk"])


def test_breach_turns_cards_red_and_sends_one_grouped_alert_per_team(
    server: str, runtime: Runtime, clock: ManualClock, standin: SlackStandin
) -> None:
    t0 = clock.now()
    support = post_cases(server, runtime, clock, [f"order {n} never came, help?" for n in range(8)])
    [billing] = post_cases(server, runtime, clock, ["I was charged twice, I want a refund"])
    assert stored(runtime, billing).team == "billing"

    report = at(runtime, clock, t0 + timedelta(minutes=61))
    assert report.breaches == 9 and report.breached_by_team == {"support": 8, "billing": 1}
    assert report.nudges == 0  # a case already past its due time is not told it is "at risk"
    [alert] = alerts(standin, "social-support")
    text = blocks_text(alert)
    assert "8 cases breached their first-response target" in text
    for case_id in support:
        assert f"|#{case_id}>" in text  # a link to the card
        assert header(card(standin, case_id)).endswith("🟥 SLA breached")
        assert "SLA breached 1 min ago" in blocks_text(card(standin, case_id))
    assert text.count("Snooze 1 h") == 8 and "unclaimed" in text and "opened 1 h 1 min ago" in text
    [billing_alert] = alerts(standin, "social-billing")
    assert "1 case breached its first-response target" in blocks_text(billing_alert)
    assert not any("at risk" in line for case_id in support for line in thread(standin, case_id))

    assert at(runtime, clock, t0 + timedelta(minutes=70)).breaches == 0
    assert len(alerts(standin, "social-support")) == 1
    assert len(outbox_keys(runtime, "sla-breach:")) == 2


def test_still_unanswered_past_the_page_threshold_pages_the_duty_leads_once(
    server: str, runtime: Runtime, clock: ManualClock, standin: SlackStandin
) -> None:
    t0 = clock.now()
    first, second = post_cases(server, runtime, clock, ["hello, anyone there?", "is anybody reading this?"])
    assert at(runtime, clock, t0 + timedelta(minutes=60)).breaches == 2
    assert at(runtime, clock, t0 + timedelta(minutes=89)).pages == 0

    report = at(runtime, clock, t0 + timedelta(minutes=90))
    assert report.pages == 2 and report.breaches == 0  # the team heard of the breach already
    [page] = alerts(standin, "social-duty", head="sla:page:head")
    text = blocks_text(page)
    assert f"<@{PRIYA}> <!subteam^{DUTY_GROUP}>" in text
    assert "2 cases are still waiting, well past their first-response target" in text
    assert f"#{first}" in text and f"#{second}" in text and "team support" in text
    assert "duty lead paged" in blocks_text(card(standin, first))

    assert at(runtime, clock, t0 + timedelta(minutes=120)).pages == 0
    assert len(alerts(standin, "social-duty", head="sla:page:head")) == 1
    assert [k for k in notices(runtime) if k.startswith(f"sla:{first}:")] == [
        f"sla:{first}:breached",
        f"sla:{first}:paged",
    ]


def test_a_case_that_jumps_straight_to_paged_still_reaches_its_team(
    server: str, runtime: Runtime, clock: ManualClock, standin: SlackStandin
) -> None:
    t0 = clock.now()
    [case_id] = post_cases(server, runtime, clock, ["nobody answers here?"])
    report = at(runtime, clock, t0 + timedelta(minutes=95))  # the scanner was down until now
    assert report.pages == 1 and report.breaches == 1 and report.nudges == 0
    assert len(alerts(standin, "social-support")) == 1
    assert len(alerts(standin, "social-duty", head="sla:page:head")) == 1
    assert stored(runtime, case_id).sla_level == "paged"


def test_an_answer_stops_the_first_response_clock(
    server: str, runtime: Runtime, clock: ManualClock, standin: SlackStandin, slack: SlackDriver
) -> None:
    t0 = clock.now()
    [case_id] = post_cases(server, runtime, clock, ["is the shop open on sunday?"])
    slack.command(f"resolve {case_id} answered", user=MARIA)
    settle(runtime, clock)
    report = at(runtime, clock, t0 + timedelta(minutes=120))
    assert report.finished == 1 and report.nudges == report.breaches == report.pages == 0
    assert stored(runtime, case_id).sla_check_at is None
    assert "SLA breached" not in header(card(standin, case_id))


def test_level_changes_are_in_the_audit_trail(server: str, runtime: Runtime, clock: ManualClock) -> None:
    t0 = clock.now()
    [case_id] = post_cases(server, runtime, clock, ["hello?"])
    at(runtime, clock, t0 + timedelta(minutes=50))
    at(runtime, clock, t0 + timedelta(minutes=65))
    with Session(runtime.engine) as session:
        events = session.exec(
            select(CaseEvent).where(CaseEvent.case_id == case_id, CaseEvent.kind == "sla_level")
        ).all()
    assert [(e.detail["before"], e.detail["level"]) for e in events] == [
        ("ok", "at_risk"),
        ("at_risk", "breached"),
    ]
    assert all(e.actor == "system" for e in events)


def test_concurrent_scans_alert_each_case_once(
    server: str, runtime: Runtime, clock: ManualClock, config: Config
) -> None:
    t0 = clock.now()
    cases = post_cases(server, runtime, clock, [f"question number {n}?" for n in range(20)])
    clock.set(t0 + timedelta(minutes=50))
    scanners = [
        SlaScanner(engine=runtime.engine, config=config, clock=clock, notifier=OutboxNotifier(config))
        for _ in range(4)
    ]
    results: list[int] = []
    errors: list[BaseException] = []

    def run(scanner: SlaScanner) -> None:
        try:
            results.append(scanner.scan().nudges)
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=run, args=(s,)) for s in scanners]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    assert sum(results) == 20
    assert outbox_keys(runtime, "sla-nudge:") == sorted(f"sla-nudge:sla:{c}:at_risk" for c in cases)


def test_sla_scan_command(
    server: str, runtime: Runtime, clock: ManualClock, database_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The command reads the real clock: the case is posted two hours before it.
    clock.set(datetime.now(UTC) - timedelta(hours=2))
    post_cases(server, runtime, clock, ["anyone there?"])
    monkeypatch.setenv("DATABASE_URL", database_url)
    monkeypatch.setenv("SOCIALDESK_CONFIG", str(sample_config_path()))
    result = CliRunner().invoke(cli, ["sla", "scan"])
    assert result.exit_code == 0, result.output
    # The shipped config pages for P1 and P2 only: a routine question breaches and pages nobody.
    assert '"pages": 0' in result.output and '"breaches": 1' in result.output
    again = CliRunner().invoke(cli, ["sla", "scan"])
    assert '"pages": 0' in again.output and '"breaches": 0' in again.output
    assert len(outbox_keys(runtime, "sla-breach:")) == 1 and outbox_keys(runtime, "sla-page:") == []
