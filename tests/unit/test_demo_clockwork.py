"""The demo's simulated time, piece by piece: reading `wait` lines (durations, local times, DST), the day
the demo starts on, the config it runs with, and how shared files, user groups and alert buttons show."""

from __future__ import annotations

import struct
import zlib
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from rich.console import Console, RenderableType

from socialdesk.config import load_config
from socialdesk.demo.changes import PNG_SIGNATURE, _describe_file, _gist
from socialdesk.demo.clockwork import wait_target
from socialdesk.demo.pretend_user import DemoInputError, _match
from socialdesk.demo.runner import DEMO_LEAD, demo_config, demo_start
from socialdesk.demo.terminal import mrkdwn_to_rich, render_message
from socialdesk.samples import sample_config_path
from socialdesk.slack.ids import AlertActionId, encode_case_value
from socialdesk.standin.models import StoredFile
from socialdesk.standin.workspace import DEFAULT_USERGROUPS

LONDON = "Europe/London"
TUESDAY_1023 = datetime(2026, 11, 24, 10, 23, 30, tzinfo=UTC)  # London is on GMT in November


def export(renderable: RenderableType) -> str:
    console = Console(record=True, width=100, color_system=None)
    console.print(renderable)
    return console.export_text()


@pytest.mark.parametrize(
    ("words", "later"),
    [
        (["12m"], timedelta(minutes=12)),
        (["12", "min"], timedelta(minutes=12)),
        (["1h30m"], timedelta(hours=1, minutes=30)),
        (["2d"], timedelta(days=2)),
    ],
)
def test_wait_for_a_duration(words: list[str], later: timedelta) -> None:
    assert wait_target(words, TUESDAY_1023, LONDON) == TUESDAY_1023 + later


@pytest.mark.parametrize(
    ("words", "expected"),
    [
        (["until", "08:00", "tomorrow"], datetime(2026, 11, 25, 8, 0, tzinfo=UTC)),
        (["until", "tomorrow", "8:00"], datetime(2026, 11, 25, 8, 0, tzinfo=UTC)),
        (["until", "08:00"], datetime(2026, 11, 25, 8, 0, tzinfo=UTC)),  # today's has passed: the next
        (["until", "11:00"], datetime(2026, 11, 24, 11, 0, tzinfo=UTC)),
        (["until", "11:00", "today"], datetime(2026, 11, 24, 11, 0, tzinfo=UTC)),
    ],
)
def test_wait_until_a_local_time(words: list[str], expected: datetime) -> None:
    assert wait_target(words, TUESDAY_1023, LONDON) == expected


def test_wait_until_tomorrow_morning_across_the_clock_change() -> None:
    # Saturday 24 Oct 2026, 10:00 BST; the clocks go back overnight, so Sunday 08:00 is 08:00 UTC.
    saturday = datetime(2026, 10, 24, 9, 0, tzinfo=UTC)
    assert wait_target(["until", "08:00", "tomorrow"], saturday, LONDON) == datetime(
        2026, 10, 25, 8, 0, tzinfo=UTC
    )
    assert wait_target(["until", "08:00", "tomorrow"], saturday, LONDON) - saturday == timedelta(hours=23)


@pytest.mark.parametrize(
    ("words", "reason"),
    [
        ([], "Wait how long?"),
        (["12"], "is not a duration"),
        (["soon"], "is not a duration"),
        (["until", "25:00"], "is not a time of day"),
        (["until", "08:00", "yesterday"], "is not a time of day"),
        (["until", "08:00", "09:00"], "is not a time of day"),
        (["until", "10:00", "today"], "Time only moves forward"),
        (["0m"], "Time only moves forward"),
        (["8d"], "at most 7 days"),
    ],
)
def test_wait_refuses_what_it_cannot_read(words: list[str], reason: str) -> None:
    with pytest.raises(DemoInputError, match=reason):
        wait_target(words, TUESDAY_1023, LONDON)


