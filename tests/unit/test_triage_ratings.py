"""Reviews in triage (issue 15 item 5): 1-2 stars a complaint, 3 a complaint or a question by the text,
4-5 praise unless the text says otherwise; the team's category rules still win, and the priority's
reason names the stars."""

from __future__ import annotations

import pytest

from socialdesk.config import CategoryRule
from socialdesk.domain.enums import Category, Priority, Sentiment
from socialdesk.domain.ratings import stars, valid_rating
from socialdesk.triage.path import Triage
from socialdesk.triage.priority import PriorityFacts, decide
from socialdesk.triage.ratings import rated_category

C = Category


@pytest.fixture(scope="module")
def triage() -> Triage:
    return Triage()


@pytest.mark.parametrize(
    ("rating", "model", "asks", "expected"),
    [
        (1, C.PRAISE, False, C.COMPLAINT),  # "Nice app" with one star is not praise
        (2, C.OTHER, False, C.COMPLAINT),
        (2, C.QUESTION, True, C.COMPLAINT),
        (1, C.INCIDENT, False, C.INCIDENT),  # an outage others share stays an incident
        (3, C.PRAISE, False, C.COMPLAINT),  # three stars: short of happy
        (3, C.OTHER, True, C.QUESTION),  # ... or asking something
        (3, C.QUESTION, False, C.QUESTION),
        (3, C.COMPLAINT, True, C.COMPLAINT),
        (4, C.OTHER, False, C.PRAISE),
        (5, C.PRAISE, False, C.PRAISE),
        (5, C.COMPLAINT, False, C.COMPLAINT),  # the text says otherwise than the stars
        (4, C.QUESTION, True, C.QUESTION),
        (5, C.SPAM, False, C.SPAM),
    ],
)
def test_the_stars_decide_what_the_model_would_guess(
    rating: int, model: Category, asks: bool, expected: Category
) -> None:
    assert rated_category(rating, model, asks=asks, spam_phrases=False) is expected


def test_spam_phrases_stay_spam_whatever_the_stars_but_a_models_guess_of_spam_does_not() -> None:
    assert rated_category(1, C.SPAM, asks=False, spam_phrases=True) is C.SPAM
    assert rated_category(1, C.SPAM, asks=False, spam_phrases=False) is C.COMPLAINT


def test_a_one_star_review_of_a_text_the_model_reads_as_praise_is_a_p2_complaint(triage: Triage) -> None:
    plain = triage.classify("Nice app")
    assert plain.category is C.PRAISE and not plain.needs_reply
    review = triage.classify("Nice app", rating=1)
    assert review.category is C.COMPLAINT
    assert review.model_category is C.PRAISE  # corrections still measure the model's own answer
    assert review.needs_reply
    assert review.priority is Priority.P2
    assert review.priority_reason == "P2: complaint about the app, 1-star review"
    assert review.rating == 1


def test_two_stars_a_p3_complaint_named_so(triage: Triage) -> None:
    r = triage.classify("Terrible. The app crashes every time I open it.", rating=2)
    assert (r.category, r.priority) == (C.COMPLAINT, Priority.P3)
    assert r.priority_reason == "P3: complaint about the app, 2-star review"
    assert r.sentiment_label == "negative"


def test_three_stars_by_the_text(triage: Triage) -> None:
    lukewarm = triage.classify("Good app overall, does the job.", rating=3)
    assert lukewarm.category is C.COMPLAINT and lukewarm.needs_reply
    asking = triage.classify("How do I export my data to CSV?", rating=3)
    assert asking.category is C.QUESTION
    assert asking.priority_reason == "P4: routine question, 3-star review"


def test_four_and_five_stars_are_praise_unless_the_text_complains(triage: Triage) -> None:
    happy = triage.classify("", rating=5)  # a rating without words
    assert happy.category is C.PRAISE and not happy.needs_reply
    assert happy.priority_reason == "P4: praise, 5-star review, no reply needed"
    unhappy = triage.classify("Love the app, but my payment failed twice and nobody answers", rating=5)
    assert unhappy.category is C.COMPLAINT and unhappy.needs_reply
    assert "5-star review" in unhappy.priority_reason


def test_a_team_category_rule_wins_over_the_stars() -> None:
    ruled = Triage(category_rules=[CategoryRule(category=C.QUESTION, keywords_any=["dark mode"])])
    r = ruled.classify("Please add a dark mode", rating=1)
    assert r.category is C.QUESTION and r.category_rule


def test_an_invalid_rating_is_no_rating(triage: Triage) -> None:
    assert [valid_rating(v) for v in (0, 6, True, "3", None, 3)] == [None, None, None, None, None, 3]
    r = triage.classify("Nice app", rating=9)
    assert r.category is C.PRAISE and r.rating is None
    assert "star" not in r.priority_reason


def test_a_one_star_crisis_is_still_p1() -> None:
    facts = PriorityFacts(
        "the charger caught fire", C.COMPLAINT, Sentiment.NEGATIVE, -0.8, True, None, False, rating=1
    )
    decision = decide(facts)
    assert decision.priority is Priority.P1
    assert decision.reason == "P1: crisis keyword 'caught fire'"


def test_stars_as_the_card_writes_them() -> None:
    assert stars(2) == "★★☆☆☆ 2/5"
    assert stars(5) == "★★★★★ 5/5"
