"""Figures of `socialdesk triage evaluate`, checked against hand-computed values."""

from __future__ import annotations

import pytest

from socialdesk.triage.metrics import render, report


def test_figures_match_a_hand_computed_example() -> None:
    gold = ["a", "a", "a", "b", "b", "c"]
    pred = ["a", "a", "b", "b", "c", "c"]
    rep = report("t", gold, pred, order=("a", "b", "c"))
    assert rep.size == 6
    assert rep.accuracy == pytest.approx(4 / 6)
    a, b, c = rep.classes
    assert (a.precision, a.recall) == (pytest.approx(1.0), pytest.approx(2 / 3))
    assert (b.precision, b.recall) == (pytest.approx(0.5), pytest.approx(0.5))
    assert (c.precision, c.recall) == (pytest.approx(0.5), pytest.approx(1.0))
    assert a.f1 == pytest.approx(0.8)
    assert rep.macro_recall == pytest.approx((2 / 3 + 0.5 + 1.0) / 3)
    assert rep.macro_f1 == pytest.approx((0.8 + 0.5 + 2 / 3) / 3)
    assert rep.confusion == ((2, 1, 0), (0, 1, 1), (0, 0, 1))


def test_a_class_never_predicted_has_zero_precision_and_a_class_never_gold_no_recall_in_the_mean() -> None:
    rep = report("t", ["x", "x", "y"], ["x", "z", "x"])
    by = {c.label: c for c in rep.classes}
    assert by["y"].precision == 0.0 and by["y"].recall == 0.0
    assert by["z"].support == 0
    # macro recall averages x and y (the gold classes) only: (1/2 + 0) / 2
    assert rep.macro_recall == pytest.approx(0.25)


def test_mismatched_lengths_are_refused() -> None:
    with pytest.raises(ValueError, match="2 gold labels but 1 predictions"):
        report("t", ["a", "b"], ["a"])


def test_render_shows_every_class_and_the_confusion_rows() -> None:
    text = render(report("sentiment", ["negative", "positive"], ["negative", "negative"]))
    assert "sentiment: 2 examples" in text
    assert "accuracy 0.500" in text
    assert "confusion (rows: gold, columns: predicted)" in text
    assert text.count("positive") >= 2
