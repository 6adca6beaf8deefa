"""The outbox's table of renderers: plugin card sections on a posted card (the composition root decorates
the view), an unknown render kind failing its row for good without holding up the others, and a
claim's card update sent as soon as the claim commits (the sender is woken, not polled)."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator, Sequence
from datetime import datetime, timedelta

import pytest
from sqlmodel import Session, select

from socialdesk.app import Runtime, build_runtime
from socialdesk.clock import ManualClock
from socialdesk.config import Config
from socialdesk.domain.enums import OutboxStatus
from socialdesk.domain.models import Case, OutboxMessage
from socialdesk.outbox.queue import RENDER_CASE_CARD, enqueue
from socialdesk.outbox.renderers import RenderTable
from socialdesk.plugins import CardSection, Plugin
from socialdesk.plugins.kinds import CaseFacts
from socialdesk.slack.ids import ActionId
from socialdesk.standin import SlackStandin
from tests.conftest import make_settings
from tests.integration.digest_seed import add_case
from tests.integration.slack_driver import SlackDriver

SUPPORT = "#social-support"


class LoyaltySection(CardSection):
    name = "loyalty"
    title = "Loyalty"

    def fields(self, case: CaseFacts) -> Sequence[tuple[str, str]]:
        return [("Tier", "Gold"), ("Since", "2019")]


def _open_case(runtime: Runtime, clock: ManualClock) -> int:
    """A case and its card queued, as ingest leaves them."""
    with Session(runtime.engine) as session:
        case = add_case(session, opened=clock.now(), text="My order never came")
        session.commit()
        assert case.id is not None
        enqueue(
            session,
            dedupe_key=f"card:{case.id}",
            method="chat.postMessage",
            channel=SUPPORT,
            payload={"render": RENDER_CASE_CARD},
            case_id=case.id,
            now=clock.now(),
        )
        session.commit()
        return case.id


def _rows(runtime: Runtime) -> list[OutboxMessage]:
    with Session(runtime.engine) as session:
        return list(session.exec(select(OutboxMessage).order_by(OutboxMessage.id)).all())  # type: ignore[arg-type]


@pytest.fixture
def with_section(
    database_url: str, standin: SlackStandin, clock: ManualClock, config: Config
) -> Iterator[Runtime]:
    plugin = Plugin(name="loyalty", version="1.0", build=lambda settings, host: [LoyaltySection()])
    runtime = build_runtime(
        make_settings(database_url, standin.url),
        clock=clock,
        config=config,
        migrate=False,
        plugins=[plugin],
        use_entry_points=False,
    )
    yield runtime
    runtime.close()


def test_a_plugin_card_section_is_on_the_posted_card(
    with_section: Runtime, standin: SlackStandin, clock: ManualClock
) -> None:
    _open_case(with_section, clock)
    assert with_section.outbox.drain().sent == 1
    [card] = standin.messages("social-support")
    blocks = json.dumps(card.blocks)
    assert "*Loyalty*" in blocks and "Tier" in blocks and "Gold" in blocks


def test_an_unknown_render_kind_fails_its_row_for_good_and_the_rest_goes_out(
    runtime: Runtime, standin: SlackStandin, clock: ManualClock
) -> None:
    with Session(runtime.engine) as session:
        enqueue(
            session,
            dedupe_key="mystery",
            method="chat.postMessage",
            channel="#social-billing",
            payload={"render": "hologram"},
            now=clock.now(),
        )
        session.commit()
    _open_case(runtime, clock)
    report = runtime.outbox.drain()
    assert report.dead == 1 and report.sent == 1
    mystery, card = _rows(runtime)
    assert mystery.status is OutboxStatus.DEAD and mystery.attempts == 1
    assert mystery.last_error == "render: unknown render kind 'hologram' (no feature registered it)"
    assert card.status is OutboxStatus.SENT
    assert len(standin.messages("social-support")) == 1


def test_a_kind_is_registered_once() -> None:
    table = RenderTable()
    table.register("card", lambda session, item, now: {})
    with pytest.raises(ValueError, match="registered twice"):
        table.register("card", lambda session, item, now: {})


def test_a_claim_wakes_the_sender_when_it_commits(
    server: str, runtime: Runtime, standin: SlackStandin, clock: ManualClock
) -> None:
    case_id = _open_case(runtime, clock)
    runtime.outbox.drain()
    runtime.outbox.woken.clear()
    clock.advance(timedelta(seconds=2))  # past the channel's pacing after the card
    answers = SlackDriver(server, standin, runtime).click(case_id, ActionId.CLAIM)
    assert answers == [f"You claimed #{case_id}."]
    assert runtime.outbox.woken.is_set()
    pending = [row for row in _rows(runtime) if row.status is OutboxStatus.PENDING]
    assert "chat.update" in {row.method for row in pending}  # committed before the wake


def test_a_claims_card_update_goes_out_without_waiting_for_the_poll(
    server: str, runtime: Runtime, standin: SlackStandin, clock: ManualClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    case_id = _open_case(runtime, clock)
    runtime.outbox.drain()
    clock.advance(timedelta(seconds=2))
    updated = threading.Event()
    first_pass = threading.Event()
    step = runtime.outbox_step

    def watched_step() -> datetime | None:
        next_due = step()
        if standin.calls_to("chat.update"):
            updated.set()
        first_pass.set()
        return next_due

    monkeypatch.setattr(runtime, "outbox_step", watched_step)
    runtime.outbox_poll_seconds = 3600.0  # a pass after the first one can only come from a wake
    runtime.start_workers()
    assert first_pass.wait(timeout=10)
    assert not updated.is_set()
    SlackDriver(server, standin, runtime).click(case_id, ActionId.CLAIM)
    assert updated.wait(timeout=10), "the card update waited for the poll"
    with Session(runtime.engine) as session:
        case = session.get(Case, case_id)
        assert case is not None and case.assignee == "U0AGENT01"
