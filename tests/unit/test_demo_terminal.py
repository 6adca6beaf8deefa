"""The demo's terminal view of Slack channels: readable, faithful, and safe against what customers type."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st
from rich.console import Console, RenderableType
from rich.text import Text

from socialdesk.demo.terminal import mrkdwn_to_rich, render_channel, render_message
from socialdesk.domain.case_view import AuthorView, CaseView, MentionView
from socialdesk.domain.enums import CaseStatus, Category, MentionKind, Platform, Priority, Sentiment
from socialdesk.slack.blocks.cards import render_case_card, render_followup

NOW = datetime(2024, 11, 20, 14, 0, tzinfo=UTC)
USERS = {"U0AGENT1": "sam", "U0AGENT2": "priya"}


def export(renderable: RenderableType) -> str:
    console = Console(record=True, width=100, color_system=None)
    console.print(renderable)
    return console.export_text()


def plain(markup: str) -> str:
    """What a reader sees once the markup is applied."""
    return Text.from_markup(markup).plain


def styles_at(markup: str, needle: str) -> set[str]:
    text = Text.from_markup(markup)
    start = text.plain.index(needle)
    return {str(span.style) for span in text.spans if span.start <= start < span.end}


def card_message(**case_overrides: Any) -> dict[str, Any]:
    author = AuthorView("1001", "jane_doe", "Jane Doe", 48_213, True, "https://x.com/jane_doe")
    first = MentionView(
        id=7,
        case_id=42,
        platform=Platform.X,
        kind=MentionKind.POST,
        is_private=False,
        author=author,
        text_masked="Charged twice! Email me at [email] [bold]now[/bold]",
        url="https://x.com/jane_doe/status/1859",
        posted_at=NOW - timedelta(minutes=10),
        sentiment=Sentiment.NEGATIVE,
        sentiment_score=-0.62,
    )
    fields: dict[str, Any] = dict(
        id=42,
        platform=Platform.X,
        status=CaseStatus.CLAIMED,
        priority=Priority.P2,
        priority_reason="negative complaint, 48k followers",
        category=Category.COMPLAINT,
        sentiment=Sentiment.NEGATIVE,
        sentiment_score=-0.62,
        is_private=False,
        team="care",
        author=author,
        first=first,
        opened_at=NOW - timedelta(minutes=9),
        first_response_due=NOW + timedelta(minutes=12),
        first_response_at=None,
        assignee="U0AGENT1",
        mention_count=2,
        now=NOW,
    )
    fields.update(case_overrides)
    card = render_case_card(CaseView(**fields))
    followup = render_followup(
        MentionView(
            id=8,
            case_id=42,
            platform=Platform.X,
            kind=MentionKind.REPLY,
            is_private=False,
            author=author,
            text_masked="Still nothing. Card ending [card].",
            url=None,
            posted_at=NOW - timedelta(minutes=8),
            sentiment=Sentiment.NEGATIVE,
            sentiment_score=-0.4,
        ),
        first_posted_at=NOW - timedelta(minutes=10),
    )
    ts = f"{NOW.timestamp():.6f}"
    return {
        "ts": ts,
        "text": card.text,
        "blocks": card.blocks,
        "replies": [
            {"ts": ts, "thread_ts": ts, "text": followup.text, "blocks": followup.blocks},
            {
                "ts": ts,
                "thread_ts": ts,
                "user": "U0AGENT2",
                "text": "on it, <@U0AGENT1> *checking* the refund",
            },
        ],
    }


# --- whole messages -------------------------------------------------------------------------------


def test_case_card_renders_readably() -> None:
    out = export(render_message(card_message(), channel_name="social-care", users=USERS))
    assert "#social-care" in out
    assert "🟠 #42 · P2 · X complaint · Claimed" in out
    assert "Claimed by @sam" in out  # <@U0AGENT1> resolved through the users map
    assert "Jane Doe @jane_doe · ✔ verified · 48k followers" in out
    # The masked text, with the customer's fake markup shown literally rather than applied.
    assert "Charged twice! Email me at [email] [bold]now[/bold]" in out
    assert "due in 12 min" in out
    assert "20 Nov 2024 14:12 UTC" in out  # a <!date^...|fallback> shows its fallback
    assert "<!date" not in out and "<@" not in out


def test_buttons_and_the_command_to_click_them() -> None:
    out = export(render_message(card_message(), channel_name="social-care", users=USERS))
    assert (
        "[ Claim ] [ Reply ] [ Escalate ] [ Resolve ] [⋯ Private reply | Unclaim | Assign… | Mark spam" in out
    )
    assert "click #42 claim|reply|escalate|resolve|private_reply|unclaim|assign|mark_spam|show_history" in out


def test_resolved_card_shows_only_reopen() -> None:
    out = export(render_message(card_message(status=CaseStatus.RESOLVED), channel_name="c", users=USERS))
    assert "[ Reopen ]" in out
    assert "[ Claim ]" not in out
    assert "click #42 reopen" in out


def test_thread_replies_are_indented_under_the_message() -> None:
    out = export(render_message(card_message(), channel_name="social-care", users=USERS))
    lines = out.splitlines()
    top = next(line for line in lines if "Charged twice" in line)
    follow = next(line for line in lines if "Still nothing" in line)
    note = next(line for line in lines if "checking" in line)
    markers = [line for line in lines if "↳" in line]
    assert len(markers) == 2
    indent = _indent(top)
    assert all(_indent(line) > indent for line in (follow, note, *markers))
    assert "↳ @priya · 14:00:00" in out
    assert "on it, @sam checking the refund" in note
    assert "Follow-up from Jane Doe @jane_doe · 2 min after the first post" in out
    assert "2 replies" in out


def _indent(line: str) -> int:
    inner = line.lstrip("│ ")  # the panel border and its padding
    return len(line) - len(inner)


def test_channel_lists_messages_and_says_when_empty() -> None:
    empty = export(render_channel("social-care", [], USERS))
    assert "#social-care" in empty and "(no messages yet)" in empty
    plain_message = {"ts": "1732111200.000100", "user": "U0AGENT2", "text": "Shift handover: _all quiet_"}
    out = export(render_channel("social-care", [card_message(), plain_message], USERS))
    assert out.index("#42") < out.index("Shift handover: all quiet")
    assert "@priya · 14:00:00" in out


def test_unknown_and_odd_messages_do_not_crash() -> None:
    message = {
        "ts": "not-a-ts",
        "text": "fallback",
        "blocks": [
            {"type": "video", "title": {"type": "plain_text", "text": "t"}},
            {"type": "image", "image_url": "https://x/y.png", "alt_text": "a chart"},
            {"type": "divider"},
            {"type": "rich_text", "elements": [{"type": "rich_text_section", "elements": [
                {"type": "text", "text": "typed by "}, {"type": "user", "user_id": "U0AGENT1"}]}]},
            "not a block",
        ],
    }  # fmt: skip
    out = export(render_message(message, channel_name="c", users=USERS))
    assert "[video block]" in out
    assert "a chart" in out
    assert "typed by @sam" in out
    assert "(empty message)" in export(render_message({"ts": "1"}, channel_name="c", users={}))


# --- mrkdwn_to_rich -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("mrkdwn", "seen"),
    [
        ("*bold* and _italic_ and ~gone~ and `code`", "bold and italic and gone and code"),
        ("<https://x.com/jane|@jane> wrote", "@jane wrote"),
        ("see <https://example.com>", "see https://example.com"),
        ("<@U0AGENT1> and <@U0NOBODY> and <@U0X|legacy>", "@sam and @U0NOBODY and @legacy"),
        ("<#C123|social-care> <!here> <!subteam^S1|@oncall>", "#social-care @here @oncall"),
        ("due <!date^1732111920^{date_short_pretty} {time}|20 Nov 14:12 UTC>", "due 20 Nov 14:12 UTC"),
        ("a &lt;b&gt; &amp;lt; c", "a <b> &lt; c"),
        ("snake_case_name and 2*3*4", "snake_case_name and 2*3*4"),
        ("*<https://x.com|bold link>*", "bold link"),
        ("> quoted\nnot quoted", "▎ quoted\nnot quoted"),
        ("&gt; not a quote", "> not a quote"),
        (">>> all\nof this", "▎ all\n▎ of this"),
        ("<javascript:alert(1)|click me>", "click me"),
        (":x: no :notanemoji: 12:30:45", "❌ no :notanemoji: 12:30:45"),  # emoji codes, as Slack shows them
    ],
)
def test_mrkdwn_reads_like_slack(mrkdwn: str, seen: str) -> None:
    assert plain(mrkdwn_to_rich(mrkdwn, USERS)) == seen


def test_mrkdwn_styles() -> None:
    markup = mrkdwn_to_rich("*b* _i_ <https://x.com/a b]c|site> <@U0AGENT1>\n> quoted", USERS)
    assert "bold" in styles_at(markup, "b")
    assert "italic" in styles_at(markup, "i ")
    link_styles = styles_at(markup, "site")
    assert any("link https://x.com/a%20b%5Dc" in s for s in link_styles), link_styles
    assert "bold cyan" in styles_at(markup, "@sam")
    assert "dim" in styles_at(markup, "quoted")


def test_unsafe_links_are_not_clickable() -> None:
    markup = mrkdwn_to_rich("<javascript:alert(1)|click me>", USERS)
    assert "link" not in markup


@pytest.mark.parametrize(
    "hostile",
    [
        "[bold]shout[/bold]",
        "[link=https://evil.example]bank[/link]",
        "[/]",
        "\\[red]x",
        "trailing \\",
        "trailing \\\\\\",
        "\\[ not a tag",
        "\\\\[[b]",
        "*bold ending in backslash\\*",
        "*bold ending in three\\\\\\*",
        "_it\\_ [b]",
        "[",
        "]",
        ":smile",
    ],
)
def test_customer_text_cannot_inject_markup(hostile: str) -> None:
    markup = mrkdwn_to_rich(hostile, USERS)
    text = Text.from_markup(markup)  # must not raise
    # Whatever survives is the customer's characters, minus only the mrkdwn format markers.
    expected = re.sub(r"(?<!\w)[*_](?=\S)(.+?)(?<=\S)[*_](?!\w)", r"\1", hostile)
    assert text.plain == expected
    assert not [s for s in text.spans if "link" in str(s.style) or str(s.style) in ("red", "b")]


def test_terminal_control_characters_are_stripped() -> None:
    hostile = "\x1b]0;pwned\x07\x1b[2Jclear\x1b[31m red\x08\x00 \u202egnp.exe"
    shown = plain(mrkdwn_to_rich(hostile, USERS))
    assert "\x1b" not in shown and "\x07" not in shown and "\x00" not in shown and "\u202e" not in shown
    assert "clear" in shown and "red" in shown
    message = {
        "ts": "1",
        "blocks": [{"type": "header", "text": {"type": "plain_text", "text": "hi\x1b[2J"}}],
        "user": "U\x1b[31m",
    }
    assert "\x1b" not in export(render_message(message, channel_name="c\x1b[2J", users={}))


# Characters with no meaning in mrkdwn: such text must come through exactly (minus control characters).
_PLAIN = st.text(alphabet=st.characters(codec="utf-8", exclude_characters="*_~`<>&\r"), max_size=60)


@settings(max_examples=300, deadline=None)
@given(_PLAIN)
# Found by hypothesis: rich turns any "\\[" in plain text into "[", tag or not, so the backslash was lost.
@example("\\[")
@example("a\\[b")
@example("\\\\[")
@example("\\[\\")
@example("x\\[[a]")
def test_any_plain_text_survives_exactly(raw: str) -> None:
    expected = re.sub(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]", "", raw)
    lines = expected.split("\n")
    # Lines starting with '>' are quotes (in real Slack text a customer's '>' arrives as &gt;).
    if any(line.startswith(">") for line in lines):
        return
    # A ':name:' may be an emoji code (':x:' shows as ❌, in Slack and here): not plain text either.
    if re.search(r":\S+?:", expected):
        return
    assert plain(mrkdwn_to_rich(raw, {})) == expected


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=60))
def test_any_text_renders_without_markup_errors(raw: str) -> None:
    Text.from_markup(mrkdwn_to_rich(raw, USERS))
    Text.from_markup(mrkdwn_to_rich(f"*{raw}* <https://x.com/{raw}|{raw}>", USERS))
