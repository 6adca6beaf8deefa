"""Triage on public labelled data the model never saw, and what it costs per mention.

    python -m benchmarks.triage [--data DIR] [--model PATH] [--baseline]

Prints, for each target of issue 12, the figure on the held-out split (bot/triage/datasets.py: fixed
by a hash of each example's id, never read by `socialdesk triage train`), with its data size:
- complaint vs not on "Complaints on Twitter" (held-out part of the public half): macro F1 >= 0.80;
- sentiment on TweetEval (held-out part of the public half of the test set): macro recall >= 0.66;
- customers' first messages (held-out part of our gold set): complaint-or-incident recall >= 0.85
  and category accuracy >= 0.80;
and the cost: model load time, CPU time per mention on one core, the model file's size.
`--baseline` also scores the keyword rules and VADER that triage used before, on the same lines.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path

from socialdesk.triage import datasets
from socialdesk.triage.bundle import SHIPPED_MODEL, TriageBundle
from socialdesk.triage.metrics import Report, render, report
from socialdesk.triage.path import Triage

TARGETS = {
    "complaints_macro_f1": 0.80,
    "sentiment_macro_recall": 0.66,
    "care_complaint_recall": 0.85,
    "care_category_accuracy": 0.80,
}
CATEGORY_ORDER = ("complaint", "incident", "question", "praise", "spam", "other")


def _complaint_flag(category: str) -> str:
    return "1" if category in ("complaint", "incident") else "0"


def measure(triage: Triage, root: Path, verbose: bool = True) -> dict[str, Report]:
    comp = datasets.complaints(root, "heldout")
    senti = datasets.sentiment(root, "heldout")
    care = datasets.customer_care(root, "heldout")
    out: dict[str, Report] = {}
    comp_results = [triage.classify(e.text) for e in comp]
    out["complaints"] = report(
        "complaint vs not, Complaints on Twitter (held-out)",
        [e.label for e in comp],
        [_complaint_flag(r.category.value) for r in comp_results],
        order=("1", "0"),
    )
    out["sentiment"] = report(
        "sentiment, TweetEval (held-out)",
        [e.label for e in senti],
        [triage.classify(e.text).sentiment_label for e in senti],
        order=("negative", "neutral", "positive"),
    )
    care_results = [triage.classify(e.text) for e in care]
    out["care_category"] = report(
        "category, customer-care first messages (held-out gold)",
        [e.category for e in care],
        [r.category.value for r in care_results],
        order=CATEGORY_ORDER,
    )
    out["care_complaint"] = report(
        "complaint or incident, customer-care first messages (held-out gold)",
        [str(e.complaint) for e in care],
        [_complaint_flag(r.category.value) for r in care_results],
        order=("1", "0"),
    )
    out["care_sentiment"] = report(
        "sentiment, customer-care first messages (held-out gold)",
        [e.sentiment for e in care],
        [r.sentiment_label for r in care_results],
        order=("negative", "neutral", "positive"),
    )
    if verbose:
        for rep in out.values():
            print(render(rep))
            print()
    return out


def baseline(root: Path) -> None:
    """The keyword rules and VADER bands that triage used before this model, on the same lines."""
    from socialdesk.triage.rules import categorize
    from socialdesk.triage.vader import score

    def vader_label(text: str) -> str:
        compound = score(text).compound
        return "negative" if compound < -0.05 else "positive" if compound > 0.05 else "neutral"

    def category(text: str) -> str:
        return categorize(text, score(text).compound).value

    comp = datasets.complaints(root, "heldout")
    senti = datasets.sentiment(root, "heldout")
    care = datasets.customer_care(root, "heldout")
    for rep in (
        report(
            "BASELINE complaint vs not",
            [e.label for e in comp],
            [_complaint_flag(category(e.text)) for e in comp],
        ),
        report("BASELINE sentiment (VADER)", [e.label for e in senti], [vader_label(e.text) for e in senti]),
        report("BASELINE care category", [e.category for e in care], [category(e.text) for e in care]),
        report(
            "BASELINE care complaint or incident",
            [str(e.complaint) for e in care],
            [_complaint_flag(category(e.text)) for e in care],
            order=("1", "0"),
        ),
    ):
        print(render(rep))
        print()


def cost(model: Path, texts: Sequence[str]) -> dict[str, float]:
    """Load time of a fresh bundle, CPU time per mention on this one thread, file size."""
    started = time.perf_counter()
    bundle = TriageBundle.load(model)
    load_s = time.perf_counter() - started
    triage = Triage(bundle=bundle)
    triage.classify("warm up the lexicon and the regexes")
    per: list[float] = []
    for _ in range(3):
        cpu = time.process_time()
        for text in texts:
            triage.classify(text)
        per.append((time.process_time() - cpu) / len(texts) * 1000)
    return {
        "load_s": load_s,
        "cpu_ms_per_mention_median_of_3": statistics.median(per),
        "model_mb": model.stat().st_size / 1e6,
    }


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--data", type=Path, default=None, help="datasets folder (default ../shared/data/datasets)"
    )
    parser.add_argument("--model", type=Path, default=SHIPPED_MODEL)
    parser.add_argument("--baseline", action="store_true", help="also score the old keyword rules and VADER")
    args = parser.parse_args(argv)
    root = datasets.find_datasets(args.data)
    triage = Triage(bundle=TriageBundle.load(args.model))
    print(f"model {args.model} (version {triage.model_version}); data {root}")
    print(f"machine: {os.cpu_count()} cores, load average {os.getloadavg()[0]:.2f} at start\n")
    reports = measure(triage, root)
    if args.baseline:
        baseline(root)
    texts = [e.text for e in datasets.sentiment(root, "heldout")][:1000]
    spent = cost(args.model, texts)
    figures: list[tuple[str, float, int, Callable[[float], bool]]] = [
        (
            "complaints_macro_f1",
            reports["complaints"].macro_f1,
            reports["complaints"].size,
            lambda v: v >= 0.80,
        ),
        (
            "sentiment_macro_recall",
            reports["sentiment"].macro_recall,
            reports["sentiment"].size,
            lambda v: v >= 0.66,
        ),
        (
            "care_complaint_recall",
            reports["care_complaint"].recall_of("1"),
            reports["care_complaint"].size,
            lambda v: v >= 0.85,
        ),
        (
            "care_category_accuracy",
            reports["care_category"].accuracy,
            reports["care_category"].size,
            lambda v: v >= 0.80,
        ),
    ]
    print("== targets (held-out data the model never saw)")
    failed = 0
    for name, value, size, ok in figures:
        verdict = "met" if ok(value) else "MISSED"
        failed += 0 if ok(value) else 1
        print(f"  {name:<26} {value:.3f}  (target >= {TARGETS[name]:.2f}, n={size})  {verdict}")
    print("== cost")
    print(f"  model load                 {spent['load_s']:.2f} s  (file {spent['model_mb']:.1f} MB)")
    print(
        f"  triage per mention         {spent['cpu_ms_per_mention_median_of_3']:.3f} ms CPU on one core "
        f"(n={len(texts)}, median of 3 passes; target <= 2 ms)"
    )
    print(f"  load average at end        {os.getloadavg()[0]:.2f}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
