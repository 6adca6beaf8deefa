"""`socialdesk demo --script` end to end: every platform's card in the right channel, a follow-up in a
thread, masked personal data, then the tour works the queue (claim, a canned public reply through the
reply form, private replies, an escalation, an assignment, a resolve, a brand-voice refusal, a claim
race, a one-star App Store review polled and answered, a WhatsApp chat, a Threads reply and a polled
Bluesky mention answered) with the replies reaching the local X, Graph (WhatsApp's too),
generic-receiver, App Store Connect, Threads and Bluesky stand-ins; then it fast-forwards
the simulated clock through the SLA levels (at-risk nudges, one grouped breach alert, a snooze, the page
naming the duty lead) to the next morning's digest, whose chart PNG lands in the digest's thread on the
Slack stand-in and in a folder for a person to open; then a crisis: a spike of complaints, the early
warning, the playbook started from it, the two-person rule, statements published once on X and Facebook,
the crisis reply, the update reminder, the end and the review; exit code 0.

The tour runs once per module (about ten seconds); each test reads a different part of what it did."""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass
from pathlib import Path

import pytest
from sqlmodel import Session, col, create_engine, select
from typer.testing import CliRunner

from socialdesk.cli import cli
from socialdesk.demo import runner
from socialdesk.demo.changes import PNG_SIGNATURE
from socialdesk.demo.feed_more import BRAND_THREADS_POST_ID, THREADS_REPLY_ID, WHATSAPP_MESSAGE_ID
from socialdesk.demo.steps import Stage, run_line
from socialdesk.domain.crisis_models import (
    Crisis,
    CrisisApproval,
    CrisisStatement,
    CrisisStatus,
    StatementStatus,
)
from socialdesk.domain.enums import CaseStatus
from socialdesk.domain.models import Case
from socialdesk.settings import PROJECT_ROOT
from socialdesk.standin import StoredMessage
from socialdesk.standin.models import StoredFile

# The tour runs once per module: under pytest-xdist (--dist loadgroup) all of this file's tests go to one
# worker, or each worker running one of them would play the whole tour again.
pytestmark = pytest.mark.xdist_group("demo-tour")

TOUR = PROJECT_ROOT / "demo-tour.txt"
MARIA, SAM, PRIYA, NORA = "U0AGENT01", "U0AGENT02", "U0MANAGER1", "U0LEGAL001"
ROOM = "outage-1-login-failures-in-eu"  # the service-outage playbook's war room for crisis 1
DANA_FOLLOW_UP = "1860000000000000002"  # a reply answers the customer's latest post in the thread
OUTAGE = [9, 10, 11, 12, 13]  # the burst of X outage reports the tour leaves unanswered


@dataclass
class Tour:
    out: str
    stage: Stage
    database: Path
    files_dir: Path
    slack: dict[str, list[StoredMessage]]  # channel name -> messages with their threads, at the end
    files: dict[str, StoredFile]  # Slack file id -> the file, bytes included


@pytest.fixture(scope="module")
def tour(tmp_path_factory: pytest.TempPathFactory) -> Tour:
    tmp = tmp_path_factory.mktemp("tour")
    finished: list[Tour] = []

    def on_finish(stage: Stage) -> None:
        # Read the Slack stand-in while it still runs: what it holds is what a person would see.
        channels = ("social-incidents", "social-duty", "social-managers", ROOM)
        slack = {name: stage.standin.messages(name) for name in channels}
        files = {f.id: f for f in stage.standin.files()}
        finished.append(Tour("", stage, tmp / "demo.db", tmp / "files", slack, files))
        run_line(stage, f"channel {ROOM}")  # a channel the app created during the run, shown by name

    with pytest.MonkeyPatch.context() as patch:
        demo = functools.partial(runner.run_demo, on_finish=on_finish, files_dir=tmp / "files")
        patch.setattr(runner, "run_demo", demo)
        args = ["demo", "--script", str(TOUR), "--db", str(tmp / "demo.db"), "--width", "220"]
        result = CliRunner().invoke(cli, args)
    assert result.exit_code == 0, result.output[-3000:]
    [done] = finished
    done.out = result.output
    return done


