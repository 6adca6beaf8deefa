"""The App Home tab (a signed Events API `app_home_opened` through POST /slack/events, published to the
Slack stand-in, which validates it as Slack would) and `/social stats`, on cases opened through the
generic webhook, with time moved by the manual clock."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest
from sqlmodel import Session, select

from socialdesk.app import Runtime
from socialdesk.clock import ManualClock
from socialdesk.domain.commands import UsageError
from socialdesk.domain.enums import CaseStatus
from socialdesk.domain.models import Case
from socialdesk.handlers import home
from socialdesk.handlers.context import HandlerContext
from socialdesk.handlers.stats import stats_message
from socialdesk.standin import SlackStandin
from tests.integration.helpers import generic_mention, post_generic, settle
from tests.integration.slack_driver import SlackDriver

MARIA, SAM = "U0AGENT01", "U0AGENT02"


@pytest.fixture
def _seen_ctx(monkeypatch: pytest.MonkeyPatch) -> dict[str, HandlerContext]:
    """Keeps the HandlerContext the app registers its listeners with, so a test can call
    `refresh_home` and `stats_message` with exactly what the running app uses."""
    seen: dict[str, HandlerContext] = {}
    original = home.register

    def spy(app: Any, ctx: HandlerContext) -> None:
        seen["ctx"] = ctx
        original(app, ctx)

    monkeypatch.setattr(home, "register", spy)
    return seen


@pytest.fixture
def runtime(_seen_ctx: dict[str, HandlerContext], runtime: Runtime) -> Runtime:
    return runtime


@pytest.fixture
def ctx(_seen_ctx: dict[str, HandlerContext], runtime: Runtime) -> HandlerContext:
    assert "ctx" in _seen_ctx, "handlers/__init__.py does not register socialdesk.handlers.home"
    return _seen_ctx["ctx"]


@pytest.fixture
def slack(server: str, standin: SlackStandin, runtime: Runtime) -> Iterator[SlackDriver]:
    yield SlackDriver(server, standin, runtime)


def open_case(server: str, runtime: Runtime, clock: ManualClock, *, ago: timedelta, handle: str) -> int:
    """A customer post made ``ago`` before now, turned into a case; returns its number."""
    with Session(runtime.engine) as session:
        before = len(session.exec(select(Case.id)).all())
    mention = generic_mention(
        f"m-{before + 1}", "my parcel never arrived", created_at=clock.now() - ago, handle=handle
    )
    assert post_generic(server, mention).status_code == 200
    settle(runtime, clock)
    return before + 1


def answer(runtime: Runtime, case_id: int, *, after: timedelta) -> None:
    """Records that our first reply reached the platform ``after`` the post. Written straight to the case:
    sending replies is another module's business and is tested there; these tests are about counting."""
    with Session(runtime.engine) as session:
        case = session.get(Case, case_id)
        assert case is not None
        case.first_response_at = case.opened_at + after
        case.reply_count = 1
        case.status = CaseStatus.WAITING_CUSTOMER
        session.add(case)
        session.commit()


def home_blocks(standin: SlackStandin, user: str) -> dict[str, dict[str, Any]]:
    view = standin.home_view(user)
    assert view is not None, f"no Home tab was published for {user}"
    return {b["block_id"]: b for b in view.payload["blocks"]}


def fields(block: dict[str, Any]) -> list[str]:
    return [f["text"] for f in block["fields"]]


# --- the Home tab ---------------------------------------------------------------------------------------


def test_opening_the_home_tab_publishes_own_cases_the_queue_and_todays_numbers(
    server: str, runtime: Runtime, clock: ManualClock, standin: SlackStandin, slack: SlackDriver
) -> None:
    mine = open_case(server, runtime, clock, ago=timedelta(minutes=5), handle="alice")
    waiting = open_case(server, runtime, clock, ago=timedelta(minutes=70), handle="bob")
    assert slack.command(f"claim {mine}", user=MARIA) == [f"You claimed #{mine}."]

    slack.open_home(user=MARIA)

    blocks = home_blocks(standin, MARIA)
    own = blocks[f"home:mine:{mine}"]
    assert "@alice" in own["text"]["text"] and "due in" in own["text"]["text"]
    assert own["accessory"]["action_id"] == "case.reply"
    queued = blocks[f"home:queue:{waiting}"]["text"]["text"]
    assert "@bob" in queued and "overdue by" in queued  # reddit's first response is due within 60 min...
    assert f"home:queue:{mine}" not in blocks  # ...and a claimed case is not in the unclaimed queue
    assert "*Opened*\n2" in fields(blocks["home:today:figures"])
    assert standin.home_view(SAM) is None  # each user's Home tab is their own


def test_the_messages_tab_does_not_publish_a_home_view(
    server: str, runtime: Runtime, clock: ManualClock, standin: SlackStandin, slack: SlackDriver
) -> None:
    open_case(server, runtime, clock, ago=timedelta(minutes=5), handle="alice")
    slack.open_home(user=MARIA, tab="messages")
    assert standin.home_view(MARIA) is None


