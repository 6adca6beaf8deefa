"""Working a roll-up: "Show all" pages privately through every case, a Claim on a page promotes the case
to its own card (with the follow-ups it got meanwhile in the thread), and rolled-up cases are in
`/social queue` (marked "in roll-up") and the App Home. A low threshold keeps the crowd small."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from sqlmodel import Session, select

from socialdesk.app import Runtime, build_runtime
from socialdesk.clock import ManualClock
from socialdesk.config import Config, Flood
from socialdesk.domain.enums import CaseStatus, OutboxStatus
from socialdesk.domain.models import Case, OutboxMessage
from socialdesk.domain.rollup_models import Rollup
from socialdesk.slack.ids import ActionId, RollupActionId, encode_rollup_value
from socialdesk.standin import SlackStandin
from tests import support
from tests.conftest import make_settings
from tests.integration.flood_helpers import QUESTION, shown
from tests.integration.helpers import generic_mention, post_generic, settle
from tests.integration.slack_driver import SlackDriver

CROWD = 25  # 2 cards, then 23 questions in one roll-up: pages of 10, 10 and 3


@pytest.fixture
def small(database_url: str, standin: SlackStandin, clock: ManualClock, config: Config) -> Iterator[Runtime]:
    tight = config.model_copy(update={"flood": Flood(cards_per_minute=2)})
    rt = build_runtime(make_settings(database_url, standin.url), clock=clock, config=tight, migrate=False)
    yield rt
    rt.close()


@pytest.fixture
def small_server(small: Runtime) -> Iterator[str]:
    with support.live_server(small.http) as url:
        yield url


def _crowd(server: str, runtime: Runtime, clock: ManualClock) -> None:
    for i in range(CROWD):
        mention = generic_mention(f"q-{i}", QUESTION, created_at=clock.now(), handle=f"asker{i}")
        assert post_generic(server, mention).status_code == 200
    runtime.pipeline.drain()


def _last_answer(standin: SlackStandin) -> dict[str, Any]:
    return dict(standin.calls_to("response_url")[-1].args)


def _page_case_ids(answer: dict[str, Any]) -> list[int]:
    return [
        int(b["block_id"].rsplit(":", 1)[1])
        for b in answer["blocks"]
        if b["block_id"].startswith("rollup:case:")
    ]


def _nav(answer: dict[str, Any]) -> dict[str, str]:
    for block in answer["blocks"]:
        if block["type"] == "actions":
            return {e["action_id"]: e["value"] for e in block["elements"]}
    return {}


def test_show_all_pages_privately_through_every_case(
    small_server: str, small: Runtime, standin: SlackStandin, clock: ManualClock
) -> None:
    _crowd(small_server, small, clock)
    view = shown(small)
    assert len(view.carded) == 2 and len(view.rolled) == CROWD - 2 and len(view.rollups) == 1
    rollup_id = view.rollups[0].id
    assert rollup_id is not None
    driver = SlackDriver(small_server, standin, small)

    driver.press(RollupActionId.SHOW_ALL.value, encode_rollup_value(rollup_id))
    answer = _last_answer(standin)
    assert answer.get("response_type") == "ephemeral" and answer.get("replace_original") is False
    seen = _page_case_ids(answer)
    pages = 1
    while RollupActionId.PAGE_NEXT.value in _nav(answer):
        driver.press(RollupActionId.PAGE_NEXT.value, _nav(answer)[RollupActionId.PAGE_NEXT.value])
        answer = _last_answer(standin)
        assert answer.get("replace_original") is True  # the page turns in place
        seen += _page_case_ids(answer)
        pages += 1
    assert pages == 3
    assert seen == sorted(view.rolled)  # every rolled-up case once, oldest first
    assert RollupActionId.PAGE_PREVIOUS.value in _nav(answer)
    driver.press(RollupActionId.PAGE_PREVIOUS.value, _nav(answer)[RollupActionId.PAGE_PREVIOUS.value])
    assert _page_case_ids(_last_answer(standin)) == sorted(view.rolled)[10:20]


def test_claiming_from_a_page_promotes_the_case_to_its_own_card(
    small_server: str, small: Runtime, standin: SlackStandin, clock: ManualClock
) -> None:
    _crowd(small_server, small, clock)
    settle(small, clock)
    view = shown(small)
    target = min(view.rolled)
    author = view.cases[target].author_handle
    # The customer writes again before anyone picks the case up: no card yet, so nothing is queued for
    # a thread that does not exist.
    follow = generic_mention(
        "q-again", "hello??", created_at=clock.now(), handle=author, in_reply_to=f"q-{target - 1}"
    )
    post_generic(small_server, follow)
    small.pipeline.drain()
    with Session(small.engine) as s:
        assert s.exec(select(Case).where(Case.id == target)).one().mention_count == 2
        waiting = s.exec(select(OutboxMessage).where(OutboxMessage.status == OutboxStatus.PENDING)).all()
    assert all(not m.needs_case_ts for m in waiting)

    driver = SlackDriver(small_server, standin, small)
    rollup_id = view.rollups[0].id
    assert rollup_id is not None
    driver.press(RollupActionId.SHOW_ALL.value, encode_rollup_value(rollup_id))
    claim = next(
        b["accessory"] for b in _last_answer(standin)["blocks"] if b["block_id"] == f"rollup:case:{target}"
    )
    assert claim["action_id"] == ActionId.CLAIM.value
    assert driver.press(claim["action_id"], claim["value"]) == [f"You claimed #{target}."]
    settle(small, clock)

    with Session(small.engine) as s:
        case = s.exec(select(Case).where(Case.id == target)).one()
        rollup = s.exec(select(Rollup)).one()
        statuses = {m.status for m in s.exec(select(OutboxMessage)).all()}
    assert case.status is CaseStatus.CLAIMED and case.slack_ts is not None
    assert rollup.promoted_count == 1 and rollup.case_count == CROWD - 2  # still counted where it was
    assert statuses == {OutboxStatus.SENT}, "something is still waiting for a card"
    card = next(m for m in standin.messages("social-support") if m.ts == case.slack_ts)
    assert f"#{target}" in card.text
    thread = [r.text for r in card.replies]
    assert any("hello??" in t for t in thread), thread  # the follow-up, now in the card's thread
    assert any("claimed" in t.lower() for t in thread), thread  # who did what
    summary = next(m for m in standin.messages("social-support") if "roll-up" in str(m.text))
    assert "1 already has a card of their own" in str(summary.blocks)
    # A second claim attempt from the page goes through the normal rules.
    assert "already" in driver.press(claim["action_id"], claim["value"], user="U0AGENT02")[0].lower()


def test_rolled_up_cases_are_in_the_queue_and_the_home_tab(
    small_server: str, small: Runtime, standin: SlackStandin, clock: ManualClock
) -> None:
    _crowd(small_server, small, clock)
    settle(small, clock)
    view = shown(small)
    driver = SlackDriver(small_server, standin, small)

    queue = "\n".join(driver.command("queue"))
    rows = [line for line in queue.splitlines() if line.startswith("*#")]
    assert len(rows) == 20  # the queue's page
    for line in rows:
        case_id = int(line[2:].split("*", 1)[0])
        assert ("in roll-up" in line) == (case_id in view.rolled), line

    driver.open_home()
    home = standin.home_view("U0AGENT01")
    assert home is not None
    listed = {b["block_id"] for b in home.payload["blocks"]}
    first_fifteen = sorted(view.cases)[:15]
    assert {f"home:queue:{i}" for i in first_fifteen} <= listed
    assert any(i in view.rolled for i in first_fifteen)
    assert f"Team queue · {CROWD} unclaimed" in str(home.payload["blocks"])
