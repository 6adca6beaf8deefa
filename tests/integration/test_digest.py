"""The managers' digest end to end: the scheduled job through the outbox into the Slack stand-in, once
per period (restarts, repeats, the catch-up window, Mondays, clock changes), its chart in the thread,
and `socialdesk digest preview` / `send`."""

from __future__ import annotations

import dataclasses
import json
import secrets
import threading
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlmodel import Session, col, select
from typer.testing import CliRunner

from socialdesk.app import Runtime
from socialdesk.cli import cli
from socialdesk.clock import ManualClock
from socialdesk.config import Config
from socialdesk.digest.build import DigestBuilder, daily_key
from socialdesk.digest.service import DigestService, PeriodNotOver
from socialdesk.domain.crisis_models import Crisis, CrisisStatus
from socialdesk.domain.enums import Category, OutboxStatus, Platform, Sentiment
from socialdesk.domain.models import Case, Notice, OutboxMessage
from socialdesk.leader import LeaderElector
from socialdesk.services import start_background
from socialdesk.slack.blocks.digest_chart import PNG_SIGNATURE
from socialdesk.standin import SlackStandin, StoredMessage, validate_blocks
from socialdesk.store.db import is_sqlite
from socialdesk.store.install_repo import first_run
from tests import support
from tests.integration.digest_seed import add_case, at, seed_tuesday
from tests.integration.helpers import generic_mention, post_generic, settle
from tests.integration.slack_driver import SlackDriver

MANAGERS = "social-managers"


def run_job(runtime: Runtime, clock: ManualClock, when: datetime) -> None:
    """The wired scheduler job at ``when``, then the outbox until it is empty (post, then chart)."""
    clock.set(when)
    runtime.jobs["digest"].func()
    runtime.run_until_idle(clock)


def digests(standin: SlackStandin) -> list[StoredMessage]:
    return [m for m in standin.messages(MANAGERS) if "digest" in m.text.lower() or "review" in m.text.lower()]


def field_texts(message: StoredMessage) -> list[str]:
    blocks = message.blocks or []
    return [f["text"] for b in blocks for f in b.get("fields", [])]


def all_text(message: StoredMessage) -> str:
    parts: list[str] = []
    for block in message.blocks or []:
        if "text" in block:
            parts.append(block["text"]["text"])
        parts += [f["text"] for f in block.get("fields", [])]
        parts += [e.get("text", "") for e in block.get("elements", [])]
    return "\n".join(parts)


def test_at_0800_local_the_digest_of_yesterday_is_posted_once_with_its_chart_in_the_thread(
    runtime: Runtime, clock: ManualClock, standin: SlackStandin
) -> None:
    seed_tuesday(runtime.engine)
    run_job(runtime, clock, at(25, 7, 59))  # London is on UTC in November: 07:59 is too early
    assert digests(standin) == []
    run_job(runtime, clock, at(25, 8, 0))
    [post] = digests(standin)
    assert validate_blocks(post.blocks, surface="message") == []
    assert "Daily digest · Tue 24 Nov 2026" in all_text(post)
    fields = field_texts(post)
    # The figures worked out by hand in `seed_tuesday`, against Monday's.
    assert "*Cases opened*\n4 ▲ 300%" in fields
    assert "*Answered*\n2 ▲ 100%" in fields
    assert "*First response*\n50 min ▲ 150% · p90 1 h 30 min" in fields
    assert "*SLA met*\n33% ▲ 33 pts (1/3)" in fields
    assert "*Resolution rate*\n50% ▼ 50 pts" in fields
    assert "*First-contact resolution*\n50% ▼ 50 pts" in fields
    assert "*Avg handling time*\n1 h 15 min ▲ 88%" in fields  # 75 min against 40 min
    assert any(f.startswith("*Open now*\n2 (oldest #") for f in fields)
    assert any("CSAT 50%" in f and "mean 4.0" in f for f in fields)
    text = all_text(post)
    assert "support → billing 1" in text
    assert "No crises" in text
    assert "`ack-complaint` 2" in text
    assert "<@U0AGENT01> 1 · 1 · 10 min" in text and "<@U0AGENT02> 1 · 1 · 1 h 30 min" in text
    assert "refund (2)" in text  # both negative posts mention it
    # The chart: a real PNG, shared once into the digest's thread.
    [stored] = standin.files()
    assert stored.content is not None and stored.content.startswith(PNG_SIGNATURE)
    assert stored.completed and stored.channels == [standin.channel_id(MANAGERS)]
    assert [r.files for r in post.replies] == [[stored.id]]
    # The job runs every minute: the next runs find the notice and send nothing.
    for minute in (1, 2, 30):
        run_job(runtime, clock, at(25, 8, minute))
    assert len(digests(standin)) == 1 and len(standin.files()) == 1
    with Session(runtime.engine) as session:
        notices = {n.key: n for n in session.exec(select(Notice)).all()}
    assert notices["digest:daily:2026-11-24"].sent_at is not None
    assert notices["digest-chart:daily:2026-11-24"].sent_at is not None