def test_the_tour_works_the_queue_and_reaches_the_platforms(tour: Tour) -> None:
    out, stage, database = tour.out, tour.stage, tour.database
    _feed_shown(out)

    # 1. Claimed, and the race lost by sam is explained to him privately.
    assert "You claimed #1." in out and "Claimed by @maria" in out
    assert "only visible to sam" in out and "#1 is already claimed by @maria." in out
    # 2. The reply form from the card: canned answers offered, the preview and the brand-voice check.
    assert "Reply to #1 · a form only maria sees" in out
    assert "● Refund or billing question  (refund-billing)" in out
    assert "signing as Maria Agent" in out and "✅ Ready to send: no brand-voice problems." in out
    assert "⛔ Contains 'calm down', which the brand voice forbids" in out
    assert "Not accepted: the form stays open on maria's screen" in out
    assert "replied 🌐 publicly (canned reply refund-billing)" in out
    assert "What the customer saw on X · public reply from @acme_help" in out
    assert "Hi Dana Whitfield, sorry for the trouble with your payment." in out
    # 3. and 4. Private answers: Messenger, an X DM, a private reply on Facebook with its public note.
    assert "What the customer saw on Messenger · message in their inbox" in out
    assert "What the customer saw on X · direct message from @acme_help to @sam_k" in out
    assert "What the customer saw on Facebook · private reply to their comment" in out
    assert "What the customer saw on Facebook · public reply under their comment" in out
    assert "Your reply to #7 was posted privately." in out
    # 5. Escalated: the old card points on, the new channel has the card with the reason in its thread.
    assert "#4 was escalated to billing and continues in #social-billing." in out
    assert "✚ new message in #social-billing" in out
    assert "escalated from support to billing" in out
    assert "Card was charged but the order never arrived; please check for a refund." in out
    # 6. The lead assigns; sam's reply goes through the generic receiver.
    assert "#5 is now assigned to @sam." in out and "@priya assigned it to @sam" in out
    assert "What the customer saw on Reddit" in out
    # 7. Resolved with an outcome, the note in the thread.
    assert "Resolved by @maria · Refund or compensation" in out
    assert "Duplicate charge refunded; Dana confirmed by DM." in out
    assert "There is no case #999." in out and "not a /social command" in out
    assert re.search(r"commands \d+ \(errors 0\)", out)
    # 8. The rest of the queue: a thank-you on Instagram, the review answered, the spam binned.
    assert "What the customer saw on Instagram · public reply under their comment" in out
    assert "What the customer saw on Review site" in out and "#8 marked as spam." in out
    # The one-star App Store review, polled with a token signed by the key made at the demo's start.
    assert "App Store: one-star review of the iOS app" in out and "★☆☆☆☆ 1/5" in out
    assert "What the customer saw on the App Store · developer response under their review" in out
    assert (
        "replies the platforms accepted: on X 2 public and 1 private; through the Graph API 4 (Facebook, "
        "Instagram, Messenger); through the generic receiver 2; crisis statements posted: on X 3, on the "
        "Facebook Page 3"
    ) in re.sub(r"\s+", " ", out)
    _platforms_got_the_replies(stage)
    _cases_ended_as_worked(database)


