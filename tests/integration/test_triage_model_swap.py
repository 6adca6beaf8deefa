"""A team model from corrections: trained with `socialdesk triage train --from-corrections`, compared
with the current model on held-out corrections, and adopted only when it does not score worse."""

from __future__ import annotations

import csv
import json
import shutil
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import Engine
from sqlmodel import Session
from typer.testing import CliRunner

from socialdesk.cli import cli
from socialdesk.domain.enums import Category, Platform, Priority
from socialdesk.domain.models import Case, TriageCorrection
from socialdesk.triage.bundle import SHIPPED_MODEL, TriageBundle
from socialdesk.triage.corrections import _heldout, split_corrections

runner = CliRunner()
T0 = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)

QUESTIONS = [
    "do you ship to Canada?",
    "what time do you open on Sundays?",
    "how do I change my username?",
    "is there a student discount?",
    "can I pay with PayPal?",
    "where can I find the size guide?",
    "how long does delivery to Ireland take?",
    "do you have this jacket in blue?",
]
COMPLAINTS = [
    "my parcel never arrived and nobody answers",
    "I was charged twice for one order, please refund",
    "the app logs me out every single time, so annoying",
    "still waiting for my refund after three weeks",
    "your driver threw my package over the fence and it broke",
    "I can't log in, the reset email never comes",
    "wrong item delivered again, this is the second time",
    "my subscription was cancelled without asking me",
]


