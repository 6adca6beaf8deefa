from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from socialdesk.domain.keywords import KeywordMatcher, matcher_for


@pytest.mark.parametrize(
    ("keywords", "text", "expected"),
    [
        (["down"], "The site is DOWN", "down"),
        (["down"], "the download failed", None),  # no match inside a word
        (["down"], "breakdown", None),
        (["refund"], "refund!", "refund"),
        (["refund"], "refunds", None),  # whole words only: inflections are listed explicitly
        (["can't log in"], "I can't log in", "can't log in"),
        (["can't log in"], "I can\u2019t log in", "can't log in"),  # curly apostrophe from a phone
        (["can't log in"], "i CANT   log in", "can't log in"),  # dropped apostrophe, extra spaces
        (["can't log in"], "can't log-in since noon", "can't log in"),
        (["can\u2019t log in"], "I can't log in", "can\u2019t log in"),  # reported as configured
        (["error 500"], "got an Error 500 again", "error 500"),
        (["error 500"], "error 5000", None),
        (["#fail"], "what a #fail", "#fail"),  # punctuation at the edge still matches
        (["c++"], "I write C++ daily", "c++"),
        (["data breach"], "a data-breach?", "data breach"),
        ([], "anything", None),
        (["  "], "anything", None),  # blank keywords are ignored
    ],
)
def test_first_match(keywords: list[str], text: str, expected: str | None) -> None:
    assert KeywordMatcher(keywords).first_match(text) == expected


def test_leftmost_in_text_wins() -> None:
    matcher = KeywordMatcher(["outage", "refund"])
    assert matcher.first_match("refund me, the outage cost me a day") == "refund"


def test_longest_keyword_wins_at_the_same_position() -> None:
    matcher = KeywordMatcher(["data", "data breach"])
    assert matcher.first_match("there was a data breach") == "data breach"
    assert matcher.first_match("my data is gone") == "data"


def test_duplicates_differing_in_case_are_collapsed() -> None:
    matcher = KeywordMatcher(["Refund", "refund", "REFUND"])
    assert matcher.first_match("refund now") == "Refund"


def test_regex_metacharacters_are_literal() -> None:
    matcher = KeywordMatcher(["a.b", "(x)"])
    assert matcher.first_match("axb") is None
    assert matcher.first_match("see a.b") == "a.b"
    assert matcher.first_match("see (x) here") == "(x)"


def test_truthiness_and_matches() -> None:
    assert not KeywordMatcher([])
    matcher = KeywordMatcher(["hello"])
    assert matcher
    assert matcher.matches("oh hello there")
    assert not matcher.matches("othello")
    assert matcher.keywords == ("hello",)


def test_matcher_for_is_cached() -> None:
    assert matcher_for(("a", "b")) is matcher_for(("a", "b"))


_WORD = st.text(alphabet="abcdefghijklmnopqrstuvwxyz", min_size=1, max_size=12)


@given(keyword=_WORD, before=_WORD, after=_WORD)
def test_keyword_found_between_spaces_never_inside_words(keyword: str, before: str, after: str) -> None:
    matcher = KeywordMatcher([keyword])
    assert matcher.first_match(f"{before} {keyword.upper()} {after}") == keyword
    glued = f"x{keyword}x"
    assert matcher.first_match(glued) is None