def _platforms_got_the_replies(stage: Stage) -> None:
    x, graph, generic = stage.platforms.x, stage.platforms.graph, stage.platforms.generic
    post, _crisis_reply = [p for p in x.posted if p.get("reply")]
    assert post["reply"] == {"in_reply_to_tweet_id": DANA_FOLLOW_UP}
    assert post["text"].startswith("Hi Dana Whitfield, sorry for the trouble with your payment.")
    assert post["text"].endswith("(case #1). ^MA")  # the canned X variant, signed with maria's initials
    [dm] = x.dms
    assert dm["participant_id"] == "2200000009" and dm["text"].startswith("Hi Sam, you can change it")
    messages = graph.calls_to("messages")
    [messenger] = [c for c in messages if c.params["recipient"] == {"id": "3200000001"}]
    assert messenger.params["message"]["text"].startswith("Hi there, Maria Agent here.")  # Messenger variant
    [private] = [c for c in messages if "comment_id" in c.params["recipient"]]
    assert private.params["message"]["text"].startswith("Hi Priya, yes: offline mode")
    [note] = graph.calls_to("comments")
    assert len(graph.calls) - len(graph.calls_to("feed")) == 4  # the replies; the rest are statements
    assert (
        note.node == private.params["recipient"]["comment_id"] and "sent you a DM" in note.params["message"]
    )
    [reddit] = [r for r in generic.received if r.body["in_reply_to"] == "t3_1abcde"]
    assert reddit.body["visibility"] == "public"
    assert reddit.body["text"].endswith("^SA")  # sam answered it
    [review] = [r for r in generic.received if r.body["in_reply_to"] == "tp-778812"]
    assert review.body["text"].startswith("Hi Mark, sorry it took so long.")
    appstore = stage.platforms.appstore
    [(review_id, response)] = appstore.responses.items()
    assert appstore.review(review_id)["attributes"]["rating"] == 1
    assert response.body.startswith("Hi Alex, we're sorry!") and response.body.endswith("^MA")
    assert appstore.requests_to("GET", "/v1/apps/1488977981/customerReviews") and appstore.refusals == []


def _cases_ended_as_worked(database: Path) -> None:
    engine = create_engine(f"sqlite:///{database}")
    try:
        with Session(engine) as session:
            dana, messenger, reddit = (session.get(Case, n) for n in (1, 4, 5))
    finally:
        engine.dispose()
    assert dana is not None and messenger is not None and reddit is not None
    assert (dana.status, dana.outcome, dana.assignee) == (CaseStatus.RESOLVED, "refunded", MARIA)
    assert (messenger.team, messenger.escalation_count) == ("billing", 1)
    assert (reddit.assignee, reddit.reply_count) == (SAM, 1)


def _feed_shown(out: str) -> None:
    for channel in ("#social-support", "#social-billing", "#social-incidents", "#social-reviews"):
        assert channel in out
    for platform in (
        "X complaint",
        "Facebook question",
        "Instagram praise",
        "Messenger complaint",
        "Reddit question",
        "Review site complaint",
        "App Store complaint",
    ):
        assert platform in out, platform
    assert "[ Claim ] [ Reply ] [ Escalate ] [ Resolve ]" in out
    assert "[email]" in out and "[phone]" in out and "[card]" in out
    assert "dana.whitfield@example.com" not in out and "4111 1111 1111 1111" not in out
    assert "↳" in out, "the follow-up shows in the card's thread"
    summary = re.search(r"webhooks sent (\d+) \(refused (\d+)\); mentions (\d+) in (\d+) cases", out)
    assert summary is not None
    _sent, refused, mentions, cases = map(int, summary.groups())
    assert refused == 0 and mentions == cases + 1  # one follow-up joined its case
    assert "echo of our own message" in out


