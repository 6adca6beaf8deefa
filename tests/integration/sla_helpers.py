"""Shared steps for the SLA integration tests: open cases through the signed webhook, run a scan, and
read cards, threads and alerts back from the Slack stand-in."""

from __future__ import annotations

import itertools
import json
from datetime import datetime
from typing import Any

from sqlmodel import Session, select

from socialdesk.app import Runtime
from socialdesk.clock import ManualClock
from socialdesk.domain.models import Case, Notice, OutboxMessage
from socialdesk.sla.scanner import ScanReport
from socialdesk.slack.ids import AlertActionId, encode_case_value
from socialdesk.standin import SlackStandin
from socialdesk.standin.models import StoredMessage
from tests.integration.helpers import generic_mention, post_generic, settle
from tests.integration.slack_driver import SlackDriver

MARIA, SAM, PRIYA = "U0AGENT01", "U0AGENT02", "U0MANAGER1"
_handles = itertools.count(1)


def post_cases(server: str, runtime: Runtime, clock: ManualClock, texts: list[str]) -> list[int]:
    """Posts one mention per text, all at the clock's current time, and returns the new case ids."""
    with Session(runtime.engine) as session:
        before = set(session.exec(select(Case.id)).all())
    for text in texts:
        n = next(_handles)
        post_generic(server, generic_mention(f"sla-{n}", text, created_at=clock.now(), handle=f"cust{n}"))
    settle(runtime, clock)
    with Session(runtime.engine) as session:
        return sorted(set(session.exec(select(Case.id)).all()) - before)  # type: ignore[type-var]


def scan(runtime: Runtime) -> ScanReport:
    report = runtime.jobs["sla-scan"].func()
    assert isinstance(report, ScanReport)
    return report


def at(runtime: Runtime, clock: ManualClock, when: datetime) -> ScanReport:
    """The clock moves to `when`, one scan runs, and whatever it queued reaches the stand-in."""
    clock.set(when)
    report = scan(runtime)
    settle(runtime, clock)
    return report


def stored(runtime: Runtime, case_id: int) -> Case:
    with Session(runtime.engine) as session:
        case = session.get(Case, case_id)
        assert case is not None
        return case


def card(standin: SlackStandin, case_id: int, channel: str = "social-support") -> StoredMessage:
    for message in standin.messages(channel):
        if message.blocks and message.blocks[0].get("block_id") == f"case:{case_id}:header":
            return message
    raise AssertionError(f"no card for #{case_id} in {channel}")


def header(message: StoredMessage) -> str:
    assert message.blocks is not None
    return str(message.blocks[0]["text"]["text"])


def blocks_text(message: StoredMessage) -> str:
    return json.dumps(message.blocks, ensure_ascii=False)


def thread(standin: SlackStandin, case_id: int, channel: str = "social-support") -> list[str]:
    return [blocks_text(reply) for reply in card(standin, case_id, channel).replies]


def alerts(standin: SlackStandin, channel: str, head: str = "sla:head") -> list[StoredMessage]:
    """Grouped SLA messages (breach: `sla:head`, page: `sla:page:head`) in a channel, oldest first."""
    return [m for m in standin.messages(channel) if m.blocks and m.blocks[0].get("block_id") == head]


def notices(runtime: Runtime) -> list[str]:
    with Session(runtime.engine) as session:
        return sorted(session.exec(select(Notice.key)).all())


def outbox_keys(runtime: Runtime, prefix: str) -> list[str]:
    with Session(runtime.engine) as session:
        keys = session.exec(select(OutboxMessage.dedupe_key)).all()
    return sorted(k for k in keys if k.startswith(prefix))


def click_snooze(slack: SlackDriver, case_id: int, *, user: str) -> list[str]:
    """The "Snooze 1 h" button on a breach alert, clicked as Slack would send it."""
    token = f"snz{next(_handles)}"
    element: dict[str, Any] = {
        "type": "button",
        "action_id": AlertActionId.SNOOZE_HOUR.value,
        "value": encode_case_value(case_id),
    }
    body = slack._action_body(element, user, token, "C0SUPPORT1")
    assert slack._post(body).status_code == 200
    return slack.answers(token)
