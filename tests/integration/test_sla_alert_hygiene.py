"""Alerts people trust (issue 12, item 7), end to end on a manual clock: cases arrive through the signed
webhook (or `socialdesk ingest`), the real `sla-scan` job runs, and what people see is read back from
the Slack stand-in.

- spam and no-reply cases never nudge, breach or page, even when an old row still has a check time;
- only the priorities a team pages for (default P1, P2) page the duty leads;
- during a spike, one breach message per channel and one page per window, updated, not re-posted;
- cases of a running crisis are alerted in its war room;
- history (old posts, `--historical`) opens cases that never alert and are no early-warning spike.

Priorities come from keyword rules in the config, so the tests do not depend on the triage model.
"""

from __future__ import annotations

import json
import re
import threading
from collections import Counter
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from sqlmodel import Session, col, select
from typer.testing import CliRunner

from socialdesk.app import Runtime
from socialdesk.cli import cli
from socialdesk.clock import ManualClock, as_utc
from socialdesk.config import (
    CategoryRule,
    Config,
    PriorityRule,
    PriorityWhen,
    Roles,
    RouteMatch,
    Routing,
    RoutingRule,
    load_config,
)
from socialdesk.domain.enums import CaseStatus, Category, Priority
from socialdesk.domain.models import Case, Notice, OutboxMessage
from socialdesk.ingest import inbox
from socialdesk.ingest.history import HISTORY_SOURCE
from socialdesk.ingest.jsonl_import import import_lines
from socialdesk.sla.scanner import ScanReport, SlaScanner
from socialdesk.slack.transport.notifier import OutboxNotifier
from socialdesk.standin import SlackStandin
from socialdesk.standin.models import StoredMessage
from socialdesk.store.db import writer
from tests.conftest import SAMPLE_CONFIG
from tests.integration.helpers import generic_mention, post_generic, settle
from tests.integration.sla_helpers import (
    PRIYA,
    alerts,
    at,
    blocks_text,
    card,
    header,
    notices,
    outbox_keys,
    post_cases,
    scan,
    stored,
    thread,
)
from tests.integration.slack_driver import SlackDriver

ROOM = "outage-1-login-failures-in-eu"  # the shipped service-outage playbook's war room for crisis 1
P1_TEXT = "this charger is unsafe, it sparked when I plugged it in"
P2_TEXT = "total outage again, nothing loads for me"
P3_TEXT = "where is my parcel? ordered two weeks ago"
P4_TEXT = "what are your opening hours on sunday?"
BILLING_P4 = "what is your refund policy for gift cards?"
SPAM_TEXT = "crypto giveaway!! outage-proof gains, click the link"


@pytest.fixture
def config() -> Config:
    base = load_config(SAMPLE_CONFIG)  # Reddit (the helpers' platform): 60 min to the first response
    priority_rules = [
        PriorityRule(priority=Priority.P1, when=PriorityWhen(keywords_any=["unsafe"]), label="safety"),
        PriorityRule(priority=Priority.P2, when=PriorityWhen(keywords_any=["outage"]), label="outage"),
        PriorityRule(priority=Priority.P3, when=PriorityWhen(keywords_any=["parcel"]), label="delivery"),
        PriorityRule(
            priority=Priority.P4,
            when=PriorityWhen(keywords_any=["opening hours", "refund policy", "crypto"]),
            label="routine question",
        ),
    ]
    routing = Routing(
        default_team="support",
        rules=[RoutingRule(name="money", match=RouteMatch(keywords_any=["refund"]), team="billing")],
    )
    return base.model_copy(
        update={
            "roles": Roles(leads=[PRIYA]),
            "duty_leads": [PRIYA],
            "priority_rules": priority_rules,
            "category_rules": [CategoryRule(category=Category.SPAM, keywords_any=["crypto giveaway"])],
            "routing": routing,
        }
    )


@pytest.fixture
def slack(server: str, standin: SlackStandin, runtime: Runtime) -> SlackDriver:
    return SlackDriver(server, standin, runtime)


def case_links(message: StoredMessage) -> Counter[int]:
    """Cases a grouped alert lists (each links to its card, or is named in the "...and N more" line)."""
    return Counter(int(n) for n in re.findall(r"#(\d+)\b", blocks_text(message)))


