"""Every plugin kind through a running socialdesk: a signed webhook in, the card on the Slack stand-in,
a `/social` subcommand, a job, case events; and a broken plugin that leaves the mention untouched."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import httpx
import pytest
from sqlmodel import Session, select

from socialdesk.app import Runtime, build_runtime
from socialdesk.clock import ManualClock
from socialdesk.config import Config
from socialdesk.domain.models import Case
from socialdesk.plugins import (
    CardSection,
    CaseEvent,
    CaseFacts,
    Command,
    CommandCall,
    CommandError,
    Enricher,
    Enrichment,
    EventObserver,
    Job,
    JobRun,
    MentionFacts,
    Plugin,
    PriorityChange,
)
from socialdesk.standin import SlackStandin
from socialdesk.testing.signing import AGENT
from tests import support
from tests.conftest import make_settings
from tests.integration.helpers import generic_mention, post_generic, post_slack, settle


class VipEnricher(Enricher):
    name = "vip"
    order = 10

    def enrich(self, mention: MentionFacts) -> Enrichment | None:
        if mention.author_handle != "casey":
            return None
        return Enrichment(
            tags=("vip",),
            fields={"tier": "gold <!channel>"},
            priority=PriorityChange(to="P1", reason="VIP customer (gold tier)"),
        )


class VipSection(CardSection):
    name = "vip"
    title = "CRM"

    def fields(self, case: CaseFacts) -> list[tuple[str, str]]:
        tier = case.enrichment.get("crm", {}).get("tier")
        return [("Tier", tier)] if tier else []


class VipCommand(Command):
    name = "vip"
    usage = "/social vip <case>"
    summary = "the customer's CRM tier"

    def run(self, call: CommandCall) -> str:
        if not call.args:
            raise CommandError("Which case?")
        case = call.case(call.args[0])
        if case is None:
            raise CommandError(f"No case {call.args[0]}.")
        return (
            f"#{case.number}: tags {', '.join(case.tags) or 'none'}; {case.priority} ({case.priority_reason})"
        )


class NightlyExport(Job):
    id = "export"
    every = timedelta(hours=24)

    def run(self, run: JobRun) -> None:
        run.notify(f"export:{run.now.date()}", f"CRM export for {run.now.date()} done")


class Recorder(EventObserver):
    name = "recorder"

    def __init__(self) -> None:
        self.events: list[CaseEvent] = []

    def on_event(self, event: CaseEvent) -> None:
        self.events.append(event)


class Exploding(Enricher):
    name = "explodes"
    order = 5

    def enrich(self, mention: MentionFacts) -> Enrichment | None:
        raise RuntimeError("crm timeout")


RECORDER = Recorder()


def crm_plugin() -> Plugin:
    return Plugin(
        name="crm",
        version="1.0.0",
        build=lambda _s, _h: [VipEnricher(), VipSection(), VipCommand(), NightlyExport(), RECORDER],
    )


@pytest.fixture
def plugged(
    database_url: str, standin: SlackStandin, clock: ManualClock, config: Config
) -> Iterator[tuple[Runtime, str]]:
    RECORDER.events.clear()
    broken = Plugin(name="flaky", version="0.1", build=lambda _s, _h: [Exploding()])
    rt = build_runtime(
        make_settings(database_url, standin.url),
        clock=clock,
        config=config,
        migrate=False,
        plugins=[crm_plugin(), broken],
    )
    with support.live_server(rt.http) as url:
        yield rt, url
    rt.close()


def _case(rt: Runtime) -> Case:
    with Session(rt.engine) as session:
        return session.exec(select(Case)).one()


def _card_json(rt: Runtime, standin: SlackStandin, case: Case) -> str:
    assert case.slack_channel is not None
    cards = [m for m in standin.messages(case.slack_channel) if m.ts == case.slack_ts]
    return json.dumps(cards[0].blocks)


def _answers(standin: SlackStandin) -> list[dict[str, Any]]:
    return [call.args for call in standin.calls_to("response_url")]


def test_every_kind_works_and_a_broken_enricher_loses_nothing(
    plugged: tuple[Runtime, str], standin: SlackStandin, clock: ManualClock, config: Config
) -> None:
    rt, url = plugged
    mention = generic_mention("p1", "Where is my refund? Ordered 3 weeks ago.", created_at=clock.now())
    assert post_generic(url, mention).status_code == 200
    settle(rt, clock)

    # The broken enricher ran first and was switched off; the mention became a case all the same,
    # enriched by the working plugin: tags, fields, and the priority with its reason.
    case = _case(rt)
    assert case.priority.value == "P1"
    assert case.priority_reason == "VIP customer (gold tier)"
    assert case.enrichment == {
        "crm": {"tags": ["vip"], "fields": {"tier": "gold <!channel>"}, "priority": "P1"}
    }
    card = _card_json(rt, standin, case)
    assert "`vip`" in card
    assert "*CRM*" in card and "gold &lt;!channel&gt;" in card  # plugin text is escaped like customer text
    assert "VIP customer (gold tier)" in card

    flaky = next(r for r in rt.plugins.records if r.name == "flaky")
    assert flaky.status == "failed"
    assert flaky.problems == ["enrich raised RuntimeError: crm timeout"]
    duty = [m.text for m in standin.messages(config.duty_channel)]
    assert sum("Plugin *flaky* was switched off" in t for t in duty) == 1
    ready = httpx.get(f"{url}/readyz").json()
    assert ready["ok"] is True
    assert ready["plugins"]["flaky"]["status"] == "failed"
    assert ready["plugins"]["crm"] == {"status": "active"}
    metrics = httpx.get(f"{url}/metrics").text
    assert 'socialdesk_plugin_errors_total{hook="enrich",plugin="flaky"} 1.0' in metrics

    # A second mention: nothing more is reported about the plugin that is already off.
    post_generic(url, generic_mention("p2", "Thanks, all sorted!", handle="robin", created_at=clock.now()))
    settle(rt, clock)
    assert sum("flaky" in m.text for m in standin.messages(config.duty_channel)) == 1

    # The subcommand: listed in help, answered privately, its CommandError shown with the usage.
    post_slack(
        url, support.slash_command_body("/social", f"vip #{case.id}", response_url=standin.response_url("a"))
    )
    post_slack(url, support.slash_command_body("/social", "vip", response_url=standin.response_url("b")))
    post_slack(url, support.slash_command_body("/social", "help", response_url=standin.response_url("c")))
    rt.wait_for_listeners()
    answers = {a["text"].split("\n")[0][:40]: a for a in _answers(standin)}
    texts = [a["text"] for a in _answers(standin)]
    assert all(a["response_type"] == "ephemeral" for a in answers.values())
    assert f"#{case.id}: tags vip; P1 (VIP customer (gold tier))" in texts
    assert "Which case?\nUsage: `/social vip <case>`" in texts
    assert any("/social vip <case>`: the customer's CRM tier" in json.dumps(a) for a in _answers(standin))

    # The job: scheduled under the plugin's name; its notice goes out once however often it runs.
    job = rt.jobs["plugin:crm:export"]
    assert job.leader_only and job.every_seconds == 24 * 3600
    job.func()
    job.func()
    settle(rt, clock)
    exports = [m.text for m in standin.messages(config.duty_channel) if "CRM export" in m.text]
    assert exports == [f"CRM export for {clock.now().date()} done"]

    # Events: told after commit, once settled, in order; the claim by the agent who made it.
    post_slack(
        url, support.slash_command_body("/social", f"claim {case.id}", response_url=standin.response_url("d"))
    )
    rt.wait_for_listeners()
    clock.advance(timedelta(seconds=10))
    rt.jobs["plugin-events"].func()
    assert [(e.kind, e.case) for e in RECORDER.events] == [
        ("opened", case.id),
        ("opened", case.id + 1),
        ("claimed", case.id),
    ]
    assert RECORDER.events[-1].actor == AGENT
    rt.jobs["plugin-events"].func()  # nothing new: nothing told twice
    assert len(RECORDER.events) == 3