def test_the_digest_lists_the_crises_that_started_ran_or_ended_in_its_day(
    runtime: Runtime, clock: ManualClock, standin: SlackStandin
) -> None:
    seed_tuesday(runtime.engine)

    def crisis(cid: int, title: str, start: datetime, end: datetime | None, severity: str = "sev2") -> Crisis:
        return Crisis(
            id=cid,
            playbook_id=f"playbook-{cid}",  # one active crisis per playbook
            title=title,
            severity=severity,
            status=CrisisStatus.ACTIVE if end is None else CrisisStatus.ENDED,
            started_at=start,
            started_by="U0AGENT01",
            ended_at=end,
            war_room=f"outage-{cid}",
        )

    with Session(runtime.engine) as session:
        session.add(crisis(1, "Over by Monday lunch", at(23, 10), at(23, 12)))
        session.add(crisis(2, "Overnight checkout errors", at(23, 20), at(24, 2), "sev1"))
        session.add(crisis(3, "Login failures in EU", at(24, 9, 12), None))
        session.add(crisis(4, "Started on Wednesday", at(25, 0, 30), None))
        session.flush()
        for case in session.exec(select(Case).where(col(Case.opened_at) >= at(24, 9))).all()[:2]:
            case.crisis_id = 3
            session.add(case)
        session.commit()
    run_job(runtime, clock, at(25, 8, 0))
    [post] = digests(standin)
    assert validate_blocks(post.blocks, surface="message") == []
    text = all_text(post)
    assert "No crises" not in text and "*Crises* 2 in this period" in text
    assert (
        "🚨 *Crisis 2: Overnight checkout errors* · sev1 · started Mon 23 Nov 20:00, ended Tue 24 Nov 02:00 "
        "(6 h) · 0 cases · #outage-2"
    ) in text
    assert (
        "🚨 *Crisis 3: Login failures in EU* · sev2 · started Tue 24 Nov 09:12, still running (22 h 48 min "
        "so far) · 2 cases · #outage-3"
    ) in text
    assert "Over by Monday lunch" not in text and "Started on Wednesday" not in text


def test_the_words_of_negative_posts_leave_out_our_own_handles(
    runtime: Runtime, clock: ManualClock, config: Config
) -> None:
    """The brand's handles (config `ingest.brand_handles`) are who customers write to, not what about."""
    ingest = config.ingest.model_copy(update={"brand_handles": {Platform.X: ["@Acme_Support"]}})
    ours = config.model_copy(update={"ingest": ingest})
    texts = [
        "@Acme_Support my login fails again, useless",
        "@Acme_Support login broken for hours @AcmeHelp",  # AcmeHelp: not configured, still a handle
        "acme_support never answers, login still broken",
    ]
    with Session(runtime.engine) as session:
        for hour, text in enumerate(texts, start=9):
            add_case(
                session,
                opened=at(24, hour),
                text=text,
                sentiment=Sentiment.NEGATIVE,
                category=Category.COMPLAINT,
            )
        session.commit()
    digest = DigestBuilder(engine=runtime.engine, config=ours).build(
        daily_key(at(24, 0).date(), ours), now=at(25, 8)
    )
    words = dict(digest.negative_keywords)
    assert words["login"] == 3 and words["broken"] == 2
    assert "acmesupport" not in words and not any("acme" in w for w in words)
    assert [t.name for t in digest.negative_topics] == ["complaint"]