def sla_notices(runtime: Runtime, case_id: int) -> list[str]:
    return [k for k in notices(runtime) if k.startswith(f"sla:{case_id}:")]


def set_rows(runtime: Runtime, changes: dict[int, dict[str, object]]) -> None:
    """Change case rows directly, as an old release or a triage correction would have left them."""
    with Session(writer(runtime.engine)) as session:
        for case_id, fields in changes.items():
            case = session.get(Case, case_id)
            assert case is not None
            for name, value in fields.items():
                setattr(case, name, value)
            session.add(case)
        session.commit()


def messages(standin: SlackStandin, channel: str) -> list[StoredMessage]:
    try:
        return standin.messages(channel)
    except LookupError:  # never posted to
        return []


def sla_messages(standin: SlackStandin, channel: str) -> list[StoredMessage]:
    return alerts(standin, channel) + alerts(standin, channel, head="sla:page:head")


def updates_of(standin: SlackStandin, head: str) -> int:
    """chat.update calls that redrew a grouped alert (`sla:head` breaches, `sla:page:head` pages)."""
    return sum(
        1
        for call in standin.calls_to("chat.update")
        if (call.args.get("blocks") or [{}])[0].get("block_id") == head
    )


# --- 1. spam and no-reply cases ------------------------------------------------------------------


def test_spam_and_no_reply_cases_never_nudge_breach_or_page(
    server: str, runtime: Runtime, clock: ManualClock, standin: SlackStandin
) -> None:
    t0 = clock.now()
    spam, no_reply, marked, live = post_cases(server, runtime, clock, [f"{P2_TEXT} ({n})" for n in range(4)])
    # Rows as an old release left them: the clock still scheduled (`sla_check_at` set) although the case
    # is spam, needs no reply, or was marked spam.
    set_rows(
        runtime,
        {
            spam: {"category": Category.SPAM},
            no_reply: {"needs_reply": False},
            marked: {"status": CaseStatus.SPAM, "outcome": "spam"},
        },
    )
    assert all(stored(runtime, c).sla_check_at is not None for c in (spam, no_reply, marked))
    # Spam at ingest gets no clock at all.
    [ingested_spam] = post_cases(server, runtime, clock, [SPAM_TEXT])
    assert stored(runtime, ingested_spam).category is Category.SPAM
    assert stored(runtime, ingested_spam).sla_check_at is None
    assert "no SLA clock" in blocks_text(card(standin, ingested_spam))

    nudged = at(runtime, clock, t0 + timedelta(minutes=48))
    assert nudged.nudges == 1 and nudged.no_clock == 2 and nudged.finished == 1
    assert at(runtime, clock, t0 + timedelta(minutes=61)).breaches == 1
    assert at(runtime, clock, t0 + timedelta(minutes=90)).pages == 1
    assert at(runtime, clock, t0 + timedelta(hours=5)).looked_at == 0

    quiet = (spam, no_reply, marked, ingested_spam)
    for case_id in quiet:
        assert sla_notices(runtime, case_id) == []
        assert stored(runtime, case_id).sla_check_at is None and stored(runtime, case_id).sla_level == "ok"
        assert not any("at risk" in line for line in thread(standin, case_id))
        assert "🟧" not in header(card(standin, case_id)) and "🟥" not in header(card(standin, case_id))
    assert sla_notices(runtime, live) == [f"sla:{live}:at_risk", f"sla:{live}:breached", f"sla:{live}:paged"]
    for message in sla_messages(standin, "social-support") + sla_messages(standin, "social-duty"):
        assert set(case_links(message)) == {live}, blocks_text(message)


# --- 2. which priorities page ----------------------------------------------------------------------


