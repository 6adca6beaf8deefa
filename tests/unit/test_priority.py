from __future__ import annotations

from dataclasses import replace

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.config import PriorityRule, PriorityWhen
from bot.domain.enums import Category, Priority, Sentiment
from bot.triage.rule_priority import (
    DEFAULT_PRIORITY_RULES,
    PriorityDecision,
    PriorityInput,
    compact_count,
    prioritize,
)
from bot.triage.vader import band_of

CALM = PriorityInput(
    text="hello there",
    category=Category.OTHER,
    sentiment_compound=0.0,
    sentiment_band=Sentiment.NEUTRAL,
    followers=120,
    verified=False,
    repeat_contacts=0,
)


def make(**changes: object) -> PriorityInput:
    inp = replace(CALM, **changes)  # type: ignore[arg-type]
    if "sentiment_compound" in changes and "sentiment_band" not in changes:
        inp = replace(inp, sentiment_band=band_of(inp.sentiment_compound))
    return inp


@pytest.mark.parametrize(
    ("n", "text"),
    [
        (0, "0"),
        (-5, "0"),
        (950, "950"),
        (999, "999"),
        (1_000, "1k"),
        (1_200, "1.2k"),
        (1_234, "1.2k"),
        (1_250, "1.3k"),  # halves round up
        (9_949, "9.9k"),
        (9_950, "10k"),
        (48_000, "48k"),
        (48_213, "48k"),  # no decimal from 10 up
        (48_500, "49k"),
        (123_456, "123k"),
        (999_499, "999k"),
        (999_999, "1M"),  # never "1000k"
        (1_000_000, "1M"),
        (1_300_000, "1.3M"),
        (12_000_000, "12M"),
        (250_000_000, "250M"),
        (999_999_999, "1B"),
        (2_100_000_000, "2.1B"),
        (1_500_000_000_000, "1500B"),
    ],
)
def test_compact_count(n: int, text: str) -> None:
    assert compact_count(n) == text


def test_crisis_keyword_is_p1_with_the_keyword_in_the_reason() -> None:
    decision = prioritize(make(text="Was there a DATA BREACH? My account was emptied"), [])
    assert decision == PriorityDecision(Priority.P1, "P1: crisis keyword 'data breach'")


def test_crisis_keyword_beats_everything_but_spam() -> None:
    inp = make(text="my lawyer will hear about this", sentiment_compound=-0.9, followers=2_000_000)
    assert prioritize(inp, []).priority is Priority.P1
    spam = make(text="hacked accounts for sale, dm me for prices", category=Category.SPAM)
    assert prioritize(spam, []) == PriorityDecision(Priority.P4, "P4: spam")


def test_negative_with_big_reach_is_p2() -> None:
    inp = make(category=Category.COMPLAINT, sentiment_compound=-0.6, followers=48_000)
    assert prioritize(inp, []) == PriorityDecision(Priority.P2, "P2: very negative complaint, 48k followers")
    inp = make(category=Category.COMPLAINT, sentiment_compound=-0.3, followers=48_000)
    assert prioritize(inp, []).reason == "P2: negative complaint, 48k followers"


def test_reach_threshold_is_inclusive_and_unknown_reach_is_not_big() -> None:
    at = make(sentiment_compound=-0.3, followers=10_000)
    below = make(sentiment_compound=-0.3, followers=9_999)
    unknown = make(sentiment_compound=-0.3, followers=None)
    assert prioritize(at, []).priority is Priority.P2
    assert prioritize(below, []) == PriorityDecision(Priority.P3, "P3: negative")
    assert prioritize(unknown, []).priority is Priority.P3


def test_verified_and_negative_is_p2() -> None:
    inp = make(verified=True, sentiment_compound=-0.3, followers=50)
    assert prioritize(inp, []) == PriorityDecision(Priority.P2, "P2: verified author, negative")


def test_verified_but_happy_is_not_raised() -> None:
    inp = make(verified=True, sentiment_compound=0.8, category=Category.PRAISE, followers=3_000_000)
    assert prioritize(inp, []).priority is Priority.P4


def test_incident_is_p2() -> None:
    assert prioritize(make(category=Category.INCIDENT), []) == PriorityDecision(Priority.P2, "P2: incident")


