"""Snoozing a case's SLA alerts (the command and the button on the breach alert), which silences the
pings but not the card's colour and resumes them when the snooze ends; and the resolution clock that
stands still while the case waits on the customer. Real replies go to the generic reply receiver."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta

import pytest
from pydantic import SecretStr
from sqlmodel import Session, col, select

from socialdesk.app import Runtime, build_runtime
from socialdesk.clock import ManualClock, as_utc
from socialdesk.config import Config, Roles, load_config
from socialdesk.domain.enums import CaseStatus, Platform, Priority
from socialdesk.domain.models import Mention
from socialdesk.standin import SlackStandin
from socialdesk.standin.platforms.generic_receiver import GenericReceiverStandIn
from tests import support
from tests.conftest import SAMPLE_CONFIG, make_settings
from tests.integration.helpers import generic_mention, post_generic, settle
from tests.integration.sla_helpers import (
    MARIA,
    PRIYA,
    alerts,
    at,
    blocks_text,
    card,
    click_snooze,
    header,
    post_cases,
    stored,
    thread,
)
from tests.integration.slack_driver import SlackDriver


@pytest.fixture
def config() -> Config:
    base = load_config(SAMPLE_CONFIG)
    # Every priority pages here: the snooze holds pages back whatever the priority.
    sla = base.sla.model_copy(
        update={"resolution": {Platform.REDDIT: {"default": 600}}, "page_priorities": list(Priority)}
    )
    return base.model_copy(update={"roles": Roles(leads=[PRIYA]), "duty_leads": [PRIYA], "sla": sla})


@pytest.fixture
def receiver() -> Iterator[GenericReceiverStandIn]:
    server = GenericReceiverStandIn(secret=support.WEBHOOK_SECRET).start()
    yield server
    server.stop()


@pytest.fixture
def runtime(
    database_url: str,
    standin: SlackStandin,
    clock: ManualClock,
    config: Config,
    receiver: GenericReceiverStandIn,
) -> Iterator[Runtime]:
    settings = make_settings(database_url, standin.url).model_copy(
        update={"generic_reply_url": receiver.reply_url, "webhook_secret": SecretStr(support.WEBHOOK_SECRET)}
    )
    rt = build_runtime(settings, clock=clock, config=config, migrate=False)
    yield rt
    rt.close()


@pytest.fixture
def slack(server: str, standin: SlackStandin, runtime: Runtime) -> SlackDriver:
    return SlackDriver(server, standin, runtime)


def duty_pages(standin: SlackStandin) -> int:
    return len(alerts(standin, "social-duty", head="sla:page:head"))


def test_snooze_command_silences_the_alerts_not_the_card_then_resumes(
    server: str, runtime: Runtime, clock: ManualClock, standin: SlackStandin, slack: SlackDriver
) -> None:
    t0 = clock.now()
    [case_id] = post_cases(server, runtime, clock, ["hello, is anyone there?"])
    assert at(runtime, clock, t0 + timedelta(minutes=48)).nudges == 1

    refused = slack.command(f"snooze {case_id} 30", user=MARIA)
    assert "You need the lead or manager role to snooze a case's SLA alerts" in refused[0]
    clock.set(t0 + timedelta(minutes=48))
    [answer] = slack.command(f"snooze #{case_id} 30", user=PRIYA)
    assert answer.startswith(f"SLA alerts for #{case_id} snoozed until <!date^")
    assert as_utc(stored(runtime, case_id).snoozed_until) == t0 + timedelta(minutes=78)  # type: ignore[arg-type]
    settle(runtime, clock)
    assert any(f"🔕 <@{PRIYA}> snoozed SLA alerts until" in line for line in thread(standin, case_id))
    assert "🔕 alerts snoozed until" in blocks_text(card(standin, case_id))

    snoozed = at(runtime, clock, t0 + timedelta(minutes=60))
    assert snoozed.silenced == 1 and snoozed.breaches == 0
    assert header(card(standin, case_id)).endswith("🟥 SLA breached")  # the colour still changes
    assert alerts(standin, "social-support") == []

    resumed = at(runtime, clock, t0 + timedelta(minutes=78))  # the snooze is over, still unanswered
    assert resumed.breaches == 1
    assert len(alerts(standin, "social-support")) == 1
    assert at(runtime, clock, t0 + timedelta(minutes=90)).pages == 1
    assert at(runtime, clock, t0 + timedelta(minutes=100)).pages == 0


def test_snooze_button_on_the_breach_alert_holds_the_page_until_it_ends(
    server: str, runtime: Runtime, clock: ManualClock, standin: SlackStandin, slack: SlackDriver
) -> None:
    t0 = clock.now()
    [case_id, other] = post_cases(server, runtime, clock, ["hello?", "anyone?"])
    assert at(runtime, clock, t0 + timedelta(minutes=60)).breaches == 2
    [alert] = alerts(standin, "social-support")
    assert "Snooze 1 h" in blocks_text(alert)

    assert "lead or manager role" in click_snooze(slack, case_id, user=MARIA)[0]
    clicked_at = clock.now()
    [answer] = click_snooze(slack, case_id, user=PRIYA)
    assert answer.startswith(f"SLA alerts for #{case_id} snoozed until")
    assert as_utc(stored(runtime, case_id).snoozed_until) == clicked_at + timedelta(hours=1)  # type: ignore[arg-type]

    held = at(runtime, clock, t0 + timedelta(minutes=90))
    assert held.pages == 1 and held.silenced == 1  # the other case is paged, the snoozed one is not
    [page] = alerts(standin, "social-duty", head="sla:page:head")
    assert f"#{other}" in blocks_text(page) and f"|#{case_id}>" not in blocks_text(page)
    assert "duty lead paged" not in blocks_text(card(standin, case_id))
    assert stored(runtime, case_id).sla_level == "paged"  # the level moved on, silently

    after = at(runtime, clock, clicked_at + timedelta(hours=1, seconds=1))
    assert after.pages == 1 and duty_pages(standin) == 2
    assert at(runtime, clock, clicked_at + timedelta(hours=2)).pages == 0


def test_snooze_off_sends_what_was_held_back_at_the_next_scan(
    server: str, runtime: Runtime, clock: ManualClock, standin: SlackStandin, slack: SlackDriver
) -> None:
    t0 = clock.now()
    [case_id] = post_cases(server, runtime, clock, ["hi?"])
    slack.command(f"snooze {case_id} until 23:00", user=PRIYA)
    assert at(runtime, clock, t0 + timedelta(minutes=61)).silenced == 1
    assert slack.command(f"snooze {case_id} off", user=PRIYA) == [f"SLA alerts for #{case_id} are back on."]
    assert at(runtime, clock, t0 + timedelta(minutes=62)).breaches == 1
    assert any("🔔" in line and "back on" in line for line in thread(standin, case_id))


def _follow_up(server: str, runtime: Runtime, clock: ManualClock, case_id: int, text: str) -> None:
    with Session(runtime.engine) as session:
        first = session.exec(
            select(Mention).where(Mention.case_id == case_id).order_by(col(Mention.id))
        ).first()
        assert first is not None
    post_generic(
        server,
        generic_mention(
            f"{first.external_id}-again",
            text,
            created_at=clock.now(),
            handle=first.author_handle,
            in_reply_to=first.external_id,
        ),
    )
    settle(runtime, clock)


def test_resolution_clock_pauses_while_waiting_on_the_customer(
    server: str, runtime: Runtime, clock: ManualClock, standin: SlackStandin, slack: SlackDriver
) -> None:
    t0 = clock.now()
    [case_id] = post_cases(server, runtime, clock, ["my parcel never arrived"])
    assert stored(runtime, case_id).resolution_due is not None
    clock.set(t0 + timedelta(minutes=10))
    answer = slack.command(
        f"reply {case_id} Hi, sorry about that, could you DM us your order number?", user=MARIA
    )
    assert answer == [f"Your reply to #{case_id} was posted publicly."]
    settle(runtime, clock)
    case = stored(runtime, case_id)
    assert case.status is CaseStatus.WAITING_CUSTOMER
    assert as_utc(case.waiting_since) == t0 + timedelta(minutes=10)  # type: ignore[arg-type]
    assert "resolution clock paused" in blocks_text(card(standin, case_id))

    # 9 hours later the 10-hour resolution target would be at risk, but the customer has not answered.
    quiet = at(runtime, clock, t0 + timedelta(hours=9))
    assert quiet.nudges == 0 and quiet.level_changes == 0
    assert stored(runtime, case_id).sla_check_at is None  # nothing to watch until the customer writes

    _follow_up(server, runtime, clock, case_id, "here it is: order 12345, still nothing")
    case = stored(runtime, case_id)
    waited = timedelta(seconds=case.paused_seconds)
    back = t0 + timedelta(minutes=10) + waited  # when the follow-up was taken in
    assert case.status is CaseStatus.CLAIMED and case.waiting_since is None
    assert timedelta(0) <= clock.now() - back < timedelta(seconds=5)  # settle's send pacing, no more
    assert as_utc(case.resolution_due) == t0 + timedelta(minutes=600) + waited  # type: ignore[arg-type]

    # At risk once 480 of the 600 minutes are used: 10 before the wait, 470 after it.
    at_risk = back + timedelta(minutes=470)
    assert at(runtime, clock, at_risk - timedelta(minutes=1)).nudges == 0
    assert at(runtime, clock, at_risk).nudges == 1
    assert any(
        f"<@{MARIA}>, #{case_id} is at risk: its resolution is due in 1 h 59 min" in line
        for line in thread(standin, case_id)
    )
    assert "resolution at risk" in blocks_text(card(standin, case_id))
    breach = at(runtime, clock, back + timedelta(minutes=590))
    assert breach.breaches == 1
    assert "1 case breached its resolution target" in blocks_text(alerts(standin, "social-support")[-1])
