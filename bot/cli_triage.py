"""`socialdesk triage classify | evaluate | train | adopt`: the triage path on JSON Lines, its figures
against gold labels, and the model's life cycle (rebuild, learn from corrections, adopt)."""

from __future__ import annotations

import json
import shutil
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import typer
from rich.console import Console

from socialdesk.triage.bundle import SHIPPED_MODEL, ModelFileError, TriageBundle
from socialdesk.triage.path import Author, Triage, TriageResult

err = Console(stderr=True, soft_wrap=True)  # one line per message, however narrow the terminal

GOLD_FIELDS = ("category", "sentiment", "complaint", "needs_reply", "priority")


def register(cli: typer.Typer) -> None:
    group = typer.Typer(help="Triage: categorize, score sentiment, decide priority; measure and retrain.")
    cli.add_typer(group, name="triage")
    group.command("classify")(classify)
    group.command("evaluate")(evaluate)
    group.command("train")(train)
    group.command("adopt")(adopt)


def _fail(message: str) -> typer.Exit:
    err.print(f"[red]{message}[/red]")
    return typer.Exit(2)


def _model_path(explicit: Path | None) -> Path | None:
    if explicit is not None:
        return explicit
    from socialdesk.settings import Settings

    try:
        return Settings().socialdesk_triage_model
    except Exception:  # a bad unrelated setting must not stop an offline classification
        return None


def _triage(model: Path | None, use_config: bool) -> Triage:
    rules: dict[str, Any] = {}
    if use_config:
        from socialdesk.cli_common import load_settings_and_config

        _, config = load_settings_and_config()
        rules = {"category_rules": config.category_rules, "priority_rules": config.priority_rules}
    try:
        return Triage(model_path=_model_path(model), **rules)
    except ModelFileError as exc:
        raise _fail(str(exc)) from None


def _author(row: dict[str, Any], number: int) -> Author:
    followers = row.get("followers")
    if followers is not None and (
        not isinstance(followers, int) or isinstance(followers, bool) or followers < 0
    ):
        raise ValueError(f"line {number}: followers must be a whole number >= 0")
    verified = row.get("verified", False)
    if not isinstance(verified, bool):
        raise ValueError(f"line {number}: verified must be true or false")
    repeat = row.get("repeat_contacts", 0)
    if not isinstance(repeat, int) or repeat < 0:
        raise ValueError(f"line {number}: repeat_contacts must be a whole number >= 0")
    return Author(followers=followers, verified=verified, repeat_contacts=repeat)


def _lines(source: str) -> Iterator[tuple[int, str]]:
    if source == "-":
        yield from enumerate(sys.stdin, start=1)
        return
    with Path(source).open(encoding="utf-8") as fh:
        yield from enumerate(fh, start=1)


def _parse(line: str, number: int) -> tuple[dict[str, Any], str]:
    try:
        row = json.loads(line)
    except json.JSONDecodeError as exc:
        raise ValueError(f"line {number}: not JSON ({exc.msg})") from None
    if not isinstance(row, dict) or not isinstance(row.get("text"), str):
        raise ValueError(f'line {number}: expected an object with a "text" string')
    return row, row["text"]


def classify(
    file: str = typer.Argument("-", help='JSON Lines file, one {"text": ...} per line; - for stdin'),
    model: Path | None = typer.Option(
        None, help="A model file (default: SOCIALDESK_TRIAGE_MODEL, else the shipped one)"
    ),
    config: bool = typer.Option(False, "--config", help="Apply the config's category and priority rules too"),
) -> None:
    """One JSON line out per line in, in order: category, sentiment, band, score, needs_reply, priority."""
    if file != "-" and not Path(file).is_file():
        raise _fail(f"{file}: no such file")
    triage = _triage(model, config)
    bad = 0
    for number, line in _lines(file):
        if not line.strip():
            continue
        try:
            row, text = _parse(line, number)
            result = triage.classify(text, _author(row, number))
            out: dict[str, Any] = result.as_json()
        except ValueError as exc:
            bad += 1
            out = {"line": number, "error": str(exc)}
            err.print(f"[red]{exc}[/red]")
        sys.stdout.write(json.dumps(out, ensure_ascii=False) + "\n")
    sys.stdout.flush()
    if bad:
        raise typer.Exit(1)


def _gold_value(field: str, value: Any) -> str:
    if field == "complaint":
        return "1" if value in (1, "1", True, "true") else "0"
    if field == "needs_reply":
        return "true" if value in (True, "true", 1, "1") else "false"
    return str(value)


def _predicted_value(field: str, result: TriageResult) -> str:
    if field == "complaint":
        return "1" if result.category.value in ("complaint", "incident") else "0"
    if field == "needs_reply":
        return "true" if result.needs_reply else "false"
    if field == "sentiment":
        return result.sentiment_label
    if field == "priority":
        return result.priority.value
    return result.category.value