def test_the_tour_answers_on_whatsapp_threads_and_bluesky(tour: Tour) -> None:
    out, more = tour.out, tour.stage.platforms.more
    flat = re.sub(r"\s+", " ", out)
    # The feed: a signed WhatsApp and a signed Threads webhook accepted, the Bluesky mention polled.
    assert re.search(r"WhatsApp: a customer's chat message \(Cloud API webhook\)\s+200 accepted", out)
    assert re.search(r"Threads: a question under our post \(Threads webhook\)\s+200 accepted", out)
    assert re.search(r"Bluesky: a mention \(polled from the Bluesky stand-in\)\s+polled", out)
    assert more.bluesky.calls("app.bsky.notification.listNotifications"), "the plugin's poller asked"
    # Each is a case card with its author and text, in the team its routing picks.
    assert "#15 · P4 · WhatsApp question" in out and "Ana Ruiz @•••0461" in out  # the number masked
    assert "447700900461" not in out
    assert "#16 · P4 · Threads question" in out and "@tom.bakes" in out
    assert "#17 · P3 · Bluesky complaint" in out and "Jamie Fernandes @jamie-fernandes.bsky.social" in out
    assert "WhatsApp's 24-hour window is open until" in out  # the reply form says so before typing
    assert "Preview (" in out and " / 300 characters)" in out  # Bluesky's limit in its form
    # The reply reached each platform, once, where the platform threads it.
    [chat] = more.whatsapp.sent
    assert (chat.to, chat.type, chat.context) == ("447700900461", "text", WHATSAPP_MESSAGE_ID)
    text = chat.body["text"]["body"]
    assert text.startswith("Hi Ana, you can change it") and text.endswith("^MA")
    [threads_reply] = more.threads.published()
    assert threads_reply.replied_to == THREADS_REPLY_ID and threads_reply.root_id == BRAND_THREADS_POST_ID
    assert threads_reply.text.startswith("Hi Tom, yes") and threads_reply.text.endswith("^SA")
    [mention] = more.bluesky.notifications
    [post] = more.bluesky.posted
    ref = {"uri": mention["uri"], "cid": mention["cid"]}
    assert post["record"]["reply"] == {"root": ref, "parent": ref}
    assert post["record"]["text"].startswith("Hi Jamie, sorry about that!")
    for platform, how in (
        ("WhatsApp", "message in their chat"),
        ("Threads", "public reply from @acme"),
        ("Bluesky", "reply from @acme.bsky.social in the thread"),
    ):
        assert f"What the customer saw on {platform} · {how}" in out, platform
    assert "; on WhatsApp 1; on Threads 1; on Bluesky 1" in flat
    engine = create_engine(f"sqlite:///{tour.database}")
    try:
        with Session(engine) as session:
            cases = [session.get(Case, n) for n in (15, 16, 17)]
    finally:
        engine.dispose()
    assert [(c.platform, c.team, c.reply_count) for c in cases if c is not None] == [
        ("whatsapp", "support", 1),
        ("threads", "support", 1),
        ("bluesky", "billing", 1),
    ]


def test_demo_reads_commands_from_stdin_when_not_a_terminal(tmp_path: Path) -> None:
    result = CliRunner().invoke(
        cli, ["demo", "--db", str(tmp_path / "demo.db")], input="/social queue\nquit\n"
    )
    assert result.exit_code == 0, result.output[-2000:]
    assert "Open cases" in result.output


def test_the_tour_fast_forwards_through_the_sla_levels(tour: Tour) -> None:
    out, incidents, duty = tour.out, tour.slack["social-incidents"], tour.slack["social-duty"]
    out = out[: out.index("› spike")]  # the first day; the crisis act's forty cases go red too
    # Triage: the third report of the outage within the hour and the two after it are P1.
    assert "#9 · P2 · X incident" in out and "#10 · P2 · X incident" in out
    assert all(f"#{case} · P1 · X incident" in out for case in (11, 12, 13))
    assert "P1: incident reported by 3 customers in the last hour" in out
    # At risk: the P1s first (10-minute X target), in one scan; then the P2s (15 minutes). Each card
    # turns amber and its thread gets a nudge, naming maria on hers, the on-call group on the others.
    at_risk = out.index("SLA scan: 3 cases at risk")
    assert out.index("SLA scan: 2 cases at risk") > at_risk
    assert "#9 · P2 · X incident · Claimed · 🟧 At risk" in out
    assert "🟧 @maria, #9 is at risk: its first response is due" in out
    assert "🟧 @social-team #10 is unclaimed and at risk" in out and "Who takes it?" in out
    # The breach: red cards and ONE alert in the team channel; the P2s breaching later join it.
    breach = out.index("SLA scan: 3 cases breached")
    assert "#10 · P2 · X incident · New · 🟥 SLA breached" in out
    assert out.count("3 cases breached their first-response target · team incidents") == 1
    alerts = [m for m in incidents if "breached their first-response target" in m.text]
    assert len(alerts) == 1, "one grouped alert, updated in place"
    assert all(f"#{case}" in alerts[0].text for case in OUTAGE)
    assert "SLA alerts for #13 snoozed until" in out  # priya, a lead, pressed the alert's button
    # The page: the duty lead mentioned by name in the duty channel; the snoozed case waits its turn.
    page = out.index("2 cases are still waiting, well past their first-response target")
    assert "🚨 @priya" in out[page - 400 : page]
    assert "4 cases are still waiting, well past their first-response target" in out[page:]
    assert at_risk < breach < page, "the fast-forward tells it in the order it happened"
    pages = [m for m in duty if "still waiting" in m.text]
    first, later = pages[:2]  # the crisis act, the next morning, posts more
    assert f"<@{PRIYA}>" in str(first.blocks) and "#13" not in first.text
    assert "#13" in later.text, "paged when its snooze ended"
    for case in OUTAGE:
        header = f"case:{case}:header"
        [card] = [m for m in incidents if any(b.get("block_id") == header for b in m.blocks or [])]
        nudges = [r for r in card.replies if "at risk" in r.text]
        assert len(nudges) == 1, f"#{case}: one nudge, never repeated"


