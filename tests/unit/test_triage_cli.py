"""`socialdesk triage classify` and `evaluate` on JSON Lines: order kept, errors per line, figures."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from socialdesk.cli import cli

runner = CliRunner()


def _write(path: Path, rows: list[object]) -> Path:
    path.write_text(
        "\n".join(r if isinstance(r, str) else json.dumps(r) for r in rows) + "\n", encoding="utf-8"
    )
    return path


def test_classify_answers_one_line_per_input_in_order(tmp_path: Path) -> None:
    src = _write(
        tmp_path / "in.jsonl",
        [
            {"text": "@AcmeHelp do you ship to Canada?"},
            {
                "text": "@AcmeHelp my parcel never arrived and nobody answers",
                "platform": "x",
                "followers": 50,
            },
            {"text": "FREE FOLLOWERS click here, link in bio", "verified": False},
        ],
    )
    result = runner.invoke(cli, ["triage", "classify", str(src)])
    assert result.exit_code == 0, result.output
    lines = [json.loads(x) for x in result.stdout.splitlines()]
    assert [x["category"] for x in lines] == ["question", "complaint", "spam"]
    for x in lines:
        assert set(x) >= {
            "category",
            "sentiment",
            "sentiment_band",
            "sentiment_score",
            "needs_reply",
            "priority",
            "priority_reason",
        }
        assert x["sentiment"] in ("negative", "neutral", "positive")
        assert -1 <= x["sentiment_score"] <= 1
        assert x["priority_reason"].startswith(x["priority"] + ": ")
    assert [x["needs_reply"] for x in lines] == [True, True, False]


def test_classify_reads_stdin_and_reports_a_bad_line_in_place(tmp_path: Path) -> None:
    stdin = "\n".join(
        [
            json.dumps({"text": "thanks, all sorted!"}),
            "{not json",
            json.dumps({"txt": "x"}),
            json.dumps({"text": "hi", "followers": -3}),
        ]
    )
    result = runner.invoke(cli, ["triage", "classify", "-"], input=stdin)
    assert result.exit_code == 1
    out = [json.loads(x) for x in result.stdout.splitlines()]
    assert len(out) == 4
    assert "category" in out[0]
    assert out[1] == {
        "line": 2,
        "error": "line 2: not JSON (Expecting property name enclosed in double quotes)",
    }
    assert out[2]["error"] == 'line 3: expected an object with a "text" string'
    assert out[3]["error"] == "line 4: followers must be a whole number >= 0"


def test_classify_names_a_missing_file(tmp_path: Path) -> None:
    result = runner.invoke(cli, ["triage", "classify", str(tmp_path / "nope.jsonl")])
    assert result.exit_code == 2
    assert "no such file" in result.output


def test_evaluate_prints_figures_for_each_gold_field_given(tmp_path: Path) -> None:
    src = _write(
        tmp_path / "gold.jsonl",
        [
            {"text": "@AcmeHelp do you ship to Canada?", "category": "question", "complaint": 0},
            {
                "text": "@AcmeHelp my parcel never arrived, two weeks now",
                "category": "complaint",
                "complaint": 1,
            },
            {
                "text": "@AcmeHelp I was charged twice, please refund me",
                "category": "complaint",
                "sentiment": "negative",
            },
        ],
    )
    result = runner.invoke(cli, ["triage", "evaluate", str(src), "--json"])
    assert result.exit_code == 0, result.output
    figures = json.loads(result.stdout)["current"]
    assert set(figures) == {"category", "complaint", "sentiment"}
    assert figures["category"]["size"] == 3
    assert figures["complaint"]["size"] == 2
    assert figures["sentiment"]["size"] == 1
    assert figures["category"]["accuracy"] == 1.0
    text = runner.invoke(cli, ["triage", "evaluate", str(src)])
    assert "macro F1" in text.stdout and "confusion (rows: gold, columns: predicted)" in text.stdout


def test_evaluate_without_gold_labels_says_so(tmp_path: Path) -> None:
    src = _write(tmp_path / "plain.jsonl", [{"text": "hello"}])
    result = runner.invoke(cli, ["triage", "evaluate", str(src)])
    assert result.exit_code == 2
    assert "no gold labels" in result.output


def test_a_model_file_that_is_not_a_model_is_named(tmp_path: Path) -> None:
    bad = tmp_path / "model.npz"
    bad.write_bytes(b"not a zip")
    src = _write(tmp_path / "in.jsonl", [{"text": "hello"}])
    result = runner.invoke(cli, ["triage", "classify", str(src), "--model", str(bad)])
    assert result.exit_code == 2
    assert "not a triage model file" in result.output
