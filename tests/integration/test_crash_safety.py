"""Crash safety: a real `socialdesk serve` SIGKILLed at each failpoint (bot/failpoints.py) of ingest, relay,
reply and scheduled send, then restarted on the same database without it.

After the restart nothing acknowledged is lost (every webhook answered 200 has its mention and case,
every case its card) and nothing a customer or the team sees is repeated: a Slack card at most once
(counted by the outbox id in the accepted posts' metadata, and by case), a platform reply at most once
(the X stand-in's requests), a published statement at most once, a digest at most once. A reply whose
outcome the crash made unknown is reported to the agent as such, never sent again.

SQLite file by default (the restarted process opens the same file); PostgreSQL with
SOCIALDESK_TEST_DATABASE_URL. Each scenario takes a few seconds: two process starts and a few requests.
"""

from __future__ import annotations

import json
import time
from collections import Counter
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest
from sqlalchemy import insert
from sqlmodel import Session, col, select

from socialdesk.app import build_runtime
from socialdesk.clock import ManualClock
from socialdesk.domain.crisis_models import CrisisPublication
from socialdesk.domain.enums import InboxStatus, ReplyStatus
from socialdesk.domain.models import Case, InboxItem, Mention, OutboxMessage, PlatformReply
from socialdesk.ingest.inbox import body_digest
from socialdesk.settings import Settings
from socialdesk.standin import SlackStandin
from socialdesk.standin.platforms import GraphApiStandIn, XApiStandIn
from socialdesk.store.db import make_engine
from tests import support
from tests.integration.helpers import generic_mention, post_generic, post_x
from tests.integration.serve_harness import MARIA, PRIYA, SAM, Deployment, until
from tests.integration.test_replies_platforms import x_tweet

BRAND_X_ID = "1500000000000000001"  # socialdesk.example.yaml's ingest.brand_ids.x
TWEET = "1860000000000000042"


@pytest.fixture
def xapi() -> Iterator[XApiStandIn]:
    with XApiStandIn(now=time.time, user_id=BRAND_X_ID, username="acme_help") as server:
        yield server


@pytest.fixture
def graph() -> Iterator[GraphApiStandIn]:
    with GraphApiStandIn(now=time.time, app_secret=support.META_APP_SECRET) as server:
        yield server


@pytest.fixture
def deployment(
    tmp_path: Path, database_url: str, standin: SlackStandin, xapi: XApiStandIn, graph: GraphApiStandIn
) -> Iterator[Deployment]:
    made = Deployment(tmp_path, database_url, standin, xapi, graph)
    yield made
    made.stop()


def session(d: Deployment) -> Session:
    return Session(make_engine(d.database_url), expire_on_commit=False)


def mention(n: int) -> dict[str, object]:
    text = f"my parcel {n} never arrived, please help"
    return generic_mention(f"crash-{n}", text, handle=f"casey{n}", created_at=datetime.now(UTC))


def cards_by_case(d: Deployment) -> Counter[int]:
    """Accepted case-card posts per case (the outbox id in each post's metadata names the row)."""
    with session(d) as s:
        rows = s.exec(select(OutboxMessage.id, OutboxMessage.case_id, OutboxMessage.payload)).all()
    card_case = {i: c for i, c, payload in rows if payload.get("render") == "case_card" and c is not None}
    by_case: Counter[int] = Counter()
    for outbox_id, n in d.posts_by_outbox_id().items():
        if outbox_id in card_case:
            by_case[card_case[outbox_id]] += n
    return by_case


def case_ids(d: Deployment) -> list[int]:
    with session(d) as s:
        return [i for i in s.exec(select(Case.id)).all() if i is not None]


def state(d: Deployment) -> str:
    """What the database holds, for a failure message."""
    with session(d) as s:
        inbox = Counter(str(i.status) for i in s.exec(select(InboxItem)).all())
        outbox = [(o.id, o.method, str(o.status), o.last_error) for o in s.exec(select(OutboxMessage)).all()]
    return f"inbox {dict(inbox)}, cases {case_ids(d)}, outbox {outbox}, posted {dict(d.posts_by_outbox_id())}"