def test_the_tour_ends_with_the_digest_and_its_chart_in_the_thread(tour: Tour) -> None:
    out = tour.out
    assert "no digest due. Yesterday's goes out from 08:00 (Europe/London)" in out
    assert "08:00 ──" in out and "Digest: yesterday's figures queued for the managers' channel" in out
    assert "✚ new message in #social-managers" in out and "📬 Daily digest ·" in out
    day = r"\w{3} \d\d \w{3}"
    assert re.search(rf"simulated time {day} 09:40 to {day} 08:3\d \(Europe/London\)", out)
    # On the Slack stand-in: the digest in the managers' channel, its chart a PNG file in its thread.
    digests = tour.slack["social-managers"]
    assert digests and any("Daily digest" in str(m.blocks) for m in digests)
    for digest in digests:  # on a Monday morning the weekly review comes too, with its own chart
        [reply] = [r for r in digest.replies if r.files]
        [chart] = [tour.files[f] for f in reply.files]
        assert chart.completed and chart.content is not None and chart.content.startswith(PNG_SIGNATURE)
        assert chart.filename.startswith("digest-") and chart.filename.endswith(".png")
        assert chart.title and "SLA" in chart.title and chart.alt_txt
        # The terminal cannot draw it: it names the file and size, and saves it for a person to open.
        assert f"📎 {chart.filename} · {len(chart.content) / 1024:.0f} KB" in out
        [saved] = [p for p in tour.files_dir.iterdir() if p.name.endswith(chart.filename)]
        assert f"saved for you to open: {saved}" in out and saved.read_bytes() == chart.content


