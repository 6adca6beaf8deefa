"""The SLA side of Block Kit: the card's amber/red marker, the nudge, the grouped breach alert with its
snooze buttons, and the page. Pure renderers, checked with the stand-in's Block Kit validator."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest

from socialdesk.domain.case_view import SlaAlertView
from socialdesk.domain.enums import Platform, Priority
from socialdesk.slack.blocks.cards import SlackMessage, render_case_card
from socialdesk.slack.blocks.sla_alerts import MAX_LISTED, render_breach_alert, render_page, render_sla_nudge
from socialdesk.slack.ids import AlertActionId, decode_case_value
from socialdesk.standin.blockkit import validate_blocks
from tests.unit.test_cards import make_case

NOW = datetime(2024, 11, 20, 14, 0, tzinfo=UTC)


def valid(message: SlackMessage) -> str:
    assert validate_blocks(message.blocks, surface="message") == []
    assert message.text.strip()
    return json.dumps(message.blocks, ensure_ascii=False)


def header(message: SlackMessage) -> str:
    return str(message.blocks[0]["text"]["text"])


def status(message: SlackMessage) -> str:
    return json.dumps(message.blocks[1], ensure_ascii=False)


def item(case_id: int = 42, **changes: object) -> SlaAlertView:
    base = SlaAlertView(
        case_id=case_id,
        clock="first_response",
        level="breached",
        due=NOW - timedelta(minutes=4),
        priority=Priority.P2,
        platform=Platform.X,
        team="support",
        opened_at=NOW - timedelta(minutes=19),
        assignee=None,
        author_handle="jane_doe",
        snippet="Charged twice for one order",
        still_due=True,
        card_channel="C0SUPPORT1",
        card_ts="1732111200.000100",
        now=NOW,
    )
    return replace(base, **changes)  # type: ignore[arg-type]


def test_a_card_with_time_left_has_no_marker() -> None:
    card = render_case_card(make_case(sla_clock="first_response", sla_due=NOW + timedelta(minutes=12)))
    assert "🟧" not in valid(card) and "🟥" not in valid(card)


def test_at_risk_card_is_amber_with_the_time_left() -> None:
    view = make_case(sla_clock="first_response", sla_level="at_risk", sla_due=NOW + timedelta(minutes=3))
    card = render_case_card(view)
    valid(card)
    assert header(card).endswith("· 🟧 At risk")
    assert "🟧 *at risk: due in 3 min*" in status(card)


@pytest.mark.parametrize(("level", "paged"), [("breached", False), ("paged", True)])
def test_breached_card_is_red_and_says_how_long_ago(level: str, paged: bool) -> None:
    view = make_case(sla_clock="first_response", sla_level=level, sla_due=NOW - timedelta(minutes=4))
    card = render_case_card(view)
    valid(card)
    assert header(card).endswith("· 🟥 SLA breached")
    assert "🟥 *SLA breached 4 min ago*" in status(card)
    assert ("duty lead paged" in status(card)) is paged


def test_resolution_clock_snooze_and_pause_on_the_card() -> None:
    view = make_case(
        sla_clock="resolution",
        sla_level="at_risk",
        sla_due=NOW + timedelta(hours=2),
        sla_paused=True,
        snoozed_until=NOW + timedelta(minutes=30),
    )
    line = status(render_case_card(view))
    assert "resolution at risk: due in 2 h" in line
    assert "resolution clock paused" in line
    assert "🔕 alerts snoozed until <!date^" in line
    expired = replace(view, snoozed_until=NOW - timedelta(minutes=1))
    assert "snoozed" not in status(render_case_card(expired))


def test_nudge_names_the_assignee() -> None:
    text = valid(
        render_sla_nudge(
            item(level="at_risk", due=NOW + timedelta(minutes=3), assignee="U0AGENT01"), oncall_group="S0X"
        )
    )
    assert "<@U0AGENT01>, #42 is at risk: its first response is due in 3 min" in text
    assert "subteam" not in text


def test_nudge_for_an_unclaimed_case_calls_the_on_call_group_or_the_channel() -> None:
    at_risk = item(level="at_risk", due=NOW + timedelta(minutes=3))
    assert "<!subteam^S0ONCALL1> #42 is unclaimed and at risk" in valid(
        render_sla_nudge(at_risk, oncall_group="S0ONCALL1")
    )
    assert "<!here> #42 is unclaimed" in valid(render_sla_nudge(at_risk, oncall_group=None))
    answered = valid(render_sla_nudge(replace(at_risk, still_due=False), oncall_group=None))
    assert "answered since" in answered and "<!here>" not in answered


def test_breach_alert_lists_every_case_once_with_a_snooze_button() -> None:
    items = [item(i, assignee="U0AGENT01" if i == 3 else None) for i in range(1, 9)]
    message = render_breach_alert(items, team="support")
    text = valid(message)
    assert "8 cases breached their first-response target" in text
    assert message.text.startswith("8 cases breached their first-response target (support): #1, #2")
    listed = [b for b in message.blocks if b.get("accessory")]
    assert [decode_case_value(b["accessory"]["value"]) for b in listed] == list(range(1, 9))
    assert {b["accessory"]["action_id"] for b in listed} == {AlertActionId.SNOOZE_HOUR.value}
    assert "<https://slack.com/archives/C0SUPPORT1/p1732111200000100|#1>" in text
    assert "🟠 P2" in text and "opened 19 min ago" in text and "4 min late" in text
    assert "<@U0AGENT01>" in text and "unclaimed" in text


def test_breach_alert_wording_for_one_case_mixed_targets_and_long_lists() -> None:
    assert "1 case breached its first-response target" in valid(render_breach_alert([item()], team="support"))
    mixed = [item(1), item(2, clock="resolution")]
    assert "2 cases breached their SLA targets (1 first response, 1 resolution)" in valid(
        render_breach_alert(mixed, team="support")
    )
    many = [item(i) for i in range(1, 41)]
    text = valid(render_breach_alert(many, team="support"))
    assert f"…and {40 - MAX_LISTED} more: #{MAX_LISTED + 1}" in text
    answered = render_breach_alert([item(still_due=False)], team="support")
    assert "answered since" in valid(answered)
    assert not any(b.get("accessory") for b in answered.blocks)  # nothing left to snooze


def test_page_mentions_users_and_groups() -> None:
    message = render_page([item(1), item(2)], leads=["U0MANAGER1", "S0DUTYLEAD"])
    text = valid(message)
    assert "<@U0MANAGER1> <!subteam^S0DUTYLEAD>" in text
    assert "2 cases are still waiting, well past their first-response target" in text
    assert "team support" in text
    nobody = valid(render_page([item(1)], leads=[]))
    assert "no `duty_leads`" in nobody and "1 case is still waiting" in nobody