def assert_nothing_posted_twice(d: Deployment) -> None:
    twice = {i: n for i, n in d.posts_by_outbox_id().items() if n > 1}
    assert twice == {}, f"outbox rows posted more than once: {twice}"
    assert set(cards_by_case(d).values()) <= {1}, cards_by_case(d)


def assert_every_mention_has_one_case_and_card(d: Deployment, mention_ids: list[str]) -> None:
    def done() -> bool:
        cards = cards_by_case(d)
        return all(cards.get(c) for c in case_ids(d)) and len(case_ids(d)) >= len(mention_ids)

    try:
        until(done, "every case's card in Slack")
    except AssertionError as exc:
        raise AssertionError(f"{exc}; {state(d)}") from None
    with session(d) as s:
        stored = Counter(s.exec(select(Mention.external_id)).all())
        linked = s.exec(select(Mention.external_id).where(col(Mention.case_id).is_not(None))).all()
    assert {m: stored[m] for m in mention_ids} == dict.fromkeys(mention_ids, 1)  # none lost, none twice
    assert set(mention_ids) <= set(linked)
    assert len(case_ids(d)) == len(mention_ids)  # each mention is its own customer: one case each
    assert_nothing_posted_twice(d)


def send_until_killed(d: Deployment, payloads: list[dict[str, object]]) -> list[str]:
    """Post the mentions until the service dies; returns the ids answered 200."""
    acknowledged: list[str] = []
    for payload in payloads:
        try:
            if post_generic(d.base, payload).status_code == 200:
                acknowledged.append(str(payload["id"]))
        except httpx.TransportError:
            break  # the process died on this request (or before it)
    return acknowledged


def redeliver(d: Deployment, payloads: list[dict[str, object]]) -> None:
    """The senders retry what was not acknowledged and may redeliver the rest: all answered 200."""
    for payload in payloads:
        response = post_generic(d.base, payload)
        assert response.status_code == 200, response.text


# -- ingest -------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "point", ["webhook.after_inbox_commit", "ingest.before_commit", "ingest.after_commit"]
)
def test_ingest_killed_loses_no_acknowledged_mention_and_posts_each_card_once(
    deployment: Deployment, point: str
) -> None:
    d = deployment
    d.start(failpoint=point)
    payloads = [mention(n) for n in range(4)]
    acknowledged = send_until_killed(d, payloads)
    d.wait_killed()
    if point == "webhook.after_inbox_commit":
        assert acknowledged == []  # it dies on the first webhook, before answering
    else:
        assert acknowledged, "the webhook was answered before the worker reached the failpoint"

    d.start()
    redeliver(d, payloads)
    assert_every_mention_has_one_case_and_card(d, [str(p["id"]) for p in payloads])


def test_ingest_killed_in_the_middle_of_a_batch_works_each_row_once_after_the_restart(
    deployment: Deployment,
) -> None:
    # Several rows pending at once are worked in one transaction; the process dies after the first
    # row's case work, before the batch commits. Nothing of the batch may stay, nor be lost.
    d = deployment
    d.start(failpoint="ingest.mid_batch")
    payloads = [mention(n) for n in range(6)]
    engine = make_engine(d.database_url)
    try:
        with engine.begin() as conn:  # one commit: the loop finds all six at once
            conn.execute(
                insert(InboxItem),
                [
                    {
                        "source": "generic",
                        "received_at": datetime.now(UTC),
                        "body_sha256": body_digest(json.dumps(p).encode()),
                        "body": json.dumps(p),
                        "content_type": "application/json",
                        "status": InboxStatus.PENDING,
                        "attempts": 0,
                    }
                    for p in payloads
                ],
            )
    finally:
        engine.dispose()
    d.wait_killed()
    assert case_ids(d) == []  # the batch died uncommitted
    d.start()
    assert_every_mention_has_one_case_and_card(d, [str(p["id"]) for p in payloads])
    with session(d) as s:
        assert {(i.status, i.attempts) for i in s.exec(select(InboxItem))} == {(InboxStatus.PROCESSED, 1)}