def test_the_tour_plays_a_crisis_from_the_spike_to_the_review(tour: Tour) -> None:
    out, stage = tour.out, tour.stage
    act = out[out.index("› spike") :]
    # The spike, then ONE early warning in the duty channel, naming priya: no single-post reach warning
    # for the big accounts in the spike (the spike warning covers their topic). The one reach warning
    # is day one's: a 1.2M-follower news account reporting the outage.
    assert "40 posts in 5 simulated minutes" in act
    duty = tour.slack["social-duty"]
    [warning] = [m for m in duty if _block_ids(m, "crisis-warning:")]
    [reach] = [m for m in duty if _block_ids(m, "crisis-reach:")]
    assert "@verified_news" in str(reach.blocks) and out.index("@verified_news (1.2M followers)") < out.index(
        "› spike"
    )
    assert _block_ids(warning, "crisis-warning:head") and f"<@{PRIYA}>" in str(warning.blocks)
    assert "Early warning: negative posts are spiking (service-outage)" in act
    assert "→ click warning start|dismiss" in act
    # Started from the warning's form: the war room, its pinned card and checklist, the holding draft.
    assert "Accepted: Slack closes priya's form." in act
    assert f"✚ new message in #{ROOM}" in act and "🚨 Crisis 1: Login failures in EU" in act
    assert "Checklist: Service outage" in act and "Holding statement #1: draft, waiting for approval" in act
    room = tour.slack[ROOM]
    pins = [
        c for c in stage.standin.calls_to("pins.add") if isinstance(c.response, dict) and c.response["ok"]
    ]
    assert len(pins) == 2
    assert {MARIA, SAM, PRIYA, NORA} <= stage.standin.channel_members(ROOM)
    # The drafter's own approval is refused, privately; sam and nora approve.
    refusal = act.index("You drafted this text, and this playbook needs a second person to approve it.")
    assert "only visible to priya" in act[refusal - 300 : refusal]
    assert "You approved statement #1 as comms_lead. Still waiting for legal." in act
    _statements_published_once(stage, tour.database)
    # The crisis reply comes first in maria's reply form for the new case in the war room.
    form = act[act.index("› click 58 reply") :]
    assert form.index("Crisis: Login failures in EU  (crisis-1)") < form.index("(outage-ack)")
    assert "replied 🌐 publicly (canned reply crisis-1)" in act
    [case_card] = [m for m in room if _block_ids(m, "case:58:")]
    assert case_card.replies, "the reply is logged in the card's thread, in the war room"
    # The update reminder, once, before the update was due; then the update, the end and the review.
    reminders = [m for m in room if "⏰" in m.text]
    assert len(reminders) == 1 and "The next update is due at" in reminders[0].text
    assert "Crisis reminders: 1 update reminder(s) posted in the war room." in act
    assert act.index("⏰ The next update is due") < act.index("› as sam /crisis update")
    [review] = [m for m in room if _block_ids(m, "crisis-review:")]
    assert "📋 Crisis 1 review: Login failures in EU" in act
    [chart] = [tour.files[f] for reply in review.replies for f in reply.files]
    assert chart.content is not None and chart.content.startswith(PNG_SIGNATURE)
    assert f"saved for you to open: {tour.files_dir}" in act
    # `channel <war room>` shows the channel created during the run, by its name.
    shown = out[out.rindex(f"› channel {ROOM}") :]
    assert "✅ Crisis 1: Login failures in EU" in shown and "📋 Crisis 1 review" in shown


def _statements_published_once(stage: Stage, database: Path) -> None:
    x, graph = stage.platforms.x, stage.platforms.graph
    tweets = [p["text"] for p in x.posted if not p.get("reply")]
    page = [c.params["message"] for c in graph.calls_to("feed")]
    assert len(tweets) == len(set(tweets)) == 3 and len(page) == len(set(page)) == 3
    assert tweets[0].startswith("Login failures in EU") and tweets[1].startswith("Update ")
    assert "Login works again for most customers" in tweets[1] and tweets[2].startswith("Resolved ")
    engine = create_engine(f"sqlite:///{database}")
    try:
        with Session(engine) as session:
            crisis = session.get(Crisis, 1)
            statements = session.exec(select(CrisisStatement).order_by(col(CrisisStatement.id))).all()
            approvals = session.exec(select(CrisisApproval)).all()
    finally:
        engine.dispose()
    assert crisis is not None and crisis.status is CrisisStatus.ENDED
    assert [(s.kind, s.status) for s in statements] == [
        (kind, StatementStatus.PUBLISHED) for kind in ("holding", "update", "resolution")
    ]
    drafters = {s.id: s.drafted_by for s in statements}
    assert {(a.statement_id, a.approver) for a in approvals} == {
        (1, SAM),
        (1, NORA),
        (2, PRIYA),
        (2, NORA),
        (3, SAM),
        (3, NORA),
    }
    assert all(a.approver != drafters[a.statement_id] for a in approvals), "two people, always"


def _block_ids(message: StoredMessage, *prefixes: str) -> list[str]:
    ids = [str(b.get("block_id", "")) for b in message.blocks or []]
    return [i for i in ids if i.startswith(prefixes)]
