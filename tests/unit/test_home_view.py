"""The Home tab and `/social stats` renderers: Slack's limits, the countdowns agents act on, escaping,
and "no data" shown as a dash rather than a zero."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

from socialdesk.domain import metrics
from socialdesk.domain.enums import CaseStatus, Platform, Priority
from socialdesk.domain.metrics import CaseFacts, Period
from socialdesk.domain.models import Case
from socialdesk.slack.blocks.home_view import MAX_HOME_BLOCKS, MAX_MINE, MAX_QUEUE, HomeData, render_home
from socialdesk.slack.blocks.stats_view import NO_DATA, percent, render_stats, span, summary_fields
from socialdesk.slack.ids import ActionId, decode_case_value
from socialdesk.standin.blockkit import validate_blocks, validate_view

NOW = datetime(2026, 11, 24, 11, 0, tzinfo=UTC)
TODAY = Period(datetime(2026, 11, 24, tzinfo=UTC), NOW)


def make_case(case_id: int, **overrides: Any) -> Case:
    fields: dict[str, Any] = dict(
        id=case_id,
        platform=Platform.X,
        conversation_key=f"conv-{case_id}",
        status=CaseStatus.NEW,
        priority=Priority.P2,
        team="support",
        author_id=f"x-{case_id}",
        author_handle=f"customer{case_id}",
        author_name=f"Customer {case_id}",
        opened_at=NOW - timedelta(minutes=30),
        first_response_due=NOW + timedelta(minutes=12),
        last_activity_at=NOW - timedelta(minutes=30),
    )
    fields.update(overrides)
    return Case(**fields)


def facts(**overrides: Any) -> CaseFacts:
    fields: dict[str, Any] = dict(
        case_id=1,
        team="support",
        platform=Platform.X,
        priority=Priority.P2,
        status=CaseStatus.RESOLVED,
        opened_at=NOW - timedelta(hours=2),
        first_response_due=NOW - timedelta(hours=1),
        first_response_at=NOW - timedelta(hours=1, minutes=50),
        claimed_at=NOW - timedelta(hours=1, minutes=55),
        resolved_at=NOW - timedelta(hours=1),
        reply_count=1,
    )
    fields.update(overrides)
    return CaseFacts(**fields)


def home(
    mine: list[Case] | None = None,
    queue: list[Case] | None = None,
    *,
    summary: metrics.Summary | None = None,
    mine_total: int | None = None,
    queue_total: int | None = None,
) -> dict[str, Any]:
    mine = mine or []
    queue = queue or []
    data = HomeData(
        user_id="U0AGENT01",
        now=NOW,
        mine=mine,
        mine_total=len(mine) if mine_total is None else mine_total,
        queue=queue,
        queue_total=len(queue) if queue_total is None else queue_total,
        queue_scope="every team",
        today=summary or metrics.summarize([], TODAY),
        today_anchor="00:00 Europe/London",
    )
    return render_home(data)


def block(view: dict[str, Any], block_id: str) -> dict[str, Any]:
    return next(b for b in view["blocks"] if b.get("block_id") == block_id)


def text_of(view: dict[str, Any]) -> str:
    return json.dumps(view, ensure_ascii=False)


# --- the Home tab --------------------------------------------------------------------------------------


def test_home_view_is_valid_block_kit_for_a_home_tab() -> None:
    view = home([make_case(1, assignee="U0AGENT01", status=CaseStatus.CLAIMED)], [make_case(2)])
    assert view["type"] == "home"
    assert validate_view(view, surface="home") == []


def test_own_case_row_shows_priority_platform_handle_countdown_and_a_reply_button() -> None:
    view = home([make_case(7, assignee="U0AGENT01", status=CaseStatus.CLAIMED)])
    row = block(view, "home:mine:7")
    assert "🟠 *#7* P2 · X · @customer7 · due in 12 min" in row["text"]["text"]
    assert "Claimed" in row["text"]["text"]
    accessory = row["accessory"]
    assert accessory["action_id"] == ActionId.REPLY.value == "case.reply"
    assert decode_case_value(accessory["value"]) == 7


def test_overdue_cases_say_so_in_bold_and_answered_ones_show_no_countdown() -> None:
    overdue = make_case(3, first_response_due=NOW - timedelta(minutes=5))
    answered = make_case(4, status=CaseStatus.WAITING_CUSTOMER, first_response_at=NOW - timedelta(minutes=1))
    view = home(queue=[overdue, answered])
    assert "⏰ *overdue by 5 min*" in block(view, "home:queue:3")["text"]["text"]
    answered_text = block(view, "home:queue:4")["text"]["text"]
    assert "answered <!date^" in answered_text and "due in" not in answered_text
    assert "Waiting on customer · team support" in answered_text


def test_queue_rows_name_the_team_and_keep_the_given_order() -> None:
    queue = [make_case(9, priority=Priority.P1, team="billing"), make_case(5, priority=Priority.P3)]
    view = home(queue=queue)
    ids = [
        b["block_id"]
        for b in view["blocks"]
        if b["block_id"].startswith("home:queue:") and b["block_id"][11:].isdigit()
    ]
    assert ids == ["home:queue:9", "home:queue:5"]
    assert "team billing" in block(view, "home:queue:9")["text"]["text"]
    assert "Team queue · 2 unclaimed" in text_of(view)


def test_customer_handles_are_escaped() -> None:
    sneaky = make_case(8, author_handle="<!channel> <https://evil.example|bank>")
    row = block(home(queue=[sneaky]), "home:queue:8")["text"]["text"]
    assert "<!channel>" not in row and "&lt;!channel&gt;" in row
    assert "<https://evil" not in row


def test_a_case_without_a_handle_shows_the_name() -> None:
    row = block(home(queue=[make_case(6, author_handle="", author_name="Dana")]), "home:queue:6")
    assert "· Dana ·" in row["text"]["text"]


def test_empty_lists_say_what_to_do_and_todays_figures_show_dashes() -> None:
    view = home()
    assert "Nothing assigned to you" in block(view, "home:mine:empty")["elements"][0]["text"]
    assert "Nobody is waiting" in block(view, "home:queue:empty")["elements"][0]["text"]
    fields = [f["text"] for f in block(view, "home:today:figures")["fields"]]
    assert "*Opened*\n0" in fields
    assert f"*First response*\n{NO_DATA}" in fields and f"*SLA met*\n{NO_DATA}" in fields
    assert validate_view(view, surface="home") == []


def test_long_lists_are_capped_under_slacks_100_block_limit_and_say_how_many_more() -> None:
    mine = [make_case(i, assignee="U0AGENT01", status=CaseStatus.CLAIMED) for i in range(1, 301)]
    queue = [make_case(i) for i in range(1001, 1301)]
    view = home(mine, queue)
    assert len(view["blocks"]) <= MAX_HOME_BLOCKS
    assert validate_view(view, surface="home") == []
    rows = [b for b in view["blocks"] if b.get("accessory")]
    assert len(rows) == MAX_MINE + MAX_QUEUE
    assert f"{MAX_MINE} of 300 shown" in text_of(view)
    assert f"{MAX_QUEUE} of 300 shown" in text_of(view)


def test_todays_numbers_come_from_the_summary() -> None:
    summary = metrics.summarize([facts(), facts(case_id=2, status=CaseStatus.NEW, resolved_at=None)], TODAY)
    fields = [f["text"] for f in block(home(summary=summary), "home:today:figures")["fields"]]
    assert "*Answered*\n2" in fields
    assert "*First response*\n10 min · p90 10 min" in fields
    assert "*SLA met*\n100% (2/2)" in fields
    assert "*Open now*\n1" in fields


# --- figure wording ---------------------------------------------------------------------------------


def test_percent_and_span_show_dashes_for_no_data() -> None:
    assert percent(None) == NO_DATA and span(None) == NO_DATA
    assert percent(0.0) == "0%" and percent(0.925) == "92%" and percent(1.0) == "100%"
    assert span(timedelta(minutes=135)) == "2 h 15 min"


def test_summary_fields_fit_one_section() -> None:
    assert len(summary_fields(metrics.summarize([], TODAY))) == 10


# --- /social stats ----------------------------------------------------------------------------------


def test_stats_message_shows_all_teams_then_one_line_per_team() -> None:
    cases = [facts(), facts(case_id=2, team="billing", first_response_at=None, resolved_at=None)]
    overall = metrics.summarize(cases, TODAY)
    teams = metrics.summarize_by_team(cases, TODAY, teams=["support", "billing", "reviews"])
    message = render_stats(label="today", anchor="00:00 Europe/London", overall=overall, teams=teams)
    assert validate_blocks(message.blocks, surface="message") == []
    body = json.dumps(message.blocks, ensure_ascii=False)
    assert "Social care stats · today" in body
    assert "00:00 Europe/London" in body
    assert "*support* · 1 opened · 1 answered · first response 10 min · SLA 100% (1/1)" in body
    assert "*billing* · 1 opened · 0 answered · first response — · SLA 0% (0/1)" in body
    assert (
        "*reviews* · 0 opened · 0 answered · first response — · SLA — · 0 resolved · FCR — · 0 open" in body
    )
    assert message.text.startswith("Stats today: 2 opened, 1 answered, median first response 10 min, SLA 50%")


def test_stats_message_with_many_teams_stays_within_slacks_message_limits() -> None:
    names = [f"team-{i:03d}" for i in range(400)]
    teams = {name: metrics.summarize([], TODAY) for name in names}
    message = render_stats(
        label="this week", anchor="Monday 00:00 UTC", overall=metrics.summarize([], TODAY), teams=teams
    )
    assert validate_blocks(message.blocks, surface="message") == []
    assert all(len(b.get("text", {}).get("text", "")) <= 3000 for b in message.blocks)