def test_only_p1_and_p2_page_the_duty_lead_by_default(
    server: str, runtime: Runtime, clock: ManualClock, standin: SlackStandin
) -> None:
    t0 = clock.now()
    p1, p2, p3, p4 = post_cases(server, runtime, clock, [P1_TEXT, P2_TEXT, P3_TEXT, P4_TEXT])
    assert [stored(runtime, c).priority for c in (p1, p2, p3, p4)] == list(Priority)

    assert at(runtime, clock, t0 + timedelta(minutes=61)).breaches == 4  # every priority breaches
    [breach] = alerts(standin, "social-support")
    assert set(case_links(breach)) == {p1, p2, p3, p4}
    report = at(runtime, clock, t0 + timedelta(minutes=90))
    assert report.pages == 2
    [page] = alerts(standin, "social-duty", head="sla:page:head")
    assert set(case_links(page)) == {p1, p2} and f"<@{PRIYA}>" in blocks_text(page)
    # P3 and P4 stop at breached: nothing is left to watch on them, and their cards say nothing of a page.
    for case_id in (p3, p4):
        case = stored(runtime, case_id)
        assert case.sla_level == "breached" and case.sla_check_at is None
        assert sla_notices(runtime, case_id) == [f"sla:{case_id}:breached"]
        assert "duty lead paged" not in blocks_text(card(standin, case_id))
    assert "duty lead paged" in blocks_text(card(standin, p1))
    assert at(runtime, clock, t0 + timedelta(hours=6)).pages == 0


def test_a_team_sets_its_own_paging_priorities(
    server: str, runtime: Runtime, clock: ManualClock, standin: SlackStandin, config: Config
) -> None:
    # Billing pages for everything, support for nothing; set on the config the runtime was built from.
    teams = [
        t.model_copy(update={"page_priorities": list(Priority) if t.name == "billing" else []})
        if t.name in ("billing", "support")
        else t
        for t in config.teams
    ]
    own = config.model_copy(update={"teams": teams})
    scanner = SlaScanner(engine=runtime.engine, config=own, clock=clock, notifier=OutboxNotifier(own))
    t0 = clock.now()
    billing_question, support_p1 = post_cases(server, runtime, clock, [BILLING_P4, P1_TEXT])
    assert stored(runtime, billing_question).team == "billing"
    assert stored(runtime, billing_question).priority is Priority.P4
    assert stored(runtime, support_p1).priority is Priority.P1

    clock.set(t0 + timedelta(minutes=61))
    assert scanner.scan().breaches == 2
    clock.set(t0 + timedelta(minutes=90))
    assert scanner.scan().pages == 1
    settle(runtime, clock)
    [page] = alerts(standin, "social-duty", head="sla:page:head")
    assert set(case_links(page)) == {billing_question}
    assert stored(runtime, support_p1).sla_level == "breached"


# --- 3. one message per channel per window during a spike ---------------------------------------------


def test_a_spike_updates_one_breach_alert_and_one_page_per_window(
    server: str, runtime: Runtime, clock: ManualClock, standin: SlackStandin
) -> None:
    t0 = clock.now()
    cases: list[int] = []
    for minute in range(15):  # one outage report a minute for a quarter of an hour
        clock.set(t0 + timedelta(minutes=minute))
        cases += post_cases(server, runtime, clock, [f"{P2_TEXT} (report {minute})"])
    # Scans every minute from the first breach (minute 60) until the last page (minute 104).
    for minute in range(60, 106):
        at(runtime, clock, t0 + timedelta(minutes=minute, seconds=30))

    # Breaches at 60..74: the first message collects 60..69 (ten minutes), the next one 70..74.
    first, second = alerts(standin, "social-support")
    assert "10 cases breached their first-response target" in blocks_text(first)
    assert "5 cases breached their first-response target" in blocks_text(second)
    assert case_links(first) + case_links(second) == Counter(cases)  # each case once, in one message
    assert set(case_links(first)) == set(cases[:10])
    assert "are added to this message" in blocks_text(first)  # the reader knows it is a live list
    assert updates_of(standin, "sla:head") == 9 + 4  # each later scan of a window redrew its message
    # Pages at 90..104, the same way, in the duty channel; the leads are mentioned on each new message.
    page_one, page_two = alerts(standin, "social-duty", head="sla:page:head")
    assert "10 cases are still waiting" in blocks_text(page_one)
    assert "5 cases are still waiting" in blocks_text(page_two)
    assert case_links(page_one) + case_links(page_two) == Counter(cases)
    assert all(f"<@{PRIYA}>" in blocks_text(p) for p in (page_one, page_two))
    assert updates_of(standin, "sla:page:head") == 9 + 4
    # One notice per alert and per message, one post per message: 4 posts in 45 minutes, not 30.
    keys = notices(runtime)
    assert [k for k in keys if k.startswith("sla-")] == [
        "sla-breach:#social-support:1",
        "sla-breach:#social-support:2",
        "sla-page:#social-duty:1",
        "sla-page:#social-duty:2",
    ]
    levels = Counter(k.rsplit(":", 1)[1] for k in keys if k.startswith("sla:"))
    assert levels["breached"] == levels["paged"] == 15
    assert len(outbox_keys(runtime, "sla-breach:")) == 2 and len(outbox_keys(runtime, "sla-page:")) == 2