@pytest.mark.parametrize(
    ("now", "start"),
    [
        (datetime(2026, 11, 24, 12, 0, tzinfo=UTC), datetime(2026, 11, 24, 9, 40, tzinfo=UTC)),
        (datetime(2026, 11, 24, 9, 40, tzinfo=UTC), datetime(2026, 11, 24, 9, 40, tzinfo=UTC)),
        (datetime(2026, 11, 24, 8, 0, tzinfo=UTC), datetime(2026, 11, 23, 9, 40, tzinfo=UTC)),
        (datetime(2026, 7, 1, 12, 0, tzinfo=UTC), datetime(2026, 7, 1, 8, 40, tzinfo=UTC)),  # BST
    ],
)
def test_the_demo_day_starts_at_the_latest_0940_london_time(now: datetime, start: datetime) -> None:
    assert demo_start(now, LONDON) == start


def test_the_demo_config_has_a_duty_lead_on_call_groups_and_no_digest_catch_up() -> None:
    config = demo_config(load_config(sample_config_path()))
    assert config.duty_leads == [DEMO_LEAD] and DEMO_LEAD in config.roles.leads
    assert {team.oncall_group for team in config.teams} == {DEFAULT_USERGROUPS[0].id}
    assert config.digest.catch_up_hours == 0


def test_a_shared_file_is_listed_under_its_message() -> None:
    message = {
        "ts": "1764064801.000100",
        "text": "",
        "files": [
            {"id": "F1", "name": "digest-daily-2026-11-24.png", "size": 54_900, "title": "Cases per hour"},
            "F2",
        ],
    }
    out = export(render_message(message, channel_name="social-managers", users={}))
    assert "📎 digest-daily-2026-11-24.png · 54 KB" in out and "Cases per hour" in out
    assert "📎 file F2" in out and "(empty message)" not in out


def test_a_png_is_described_by_its_size_and_pixels() -> None:
    png = _png(320, 200)
    stored = StoredFile("F1", "chart.png", len(png), 0, "U1", title="Hourly volume", content=png)
    assert (
        _describe_file(stored)
        == f"chart.png (a PNG image, 320 x 200 px, {len(png)} bytes) titled “Hourly volume”"
    )


def test_user_groups_are_named_like_slack_names_them() -> None:
    assert mrkdwn_to_rich("<!subteam^S0SOCIAL01> who takes it?", {"S0SOCIAL01": "social-team"}).startswith(
        "[bold yellow]@social-team[/bold yellow]"
    )
    assert "@subteam" in mrkdwn_to_rich("<!subteam^S0UNKNOWN>", {})


def test_a_fast_forward_shows_a_cards_top_and_only_its_new_replies() -> None:
    card = {
        "ts": "1.0",
        "text": "card",
        "blocks": [
            {"type": "header", "block_id": "case:9:header"},
            {"type": "context", "block_id": "case:9:status"},
            {"type": "section", "block_id": "case:9:author"},
            {"type": "section", "block_id": "case:9:text"},
            {"type": "actions", "block_id": "case:9:actions"},
        ],
        "replies": [{"text": "old"}, {"text": "nudge"}],
    }
    gist = _gist(card, replies_before=1)
    assert [b["block_id"] for b in gist["blocks"]] == ["case:9:header", "case:9:status", "case:9:text"]
    assert gist["replies"] == [{"text": "nudge"}]


def test_the_snooze_button_on_a_breach_alert_can_be_clicked() -> None:
    button: dict[str, Any] = {
        "type": "button",
        "action_id": AlertActionId.SNOOZE_HOUR.value,
        "value": encode_case_value(13),
        "text": {"type": "plain_text", "text": "Snooze 1 h"},
    }
    assert _match(button, 13, "snooze") is not None
    assert _match(button, 12, "snooze") is None and _match(button, 13, "claim") is None


def _png(width: int, height: int) -> bytes:
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    header = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    return PNG_SIGNATURE + chunk(b"IHDR", header) + chunk(b"IEND", b"")