def test_spam_is_left_out_of_every_figure_as_the_footnote_says(
    runtime: Runtime, clock: ManualClock, standin: SlackStandin
) -> None:
    """Spam categorised by triage (still open, nobody closed it) counts like spam marked by an agent:
    in no figure, category, sentiment, word or backlog; the digest says how many it left out."""
    seed_tuesday(runtime.engine)  # its case D was marked as spam by an agent
    with Session(runtime.engine) as session:
        for minute in (0, 10, 20):
            add_case(
                session,
                opened=at(24, 16, minute),
                text="Cheap followers!!! Buy followers now, terrible deals",
                sentiment=Sentiment.NEGATIVE,
                category=Category.SPAM,
            )
        session.commit()
    run_job(runtime, clock, at(25, 8, 0))
    [post] = digests(standin)
    fields, text = field_texts(post), all_text(post)
    assert "*Cases opened*\n4 ▲ 300%" in fields and "*SLA met*\n33% ▲ 33 pts (1/3)" in fields
    assert any(f.startswith("*Open now*\n2 (oldest #") for f in fields)
    category = next(line for line in text.splitlines() if line.startswith("*By category*"))
    assert category == "*By category* complaint 2 · question 2 ▲ 100%"
    assert "*By platform* X 2 ▲ 100% · Facebook 1 · Instagram 1" in text  # no Reddit (D) either
    assert "*Spam* 4, left out of every figure" in text
    assert "followers" not in text and "cheap" not in text
    assert "spam (marked by an agent or categorised by triage) left out of every figure" in text


def test_a_day_through_the_real_pipeline(
    server: str, runtime: Runtime, clock: ManualClock, standin: SlackStandin
) -> None:
    """Posts through the signed generic webhook, routed and worked with slash commands, then digested."""
    slack = SlackDriver(server, standin, runtime)
    clock.set(at(24, 9))
    posts = [
        ("x", "My parcel never arrived, terrible service"),
        ("reddit", "How do I export my data?"),
        ("facebook", "I was charged twice, please refund me"),  # routed to billing
    ]
    for index, (platform, text) in enumerate(posts):
        mention = generic_mention(
            f"m-{index}", text, platform=platform, handle=f"c{index}", created_at=clock.now()
        )
        assert post_generic(server, mention).status_code == 200
    settle(runtime, clock)
    assert slack.command("claim 1") == ["You claimed #1."]
    assert slack.command("resolve 1 answered") == ["#1 resolved (answered)."]
    assert slack.command('escalate 2 incidents "export broken"') == [
        "#2 escalated to incidents (#social-incidents)."
    ]
    settle(runtime, clock)
    run_job(runtime, clock, at(25, 8, 0))
    [post] = digests(standin)
    fields, text = field_texts(post), all_text(post)
    assert "*Cases opened*\n3" in fields and "*Resolved*\n1" in fields
    assert "*By platform* Facebook 1 · Reddit 1 · X 1" in text  # a tie reads alphabetically
    assert "support → incidents 1" in text
    # A case counts for the team it is with now: #2 for incidents.
    assert (
        "*support* · 1 opened" in text and "*incidents* · 1 opened" in text and "*billing* · 1 opened" in text
    )
    assert any(f.startswith("*Open now*\n2 (oldest #2") for f in fields)


def test_a_restart_at_0930_after_a_missed_0800_sends_it_once(
    runtime: Runtime, clock: ManualClock, standin: SlackStandin, config: Config
) -> None:
    seed_tuesday(runtime.engine)
    # Nothing ran at 08:00 (the service was down); two processes come up at 09:30.
    for _ in range(2):
        fresh = DigestService(engine=runtime.engine, config=config, clock=clock)
        clock.set(at(25, 9, 30))
        fresh.send_if_due()
        runtime.run_until_idle(clock)
    assert len(digests(standin)) == 1 and len(standin.files()) == 1


def test_outside_the_catch_up_window_nothing_is_sent(
    runtime: Runtime, clock: ManualClock, standin: SlackStandin, config: Config
) -> None:
    assert config.digest.catch_up_hours == 12
    seed_tuesday(runtime.engine)
    run_job(runtime, clock, at(25, 20, 1))  # 12 h 1 min after 08:00: stale, skipped
    assert digests(standin) == []
    run_job(runtime, clock, at(26, 8, 0))  # the next morning sends Wednesday's, not Tuesday's
    [post] = digests(standin)
    assert "Wed 25 Nov 2026" in all_text(post)