def test_the_window_holds_across_a_restart_and_concurrent_scans(
    server: str, runtime: Runtime, clock: ManualClock, standin: SlackStandin, config: Config
) -> None:
    t0 = clock.now()
    early = post_cases(server, runtime, clock, [f"{P2_TEXT} (early {n})" for n in range(3)])
    clock.set(t0 + timedelta(minutes=2))
    late = post_cases(server, runtime, clock, [f"{P2_TEXT} (late {n})" for n in range(6)])
    assert at(runtime, clock, t0 + timedelta(minutes=61)).breaches == 3
    [message] = alerts(standin, "social-support")

    # A restart (new scanners, nothing in memory) with four replicas scanning at the same moment.
    clock.set(t0 + timedelta(minutes=63))
    scanners = [
        SlaScanner(engine=runtime.engine, config=config, clock=clock, notifier=OutboxNotifier(config))
        for _ in range(4)
    ]
    reports: list[ScanReport] = []
    errors: list[BaseException] = []

    def run(scanner: SlaScanner) -> None:
        try:
            reports.append(scanner.scan())
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=run, args=(s,)) for s in scanners]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    assert sum(r.breaches for r in reports) == 6
    settle(runtime, clock)

    [updated] = alerts(standin, "social-support")  # still one message: the same one, updated
    assert updated.ts == message.ts and updated.edited_ts is not None
    assert case_links(updated) == Counter(early + late)
    assert "9 cases breached" in blocks_text(updated)
    assert [k for k in notices(runtime) if k.startswith("sla-")] == ["sla-breach:#social-support:1"]
    with Session(runtime.engine) as session:
        rows = session.exec(select(OutboxMessage)).all()
    grouped = [r for r in rows if r.dedupe_key.startswith(("sla-breach:", "sla-update:"))]
    assert all(r.status.value == "sent" for r in grouped)
    assert Counter(r.method for r in grouped) == Counter({"chat.postMessage": 1, "chat.update": 1})


# --- 4. a running crisis's cases alert in its war room --------------------------------------------------


def test_cases_of_a_running_crisis_alert_in_its_war_room(
    server: str, runtime: Runtime, clock: ManualClock, standin: SlackStandin, slack: SlackDriver
) -> None:
    answers = slack.command(
        "start service-outage sev2 Login failures in EU",
        user=PRIYA,
        slash="/crisis",
        channel_name="social-duty",
    )
    assert any("Crisis 1 started" in a for a in answers), answers
    settle(runtime, clock)
    t0 = clock.now()
    [in_crisis] = post_cases(server, runtime, clock, ["outage: login fails for me since this morning"])
    [elsewhere] = post_cases(server, runtime, clock, [P1_TEXT])
    assert stored(runtime, in_crisis).crisis_id == 1 and stored(runtime, elsewhere).crisis_id is None
    card(standin, in_crisis, ROOM)  # its card is in the war room

    # The playbook's own target: 15 minutes to the first response, paged at 22.5.
    at(runtime, clock, t0 + timedelta(minutes=12, seconds=30))
    assert any("at risk" in line for line in thread(standin, in_crisis, ROOM))
    assert at(runtime, clock, t0 + timedelta(minutes=16)).breaches == 1
    assert at(runtime, clock, t0 + timedelta(minutes=23)).pages == 1
    [room_breach] = alerts(standin, ROOM)
    [room_page] = alerts(standin, ROOM, head="sla:page:head")
    assert set(case_links(room_breach)) == {in_crisis} and set(case_links(room_page)) == {in_crisis}
    assert f"<@{PRIYA}>" in blocks_text(room_page)
    assert "team support" in blocks_text(room_breach)
    # The case outside the crisis is alerted where it always was.
    at(runtime, clock, t0 + timedelta(minutes=61))
    at(runtime, clock, t0 + timedelta(minutes=91))
    [team_breach] = alerts(standin, "social-support")
    [duty_page] = alerts(standin, "social-duty", head="sla:page:head")
    assert set(case_links(team_breach)) == {elsewhere} and set(case_links(duty_page)) == {elsewhere}


