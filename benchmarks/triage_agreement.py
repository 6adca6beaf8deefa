"""How far two independent readings of the gold set agree: the ceiling any model is measured under.

    python -m benchmarks.triage_agreement [--second benchmarks/data/customer_care_second_pass.jsonl]

The gold set (`bot/triage/training/customer_care_gold.jsonl`) was labelled by three annotators, a third
each. A second pass (`benchmarks/data/customer_care_second_pass.jsonl`, notes kept) was made later by
three other annotators, the messages dealt out by a different hash so that each second reader saw parts
of every first reader's third; they followed docs/triage-labelling.md and saw neither the first labels
nor any model's answer. The gold set keeps the first labels (no adjudication): changing held-out labels
after models were scored on them would make the held-out figures incomparable.

Prints, for category, complaint (complaint or incident) and sentiment: the share of messages both
passes labelled alike, Cohen's kappa, and the category pairs on which they differed.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections import Counter
from collections.abc import Sequence
from pathlib import Path

from socialdesk.triage.datasets import GOLD_FILE

SECOND_PASS = Path(__file__).parent / "data" / "customer_care_second_pass.jsonl"


def cohen_kappa(first: Sequence[str], second: Sequence[str]) -> float:
    """Agreement beyond chance: (observed - expected) / (1 - expected), expected from each pass's shares."""
    n = len(first)
    observed = sum(a == b for a, b in zip(first, second, strict=True)) / n
    shares_a, shares_b = Counter(first), Counter(second)
    expected = sum(shares_a[label] * shares_b[label] for label in shares_a) / (n * n)
    return 1.0 if expected == 1 else (observed - expected) / (1 - expected)


def _read(path: Path) -> dict[str, dict[str, object]]:
    return {
        str(row["tweet_id"]): row
        for row in (
            json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()
        )
    }


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--gold", type=Path, default=GOLD_FILE)
    parser.add_argument("--second", type=Path, default=SECOND_PASS)
    args = parser.parse_args(argv)
    first, second = _read(args.gold), _read(args.second)
    ids = sorted(set(first) & set(second))
    print(f"messages read twice: {len(ids)} (gold {len(first)}, second pass {len(second)})")

    def pairs(field: str, as_label: object = str) -> tuple[list[str], list[str]]:
        convert = as_label if callable(as_label) else str
        return [str(convert(first[i][field])) for i in ids], [str(convert(second[i][field])) for i in ids]

    def grievance(category: object) -> str:
        return "1" if category in ("complaint", "incident") else "0"

    for name, (a, b) in (
        ("category", pairs("category")),
        ("complaint", pairs("category", grievance)),
        ("sentiment", pairs("sentiment")),
        ("needs a reply", pairs("needs_reply")),
    ):
        same = sum(x == y for x, y in zip(a, b, strict=True)) / len(ids)
        print(f"{name:14} agree {same:.3f}  kappa {cohen_kappa(a, b):.3f}")
    a, b = pairs("category")
    differ = Counter((x, y) for x, y in zip(a, b, strict=True) if x != y)
    print("category differences (first -> second):")
    for (x, y), n in differ.most_common():
        print(f"  {x:9} -> {y:9} {n}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