def collect(triage: Triage, file: str) -> tuple[dict[str, list[str]], dict[str, list[str]], int]:
    gold: dict[str, list[str]] = {f: [] for f in GOLD_FIELDS}
    predicted: dict[str, list[str]] = {f: [] for f in GOLD_FIELDS}
    count = 0
    for number, line in _lines(file):
        if not line.strip():
            continue
        row, text = _parse(line, number)
        result = triage.classify(text, _author(row, number))
        count += 1
        for field in GOLD_FIELDS:
            if field in row and row[field] is not None:
                gold[field].append(_gold_value(field, row[field]))
                predicted[field].append(_predicted_value(field, result))
    return gold, predicted, count


def evaluate(
    file: str = typer.Argument(
        ..., help="JSON Lines with text and gold labels: category, sentiment, complaint (0/1)"
    ),
    model: Path | None = typer.Option(None, help="The model to measure (default: the current one)"),
    against: Path | None = typer.Option(None, help="A second model to compare on the same lines"),
    as_json: bool = typer.Option(False, "--json", help="Print the figures as JSON"),
) -> None:
    """Accuracy, per-class precision/recall/F1, macro F1, macro recall and a confusion matrix."""
    from socialdesk.triage.metrics import render, report

    if file != "-" and not Path(file).is_file():
        raise _fail(f"{file}: no such file")
    models = [("current" if model is None else str(model), model)]
    if against is not None:
        models.append((str(against), against))
    results: dict[str, Any] = {}
    for name, path in models:
        try:
            gold, predicted, count = collect(_triage(path, False), file)
        except ValueError as exc:
            raise _fail(str(exc)) from None
        if not any(gold.values()):
            raise _fail(
                f"{file}: no gold labels (give category, sentiment, complaint, needs_reply or priority)"
            )
        reports = [report(field, gold[field], predicted[field]) for field in GOLD_FIELDS if gold[field]]
        results[name] = {r.task: r.as_dict() for r in reports}
        if not as_json:
            print(f"== model {name}: {count} lines")
            for r in reports:
                print(render(r))
    if as_json:
        print(json.dumps(results, indent=2))


def train(
    data: Path | None = typer.Option(
        None, help="The datasets folder (default: $SOCIALDESK_DATASETS or ../shared/data/datasets)"
    ),
    out: Path = typer.Option(
        None,
        help="Where to write the model (default: the shipped model; triage-team-model.npz with "
        "--from-corrections)",
    ),
    from_corrections: bool = typer.Option(
        False, "--from-corrections", help="Add the agents' category corrections from DATABASE_URL"
    ),
    gold: Path | None = typer.Option(None, help="The customer-care gold labels (default: the shipped ones)"),
) -> None:
    """Rebuild the triage model from the labelled data (needs `pip install 'socialdesk[train]'`)."""
    from socialdesk.triage import datasets
    from socialdesk.triage.train import ExtraExample, TrainingUnavailable
    from socialdesk.triage.train import train as fit

    try:
        root = datasets.find_datasets(data)
    except datasets.DatasetMissing as exc:
        raise _fail(str(exc)) from None
    extra: list[ExtraExample] = []
    prefix = "shipped"
    if from_corrections:
        from socialdesk.triage.corrections import split_corrections

        fit_part, held = split_corrections(_engine())
        extra = [ExtraExample(text=c.text, category=c.category) for c in fit_part]
        prefix = "team"
        err.print(f"{len(fit_part)} category corrections to learn from, {len(held)} kept for evaluation")
    target = out or (Path("triage-team-model.npz") if from_corrections else SHIPPED_MODEL)
    try:
        bundle, rep = fit(
            root,
            progress=lambda m: err.print(m),
            extra=extra,
            version_prefix=prefix,
            gold_file=gold or datasets.GOLD_FILE,
        )
    except (TrainingUnavailable, datasets.DatasetMissing) as exc:
        raise _fail(str(exc)) from None
    bundle.save(target)
    err.print(
        f"wrote {target} ({target.stat().st_size / 1e6:.1f} MB, version {bundle.version}) "
        f"in {rep.seconds:.0f} s; trained on {rep.sizes}"
    )


def _engine() -> Any:
    from socialdesk.cli_common import load_settings_and_config
    from socialdesk.store.db import make_engine

    settings, _ = load_settings_and_config()
    return make_engine(settings.database_url)


def adopt(
    candidate: Path = typer.Argument(..., help="A model from `socialdesk triage train --from-corrections`"),
    to: Path | None = typer.Option(
        None, help="Where the team model lives (default: SOCIALDESK_TRIAGE_MODEL, else ./triage-model.npz)"
    ),
) -> None:
    """Adopt a team model, only if it scores no worse than the current one on held-out corrections."""
    from socialdesk.triage.corrections import compare_on_heldout

    try:
        TriageBundle.load(candidate)
    except ModelFileError as exc:
        raise _fail(str(exc)) from None
    current = _model_path(None)
    comparison = compare_on_heldout(_engine(), current=current, candidate=candidate)
    print(comparison.render())
    if not comparison.candidate_not_worse:
        raise _fail("not adopted: the candidate scores worse than the current model on held-out corrections")
    target = to or current or Path("triage-model.npz")
    if target.resolve() != candidate.resolve():
        shutil.copyfile(candidate, target)
    print(f"adopted: {target}")
    if current is None or current.resolve() != target.resolve():
        print(f"set SOCIALDESK_TRIAGE_MODEL={target} for serve and socket to use it (then restart them)")