def test_once_the_crisis_ended_its_cases_alert_in_the_usual_channels(
    server: str, runtime: Runtime, clock: ManualClock, standin: SlackStandin, slack: SlackDriver
) -> None:
    slack.command("start service-outage sev2 Login failures in EU", user=PRIYA, slash="/crisis")
    settle(runtime, clock)
    t0 = clock.now()
    [tagged] = post_cases(server, runtime, clock, ["outage: login fails for me since this morning"])
    assert stored(runtime, tagged).crisis_id == 1
    clock.set(t0 + timedelta(minutes=5))
    answers = slack.command("end Login restored for everyone", user=PRIYA, slash="/crisis", channel_name=ROOM)
    assert any("Crisis 1 ended" in a for a in answers), answers
    settle(runtime, clock)

    assert at(runtime, clock, t0 + timedelta(minutes=16)).breaches == 1
    assert at(runtime, clock, t0 + timedelta(minutes=23)).pages == 1
    assert set(case_links(alerts(standin, "social-support")[0])) == {tagged}
    assert set(case_links(alerts(standin, "social-duty", head="sla:page:head")[0])) == {tagged}
    assert sla_messages(standin, ROOM) == []


# --- 5. history never alerts ---------------------------------------------------------------------------

HISTORY_TEXTS = [  # (text, weight): P1 and P2 get cards, P3 and P4 roll up; most are about an outage
    ("total outage, the app is down and nothing works, awful #{n}", 2),
    ("this charger is unsafe and your app is down, furious #{n}", 1),
    ("where is my parcel? your tracking page is down too, really annoyed #{n}", 5),
    ("what are your opening hours on sunday? the site is down #{n}", 5),
    ("what is your refund policy for gift cards? #{n}", 3),
    ("crypto giveaway!! click now #{n}", 2),
    ("thanks for sorting my order so quickly, lovely people #{n}", 2),
]


def history_lines(now: datetime, count: int) -> list[str]:
    """`count` posts by as many customers, posted between 2 and 30 days before `now`."""
    weighted = [text for text, weight in HISTORY_TEXTS for _ in range(weight)]
    lines = []
    for n in range(count):
        posted = now - timedelta(days=2 + n % 28, minutes=n)
        payload = generic_mention(
            f"old-{n}",
            weighted[n % len(weighted)].format(n=n),
            platform="x",
            handle=f"past{n}",
            created_at=posted,
        )
        lines.append(json.dumps(payload))
    return lines


def only_cards(standin: SlackStandin, channel: str) -> list[StoredMessage]:
    """The channel's messages, each a case card or a flood roll-up, none with a thread reply."""
    found = messages(standin, channel)
    for message in found:
        first = (message.blocks or [{}])[0].get("block_id", "")
        assert re.fullmatch(r"case:\d+:header|rollup:\d+:header", first), blocks_text(message)
        assert message.replies == [], [r.text for r in message.replies]
    return found


# An import of a few hundred old tweets (the report that led here was 1,014; the size is not the point,
# what counts is that it is far past every threshold): ten times the flood's 20 cards a minute, dozens of
# P1/P2 cases that would each page, an outage topic far past the early warning's minimum.
IMPORTED = 300