def first_serve(runtime: Runtime) -> None:
    """`serve`'s start (workers, leader election, scheduler) until the digest job has run once, as a new
    leader runs it at once; then the scheduler and workers stop and the test drives the job itself."""
    ran = threading.Event()
    job = runtime.jobs["digest"]

    def probe() -> object:
        try:
            return job.func()
        finally:
            ran.set()

    runtime.jobs["digest"] = dataclasses.replace(job, func=probe)
    url = runtime.settings.database_url
    # SQLite: the elector `serve` builds, which leads at once; PostgreSQL: the same on a key of its own.
    elector = None if is_sqlite(url) else LeaderElector(url, lock_key=secrets.randbits(62))
    background = start_background(runtime, elector=elector)
    try:
        assert ran.wait(10.0), "the digest job did not run when serve became leader"
    finally:
        background.scheduler.shutdown(wait=True)
        background.elector.stop()
        runtime.stop_workers()
        runtime.jobs["digest"] = job


def test_the_first_start_on_an_empty_database_sends_nothing_for_the_days_before_it(
    runtime: Runtime, clock: ManualClock, standin: SlackStandin
) -> None:
    """`serve` starts for the first time on Monday 30 Nov at 09:30: Sunday's digest and last week's
    review are inside the 12-hour catch-up window, but socialdesk did not exist then."""
    clock.set(at(30, 9, 30))
    first_serve(runtime)
    runtime.run_until_idle(clock)
    assert digests(standin) == []
    with Session(runtime.engine) as session:
        assert first_run(session) == at(30, 9, 30)
        assert [n.key for n in session.exec(select(Notice)).all() if n.kind == "digest"] == []
    run_job(runtime, clock, at(30, 12, 0))  # a restart later that morning: still nothing to catch up
    assert digests(standin) == []
    # Tuesday 08:00: Monday's digest, the first day socialdesk ran (quiet, but it was there).
    run_job(runtime, clock, at(1, 8, 0, month=12))
    assert [p.text.split(":")[0] for p in digests(standin)] == ["📬 Daily digest · Mon 30 Nov 2026"]
    # The next Monday: Sunday's digest and the review of its first week.
    run_job(runtime, clock, at(7, 8, 0, month=12))
    assert [p.text.split(":")[0] for p in digests(standin)][1:] == [
        "📬 Daily digest · Sun 06 Dec 2026",
        "📈 Weekly review · 30 Nov to 06 Dec 2026 (2026-W49)",
    ]


def test_history_imported_before_the_first_start_is_digested(
    runtime: Runtime, clock: ManualClock, standin: SlackStandin
) -> None:
    """Cases on Sunday (imported from history before the first start) make Sunday a day with data:
    its digest and the week's review go out; Saturday, with none, is not caught up."""
    with Session(runtime.engine) as session:
        add_case(session, opened=at(29, 15), historical=True)
        session.commit()
    clock.set(at(30, 9, 30))
    first_serve(runtime)
    runtime.run_until_idle(clock)
    posts = digests(standin)
    assert [p.text.split(":")[0] for p in posts] == [
        "📬 Daily digest · Sun 29 Nov 2026",
        "📈 Weekly review · 23 Nov to 29 Nov 2026 (2026-W48)",
    ]
    assert "*Cases opened*\n1" in field_texts(posts[0])


def test_on_monday_the_weekly_review_goes_out_too(
    runtime: Runtime, clock: ManualClock, standin: SlackStandin
) -> None:
    seed_tuesday(runtime.engine)
    run_job(runtime, clock, at(25, 8, 0))  # socialdesk runs from Wednesday (Tuesday's digest)
    run_job(runtime, clock, at(30, 8, 0))  # Monday 30 Nov
    posts = digests(standin)[1:]
    assert [p.text.split(":")[0] for p in posts] == [
        "📬 Daily digest · Sun 29 Nov 2026",
        "📈 Weekly review · 23 Nov to 29 Nov 2026 (2026-W48)",
    ]
    weekly = all_text(posts[1])
    assert "*Improvement review*" in weekly and "*Routes with the worst outcomes*" in weekly
    assert len(standin.files()) == 3 and all(len(p.replies) == 1 for p in posts)
    assert validate_blocks(posts[1].blocks, surface="message") == []
    run_job(runtime, clock, at(30, 8, 1))
    assert len(digests(standin)) == 3


