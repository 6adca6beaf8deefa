from __future__ import annotations

import pytest

from socialdesk.config import CategoryRule
from socialdesk.domain.enums import Category
from socialdesk.triage.rules import DEFAULT_CATEGORY_RULES, categorize, has_question_mark, rule_matches
from socialdesk.triage.vader import score


def classify(text: str) -> Category:
    """The default rules with the real VADER score, as ingest will call it."""
    return categorize(text, score(text).compound, [])


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Get FREE followers now, click here", Category.SPAM),
        ("Crypto giveaway! DM me for details", Category.SPAM),
        ("Your app is down again", Category.INCIDENT),
        ("I can\u2019t log in since this morning", Category.INCIDENT),
        ("checkout gives error 500", Category.INCIDENT),
        ("The app crashed twice today", Category.INCIDENT),
        ("This is the worst service ever, I want a refund", Category.COMPLAINT),
        ("Never again. Disappointed.", Category.COMPLAINT),
        ("two weeks and nothing, seriously, I am furious and upset", Category.COMPLAINT),  # by score
        ("thanks for nothing", Category.COMPLAINT),  # VADER scores it positive
        ("Is the store open on Sunday?", Category.QUESTION),
        ("how do I change my delivery address", Category.QUESTION),  # no "?" but an opener
        ("Thank you so much, the team was great!", Category.PRAISE),
        ("I love this", Category.PRAISE),
        ("Just picked up my order", Category.OTHER),
        ("", Category.OTHER),
    ],
)
def test_default_rules(text: str, expected: Category) -> None:
    assert classify(text) is expected


def test_spam_wins_over_incident_keywords() -> None:
    assert classify("Account not working? Click here for free followers") is Category.SPAM


def test_incident_wins_over_complaint() -> None:
    assert classify("Terrible! The site is down and I want a refund") is Category.INCIDENT


def test_complaint_with_question_mark_stays_a_complaint() -> None:
    assert classify("Where is my refund?") is Category.COMPLAINT


def test_praise_word_needs_a_positive_score() -> None:
    # "great" is a praise keyword, but the caller's score says this is not praise.
    assert categorize("great stuff", 0.1, []) is Category.OTHER
    assert categorize("great stuff", 0.3, []) is Category.PRAISE  # boundary is inclusive


def test_sentiment_alone_makes_a_complaint_at_the_boundary() -> None:
    assert categorize("meh", -0.4, []) is Category.COMPLAINT
    assert categorize("meh", -0.39, []) is Category.OTHER


def test_question_mark_in_a_link_is_not_a_question() -> None:
    assert not has_question_mark("see https://shop.example/p?id=3")
    assert has_question_mark("is https://shop.example/p?id=3 right?")
    assert has_question_mark("\u53ef\u4ee5\u5417\uff1f")  # fullwidth question mark
    assert classify("see https://shop.example/p?id=3") is Category.OTHER


def test_custom_rules_replace_the_defaults_and_first_match_wins() -> None:
    rules = [
        CategoryRule(category=Category.QUESTION, keywords_any=["refund"]),
        CategoryRule(category=Category.COMPLAINT, keywords_any=["refund"]),
    ]
    assert categorize("refund please", -0.9, rules) is Category.QUESTION
    # With custom rules the defaults are not consulted at all.
    assert categorize("free followers", 0.0, rules) is Category.OTHER


def test_all_conditions_of_a_rule_must_hold() -> None:
    rule = CategoryRule(
        category=Category.COMPLAINT, keywords_any=["late"], sentiment_at_most=-0.2, question_mark=False
    )
    assert rule_matches(rule, "parcel late", -0.5)
    assert not rule_matches(rule, "parcel late", 0.0)  # sentiment fails
    assert not rule_matches(rule, "parcel late?", -0.5)  # question mark fails
    assert not rule_matches(rule, "parcel early", -0.5)  # keyword fails


def test_sentiment_at_least_condition() -> None:
    rule = CategoryRule(category=Category.PRAISE, sentiment_at_least=0.5)
    assert rule_matches(rule, "anything", 0.5)
    assert not rule_matches(rule, "anything", 0.49)


def test_rule_without_conditions_is_a_catch_all() -> None:
    rules = [CategoryRule(category=Category.QUESTION)]
    assert categorize("whatever", 0.0, rules) is Category.QUESTION


def test_defaults_are_exported_in_order() -> None:
    order = [rule.category for rule in DEFAULT_CATEGORY_RULES]
    assert order.index(Category.SPAM) < order.index(Category.INCIDENT) < order.index(Category.COMPLAINT)
    assert order.index(Category.COMPLAINT) < order.index(Category.QUESTION) < order.index(Category.PRAISE)
    # They must be valid config: the sample config prints them.
    for rule in DEFAULT_CATEGORY_RULES:
        assert CategoryRule.model_validate(rule.model_dump()) == rule