def test_importing_hundreds_of_old_tweets_pages_nobody(
    runtime: Runtime, clock: ManualClock, standin: SlackStandin
) -> None:
    assert "crisis-early-warning" in runtime.jobs  # the shipped playbooks watch "down", "outage", "login"
    t0 = clock.now()
    report = import_lines(
        runtime.settings, runtime.config, history_lines(t0, IMPORTED), plugins=runtime.plugins, clock=clock
    )
    assert report.accepted == IMPORTED and report.cases_opened == IMPORTED and report.followups == 0
    settle(runtime, clock)  # the cards (and roll-ups) reach Slack
    with Session(runtime.engine) as session:
        cases = session.exec(select(Case)).all()
    assert len(cases) == IMPORTED and all(c.historical and c.sla_check_at is None for c in cases)
    high = sum(c.priority in (Priority.P1, Priority.P2) for c in cases)
    assert high >= 45, high  # pages galore, if it alerted: every "outage" and "unsafe" post at least

    warning = runtime.jobs["crisis-early-warning"]
    for minutes in (0, 1, 5, 15, 30, 60, 90, 120, 24 * 60):
        clock.set(max(clock.now(), t0 + timedelta(minutes=minutes)))
        assert scan(runtime).looked_at == 0
        assert warning.func().warnings == 0  # type: ignore[union-attr]
        settle(runtime, clock)

    assert notices(runtime) == []  # no nudge, breach, page, early warning or reach warning was claimed
    assert messages(standin, "social-duty") == [] and messages(standin, "social-managers") == []
    carded = sum(len(only_cards(standin, f"social-{team}")) for team in ("support", "billing"))
    assert carded > 0
    assert standin.calls_to("chat.postMessage") and all(
        not call.args.get("thread_ts") for call in standin.calls_to("chat.postMessage")
    )


def test_old_posts_and_historical_imports_open_cases_without_an_sla_clock(
    server: str,
    runtime: Runtime,
    clock: ManualClock,
    standin: SlackStandin,
    database_url: str,
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
) -> None:
    t0 = clock.now()
    # Through the webhook: 23 hours old is late but live (it breaches and pages at once); 25 is history.
    post_generic(server, generic_mention("late", P2_TEXT, handle="late", created_at=t0 - timedelta(hours=23)))
    post_generic(server, generic_mention("old", P2_TEXT, handle="old", created_at=t0 - timedelta(hours=25)))
    settle(runtime, clock)
    # `--historical`: even a post from a minute ago is history, whichever process drains it.
    import_lines(
        runtime.settings,
        runtime.config,
        [
            json.dumps(
                generic_mention("imported", P2_TEXT, handle="imp", created_at=t0 - timedelta(minutes=1))
            )
        ],
        plugins=runtime.plugins,
        historical=True,
        clock=clock,
    )
    fresh = json.dumps(generic_mention("queued", P2_TEXT, handle="queued", created_at=clock.now()))
    inbox.accept(
        runtime.engine,
        source=HISTORY_SOURCE,
        body=fresh.encode(),
        content_type="application/json",
        now=clock.now(),
    )
    settle(runtime, clock)  # the server's own pipeline takes the history item

    with Session(runtime.engine) as session:
        by_handle = {c.author_handle: c for c in session.exec(select(Case))}
    late, old, imported, queued = (by_handle[h] for h in ("late", "old", "imp", "queued"))
    assert not late.historical and late.sla_check_at is not None
    for case in (old, imported, queued):
        assert case.historical and case.sla_check_at is None, case.author_handle
        assert "History · no SLA clock" in blocks_text(card(standin, case.id or 0))

    report = at(runtime, clock, clock.now() + timedelta(minutes=1))
    assert report.breaches == 1 and report.pages == 1 and report.looked_at == 1
    at(runtime, clock, clock.now() + timedelta(hours=3))
    for case in (old, imported, queued):
        assert sla_notices(runtime, case.id or 0) == []
    assert [set(case_links(m)) for m in sla_messages(standin, "social-support")] == [{late.id}]

    # The command line: `socialdesk ingest --historical FILE`.
    path = tmp_path / "history.jsonl"
    path.write_text(
        json.dumps(generic_mention("cli", P2_TEXT, handle="cli", created_at=datetime.now(t0.tzinfo))) + "\n"
    )
    monkeypatch.setenv("DATABASE_URL", database_url)
    monkeypatch.setenv("SOCIALDESK_CONFIG", str(SAMPLE_CONFIG))
    result = CliRunner().invoke(cli, ["ingest", "--historical", str(path)])
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout.strip().splitlines()[-1])["cases_opened"] == 1
    with Session(runtime.engine) as session:
        cli_case = session.exec(select(Case).where(Case.author_handle == "cli")).one()
    assert cli_case.historical and cli_case.sla_check_at is None
    with Session(runtime.engine) as session:
        assert session.exec(select(Notice).where(col(Notice.case_id) == cli_case.id)).all() == []
    assert as_utc(cli_case.opened_at) <= datetime.now(t0.tzinfo)
