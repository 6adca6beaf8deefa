"""Case cards as Block Kit: Slack's limits, the wording agents rely on, and the button payload codec."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from socialdesk.domain.case_view import AuthorView, CaseView, HistoryView, MentionView
from socialdesk.domain.enums import CaseStatus, Category, MentionKind, Platform, Priority, Sentiment
from socialdesk.slack.blocks.cards import (
    SlackMessage,
    history_summary,
    render_case_card,
    render_followup,
    render_history,
)
from socialdesk.slack.blocks.kit import (
    compact_count,
    duration,
    header_block,
    quote,
    text_units,
    truncate,
    truncate_escaped,
)
from socialdesk.slack.ids import (
    ActionId,
    CallbackId,
    OverflowOption,
    case_block_id,
    decode_case_value,
    decode_overflow_value,
    decode_triage_value,
    encode_case_value,
    encode_overflow_value,
)

# The other engineer's validator is an extra opinion, not a prerequisite: the structural checks below
# stand on their own.
_validate_blocks: Callable[..., list[str]] | None
try:
    from socialdesk.standin.blockkit import validate_blocks as _validate_blocks
except ImportError:  # pragma: no cover - depends on what else is checked out
    _validate_blocks = None

NOW = datetime(2024, 11, 20, 14, 0, tzinfo=UTC)


# --- fixtures -------------------------------------------------------------------------------------


def make_author(**overrides: Any) -> AuthorView:
    base: dict[str, Any] = dict(
        id="1001",
        handle="jane_doe",
        name="Jane Doe",
        followers=48_213,
        verified=True,
        url="https://x.com/jane_doe",
    )
    base.update(overrides)
    return AuthorView(**base)


def make_mention(**overrides: Any) -> MentionView:
    base: dict[str, Any] = dict(
        id=7,
        case_id=42,
        platform=Platform.X,
        kind=MentionKind.POST,
        is_private=False,
        author=make_author(),
        text_masked="Charged twice for one order. Email me at [email] or call [phone].",
        url="https://x.com/jane_doe/status/1859",
        posted_at=NOW - timedelta(minutes=10),
        sentiment=Sentiment.NEGATIVE,
        sentiment_score=-0.62,
    )
    base.update(overrides)
    return MentionView(**base)


def make_case(**overrides: Any) -> CaseView:
    first = overrides.pop("first", None) or make_mention(
        **{k: overrides.pop(k) for k in ("text_masked",) if k in overrides}
    )
    base: dict[str, Any] = dict(
        id=42,
        platform=Platform.X,
        status=CaseStatus.NEW,
        priority=Priority.P2,
        priority_reason="negative complaint, 48k followers",
        category=Category.COMPLAINT,
        sentiment=Sentiment.NEGATIVE,
        sentiment_score=-0.62,
        is_private=False,
        team="care",
        author=make_author(),
        first=first,
        opened_at=NOW - timedelta(minutes=9),
        first_response_due=NOW + timedelta(minutes=12),
        first_response_at=None,
        assignee=None,
        mention_count=1,
        history=HistoryView(),
        now=NOW,
    )
    base.update(overrides)
    return CaseView(**base)


# --- a structural Block Kit check, independent of any other module ----------------------------------


def assert_within_limits(message: SlackMessage) -> None:
    """What Slack would refuse with invalid_blocks, checked from first principles."""
    blocks = message.blocks
    assert message.text.strip(), "a message needs fallback text"
    assert 1 <= len(blocks) <= 50
    json.dumps(blocks)  # must be JSON-serialisable as posted
    block_ids = [block["block_id"] for block in blocks]
    assert len(set(block_ids)) == len(block_ids), f"duplicate block_id in {block_ids}"
    for block in blocks:
        assert 0 < len(block["block_id"]) <= 255
        kind = block["type"]
        if kind == "header":
            _assert_text(block["text"], 150, plain_only=True)
        elif kind == "section":
            assert "text" in block or block.get("fields")
            if "text" in block:
                _assert_text(block["text"], 3000)
            assert len(block.get("fields", [])) <= 10
            for field in block.get("fields", []):
                _assert_text(field, 2000)
        elif kind == "context":
            assert 1 <= len(block["elements"]) <= 10
            for element in block["elements"]:
                _assert_text(element, 3000)
        elif kind == "actions":
            elements = block["elements"]
            assert 1 <= len(elements) <= 25
            assert sum(1 for e in elements if e.get("style") == "primary") <= 1, "at most one primary"
            for element in elements:
                _assert_element(element)
        else:
            assert kind == "divider", f"unexpected block type {kind}"
    if _validate_blocks is not None:
        assert _validate_blocks(blocks, surface="message") == []


def _assert_text(obj: dict[str, Any], limit: int, *, plain_only: bool = False) -> None:
    assert obj["type"] in (("plain_text",) if plain_only else ("plain_text", "mrkdwn"))
    assert obj["text"], "Slack refuses empty text"
    # UTF-16 units: never less than len(), so this holds however Slack counts.
    assert text_units(obj["text"]) <= limit, f"{text_units(obj['text'])} > {limit}"


def _assert_element(element: dict[str, Any]) -> None:
    assert 0 < len(element["action_id"]) <= 255
    assert element["action_id"] in {a.value for a in ActionId}
    if element["type"] == "button":
        _assert_text(element["text"], 75, plain_only=True)
        assert 0 < len(element["value"]) <= 2000
        assert element.get("style") in (None, "primary", "danger")
    elif element["type"] == "static_select":
        _assert_text(element["placeholder"], 150, plain_only=True)
        groups = element["option_groups"]
        assert 1 <= len(groups) <= 100
        options = [o for g in groups for o in g["options"]]
        assert 1 <= len(options) <= 100
        for group in groups:
            _assert_text(group["label"], 75, plain_only=True)
        for option in options:
            _assert_text(option["text"], 75, plain_only=True)
            assert 0 < len(option["value"]) <= 150
    else:
        assert element["type"] == "overflow"
        assert 2 <= len(element["options"]) <= 5
        for option in element["options"]:
            _assert_text(option["text"], 75, plain_only=True)
            assert 0 < len(option["value"]) <= 150


def block(message: SlackMessage, part: str, case_id: int = 42) -> dict[str, Any]:
    wanted = case_block_id(case_id, part)
    return next(b for b in message.blocks if b["block_id"] == wanted)


def all_text(message: SlackMessage) -> str:
    return json.dumps(message.blocks, ensure_ascii=False)


def section_text(message: SlackMessage, part: str) -> str:
    return str(block(message, part)["text"]["text"])


def context_text(message: SlackMessage, part: str) -> str:
    return " ".join(e["text"] for e in block(message, part)["elements"])


def fields(message: SlackMessage) -> dict[str, str]:
    out = {}
    for field in block(message, "facts")["fields"]:
        title, _, body = field["text"].partition("\n")
        out[title.strip("*")] = body
    return out


def buttons(message: SlackMessage) -> list[dict[str, Any]]:
    return list(block(message, "actions")["elements"])


# --- ids and the value codec ----------------------------------------------------------------------


def test_action_ids_are_the_documented_strings() -> None:
    assert [a.value for a in ActionId] == [
        "case.claim",
        "case.reply",
        "case.escalate",
        "case.resolve",
        "case.overflow",
        "case.unclaim",
        "case.reopen",
        "case.triage",
    ]
    assert [o.value for o in OverflowOption] == [
        "private_reply",
        "unclaim",
        "assign",
        "mark_spam",
        "show_history",
    ]
    assert ActionId.CLAIM.verb == "claim"
    assert len({c.value for c in CallbackId}) == len(CallbackId)


@pytest.mark.parametrize("case_id", [1, 42, 10**12])
def test_case_value_round_trips(case_id: int) -> None:
    value = encode_case_value(case_id)
    assert json.loads(value) == {"v": 1, "case": case_id}
    assert decode_case_value(value) == case_id


@pytest.mark.parametrize("option", list(OverflowOption))
def test_overflow_value_round_trips_and_leads_with_the_option(option: OverflowOption) -> None:
    value = encode_overflow_value(42, option)
    assert value == f'{option.value}|{{"v":1,"case":42}}'
    assert decode_overflow_value(value) == (42, option)
    assert len(value) <= 150


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("", "not a socialdesk case value"),
        ("42", "no version"),
        ("not json", "not JSON"),
        ("[1, 2]", "no version"),
        ('{"case": 42}', "no version"),
        ('{"v": 2, "case": 42}', "unknown case value version 2"),
        ('{"v": true, "case": 42}', "unknown case value version"),
        ('{"v": 1}', "no valid case"),
        ('{"v": 1, "case": "42"}', "no valid case"),
        ('{"v": 1, "case": true}', "no valid case"),
        ('{"v": 1, "case": 0}', "no valid case"),
        ('{"v": 1, "case": 42, "admin": true}', "unexpected keys"),
        ("x" * 5000, "not a socialdesk case value"),
    ],
)
def test_decode_refuses_junk_with_a_clear_error(value: str, message: str) -> None:
    with pytest.raises(ValueError, match=re.escape(message)):
        decode_case_value(value)


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ('{"v":1,"case":42}', "expected 'option|case value'"),
        ('delete_all|{"v":1,"case":42}', "unknown option 'delete_all'"),
        ('mark_spam|{"v":9,"case":42}', "unknown case value version 9"),
        ("mark_spam|", "not a socialdesk case value"),
    ],
)
def test_decode_overflow_refuses_junk(value: str, message: str) -> None:
    with pytest.raises(ValueError, match=re.escape(message)):
        decode_overflow_value(value)


@pytest.mark.parametrize("bad", [0, -1, True])
def test_encode_refuses_impossible_case_ids(bad: int) -> None:
    with pytest.raises(ValueError):
        encode_case_value(bad)


# --- the card: limits and variants ----------------------------------------------------------------


@pytest.mark.parametrize("priority", list(Priority))
@pytest.mark.parametrize("status", list(CaseStatus))
def test_every_priority_and_status_renders_within_limits(priority: Priority, status: CaseStatus) -> None:
    assignee = None if status is CaseStatus.NEW else "U0AGENT1"
    message = render_case_card(make_case(priority=priority, status=status, assignee=assignee))
    assert_within_limits(message)
    assert message.blocks[0]["type"] == "header"


def test_priorities_have_distinct_colours_in_the_header() -> None:
    headers = {p: render_case_card(make_case(priority=p)).blocks[0]["text"]["text"] for p in Priority}
    emoji = {p: h.split(" ", 1)[0] for p, h in headers.items()}
    assert emoji == {Priority.P1: "🔴", Priority.P2: "🟠", Priority.P3: "🟡", Priority.P4: "🟢"}
    assert headers[Priority.P2] == "🟠 #42 · P2 · X complaint · New"


@pytest.mark.parametrize("platform", list(Platform.known()))
@pytest.mark.parametrize("category", list(Category))
def test_header_never_exceeds_150(platform: Platform, category: Category) -> None:
    # The largest id a BIGINT primary key can hold, and the longest status label.
    case = make_case(id=2**63 - 1, platform=platform, category=category, status=CaseStatus.WAITING_CUSTOMER)
    header = render_case_card(case).blocks[0]["text"]["text"]
    assert text_units(header) <= 150
    assert header.startswith(f"🟠 #{2**63 - 1} · P2 · {platform.label} ")


def test_header_builder_cuts_at_150() -> None:
    built = header_block("🔴 " + "x" * 500, block_id="case:1:header")
    assert text_units(built["text"]["text"]) == 150
    assert built["text"]["text"].endswith("…")


def test_new_case_offers_claim_as_the_one_primary_action() -> None:
    message = render_case_card(make_case())
    elements = buttons(message)
    assert [e["action_id"] for e in elements] == [
        "case.claim",
        "case.reply",
        "case.escalate",
        "case.resolve",
        "case.overflow",
        "case.triage",
    ]
    assert [e["text"]["text"] for e in elements[:4]] == ["Claim", "Reply", "Escalate", "Resolve"]
    styles = {e["action_id"]: e.get("style") for e in elements}
    assert styles == {
        "case.claim": "primary",
        "case.reply": None,
        "case.escalate": None,
        "case.resolve": None,
        "case.overflow": None,
        "case.triage": None,
    }
    overflow = elements[4]
    assert [o["text"]["text"] for o in overflow["options"]] == [
        "Private reply",
        "Unclaim",
        "Assign…",
        "Mark spam",
        "Show history",
    ]
    assert [decode_overflow_value(o["value"]) for o in overflow["options"]] == [
        (42, option) for option in OverflowOption
    ]


def test_claimed_case_moves_the_primary_to_reply_and_names_the_agent() -> None:
    message = render_case_card(make_case(status=CaseStatus.CLAIMED, assignee="U0AGENT1"))
    styles = {e["action_id"]: e.get("style") for e in buttons(message)}
    assert styles["case.reply"] == "primary"
    assert styles["case.claim"] is None
    assert context_text(message, "status").startswith("*Claimed by <@U0AGENT1>*")
    assert message.blocks[0]["text"]["text"].endswith("· Claimed")


def test_every_button_value_names_its_case() -> None:
    message = render_case_card(make_case(id=314))
    for element in block(message, "actions", case_id=314)["elements"]:
        if element["type"] == "button":
            assert decode_case_value(element["value"]) == 314
        elif element["type"] == "static_select":
            values = [o["value"] for g in element["option_groups"] for o in g["options"]]
            assert {decode_triage_value(v)[0] for v in values} == {314}
        else:
            assert {decode_overflow_value(o["value"])[0] for o in element["options"]} == {314}


@pytest.mark.parametrize("status", [CaseStatus.RESOLVED, CaseStatus.SPAM])
def test_closed_case_offers_reopen_only(status: CaseStatus) -> None:
    message = render_case_card(make_case(status=status, assignee="U0AGENT1"))
    elements = buttons(message)
    assert len(elements) == 1
    (reopen,) = elements
    assert reopen["action_id"] == ActionId.REOPEN == "case.reopen"
    assert reopen["text"]["text"] == "Reopen"
    assert decode_case_value(reopen["value"]) == 42
    assert "case.claim" not in all_text(message)
    assert_within_limits(message)


def test_block_ids_are_stable_and_unique_per_case() -> None:
    first = render_case_card(make_case())
    again = render_case_card(make_case())
    other = render_case_card(make_case(id=43))
    assert first == again  # same view, same card: chat.update is idempotent
    ids_42 = {b["block_id"] for b in first.blocks}
    ids_43 = {b["block_id"] for b in other.blocks}
    assert "case:42:actions" in ids_42
    assert not ids_42 & ids_43
    assert all(i.startswith("case:42:") for i in ids_42)


# --- the card: what it says -----------------------------------------------------------------------


def test_masked_text_is_what_shows_quoted_with_a_link_to_the_original() -> None:
    message = render_case_card(make_case())
    text = section_text(message, "text")
    assert text == "> Charged twice for one order. Email me at [email] or call [phone]."
    assert "<https://x.com/jane_doe/status/1859|View original on X>" in context_text(message, "source")


def test_multiline_text_is_quoted_on_every_line() -> None:
    message = render_case_card(make_case(text_masked="first line\n\nthird line"))
    assert section_text(message, "text") == "> first line\n>\n> third line"


def test_customer_text_cannot_ping_or_disguise_links() -> None:
    hostile = "hey <!channel> look <https://evil.example|your bank> & <@U0BOSS>"
    message = render_case_card(make_case(text_masked=hostile))
    text = section_text(message, "text")
    assert text == (
        "> hey &lt;!channel&gt; look &lt;https://evil.example|your bank&gt; &amp; &lt;@U0BOSS&gt;"
    )
    assert "<!channel>" not in message.text
    assert "<!channel>" not in all_text(message)


@pytest.mark.parametrize(
    "long_text",
    [
        "x" * 10_000,
        "word " * 2_000,
        "&" * 10_000,  # every character grows to five when escaped
        "line\n" * 5_000,  # quote markers cost budget too
        "😡" * 10_000,  # astral: two UTF-16 units each
    ],
    ids=["plain", "words", "ampersands", "lines", "emoji"],
)
def test_long_text_stays_under_3000_per_section(long_text: str) -> None:
    message = render_case_card(make_case(text_masked=long_text))
    assert_within_limits(message)
    text = section_text(message, "text")
    assert text.startswith(">")
    assert text.endswith("…")
    assert 2_500 < text_units(text) <= 3000
    assert not re.search(r"&[a-z]{0,3}…$", text), "an entity was cut in half"
    assert len(message.text) <= 300


def test_fallback_text_reads_as_a_notification() -> None:
    text = "Charged   twice\nfor one order. " + "a" * 200
    message = render_case_card(make_case(text_masked=text))
    assert message.text.startswith("#42 P2 X complaint from @jane_doe: Charged twice for one order. aaa")
    snippet = message.text.split(": ", 1)[1]
    assert len(snippet) == 80 and snippet.endswith("…")


def test_image_only_post_still_renders() -> None:
    message = render_case_card(make_case(text_masked=""))
    assert_within_limits(message)
    assert section_text(message, "text") == "> _(no text)_"
    assert message.text.endswith("from @jane_doe: (no text)")


def test_monster_profile_url_is_not_linked() -> None:
    author = make_author(url="https://x.com/" + "a" * 5000)
    message = render_case_card(make_case(author=author))
    assert_within_limits(message)
    assert section_text(message, "author").startswith("*Jane Doe* @jane_doe ·")


def test_who_wrote_it() -> None:
    line = section_text(render_case_card(make_case()), "author")
    assert line == "*Jane Doe* <https://x.com/jane_doe|@jane_doe> · ✔ verified · 48k followers"


def test_author_without_profile_url_or_followers_and_with_unsafe_url() -> None:
    author = make_author(url="javascript:alert(1)", followers=None, verified=False, name="", handle="@sam")
    line = section_text(render_case_card(make_case(author=author)), "author")
    assert line == "*@sam*"


def test_id_only_author_is_not_dressed_up_as_a_handle() -> None:
    author = make_author(id="3200000001", url=None, followers=None, verified=False, name="", handle="")
    line = section_text(render_case_card(make_case(author=author)), "author")
    assert line == "*user 3200000001*"


def test_priority_reason_is_not_prefixed_twice() -> None:
    message = render_case_card(make_case(priority_reason="P2: negative complaint, 48k followers"))
    assert "P2: P2" not in json.dumps(message.blocks)


@pytest.mark.parametrize(
    ("count", "shown"),
    [
        (0, "0"),
        (950, "950"),
        (1_000, "1k"),
        (1_234, "1.2k"),
        (48_213, "48k"),
        (999_999, "1M"),
        (1_500_000, "1.5M"),
        (12_000_000, "12M"),
        (2_000_000_000, "2B"),
    ],
)
def test_follower_counts_are_compact(count: int, shown: str) -> None:
    assert compact_count(count) == shown


def test_facts_show_sentiment_category_priority_reason() -> None:
    facts = fields(render_case_card(make_case()))
    assert facts["Sentiment"] == "Negative (-0.62)"
    assert facts["Category"] == "Complaint"
    assert facts["Priority"] == "🟠 P2: negative complaint, 48k followers"


def test_private_and_public_markers_and_mention_count() -> None:
    dm = make_mention(kind=MentionKind.DIRECT, is_private=True, platform=Platform.MESSENGER)
    private = render_case_card(
        make_case(is_private=True, first=dm, platform=Platform.MESSENGER, mention_count=3)
    )
    assert "🔒 private direct message" in context_text(private, "status")
    assert "3 mentions" in context_text(private, "status")
    public = render_case_card(make_case())
    assert "🌐 public post" in context_text(public, "status")
    assert "mentions" not in context_text(public, "status")


# --- SLA wording with a fixed now ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("due_offset", "phrase"),
    [
        (timedelta(minutes=12), "*due in 12 min*"),
        (timedelta(minutes=12, seconds=59), "*due in 12 min*"),
        (timedelta(seconds=30), "*due now*"),
        (timedelta(minutes=-5), "*overdue by 5 min*"),
        (timedelta(hours=-2, minutes=-5), "*overdue by 2 h 5 min*"),
        (timedelta(days=3, hours=4), "*due in 3 d 4 h*"),
    ],
)
def test_due_and_overdue_wording(due_offset: timedelta, phrase: str) -> None:
    due = NOW + due_offset
    sla = fields(render_case_card(make_case(first_response_due=due)))["First response"]
    assert (
        sla
        == f"due <!date^{int(due.timestamp())}^{{date_short_pretty}} {{time}}|{_fallback(due)}> · {phrase}"
    )


def _fallback(when: datetime) -> str:
    return when.strftime("%d %b %Y %H:%M UTC").lstrip("0")


def test_sla_wording_uses_the_views_now_not_the_wall_clock() -> None:
    # Years away from the real clock: only a renderer that reads case.now says "due in 12 min".
    long_ago = datetime(2001, 1, 1, tzinfo=UTC)
    case = make_case(now=long_ago, first_response_due=long_ago + timedelta(minutes=12))
    assert fields(render_case_card(case))["First response"].endswith("*due in 12 min*")


def test_sla_without_now_or_when_answered_or_closed() -> None:
    no_now = fields(render_case_card(make_case(now=None)))["First response"]
    assert no_now.startswith("due <!date^") and "min" not in no_now
    answered_at = NOW - timedelta(minutes=1)
    answered = fields(render_case_card(make_case(first_response_at=answered_at)))["First response"]
    assert answered.startswith("answered <!date^") and "due in" not in answered
    late = make_case(first_response_at=NOW, first_response_due=NOW - timedelta(minutes=3))
    assert fields(render_case_card(late))["First response"].endswith("(after the due time)")
    spam = make_case(status=CaseStatus.SPAM, first_response_due=NOW - timedelta(hours=1))
    assert "overdue" not in fields(render_case_card(spam))["First response"]


def test_naive_datetimes_are_read_as_utc() -> None:
    due = (NOW + timedelta(minutes=12)).replace(tzinfo=None)
    case = make_case(first_response_due=due, now=NOW.replace(tzinfo=None))
    sla = fields(render_case_card(case))["First response"]
    assert f"<!date^{int((NOW + timedelta(minutes=12)).timestamp())}^" in sla
    assert sla.endswith("*due in 12 min*")


# --- customer history wording --------------------------------------------------------------------

NOV_12 = datetime(2024, 11, 12, 9, 30, tzinfo=UTC)


@pytest.mark.parametrize(
    ("history", "wording"),
    [
        (HistoryView(), "First contact"),
        (
            HistoryView(total=1, resolved=1, recent=((17, CaseStatus.RESOLVED, NOV_12),)),
            "1 earlier case: 1 resolved; last #17 on 12 Nov",
        ),
        (
            HistoryView(
                total=3,
                resolved=2,
                escalated=1,
                recent=((17, CaseStatus.RESOLVED, NOV_12), (9, CaseStatus.ESCALATED, NOV_12)),
            ),
            "3 earlier cases: 2 resolved, 1 escalated; last #17 on 12 Nov",
        ),
        (HistoryView(total=2, open=1, spam=1), "2 earlier cases: 1 open, 1 spam"),
    ],
    ids=["none", "one", "many", "no-recent"],
)
def test_history_wording(history: HistoryView, wording: str) -> None:
    assert history_summary(history, now=NOW) == wording
    facts = fields(render_case_card(make_case(history=history)))
    assert facts["Customer history"] == wording


def test_history_names_the_year_when_it_is_not_this_year() -> None:
    old = HistoryView(
        total=1, resolved=1, recent=((3, CaseStatus.RESOLVED, datetime(2023, 11, 12, tzinfo=UTC)),)
    )
    assert history_summary(old, now=NOW).endswith("last #3 on 12 Nov 2023")


# --- follow-ups ----------------------------------------------------------------------------------


def test_followup_says_who_and_when_relative_to_the_first_post() -> None:
    later = make_mention(id=8, posted_at=NOW, text_masked="Still waiting. My card is [card].")
    message = render_followup(later, first_posted_at=NOW - timedelta(minutes=2))
    assert_within_limits(message)
    header = message.blocks[0]["elements"][0]["text"]
    assert header.startswith(
        "↪ Follow-up from *Jane Doe* <https://x.com/jane_doe|@jane_doe> · 2 min after the first post"
    )
    assert message.blocks[1]["text"]["text"] == "> Still waiting. My card is [card]."
    assert "View original on X" in message.blocks[2]["elements"][0]["text"]
    assert message.text == "Follow-up on #42 from @jane_doe: Still waiting. My card is [card]."
    assert {b["block_id"] for b in message.blocks} == {
        "case:42:mention:8:from",
        "case:42:mention:8:text",
        "case:42:mention:8:source",
    }


def test_followup_without_first_time_or_url_and_with_long_text() -> None:
    later = make_mention(id=9, url=None, text_masked="y" * 10_000, kind=MentionKind.DIRECT, is_private=True)
    message = render_followup(later)
    assert_within_limits(message)
    assert "posted <!date^" in message.blocks[0]["elements"][0]["text"]
    assert "🔒 private direct message" in message.blocks[0]["elements"][0]["text"]
    assert len(message.blocks) == 2


def test_followup_that_arrived_out_of_order() -> None:
    earlier = make_mention(id=10, posted_at=NOW - timedelta(hours=1, minutes=5))
    message = render_followup(earlier, first_posted_at=NOW)
    assert "1 h 5 min before the first post" in message.blocks[0]["elements"][0]["text"]


# --- history (ephemeral) -------------------------------------------------------------------------


@pytest.mark.parametrize("count", [0, 1, 3])
def test_history_view_lists_mentions_oldest_first(count: int) -> None:
    case = make_case(history=HistoryView(total=1, resolved=1, recent=((17, CaseStatus.RESOLVED, NOV_12),)))
    mentions = [
        make_mention(id=7 + i, posted_at=NOW - timedelta(minutes=10 - i), text_masked=f"message {i}")
        for i in reversed(range(count))
    ]
    message = render_history(case, mentions)
    assert_within_limits(message)
    assert message.blocks[0]["text"]["text"] == "History of #42 · @jane_doe"
    assert message.text == f"History of #42: {count} {'mention' if count == 1 else 'mentions'}"
    quotes = [b["text"]["text"] for b in message.blocks if b["block_id"].endswith(":text")]
    assert quotes == [f"> message {i}" for i in range(count)]
    summary = block(message, "hist:summary")["text"]["text"]
    assert "1 earlier case: 1 resolved; last #17 on 12 Nov" in summary
    assert "• #17 · resolved · 12 Nov" in summary
    if count == 0:
        assert "No mentions recorded." in all_text(message)


def test_long_history_stays_under_50_blocks_and_keeps_the_opening_mention() -> None:
    mentions = [
        make_mention(id=7 + i, posted_at=NOW - timedelta(hours=60 - i), text_masked=f"m{i} " + "z" * 2_000)
        for i in range(60)
    ]
    message = render_history(make_case(), mentions)
    assert_within_limits(message)
    quotes = [b["text"]["text"] for b in message.blocks if b["block_id"].endswith(":text")]
    assert quotes[0].startswith("> m0 ")
    assert quotes[-1].startswith("> m59 ")
    assert all(text_units(q) <= 600 for q in quotes)
    omitted = 60 - len(quotes)
    assert f"… {omitted} more mentions not shown" in all_text(message)


# --- the small text helpers ------------------------------------------------------------------------


def test_truncate_helpers() -> None:
    assert truncate("short", 10) == "short"
    assert truncate("exactly ten", 11) == "exactly ten"
    assert truncate("a longer sentence", 10) == "a longer…"
    assert truncate("😀😀😀", 4) == "😀…"  # never splits a surrogate pair
    assert truncate_escaped("ab&amp;cd", 5) == "ab…"  # no half entity
    assert quote("  \n ", 100) == "> _(no text)_"
    assert quote("a\nb", 4) == "> a…"


@pytest.mark.parametrize(
    ("delta", "words"),
    [
        (timedelta(seconds=59), "under a minute"),
        (timedelta(minutes=59), "59 min"),
        (timedelta(hours=1), "1 h"),
        (timedelta(days=1), "1 d"),
        (timedelta(days=-2, hours=-1), "2 d 1 h"),
    ],
)
def test_duration_words(delta: timedelta, words: str) -> None:
    assert duration(delta) == words


def test_views_are_not_mutated_by_rendering() -> None:
    case = make_case()
    snapshot = replace(case)
    render_case_card(case)
    render_history(case, [case.first])
    assert case == snapshot