def test_the_week_the_clocks_go_back(runtime: Runtime, clock: ManualClock, standin: SlackStandin) -> None:
    """Europe/London leaves summer time on Sun 25 Oct 2026 at 02:00 BST (01:00 UTC): that day is 25
    hours long, and 08:00 local moves from 07:00 UTC to 08:00 UTC."""
    with Session(runtime.engine) as session:
        add_case(session, opened=datetime(2026, 10, 23, 12, 0, tzinfo=UTC))  # Friday: the desk existed then
        add_case(session, opened=datetime(2026, 10, 24, 23, 30, tzinfo=UTC))  # 00:30 BST on Sunday
        add_case(session, opened=datetime(2026, 10, 25, 23, 30, tzinfo=UTC))  # 23:30 GMT on Sunday
        add_case(session, opened=datetime(2026, 10, 26, 0, 30, tzinfo=UTC))  # Monday
        session.commit()
    run_job(runtime, clock, datetime(2026, 10, 24, 7, 0, tzinfo=UTC))  # 08:00 BST on Saturday
    assert [p.text.split(":")[0] for p in digests(standin)] == ["📬 Daily digest · Fri 23 Oct 2026"]
    run_job(runtime, clock, datetime(2026, 10, 25, 7, 30, tzinfo=UTC))  # 07:30 GMT on Sunday: too early
    assert len(digests(standin)) == 1
    run_job(runtime, clock, datetime(2026, 10, 25, 8, 0, tzinfo=UTC))  # 08:00 GMT
    assert digests(standin)[1].text.startswith("📬 Daily digest · Sat 24 Oct 2026")
    run_job(runtime, clock, datetime(2026, 10, 26, 8, 0, tzinfo=UTC))  # Monday 08:00 GMT
    daily, weekly = digests(standin)[2:]
    assert daily.text.startswith("📬 Daily digest · Sun 25 Oct 2026")
    assert "*Cases opened*\n2" in field_texts(daily)  # both Sunday cases, by local day
    assert weekly.text.startswith("📈 Weekly review · 19 Oct to 25 Oct 2026")
    with Session(runtime.engine) as session:
        charts = session.exec(
            select(OutboxMessage).where(OutboxMessage.method == "files.completeUploadExternal")
        )
        sunday = next(c for c in charts if "2026-10-25" in c.dedupe_key)
    assert len(sunday.payload["chart"]["buckets"]) == 25  # 00, 01 (BST), 01 (GMT), 02 ... 23
    assert sunday.payload["chart"]["buckets"][:3] == ["00", "01", "01"]


def test_a_retried_upload_does_not_share_the_chart_twice(
    runtime: Runtime, clock: ManualClock, standin: SlackStandin
) -> None:
    seed_tuesday(runtime.engine)
    standin.fail("upload", status=500)  # the bytes' POST fails once: retried from the saved file id
    run_job(runtime, clock, at(25, 8, 0))
    [post] = digests(standin)
    [stored] = standin.files()
    assert [c.method for c in standin.calls if c.method.startswith("files.") or c.method == "upload"] == [
        "files.getUploadURLExternal",
        "upload",
        "upload",
        "files.completeUploadExternal",
    ]
    # Slack completed the upload but the answer was lost: the row is retried, and must not share again.
    with Session(runtime.engine) as session:
        row = session.exec(
            select(OutboxMessage).where(col(OutboxMessage.dedupe_key).startswith("digest-chart"))
        ).one()
        row.status = OutboxStatus.PENDING
        session.add(row)
        session.commit()
    runtime.run_until_idle(clock)
    assert [r.files for r in digests(standin)[0].replies] == [[stored.id]]
    assert len(standin.files()) == 1 and post.ts == digests(standin)[0].ts


def test_an_expired_upload_url_starts_over_and_a_failed_post_gives_up_the_chart(
    runtime: Runtime, clock: ManualClock, standin: SlackStandin
) -> None:
    seed_tuesday(runtime.engine)
    standin.fail("upload", status=404)  # the URL is gone: a new one is asked for, the first file never shared
    run_job(runtime, clock, at(25, 8, 0))
    [post] = digests(standin)
    first, second = standin.files()
    assert not first.completed and second.completed and [r.files for r in post.replies] == [[second.id]]
    # Wednesday's post fails for good: its chart has nothing to go under and is given up, with the reason.
    standin.fail("chat.postMessage", error="is_archived")
    run_job(runtime, clock, at(26, 8, 0))
    with Session(runtime.engine) as session:
        rows = {r.dedupe_key: r for r in session.exec(select(OutboxMessage)).all()}
    post_row, chart_row = rows["digest:daily:2026-11-25"], rows["digest-chart:daily:2026-11-25"]
    assert post_row.status is OutboxStatus.DEAD and post_row.last_error == "is_archived"
    assert chart_row.status is OutboxStatus.DEAD and "was not sent" in (chart_row.last_error or "")
    assert len(standin.files()) == 2


