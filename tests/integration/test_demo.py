"""`socialdesk demo --script` end to end: every platform's card in the right channel, a follow-up in a
thread, masked personal data, then the tour works the queue (claim, a canned public reply through the
reply form, private replies, an escalation, an assignment, a resolve, a brand-voice refusal, a claim
race) with the replies reaching the local X, Graph and generic-receiver stand-ins; exit code 0."""

from __future__ import annotations

import functools
import re
from pathlib import Path

import pytest
from sqlmodel import Session, create_engine
from typer.testing import CliRunner

from bot.cli import cli
from bot.demo import runner
from bot.demo.steps import Stage
from bot.domain.enums import CaseStatus
from bot.domain.models import Case
from bot.settings import PROJECT_ROOT

TOUR = PROJECT_ROOT / "demo-tour.txt"
MARIA, SAM = "U0AGENT01", "U0AGENT02"
DANA_FOLLOW_UP = "1860000000000000002"  # a reply answers the customer's latest post in the thread


def test_the_tour_works_the_queue_and_reaches_the_platforms(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    finished: list[Stage] = []  # the stand-ins keep what they accepted after they stop
    monkeypatch.setattr(runner, "run_demo", functools.partial(runner.run_demo, on_finish=finished.append))
    database = tmp_path / "demo.db"
    result = CliRunner().invoke(cli, ["demo", "--script", str(TOUR), "--db", str(database), "--width", "220"])
    out = result.output
    assert result.exit_code == 0, out[-3000:]
    [stage] = finished
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
    assert "replies the platforms accepted: on X 1 public and 1 private; through the Graph API 3" in out
    _platforms_got_the_replies(stage)
    _cases_ended_as_worked(database)


def _platforms_got_the_replies(stage: Stage) -> None:
    x, graph, generic = stage.platforms.x, stage.platforms.graph, stage.platforms.generic
    [post] = x.posted
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
    assert (
        note.node == private.params["recipient"]["comment_id"] and "sent you a DM" in note.params["message"]
    )
    [reddit] = generic.received
    assert reddit.body["in_reply_to"] == "t3_1abcde" and reddit.body["visibility"] == "public"
    assert reddit.body["text"].endswith("^SA")  # sam answered it


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


def test_demo_reads_commands_from_stdin_when_not_a_terminal(tmp_path: Path) -> None:
    result = CliRunner().invoke(
        cli, ["demo", "--db", str(tmp_path / "demo.db")], input="/social queue\nquit\n"
    )
    assert result.exit_code == 0, result.output[-2000:]
    assert "Open cases" in result.output
