"""Priority: the team's config rules (first match wins, every condition must hold) and the built-in
policy that decides where none matches, each with a reason that reads as a sentence."""

from __future__ import annotations

from dataclasses import replace

import pytest
from hypothesis import given
from hypothesis import strategies as st

from socialdesk.config import PriorityRule, PriorityWhen
from socialdesk.domain.enums import Category, Priority, Sentiment
from socialdesk.triage.priority import PriorityFacts, decide
from socialdesk.triage.rule_priority import PriorityDecision, PriorityInput, compact_count, match_rules
from socialdesk.triage.vader import band_of

CALM = PriorityInput(
    text="hello there",
    category=Category.OTHER,
    sentiment_compound=0.0,
    sentiment_band=Sentiment.NEUTRAL,
    followers=120,
    verified=False,
    repeat_contacts=0,
)
FACTS = PriorityFacts(
    text="my parcel never arrived",
    category=Category.COMPLAINT,
    sentiment=Sentiment.NEGATIVE,
    sentiment_score=-0.4,
    needs_reply=True,
    followers=120,
    verified=False,
)


def make(**changes: object) -> PriorityInput:
    inp = replace(CALM, **changes)  # type: ignore[arg-type]
    if "sentiment_compound" in changes and "sentiment_band" not in changes:
        inp = replace(inp, sentiment_band=band_of(inp.sentiment_compound))
    return inp


def facts(**changes: object) -> PriorityFacts:
    return replace(FACTS, **changes)  # type: ignore[arg-type]


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


# --- the built-in policy -------------------------------------------------------------------------


def test_crisis_words_are_p1_and_beat_everything_but_spam() -> None:
    d = decide(facts(text="Was there a DATA BREACH at your company?"))
    assert d == type(d)(Priority.P1, "P1: crisis keyword 'data breach'")
    assert decide(facts(text="data breach", category=Category.SPAM)).reason == "P4: spam, no reply needed"


def test_one_customers_hacked_account_is_p2_private_not_a_crisis() -> None:
    d = decide(facts(text="my account was hacked and they changed my email"))
    assert d.priority is Priority.P2 and d.private_reply_suggested
    assert d.reason == "P2: account security ('hacked'), reply privately"


def test_an_outage_reported_by_several_customers_is_p1_one_report_p2() -> None:
    one = decide(facts(text="is the app down?", category=Category.INCIDENT, incident_reports=1))
    assert one.reason == "P2: incident about the app (possible outage)"
    several = decide(facts(text="is the app down?", category=Category.INCIDENT, incident_reports=3))
    assert several.reason == "P1: incident reported by 3 customers in the last hour"


def test_reach_makes_a_complaint_louder() -> None:
    assert decide(facts(followers=12_000)).reason == "P2: complaint about delivery, 12k followers"
    assert decide(facts(verified=True)).reason == "P2: complaint about delivery, verified author"
    severe = decide(facts(followers=250_000, sentiment=Sentiment.VERY_NEGATIVE))
    assert severe.reason == "P1: severe complaint about delivery, 250k followers"
    # Big reach but calm: not raised for reach.
    assert decide(facts(followers=250_000, sentiment=Sentiment.NEUTRAL)).priority is Priority.P3
    # Unknown reach is not big.
    assert decide(facts(followers=None)).priority is Priority.P3


def test_a_complaint_is_p3_and_a_second_contact_p2() -> None:
    assert decide(facts()).reason == "P3: complaint about delivery"
    assert decide(facts(repeat_contacts=1)).reason == "P2: complaint about delivery, second contact"


def test_no_reply_needed_is_p4_and_routine_questions_too() -> None:
    praise = decide(facts(category=Category.PRAISE, sentiment=Sentiment.POSITIVE, needs_reply=False))
    assert praise.reason == "P4: praise, no reply needed"
    question = decide(
        facts(text="do you ship to Canada?", category=Category.QUESTION, sentiment=Sentiment.NEUTRAL)
    )
    assert question.reason == "P4: routine question"
    unhappy = decide(facts(text="why is this so hard?", category=Category.QUESTION))
    assert unhappy.reason == "P3: negative question"


@given(
    category=st.sampled_from(list(Category)),
    sentiment=st.sampled_from(list(Sentiment)),
    followers=st.none() | st.integers(min_value=0, max_value=10**9),
    verified=st.booleans(),
    needs_reply=st.booleans(),
    repeat=st.integers(min_value=0, max_value=50),
    reports=st.integers(min_value=0, max_value=50),
    text=st.text(max_size=80),
)
def test_the_policy_always_decides_with_a_reason_that_names_the_priority(
    category: Category,
    sentiment: Sentiment,
    followers: int | None,
    verified: bool,
    needs_reply: bool,
    repeat: int,
    reports: int,
    text: str,
) -> None:
    d = decide(
        PriorityFacts(text, category, sentiment, 0.0, needs_reply, followers, verified, repeat, reports)
    )
    assert d.reason.startswith(f"{d.priority.value}: ")
    assert len(d.reason) > len("P1: ")
    if category is Category.SPAM:
        assert d.priority is Priority.P4


# --- the team's rules ----------------------------------------------------------------------------


def test_custom_rules_first_match_wins_and_none_means_the_policy_decides() -> None:
    rules = [
        PriorityRule(priority=Priority.P3, when=PriorityWhen(keywords_any=["refund"])),
        PriorityRule(priority=Priority.P1, when=PriorityWhen(keywords_any=["refund"]), label="never reached"),
    ]
    assert match_rules(make(text="refund please"), rules) == PriorityDecision(
        Priority.P3, "P3: keyword 'refund'"
    )
    assert match_rules(make(text="data breach"), rules) is None


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
    assert match_rules(good, [rule]) == PriorityDecision(
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
        assert match_rules(replace(good, **change), [rule]) is None, change  # type: ignore[arg-type]


def test_label_names_a_rule_without_keywords() -> None:
    rule = PriorityRule(priority=Priority.P2, when=PriorityWhen(followers_at_least=100_000), label="VIP")
    decision = match_rules(make(followers=1_300_000), [rule])
    assert decision is not None and decision.reason == "P2: VIP, 1.3M followers"


def test_custom_threshold_inside_the_neutral_band_shows_the_score() -> None:
    rule = PriorityRule(priority=Priority.P3, when=PriorityWhen(sentiment_at_most=0.0))
    decision = match_rules(make(sentiment_compound=-0.02), [rule])
    assert decision is not None and decision.reason == "P3: sentiment -0.02"


def test_repeat_contact_singular() -> None:
    rule = PriorityRule(priority=Priority.P3, when=PriorityWhen(repeat_contacts_at_least=1))
    decision = match_rules(make(repeat_contacts=1), [rule])
    assert decision is not None and decision.reason == "P3: repeat contact (1 earlier case)"