def test_the_countdown_moves_with_the_clock_and_refresh_home_republishes_the_same_view(
    server: str,
    runtime: Runtime,
    clock: ManualClock,
    standin: SlackStandin,
    slack: SlackDriver,
    ctx: HandlerContext,
) -> None:
    case_id = open_case(server, runtime, clock, ago=timedelta(minutes=10), handle="carol")
    slack.open_home(user=SAM)
    first = standin.home_view(SAM)
    assert first is not None
    assert "due in" in json.dumps(first.payload)

    clock.advance(timedelta(hours=2))
    assert slack.command(f"claim {case_id}", user=SAM) == [f"You claimed #{case_id}."]
    home.refresh_home(ctx, runtime.slack, SAM)

    second = standin.home_view(SAM)
    assert second is not None and second.id == first.id  # views.publish replaces the user's tab
    row = {b["block_id"]: b for b in second.payload["blocks"]}[f"home:mine:{case_id}"]
    assert "overdue by 1 h 10 min" in row["text"]["text"]


# --- /social stats --------------------------------------------------------------------------------------


def _busy_morning(server: str, runtime: Runtime, clock: ManualClock, slack: SlackDriver) -> list[int]:
    """It is Tuesday 24 Nov 2026, 09:00 in London (GMT). One case from Monday, two from this morning:
    one answered in 10 min and resolved at first contact, one never answered (now overdue)."""
    monday = open_case(server, runtime, clock, ago=timedelta(days=1), handle="dave")
    quick = open_case(server, runtime, clock, ago=timedelta(minutes=90), handle="erin")
    ignored = open_case(server, runtime, clock, ago=timedelta(minutes=80), handle="frank")
    assert slack.command(f"claim {quick}", user=MARIA) == [f"You claimed #{quick}."]
    answer(runtime, quick, after=timedelta(minutes=10))
    clock.advance(timedelta(minutes=15))
    assert slack.command(f"resolve {quick} answered", user=MARIA) == [f"#{quick} resolved (answered)."]
    # Periods end just before "now" (half-open), so look a minute later, as a person asking would.
    clock.advance(timedelta(minutes=1))
    return [monday, quick, ignored]


def test_stats_today_counts_since_local_midnight(
    server: str, runtime: Runtime, clock: ManualClock, slack: SlackDriver, ctx: HandlerContext
) -> None:
    _busy_morning(server, runtime, clock, slack)
    message = stats_message(ctx, ("today",), ctx.roles.actor(MARIA))

    overall = fields(next(b for b in message.blocks if b["block_id"] == "stats:overall"))
    assert "*Opened*\n2" in overall
    assert "*Answered*\n1" in overall
    assert "*First response*\n10 min · p90 10 min" in overall
    # Met: the quick one. Missed: this morning's unanswered one, overdue since 08:40. Monday's case
    # missed its due time on Monday, so it counts there, not today.
    assert "*SLA met*\n50% (1/2)" in overall
    assert "*Resolved*\n1" in overall
    assert "*First-contact resolution*\n100%" in overall
    assert "*Open now*\n2" in overall
    teams = json.dumps(
        [b for b in message.blocks if b["block_id"].startswith("stats:teams")], ensure_ascii=False
    )
    assert "*support* · 2 opened · 1 answered · first response 10 min" in teams
    assert "*billing* · 0 opened" in teams
    assert "00:00 Europe/London" in json.dumps(message.blocks)
    assert message.text.startswith("Stats today: 2 opened, 1 answered")


def test_stats_week_counts_since_monday_and_no_argument_means_today(
    server: str, runtime: Runtime, clock: ManualClock, slack: SlackDriver, ctx: HandlerContext
) -> None:
    _busy_morning(server, runtime, clock, slack)
    actor = ctx.roles.actor(MARIA)
    assert stats_message(ctx, ("week",), actor).text.startswith("Stats this week: 3 opened")
    assert stats_message(ctx, ("WEEK",), actor).text.startswith("Stats this week: 3 opened")
    assert stats_message(ctx, (), actor).text.startswith("Stats today: 2 opened")


def test_stats_with_nothing_to_measure_shows_dashes_not_zero_percent(ctx: HandlerContext) -> None:
    message = stats_message(ctx, (), ctx.roles.actor(MARIA))
    overall = fields(next(b for b in message.blocks if b["block_id"] == "stats:overall"))
    assert "*SLA met*\n—" in overall and "*First response*\n—" in overall and "*Opened*\n0" in overall


@pytest.mark.parametrize("args", [("yesterday",), ("today", "week"), ("month",)])
def test_stats_refuses_an_unknown_period_with_the_usage(ctx: HandlerContext, args: tuple[str, ...]) -> None:
    with pytest.raises(UsageError) as refused:
        stats_message(ctx, args, ctx.roles.actor(MARIA))
    assert refused.value.subcommand == "stats"
    assert "/social stats [today|week]" in str(refused.value)


def test_social_stats_answers_through_the_slack_endpoint(
    server: str, runtime: Runtime, clock: ManualClock, slack: SlackDriver
) -> None:
    _busy_morning(server, runtime, clock, slack)
    answers = slack.command("stats", user=SAM)
    assert len(answers) == 1 and answers[0].startswith("Stats today: 2 opened, 1 answered")
    refused = slack.command("stats fortnight", user=SAM)
    assert len(refused) == 1 and "today` or `week`" in refused[0]
