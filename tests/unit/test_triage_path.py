"""The shipped triage model and the rules on top of it, on hand-written posts of each kind.

These are not the data the model was trained or measured on (benchmarks/triage.py measures that):
they are the cases a support lead named when triage failed them, written for this test.
"""

from __future__ import annotations

import pytest

from socialdesk.config import CategoryRule, PriorityRule, PriorityWhen
from socialdesk.domain.enums import Category, Priority, Sentiment
from socialdesk.triage.path import Author, Triage, band


@pytest.fixture(scope="module")
def triage() -> Triage:
    return Triage()


def test_a_polite_complaint_is_a_negative_complaint(triage: Triage) -> None:
    r = triage.classify(
        "Hi @AcmeHelp, I was charged twice for my order last week, could you please help? Thanks so much!"
    )
    assert r.category is Category.COMPLAINT
    assert r.sentiment_label == "negative"
    assert r.needs_reply
    assert r.priority_reason.startswith("P3: complaint about billing")


def test_sarcastic_praise_is_a_complaint(triage: Triage) -> None:
    r = triage.classify("Great, the app logged me out for the third time today. Love it. Really. 🙄")
    assert r.category is Category.COMPLAINT
    assert r.sentiment_label != "positive"


def test_real_praise_is_praise_and_asks_for_no_reply(triage: Triage) -> None:
    r = triage.classify("Thank you @AcmeHelp, Sarah sorted my refund in two minutes. Brilliant service!")
    assert r.category is Category.PRAISE
    assert r.sentiment in (Sentiment.POSITIVE, Sentiment.VERY_POSITIVE)
    assert not r.needs_reply
    assert r.priority is Priority.P4


def test_one_customers_login_failure_is_a_complaint_an_outage_is_an_incident(triage: Triage) -> None:
    mine = triage.classify(
        "@AcmeHelp I can't log in to my account, it says my password is wrong but I just reset it"
    )
    outage = triage.classify(
        "Is @Acme down? Nothing loads for anyone in my office, the site is down for everyone"
    )
    assert mine.category is Category.COMPLAINT
    assert outage.category is Category.INCIDENT
    assert outage.priority is Priority.P2
    several = triage.classify(
        "Is @Acme down? Nothing loads for anyone in my office, the site is down for everyone",
        incident_reports=4,
    )
    assert several.priority is Priority.P1
    assert several.priority_reason == "P1: incident reported by 4 customers in the last hour"


def test_a_hacked_account_is_urgent_and_private_not_a_brand_crisis(triage: Triage) -> None:
    r = triage.classify("@AcmeHelp my account was hacked and someone changed my email, please help urgently")
    assert r.priority is Priority.P2
    assert r.private_reply_suggested
    assert "reply privately" in r.priority_reason


def test_spam_gets_no_reply_and_p4(triage: Triage) -> None:
    r = triage.classify("FREE FOLLOWERS!!! click here to get 10k followers now, link in bio")
    assert r.category is Category.SPAM
    assert not r.needs_reply
    assert r.priority_reason == "P4: spam, no reply needed"


def test_a_plain_question_is_a_routine_question(triage: Triage) -> None:
    r = triage.classify("@AcmeHelp do you ship to Canada?")
    assert r.category is Category.QUESTION
    assert r.needs_reply
    assert r.priority is Priority.P4
    assert r.sentiment_label != "negative"


def test_crisis_words_are_p1_and_a_severe_complaint_from_high_reach_too(triage: Triage) -> None:
    poisoned = triage.classify("@Acme your burger gave my son food poisoning, we are in hospital")
    assert poisoned.priority is Priority.P1
    assert poisoned.priority_reason == "P1: crisis keyword 'food poisoning'"
    loud = triage.classify(
        "@AcmeHelp Worst service ever. 3 weeks and my parcel still hasn't arrived. Never again.",
        Author(followers=250_000),
    )
    assert loud.priority is Priority.P1
    assert loud.priority_reason == "P1: severe complaint about delivery, 250k followers"
    again = triage.classify(
        "@AcmeHelp still no refund for the charge on my card, this is getting ridiculous",
        Author(followers=12_000, repeat_contacts=1),
    )
    assert again.priority is Priority.P2
    assert again.priority_reason == "P2: complaint about billing, 12k followers, second contact"


def test_empty_and_link_only_posts_are_neutral_other(triage: Triage) -> None:
    for text in ("", "   ", "https://t.co/abc @AcmeHelp"):
        r = triage.classify(text)
        assert r.category is Category.OTHER
        assert r.sentiment is Sentiment.NEUTRAL
        assert r.sentiment_score == 0.0


def test_the_teams_rules_win_where_they_match_and_the_model_decides_elsewhere(triage: Triage) -> None:
    ruled = Triage(
        category_rules=[CategoryRule(category=Category.INCIDENT, keywords_any=["checkout"])],
        priority_rules=[
            PriorityRule(priority=Priority.P1, when=PriorityWhen(keywords_any=["vip"]), label="VIP")
        ],
    )
    r = ruled.classify("@AcmeHelp the checkout page says my card is declined")
    assert r.category is Category.INCIDENT and r.category_rule
    assert r.model_category is Category.COMPLAINT  # what the model alone said is kept for corrections
    vip = ruled.classify("@AcmeHelp vip customer here, do you ship to Canada?")
    assert vip.priority_reason == "P1: VIP 'vip'"
    plain = ruled.classify("@AcmeHelp do you ship to Canada?")
    assert plain.category is Category.QUESTION and not plain.category_rule


def test_bands_follow_the_label_and_the_score() -> None:
    assert band("negative", -0.9) is Sentiment.VERY_NEGATIVE
    assert band("negative", -0.2) is Sentiment.NEGATIVE
    assert band("neutral", -0.9) is Sentiment.NEUTRAL
    assert band("positive", 0.3) is Sentiment.POSITIVE
    assert band("positive", 0.8) is Sentiment.VERY_POSITIVE


def test_scores_stay_in_range_on_odd_input(triage: Triage) -> None:
    for text in ("!!!!!!!!", "😡" * 200, "a" * 5000, "\u0000\uffff", "NOT NOT NOT not never"):
        r = triage.classify(text)
        assert -1.0 <= r.sentiment_score <= 1.0