def test_a_killed_ingest_process_is_replaced_and_loses_nothing(deployment: Deployment) -> None:
    # As shipped, serve turns payloads into cases in a child process. A SIGKILL there mid-transaction
    # leaves serve answering webhooks; the child is replaced and finishes every acknowledged mention.
    d = deployment
    d.ingest_process = True
    d.start(failpoint="ingest.before_commit")
    payloads = [mention(n) for n in range(4)]
    redeliver(d, payloads)  # every one answered 200 by the web process, child or no child
    assert_every_mention_has_one_case_and_card(d, [str(p["id"]) for p in payloads])
    assert d.process is not None and d.process.poll() is None  # serve itself never died

    # The child's counters reach serve's /metrics.
    def cases_counted() -> float:
        metrics = httpx.get(f"{d.base}/metrics", timeout=5).text
        return sum(
            float(line.rsplit(" ", 1)[1])
            for line in metrics.splitlines()
            if line.startswith("socialdesk_mentions_total{") and 'result="case"' in line
        )

    until(lambda: cases_counted() == 4, "the ingest process's counters in /metrics")
    metrics = httpx.get(f"{d.base}/metrics", timeout=5).text
    assert 'socialdesk_worker_process_restarts_total{process="ingest"} 1.0' in metrics  # it did die


def _children(pid: int) -> set[int]:
    found = set()
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == pid:  # the field after the state is the parent's pid
            found.add(int(stat.parent.name))
    return found


def test_serve_killed_leaves_no_worker_process_behind(deployment: Deployment) -> None:
    # SIGKILL tells a process's children nothing; a listener or ingest process left running would hold
    # database connections (and on PostgreSQL, SKIP LOCKED rows) for a service that is gone.
    d = deployment
    d.ingest_process, d.listener_processes = True, 1
    d.start()
    assert d.process is not None
    until(lambda: len(_children(d.process.pid)) >= 2, "serve's listener and ingest processes")
    children = _children(d.process.pid)
    d.process.kill()
    d.process.wait(10)
    until(lambda: not any(Path(f"/proc/{pid}").exists() for pid in children), "the orphans to exit")


def test_sigterm_stops_serve_cleanly_after_storing_what_it_acknowledged(deployment: Deployment) -> None:
    # uvicorn re-raises SIGTERM after its graceful shutdown; serve must still close its workers,
    # scheduler and inbox writer (exit 0), not die of the signal with its cleanup skipped (-15).
    d = deployment
    d.start()
    payloads = [mention(n) for n in range(3)]
    redeliver(d, payloads)
    assert d.process is not None
    d.process.terminate()
    assert d.process.wait(30) == 0
    d.start()  # the same database and stand-ins: every acknowledged mention is there, carded once
    assert_every_mention_has_one_case_and_card(d, [str(p["id"]) for p in payloads])


# -- relay to Slack ---------------------------------------------------------------------------------


@pytest.mark.parametrize("point", ["outbox.before_slack_call", "outbox.after_slack_call"])
def test_relay_killed_around_the_slack_call_posts_each_card_once(deployment: Deployment, point: str) -> None:
    d = deployment
    d.start(failpoint=point)
    payloads = [mention(n) for n in range(3)]
    assert send_until_killed(d, payloads)  # the first card post kills it, after its webhook's 200
    d.wait_killed()
    assert len(d.accepted_posts()) == (1 if point == "outbox.after_slack_call" else 0)

    d.start()
    redeliver(d, payloads)
    assert_every_mention_has_one_case_and_card(d, [str(p["id"]) for p in payloads])


# -- replies on the platform ------------------------------------------------------------------------


def open_x_case(d: Deployment) -> int:
    text = "@acme_help my app keeps logging me out every five minutes, what is going on?"
    d.xapi.add_mention(text, author="dana_flies", id=TWEET)
    assert post_x(d.base, x_tweet(TWEET, text, datetime.now(UTC))).status_code == 200
    until(lambda: len(cards_by_case(d)) == 1, "the X case's card")
    return case_ids(d)[0]


def recover_later(d: Deployment) -> int:
    """`ReplyDesk.recover` as the service's reply-recovery job runs it once SENDING_GRACE has passed:
    from the test process on the same database, on a clock 6 minutes ahead (serve's clock is real),
    whose outbox then sends what it queued (due at that clock's time, so serve leaves it alone)."""
    settings = Settings.model_validate(d.env())
    later = ManualClock(datetime.now(UTC) + timedelta(minutes=6))
    runtime = build_runtime(settings, clock=later, migrate=False)
    try:
        assert runtime.replies is not None
        handled = runtime.replies.recover()
        runtime.run_until_idle(later)
        return handled
    finally:
        runtime.close()


