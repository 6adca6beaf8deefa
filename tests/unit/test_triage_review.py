"""The weekly review's triage figures (bot/digest/triage_review.py) and their lines in the review
(bot/slack/blocks/triage_review_view.py), from hand-built tallies whose every figure is worked out here."""

from __future__ import annotations

from socialdesk.domain.triage_review import CorrectedCase, Share, TriageTallies, triage_review
from socialdesk.slack.blocks.triage_review_view import triage_review_lines

# 20 cases opened in the week, by their values now: (category, priority, needs_reply) -> cases.
NOW = {
    ("complaint", "P2", True): 6,  # one of them was a question at P4 (corrected twice, below)
    ("question", "P4", True): 7,
    ("incident", "P1", True): 2,  # one of them was a complaint at P3
    ("praise", "P4", False): 3,
    ("spam", "P4", False): 2,  # one marked spam by an agent: it was a question needing a reply
}
CORRECTED = [
    CorrectedCase(("complaint", "P2", True), {"category": "question", "priority": "P4"}),
    CorrectedCase(("incident", "P1", True), {"category": "complaint", "priority": "P3"}),
    CorrectedCase(("spam", "P4", False), {"category": "question", "needs_reply": "true"}),
    # Corrected and then set back to what triage said: agents and the model agree after all.
    CorrectedCase(("question", "P4", True), {"priority": "P4"}),
]


def test_shares_are_by_what_triage_said_and_agreement_is_per_field() -> None:
    review = triage_review(TriageTallies(NOW, CORRECTED))
    assert (review.cases, review.corrected) == (20, 3)
    assert review.share == 3 / 20
    # Triage said: question 7 - 0 + 2 (moved back from complaint and spam) = 9; complaint 6 - 1 + 1 = 6;
    # incident 2 - 1 = 1; spam 2 - 1 = 1; praise 3.
    assert review.by_category == [
        Share("question", 2, 9),
        Share("complaint", 1, 6),
        Share("praise", 0, 3),
        Share("incident", 0, 1),
        Share("spam", 0, 1),
    ]
    # P4: 7 + 3 + 2 + 1 (the complaint was P4) = 13; P2: 6 - 1 = 5; P1: 2 - 1 = 1; P3: 1.
    assert review.by_priority == [
        Share("P1", 0, 1),
        Share("P2", 0, 5),
        Share("P3", 1, 1),
        Share("P4", 2, 13),
    ]
    assert review.agreement == {"category": 1 - 3 / 20, "priority": 1 - 2 / 20, "needs_reply": 1 - 1 / 20}


def test_the_lines_name_the_figures() -> None:
    lines = triage_review_lines(triage_review(TriageTallies(NOW, CORRECTED)))
    assert lines == [
        "*Triage corrected by agents* · 3 of 20 cases opened this week (15%)",
        "Model's agreement with agents: category 85% · priority 90% · needs a reply 95%",
        "By category triage gave: question 2 of 9 (22%) · complaint 1 of 6 (17%) · praise 0 of 3 (0%) · "
        "incident 0 of 1 (0%) · spam 0 of 1 (0%)",
        "By priority triage gave: P1 0 of 1 (0%) · P2 0 of 5 (0%) · P3 1 of 1 (100%) · P4 2 of 13 (15%)",
    ]


def test_agreement_close_to_all_keeps_a_decimal() -> None:
    cases = {("question", "P4", True): 999}
    fixed = [CorrectedCase(("complaint", "P4", True), {"category": "question"})]
    lines = triage_review_lines(triage_review(TriageTallies({**cases, ("complaint", "P4", True): 1}, fixed)))
    assert "category 99.9% · priority 100% · needs a reply 100%" in lines[1]
    assert lines[0] == "*Triage corrected by agents* · 1 of 1,000 cases opened this week (0.1%)"


def test_a_week_without_corrections_says_so_plainly() -> None:
    quiet = triage_review(TriageTallies({("question", "P4", True): 12}, []))
    assert quiet.corrected == 0 and quiet.agreement["category"] == 1.0
    assert triage_review_lines(quiet) == [
        "*Triage corrected by agents* · no corrections this week (12 cases opened)"
    ]
    empty = triage_review(TriageTallies())
    assert empty.share is None and empty.agreement == {
        "category": None,
        "priority": None,
        "needs_reply": None,
    }
    assert triage_review_lines(empty) == [
        "*Triage corrected by agents* · no corrections this week (no cases opened)"
    ]