def test_send_is_once_unless_forced_and_refuses_an_unfinished_day(
    runtime: Runtime, clock: ManualClock, standin: SlackStandin, config: Config
) -> None:
    seed_tuesday(runtime.engine)
    clock.set(at(25, 7, 0))
    service = DigestService(engine=runtime.engine, config=config, clock=clock)
    day = service.yesterday()
    assert service.send(day).queued is True
    assert service.send(day).queued is False
    forced = service.send(day, force=True)
    assert forced.queued and forced.key.startswith("digest:daily:2026-11-24:forced:")
    with pytest.raises(PeriodNotOver):
        service.send(at(25, 0).date())
    runtime.run_until_idle(clock)
    assert len(digests(standin)) == 2 and len(standin.files()) == 2
    # The scheduled run at 08:00 finds Tuesday's digest already sent.
    run_job(runtime, clock, at(25, 8, 0))
    assert len(digests(standin)) == 2


def test_preview_writes_the_text_the_blocks_and_the_png(
    runtime: Runtime, database_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    seed_tuesday(runtime.engine)
    monkeypatch.setenv("DATABASE_URL", database_url)
    out = tmp_path / "preview"
    result = CliRunner().invoke(cli, ["digest", "preview", "--date", "2026-11-24", "--out", str(out)])
    assert result.exit_code == 0, result.output
    names = sorted(p.name for p in out.iterdir())
    assert names == [
        "digest-daily-2026-11-24.json",
        "digest-daily-2026-11-24.png",
        "digest-daily-2026-11-24.txt",
    ]
    text = (out / "digest-daily-2026-11-24.txt").read_text(encoding="utf-8")
    assert "*📬 Daily digest · Tue 24 Nov 2026*" in text and "*Cases opened*: 4 ▲ 300%" in text
    assert "From Tue 24 Nov 2026 (Europe/London days)" in text
    blocks = json.loads((out / "digest-daily-2026-11-24.json").read_text(encoding="utf-8"))["blocks"]
    assert validate_blocks(blocks, surface="message") == []
    assert (out / "digest-daily-2026-11-24.png").read_bytes().startswith(PNG_SIGNATURE)
    weekly = CliRunner().invoke(
        cli, ["digest", "preview", "--date", "2026-11-22", "--weekly", "--out", str(out)]
    )
    assert weekly.exit_code == 0, weekly.output
    assert (out / "digest-weekly-2026-W47.png").exists()
    bad = CliRunner().invoke(cli, ["digest", "preview", "--date", "tomorrow"])
    assert bad.exit_code == 2


def test_send_from_the_command_line_posts_once(
    runtime: Runtime, database_url: str, standin: SlackStandin, monkeypatch: pytest.MonkeyPatch
) -> None:
    seed_tuesday(runtime.engine)
    for name, value in {
        "DATABASE_URL": database_url,
        "SLACK_BOT_TOKEN": support.BOT_TOKEN,
        "SLACK_SIGNING_SECRET": support.SIGNING_SECRET,
        "SLACK_API_URL": standin.url,
        "SLACK_CHANNEL_INTERVAL": "0",  # no pacing to wait out in real time
    }.items():
        monkeypatch.setenv(name, value)
    sent = CliRunner().invoke(cli, ["digest", "send", "--date", "2026-11-24"])
    assert sent.exit_code == 0, sent.output
    assert json.loads(sent.stdout.splitlines()[-1]) == {
        "key": "digest:daily:2026-11-24",
        "queued": True,
        "still_pending": 0,
        "sent_by": "this command",  # no serve runs on the database
    }
    [post] = digests(standin)
    assert len(post.replies) == 1 and len(standin.files()) == 1
    again = CliRunner().invoke(cli, ["digest", "send", "--date", "2026-11-24"])
    assert again.exit_code == 0 and '"queued": false' in again.stdout
    assert len(digests(standin)) == 1