@pytest.mark.parametrize("point", ["reply.before_platform_call", "reply.after_platform_call"])
def test_reply_killed_around_the_platform_call_is_never_sent_twice_and_the_agent_is_told(
    deployment: Deployment, point: str
) -> None:
    d = deployment
    d.start(failpoint=point)
    case_id = open_x_case(d)
    d.command(f"reply {case_id} Hi Dana, sorry about that! Please update to 4.2.1.")
    d.wait_killed()
    tweets = lambda: len(d.xapi.requests_to("POST", "/2/tweets"))  # noqa: E731
    sent_by_crash = 1 if point == "reply.after_platform_call" else 0
    assert tweets() == sent_by_crash

    d.start()
    with session(d) as s:
        [row] = s.exec(select(PlatformReply)).all()
    assert row.status is ReplyStatus.SENDING  # nobody knows whether the platform has it
    assert recover_later(d) == 1
    told = "could not be confirmed"
    try:
        until(lambda: any(told in str(a.get("text")) for a in d.accepted_posts()), "the agent to be told")
    except AssertionError as exc:
        raise AssertionError(f"{exc}; {state(d)}") from None
    [dm] = [a for a in d.accepted_posts() if told in str(a.get("text"))]
    assert d.standin.channel_id(MARIA) == dm["channel"] or dm["channel"] == MARIA
    with session(d) as s:
        [row] = s.exec(select(PlatformReply)).all()
        case = s.get(Case, case_id)
    assert row.status is ReplyStatus.FAILED and row.error_kind == "unknown"
    assert case is not None and case.reply_count == 0  # still unanswered for the SLA
    assert recover_later(d) == 0  # settled once: no second message, no resend
    assert tweets() == sent_by_crash  # never sent again
    assert_nothing_posted_twice(d)


# -- scheduled send: the digest -----------------------------------------------------------------------


def test_digest_killed_after_its_notice_is_claimed_goes_out_once(deployment: Deployment) -> None:
    d = deployment
    d.start()
    yesterday = (datetime.now(UTC) - timedelta(days=2)).date().isoformat()  # over in every timezone
    killed = d.cli("digest", "send", "--date", yesterday, failpoint="notice.after_claim")
    assert killed.returncode == -9, killed.stderr

    def digests() -> list[dict[str, object]]:
        return [a for a in d.accepted_posts() if "digest" in str(a.get("text", "")).lower()]

    until(lambda: len(digests()) == 1 and len(d.standin.files()) == 1, "the digest and its chart")
    again = d.cli("digest", "send", "--date", yesterday)
    assert again.returncode == 0 and json.loads(again.stdout)["queued"] is False, again
    assert len(digests()) == 1 and len(d.standin.files()) == 1
    assert_nothing_posted_twice(d)


# -- scheduled send: a crisis statement ---------------------------------------------------------------


def test_statement_killed_after_the_brand_post_is_published_at_most_once(deployment: Deployment) -> None:
    d = deployment
    d.start(failpoint="crisis.after_platform_call")
    started = d.command(
        "start service-outage sev2 Login failures in EU", slash="/crisis", channel="social-duty"
    )
    d.answer(started, containing="Crisis 1 started")
    for person in (SAM, PRIYA):
        d.answer(d.command("approve", user=person, slash="/crisis", channel="social-duty"), containing="")
    d.command("publish", slash="/crisis", channel="social-duty")
    d.wait_killed()
    assert len(d.xapi.posted) + len(d.graph.feed_posts()) == 1  # the first target, then the crash

    d.start()
    again = d.answer(d.command("publish", slash="/crisis", channel="social-duty"), containing="Statement")
    assert "outcome is unknown" in again, again  # the crashed target is reported, not posted again
    with session(d) as s:
        rows = {r.target: r.status for r in s.exec(select(CrisisPublication)).all()}
    assert sorted(rows.values(), key=str) == sorted([ReplyStatus.SENDING, ReplyStatus.SENT], key=str), rows
    assert len(d.xapi.posted) == 1 and len(d.graph.feed_posts()) == 1  # each target exactly once
    assert_nothing_posted_twice(d)
