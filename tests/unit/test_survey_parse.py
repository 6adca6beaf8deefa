"""Reading a CSAT / NPS score out of what a customer typed back (bot/surveys/parse.py)."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from socialdesk.surveys.parse import SCALES, is_small_talk, parse_score


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("5", (5, None)),
        ("1", (1, None)),
        ("5!", (5, None)),
        ("4.", (4, None)),
        (" 3 ", (3, None)),
        ("4/5", (4, None)),
        ("4 / 5", (4, None)),
        ("4 out of 5", (4, None)),
        ("4 of 5", (4, None)),
        ("4/5 stars", (4, None)),
        ("5 stars", (5, None)),
        ("1 star", (1, None)),
        ("5*", (5, None)),
        ("5⭐", (5, None)),
        ("⭐⭐⭐⭐", (4, None)),
        ("⭐️⭐️⭐️⭐️⭐️", (5, None)),
        ("⭐ ⭐ ⭐", (3, None)),
        ("🌟🌟", (2, None)),
        ("★★★★☆", (4, None)),
        ("five", (5, None)),
        ("Five!", (5, None)),
        ("four out of five", (4, None)),
        ("three stars", (3, None)),
        ("5️⃣", (5, None)),
        ("@acme_help 5", (5, None)),
        ("@acme_help @support 4/5", (4, None)),
        ("I'd give you a 4", (4, None)),
        ("I’d give it a 5!", (5, None)),
        ("rating: 4", (4, None)),
        ("a 5", (5, None)),
        ("\uff15", (5, None)),  # a full-width digit from a phone keyboard
        ("2, still no refund", (2, "still no refund")),
        ("2 still broken", (2, "still broken")),
        ("1 - terrible", (1, "terrible")),
        ("5 thanks!", (5, "thanks!")),
        ("⭐⭐⭐⭐⭐ thanks Maria", (5, "thanks Maria")),
        ("4 out of 5, but the app is slow", (4, "but the app is slow")),
        ("Great service, 5/5", (5, "Great service")),
        ("great service 5 stars!", (5, "great service")),
        ("5\nthanks", (5, "thanks")),
    ],
)
def test_csat_answers(text: str, expected: tuple[int, str | None]) -> None:
    assert parse_score(text, "csat") == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("9", (9, None)),
        ("0", (0, None)),
        ("10", (10, None)),
        ("10/10", (10, None)),
        ("9 out of 10", (9, None)),
        ("nine out of ten", (9, None)),
        ("ten", (10, None)),
        ("🔟", (10, None)),
        ("9 points", (9, None)),
        ("solid 9", (9, None)),
        ("I would give you guys a 9", (9, None)),
        ("3, you lost my parcel twice", (3, "you lost my parcel twice")),
        ("Would recommend, 9/10", (9, "Would recommend")),
    ],
)
def test_nps_answers(text: str, expected: tuple[int, str | None]) -> None:
    assert parse_score(text, "nps") == expected


@pytest.mark.parametrize(
    ("text", "kind"),
    [
        ("", "csat"),
        ("   ", "csat"),
        ("Where is my refund", "csat"),
        ("0", "csat"),  # CSAT runs 1-5
        ("6", "csat"),
        ("10", "csat"),
        ("8/10", "csat"),  # another scale is not a CSAT answer
        ("4/5", "nps"),
        ("5 stars", "nps"),  # stars are a CSAT thing
        ("⭐⭐⭐⭐", "nps"),
        ("11", "nps"),
        ("100", "nps"),
        ("4.5", "csat"),
        ("4.5/5", "csat"),
        ("5,000", "csat"),
        ("5 - 6", "csat"),
        ("3%", "csat"),
        ("5pm", "csat"),
        ("2 days and no parcel", "csat"),  # a quantity, not a score
        ("3 of my orders never came", "csat"),
        ("1 more thing", "csat"),
        ("one more question", "csat"),  # a number word needs the end, punctuation, a scale or a unit
        ("tent", "nps"),
        ("fivefold", "csat"),
        ("call me at 5", "csat"),  # at the end, a score needs its scale or unit
        ("my order 12345", "csat"),
        ("☆☆☆", "csat"),
        ("5", "stars"),  # an unknown kind
    ],
)
def test_not_answers(text: str, kind: str) -> None:
    assert parse_score(text, kind) is None


@pytest.mark.parametrize(
    ("comment", "small"),
    [
        (None, True),
        ("thanks!", True),
        ("thank you so much, great service", True),
        (":)", True),
        ("👍", True),
        ("still broken", False),
        ("where is my refund?", False),
    ],
)
def test_small_talk(comment: str | None, small: bool) -> None:
    assert is_small_talk(comment) is small


@settings(max_examples=400, deadline=None)
@given(text=st.text(max_size=300), kind=st.sampled_from(["csat", "nps", "other"]))
def test_never_raises_and_stays_in_range(text: str, kind: str) -> None:
    found = parse_score(text, kind)
    if found is None:
        return
    score, comment = found
    low, high = SCALES[kind]
    assert low <= score <= high
    assert comment is None or (comment.strip() != "" and len(comment) <= len(text) + 10)


@settings(max_examples=200, deadline=None)
@given(
    score=st.integers(min_value=1, max_value=5),
    noise=st.text(alphabet=" ,.-!:", max_size=3),
    tail=st.sampled_from(["", " thanks", ", still broken", "!!"]),
)
def test_a_written_score_reads_back(score: int, noise: str, tail: str) -> None:
    found = parse_score(f"{score}/5{noise}{tail}", "csat")
    assert found is not None and found[0] == score


@settings(max_examples=100, deadline=None)
@given(text=st.text(alphabet="0123456789 /.,-⭐★☆abc", max_size=2000))
def test_long_digit_soup_is_fast_and_safe(text: str) -> None:
    parse_score(text, "csat")
    parse_score(text, "nps")
