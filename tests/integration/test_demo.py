"""`socialdesk demo --script` end to end: every platform's card in the right channel, a follow-up in a
thread, masked personal data, buttons, private answers to commands, exit code 0."""

from __future__ import annotations

import re
from pathlib import Path

from typer.testing import CliRunner

from bot.cli import cli
from bot.settings import PROJECT_ROOT

TOUR = PROJECT_ROOT / "demo-tour.txt"


def test_demo_script_runs_unattended_and_shows_the_product(tmp_path: Path) -> None:
    result = CliRunner().invoke(
        cli, ["demo", "--script", str(TOUR), "--db", str(tmp_path / "demo.db"), "--width", "140"]
    )
    out = result.output
    assert result.exit_code == 0, out[-3000:]
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
    assert "There is no case #999." in out
    assert "not a /social command" in out
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
