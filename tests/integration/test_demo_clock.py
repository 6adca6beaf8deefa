"""The demo's simulated clock on a pinned day: one long `wait` still walks the night minute by minute
(every SLA level alerted, in order, each once), and a Monday morning brings the weekly review with the
daily digest, each with its own chart in its thread."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from socialdesk.demo import runner
from socialdesk.demo.changes import PNG_SIGNATURE
from socialdesk.demo.steps import Stage
from socialdesk.standin import StoredMessage
from socialdesk.standin.models import StoredFile

SUNDAY_NOON = datetime(2026, 11, 29, 12, 0, tzinfo=UTC)  # the demo's day: Sunday, from 09:40 London


def test_one_wait_through_the_night_to_a_monday_morning(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    seen: dict[str, list[StoredMessage]] = {}
    files: dict[str, StoredFile] = {}

    def on_finish(stage: Stage) -> None:
        seen.update({name: stage.standin.messages(name) for name in ("social-duty", "social-managers")})
        files.update({f.id: f for f in stage.standin.files()})

    code = runner.run_demo(
        commands=["time", "wait until 08:00 tomorrow", "digest"],
        db_path=tmp_path / "demo.db",
        width=200,
        on_finish=on_finish,
        files_dir=tmp_path / "files",
        now=SUNDAY_NOON,
    )
    out = capsys.readouterr().out
    assert code == 0, out[-3000:]
    # The feed's last items (the WhatsApp, Threads and Bluesky messages) come at 10:02.
    assert "It is Sun 29 Nov 10:02 (Europe/London)." in out
    # Nobody answered anything: the night's scans alert each level as it comes due (each case goes
    # amber before red before the page, so the first of each level comes in that order too).
    levels = ["at risk (nudged", "breached (one grouped", "(duty lead paged)", "Mon 30 Nov 08:00 ──"]
    firsts = [out.index(level) for level in levels]
    assert firsts == sorted(firsts)
    assert seen["social-duty"] and all("<@U0MANAGER1>" in str(m.blocks) for m in seen["social-duty"])
    # Monday 08:00: Sunday's digest and the week's review, each with its chart in its own thread.
    daily, weekly = seen["social-managers"]
    assert "Daily digest · Sun 29 Nov 2026" in str(daily.blocks) and "Weekly review" in str(weekly.blocks)
    for post in (daily, weekly):
        [chart] = [files[f] for reply in post.replies for f in reply.files]
        assert chart.content is not None and chart.content.startswith(PNG_SIGNATURE)
    assert sorted(p.suffix for p in (tmp_path / "files").iterdir()) == [".png", ".png"]
    # A second run of the digest job finds both periods sent: nothing twice.
    assert "no digest due" in out.rsplit("› digest", 1)[1]