def _tiny_datasets(root: Path, *, swapped: bool = False) -> Path:
    """A folder shaped like ../shared/data/datasets, small enough to train in seconds."""
    (root / "complaints_on_twitter").mkdir(parents=True)
    (root / "tweeteval_sentiment").mkdir()
    (root / "twitter_customer_care").mkdir()
    with (root / "complaints_on_twitter" / "dev.csv").open("w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(["tweet_id", "text", "complaint", "domain"])
        for i, text in enumerate(COMPLAINTS * 3):
            w.writerow([1000 + i, f"@Shop {text}", int(not swapped), "retail"])
        for i, text in enumerate(QUESTIONS * 3):
            w.writerow([2000 + i, f"@Shop {text}", int(swapped), "retail"])
    senti = [
        ("i love it, thank you", "positive"),
        ("this is awful and broken", "negative"),
        ("the shop opens at 9", "neutral"),
    ]
    for name in ("val.jsonl", "test_a.jsonl"):
        with (root / "tweeteval_sentiment" / name).open("w", encoding="utf-8") as fh:
            for k in range(12):
                for text, label in senti:
                    fh.write(json.dumps({"text": f"{text} {k} {name}", "label": label}) + "\n")
    conversations = []
    for i, text in enumerate(QUESTIONS * 2 + COMPLAINTS * 2):
        turn = {"client": "c", "message": f"@ShopHelp {text}", "tweet_ID": str(9000 + i)}
        conversations.append({"dialogContent": [turn]})
    (root / "twitter_customer_care" / "dev.json").write_text(json.dumps(conversations), encoding="utf-8")
    return root


def _gold(data: Path, tmp_path: Path, *, swapped: bool = False) -> Path:
    """Gold labels for the tiny folder's conversations (`swapped`: questions and complaints mislabelled,
    the way a careless relabelling would make a worse model)."""
    gold = tmp_path / ("swapped.jsonl" if swapped else "gold.jsonl")
    rows = []
    for conv in json.loads((data / "twitter_customer_care" / "dev.json").read_text()):
        turn = conv["dialogContent"][0]
        category = "question" if turn["message"].endswith("?") != swapped else "complaint"
        row = {
            "tweet_id": turn["tweet_ID"],
            "category": category,
            "sentiment": "neutral" if category == "question" else "negative",
            "complaint": int(category == "complaint"),
            "needs_reply": True,
        }
        rows.append(json.dumps(row))
    gold.write_text("\n".join(rows) + "\n")
    return gold


def _corrections(engine: Engine) -> None:
    """Agents' category corrections on realistic posts: the shipped model agrees with most of them."""
    posts = [(t, "question") for t in QUESTIONS] + [(t, "complaint") for t in COMPLAINTS]
    posts += [("thank you so much, the team sorted it in minutes, brilliant!", "praise")] * 4
    with Session(engine) as session:
        for i, (text, category) in enumerate(posts * 2):
            case = Case(
                platform=Platform.X,
                conversation_key=f"k{i}",
                priority=Priority.P3,
                category=Category.OTHER,
                team="care",
                author_id=f"a{i}",
                opened_at=T0,
                first_response_due=T0 + timedelta(hours=1),
                last_activity_at=T0,
            )
            session.add(case)
            session.flush()
            assert case.id is not None
            session.add(
                TriageCorrection(
                    case_id=case.id,
                    at=T0 + timedelta(minutes=i),
                    actor="U1",
                    field="category",
                    from_value="other",
                    to_value=category,
                    platform="x",
                    text_masked=f"@ShopHelp {text}",
                    model_category="other",
                )
            )
        session.commit()


@pytest.fixture
def env(monkeypatch: pytest.MonkeyPatch, database_url: str, engine: Engine) -> Engine:
    monkeypatch.setenv("DATABASE_URL", database_url)
    monkeypatch.delenv("SOCIALDESK_TRIAGE_MODEL", raising=False)
    return engine


def test_corrections_split_by_case_never_moves(env: Engine) -> None:
    _corrections(env)
    fit, held = split_corrections(env)
    assert fit and held
    assert all(_heldout(c.case_id) for c in held) and not any(_heldout(c.case_id) for c in fit)
    assert {c.case_id for c in fit}.isdisjoint({c.case_id for c in held})


def test_a_worse_team_model_is_refused_and_an_equal_one_adopted(env: Engine, tmp_path: Path) -> None:
    _corrections(env)
    data = _tiny_datasets(tmp_path / "datasets", swapped=True)
    gold = _gold(data, tmp_path, swapped=True)
    candidate = tmp_path / "team.npz"
    from socialdesk.triage.train import train

    # Mislabelled data and no corrections: a model that is worse on the held-out corrections.
    bundle, rep = train(data, version_prefix="team", gold_file=gold)
    assert rep.sizes["corrections"] == 0
    bundle.save(candidate)
    assert TriageBundle.load(candidate).version.startswith("team-")

    target = tmp_path / "adopted.npz"
    refused = runner.invoke(cli, ["triage", "adopt", str(candidate), "--to", str(target)])
    assert refused.exit_code == 2, refused.output
    assert "not adopted" in refused.output
    assert "held-out corrections" in refused.output
    assert not target.exists()

    same = tmp_path / "same.npz"
    shutil.copyfile(SHIPPED_MODEL, same)
    adopted = runner.invoke(cli, ["triage", "adopt", str(same), "--to", str(target)])
    assert adopted.exit_code == 0, adopted.output
    assert target.exists()
    assert f"SOCIALDESK_TRIAGE_MODEL={target}" in adopted.stdout


def test_train_from_corrections_through_the_command(env: Engine, tmp_path: Path) -> None:
    _corrections(env)
    data = _tiny_datasets(tmp_path / "datasets")
    out = tmp_path / "cmd.npz"
    # The shipped gold labels name tweets that are not in the tiny folder: the command says which.
    missing = runner.invoke(
        cli, ["triage", "train", "--from-corrections", "--data", str(data), "--out", str(out)]
    )
    assert missing.exit_code == 2
    assert "is not in twitter_customer_care/dev.json" in missing.output
    assert not out.exists()
    result = runner.invoke(
        cli,
        [
            "triage",
            "train",
            "--from-corrections",
            "--data",
            str(data),
            "--out",
            str(out),
            "--gold",
            str(_gold(data, tmp_path)),
        ],
    )
    assert result.exit_code == 0, result.output
    fit, held = split_corrections(env)
    assert f"{len(fit)} category corrections to learn from, {len(held)} kept for evaluation" in result.output
    bundle = TriageBundle.load(out)
    assert bundle.meta["sizes"]["corrections"] == len(fit)
    assert bundle.version.startswith("team-")
