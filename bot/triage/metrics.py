"""Classification figures for `socialdesk triage evaluate` and benchmarks/triage.py, in plain Python.

Definitions follow the usual ones (scikit-learn's): precision, recall and F1 per class; macro averages
are unweighted means over the classes present in the gold labels or the predictions; a class with no
prediction has precision 0.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass


@dataclass(frozen=True)
class ClassFigures:
    label: str
    precision: float
    recall: float
    f1: float
    support: int


@dataclass(frozen=True)
class Report:
    task: str
    size: int
    accuracy: float
    macro_f1: float
    macro_recall: float
    classes: tuple[ClassFigures, ...]
    labels: tuple[str, ...]
    confusion: tuple[tuple[int, ...], ...]  # rows: gold, columns: predicted, in `labels` order

    def recall_of(self, label: str) -> float:
        return next((c.recall for c in self.classes if c.label == label), 0.0)

    def as_dict(self) -> dict[str, object]:
        return {
            "task": self.task,
            "size": self.size,
            "accuracy": round(self.accuracy, 4),
            "macro_f1": round(self.macro_f1, 4),
            "macro_recall": round(self.macro_recall, 4),
            "classes": {
                c.label: {
                    "precision": round(c.precision, 4),
                    "recall": round(c.recall, 4),
                    "f1": round(c.f1, 4),
                    "support": c.support,
                }
                for c in self.classes
            },
            "confusion": {
                "labels": list(self.labels),
                "rows_gold_columns_predicted": [list(r) for r in self.confusion],
            },
        }


def report(task: str, gold: Sequence[str], predicted: Sequence[str], order: Sequence[str] = ()) -> Report:
    if len(gold) != len(predicted):
        raise ValueError(f"{task}: {len(gold)} gold labels but {len(predicted)} predictions")
    present = set(gold) | set(predicted)
    labels = tuple([x for x in order if x in present] + sorted(present - set(order)))
    pairs = Counter(zip(gold, predicted, strict=True))
    gold_count = Counter(gold)
    pred_count = Counter(predicted)
    classes = []
    for label in labels:
        hit = pairs[(label, label)]
        precision = hit / pred_count[label] if pred_count[label] else 0.0
        recall = hit / gold_count[label] if gold_count[label] else 0.0
        f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
        classes.append(ClassFigures(label, precision, recall, f1, gold_count[label]))
    n = len(gold)
    return Report(
        task=task,
        size=n,
        accuracy=sum(pairs[(x, x)] for x in labels) / n if n else 0.0,
        macro_f1=sum(c.f1 for c in classes) / len(classes) if classes else 0.0,
        # Macro recall is over the gold classes only (a class never in gold has no recall to average).
        macro_recall=(
            sum(c.recall for c in classes if c.support) / sum(1 for c in classes if c.support) if n else 0.0
        ),
        classes=tuple(classes),
        labels=labels,
        confusion=tuple(tuple(pairs[(g, p)] for p in labels) for g in labels),
    )


def render(rep: Report) -> str:
    """A plain-text table: the figures, then the confusion matrix (gold rows, predicted columns)."""
    lines = [
        f"{rep.task}: {rep.size} examples",
        f"  accuracy {rep.accuracy:.3f}   macro F1 {rep.macro_f1:.3f}   macro recall {rep.macro_recall:.3f}",
        f"  {'class':<12} {'precision':>9} {'recall':>7} {'F1':>6} {'support':>8}",
    ]
    for c in rep.classes:
        lines.append(f"  {c.label:<12} {c.precision:>9.3f} {c.recall:>7.3f} {c.f1:>6.3f} {c.support:>8}")
    width = max(8, *(len(x) for x in rep.labels))
    lines.append("  confusion (rows: gold, columns: predicted)")
    lines.append("  " + " " * width + "".join(f"{x:>{width + 1}}" for x in rep.labels))
    for label, row in zip(rep.labels, rep.confusion, strict=True):
        lines.append(f"  {label:<{width}}" + "".join(f"{v:>{width + 1}}" for v in row))
    return "\n".join(lines)