def test_complaint_is_p3() -> None:
    decision = prioritize(make(category=Category.COMPLAINT, sentiment_compound=0.2), [])
    assert decision == PriorityDecision(Priority.P3, "P3: complaint")


def test_repeat_contact_is_p3() -> None:
    assert prioritize(make(repeat_contacts=3), []) == PriorityDecision(
        Priority.P3, "P3: repeat contact (3 earlier cases)"
    )
    assert prioritize(make(repeat_contacts=1), []).priority is Priority.P4


def test_nothing_special_is_p4() -> None:
    assert prioritize(CALM, []) == PriorityDecision(Priority.P4, "P4: routine, no rule matched")


def test_custom_rules_first_match_wins_and_replace_defaults() -> None:
    rules = [
        PriorityRule(priority=Priority.P3, when=PriorityWhen(keywords_any=["refund"])),
        PriorityRule(priority=Priority.P1, when=PriorityWhen(keywords_any=["refund"]), label="never reached"),
    ]
    assert prioritize(make(text="refund please"), rules) == PriorityDecision(
        Priority.P3, "P3: keyword 'refund'"
    )
    # The defaults are not consulted once rules are configured: no crisis P1 here.
    assert prioritize(make(text="data breach"), rules) == PriorityDecision(
        Priority.P4, "P4: routine, no rule matched"
    )


def test_every_condition_must_hold() -> None:
    rule = PriorityRule(
        priority=Priority.P1,
        when=PriorityWhen(
            keywords_any=["recall"],
            categories=[Category.COMPLAINT],
            sentiment_at_most=-0.2,
            followers_at_least=1_000,
            verified=True,
            repeat_contacts_at_least=2,
        ),
        label="recall from a VIP",
    )
    good = make(
        text="is this a recall?",
        category=Category.COMPLAINT,
        sentiment_compound=-0.5,
        followers=1_250,
        verified=True,
        repeat_contacts=2,
    )
    assert prioritize(good, [rule]) == PriorityDecision(
        Priority.P1,
        "P1: recall from a VIP 'recall', verified author, very negative complaint, 1.3k followers, "
        "repeat contact (2 earlier cases)",
    )
    for change in (
        {"text": "no such word"},
        {"category": Category.QUESTION},
        {"sentiment_compound": -0.1},
        {"followers": 999},
        {"followers": None},
        {"verified": False},
        {"repeat_contacts": 1},
    ):
        assert prioritize(replace(good, **change), [rule]).priority is Priority.P4, change


def test_label_names_a_rule_without_keywords() -> None:
    rule = PriorityRule(priority=Priority.P2, when=PriorityWhen(followers_at_least=100_000), label="VIP")
    assert prioritize(make(followers=1_300_000), [rule]).reason == "P2: VIP, 1.3M followers"


def test_custom_threshold_inside_the_neutral_band_shows_the_score() -> None:
    rule = PriorityRule(priority=Priority.P3, when=PriorityWhen(sentiment_at_most=0.0))
    assert prioritize(make(sentiment_compound=-0.02), [rule]).reason == "P3: sentiment -0.02"


def test_repeat_contact_singular() -> None:
    rule = PriorityRule(priority=Priority.P3, when=PriorityWhen(repeat_contacts_at_least=1))
    assert prioritize(make(repeat_contacts=1), [rule]).reason == "P3: repeat contact (1 earlier case)"


def test_default_rules_are_valid_config() -> None:
    for rule in DEFAULT_PRIORITY_RULES:
        assert PriorityRule.model_validate(rule.model_dump()) == rule


@given(
    category=st.sampled_from(list(Category)),
    compound=st.floats(min_value=-1, max_value=1),
    followers=st.none() | st.integers(min_value=0, max_value=10**9),
    verified=st.booleans(),
    repeat=st.integers(min_value=0, max_value=50),
    text=st.text(max_size=80),
)
def test_always_decides_with_a_reason_that_names_the_priority(
    category: Category, compound: float, followers: int | None, verified: bool, repeat: int, text: str
) -> None:
    inp = PriorityInput(text, category, compound, band_of(compound), followers, verified, repeat)
    decision = prioritize(inp, [])
    assert decision.reason.startswith(f"{decision.priority.value}: ")
    assert len(decision.reason) > len("P1: ")
    if category is Category.SPAM:
        assert decision.priority is Priority.P4
