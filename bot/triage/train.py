"""`socialdesk triage train`: rebuild the shipped triage model from the public labelled data.

Needs scikit-learn (`pip install 'socialdesk[train]'`), only here: the installed model is plain arrays.
Deterministic: fixed splits (bot/triage/datasets.py), fixed fold seeds, solvers without randomness,
so the same files give the same model on any machine.

Three linear models over the same features (bot/triage/features.py):
- sentiment (negative / neutral / positive): TweetEval's validation set and the training part of its
  test half, plus the training part of our customer-care gold set; class-balanced; per-class offsets
  tuned on 5-fold cross-validation predictions for macro recall, the benchmark's metric;
- complaint (1 / 0): the training part of "Complaints on Twitter" plus the gold set's complaint flag;
- care category (complaint, incident, question, other, spam): the gold set's training part, with the
  two models above as extra inputs (stacked from cross-validation predictions, so the category model
  learns how far to trust them on data they did not see).
Held-out parts are never read here.
"""

from __future__ import annotations

import hashlib
import time
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from socialdesk.triage import datasets
from socialdesk.triage.bundle import TriageBundle
from socialdesk.triage.features import featurize, stack_inputs
from socialdesk.triage.linear import LinearModel, from_sklearn

SENTIMENT_C = 0.5
COMPLAINT_C = 4.0
CARE_C = 1.0
FOLDS = 5
SEED = 20261207
SENTIMENT_CLASSES = ("negative", "neutral", "positive")


class TrainingUnavailable(Exception):
    """scikit-learn is not installed."""


@dataclass
class TrainReport:
    sizes: dict[str, int]
    seconds: float
    cv: dict[str, float]
    path: Path | None = None


def _sklearn() -> Any:
    try:
        import sklearn  # noqa: F401
        from sklearn.linear_model import LogisticRegression
        from sklearn.model_selection import StratifiedKFold
    except ImportError:  # pragma: no cover - depends on the install
        raise TrainingUnavailable("training needs scikit-learn: pip install 'socialdesk[train]'") from None
    return LogisticRegression, StratifiedKFold


class Vocabulary:
    """Feature names seen in at least `min_docs` training texts (rarer ones only add noise and size)."""

    def __init__(self, rows: Sequence[dict[str, float]], min_docs: int = 2) -> None:
        counts: Counter[str] = Counter()
        for row in rows:
            counts.update(row.keys())
        self.names = sorted(k for k, n in counts.items() if n >= min_docs or k.startswith(("d:", "m:")))
        self.index = {k: i for i, k in enumerate(self.names)}

    def matrix(self, rows: Sequence[dict[str, float]]) -> Any:
        from scipy.sparse import csr_matrix

        data: list[float] = []
        cols: list[int] = []
        ptr = [0]
        for row in rows:
            for k, v in row.items():
                i = self.index.get(k)
                if i is not None:
                    cols.append(i)
                    data.append(v)
            ptr.append(len(cols))
        return csr_matrix((data, cols, ptr), shape=(len(rows), len(self.names)), dtype=np.float64)


def fit_linear(
    name: str,
    rows: Sequence[dict[str, float]],
    labels: Sequence[str],
    *,
    c: float,
    balanced: bool = True,
    sample_weight: Sequence[float] | None = None,
) -> LinearModel:
    logistic, _ = _sklearn()
    vocab = Vocabulary(rows)
    model = logistic(C=c, max_iter=5000, class_weight="balanced" if balanced else None)
    model.fit(vocab.matrix(rows), list(labels), sample_weight=sample_weight)
    return from_sklearn(
        name,
        classes=[str(c) for c in model.classes_],
        feature_names=vocab.names,
        coef=model.coef_,
        intercept=model.intercept_,
    )


def cross_val_probabilities(
    name: str,
    rows: Sequence[dict[str, float]],
    labels: Sequence[str],
    *,
    c: float,
    folds: int = FOLDS,
    progress: Callable[[str], None] = lambda _: None,
) -> tuple[tuple[str, ...], np.ndarray]:
    """Out-of-fold class probabilities for every training row (each predicted by a model that did not
    see it): for tuning offsets and for stacking, never for reporting a held-out figure."""
    _, kfold = _sklearn()
    splitter = kfold(n_splits=folds, shuffle=True, random_state=SEED)
    classes: tuple[str, ...] = tuple(sorted(set(labels)))
    out = np.zeros((len(rows), len(classes)))
    for k, (fit_idx, pred_idx) in enumerate(splitter.split(np.zeros(len(labels)), labels), start=1):
        progress(f"{name}: fold {k}/{folds}")
        model = fit_linear(name, [rows[i] for i in fit_idx], [labels[i] for i in fit_idx], c=c)
        for i in pred_idx:
            probs = model.probabilities(rows[i])
            out[i] = [probs.get(cls, 0.0) for cls in classes]
    return classes, out


def tune_offsets(
    classes: Sequence[str], probs: np.ndarray, labels: Sequence[str]
) -> tuple[list[float], float]:
    """Per-class additive offsets on log-probabilities that maximize macro recall on out-of-fold
    predictions (a grid, the first class fixed at 0)."""
    from socialdesk.triage.metrics import report

    logp = np.log(np.clip(probs, 1e-12, 1.0))
    grid = np.round(np.arange(-0.6, 0.61, 0.05), 2)
    best = (-1.0, [0.0] * len(classes))
    free = len(classes) - 1
    for combo in np.array(np.meshgrid(*[grid] * free)).T.reshape(-1, free):
        offsets = np.concatenate([[0.0], combo])
        predicted = [classes[i] for i in (logp + offsets).argmax(axis=1)]
        score = report("tune", list(labels), predicted).macro_recall
        if score > best[0] + 1e-9:
            best = (score, [float(x) for x in offsets])
    return best[1], best[0]


def stacked(features: dict[str, float], sentiment: dict[str, float], complaint: float) -> dict[str, float]:
    """The care model's input: the text's features plus the two base models' answers."""
    return {**features, **stack_inputs(sentiment, complaint)}


@dataclass(frozen=True)
class ExtraExample:
    """A labelled example beyond the shipped data: an agent's category correction (masked text)."""

    text: str
    category: str


def train(
    root: Path,
    *,
    progress: Callable[[str], None] = lambda _: None,
    extra: Sequence[ExtraExample] = (),
    version_prefix: str = "shipped",
    gold_file: Path = datasets.GOLD_FILE,
) -> tuple[TriageBundle, TrainReport]:
    """Fit the three models on the training splits (plus `extra` for the care and complaint models)."""
    started = time.perf_counter()
    senti = datasets.sentiment(root, "train")
    comp = datasets.complaints(root, "train")
    care = datasets.customer_care(root, "train", gold_file)
    progress(f"featurizing {len(senti) + len(comp) + len(care) + len(extra)} texts")
    senti_rows = [featurize(e.text) for e in senti]
    care_rows = [featurize(e.text) for e in care]
    extra_rows = [featurize(e.text) for e in extra]
    comp_rows = [featurize(e.text) for e in comp]

    # Sentiment: TweetEval plus the gold set's feelings (polite complaints are negative).
    s_rows = senti_rows + care_rows
    s_labels = [e.label for e in senti] + [e.sentiment for e in care]
    progress("sentiment: cross-validation for the offsets")
    s_classes, s_oof = cross_val_probabilities(
        "sentiment", s_rows, s_labels, c=SENTIMENT_C, progress=progress
    )
    offsets, cv_recall = tune_offsets(s_classes, s_oof, s_labels)
    progress("sentiment: final fit")
    fitted = fit_linear("sentiment", s_rows, s_labels, c=SENTIMENT_C)
    sentiment = LinearModel(
        name=fitted.name,
        classes=fitted.classes,
        feature_names=fitted.feature_names,
        weights=fitted.weights,
        bias=fitted.bias,
        offsets=np.asarray([offsets[s_classes.index(c)] for c in fitted.classes], dtype=np.float32),
    )

    # Complaint: the ACL 2019 corpus plus every care text's complaint flag.
    extra_complaint = ["1" if e.category in ("complaint", "incident") else "0" for e in extra]
    c_rows = comp_rows + care_rows + extra_rows
    c_labels = [e.label for e in comp] + [str(e.complaint) for e in care] + extra_complaint
    progress("complaint: cross-validation for stacking")
    c_classes, c_oof = cross_val_probabilities(
        "complaint", c_rows, c_labels, c=COMPLAINT_C, progress=progress
    )
    progress("complaint: final fit")
    complaint = fit_linear("complaint", c_rows, c_labels, c=COMPLAINT_C)

    # Care category, stacked on answers the base models gave without having seen the text: out-of-
    # fold for the gold set; the final sentiment model for corrections (it never trains on them).
    positive = c_classes.index("1")
    stacked_rows = []
    for i, row in enumerate(care_rows):
        senti_probs = dict(zip(s_classes, s_oof[len(senti) + i], strict=True))
        stacked_rows.append(stacked(row, senti_probs, float(c_oof[len(comp) + i][positive])))
    for i, row in enumerate(extra_rows):
        stacked_rows.append(
            stacked(row, sentiment.probabilities(row), float(c_oof[len(comp) + len(care) + i][positive]))
        )
    progress("care: final fit")
    care_labels = [e.category for e in care] + [e.category for e in extra]
    # Not class-balanced: 14 spam posts among 500 must not make every odd post look like spam.
    care_model = fit_linear("care", stacked_rows, care_labels, c=CARE_C, balanced=False)

    sizes = {
        "sentiment_train": len(s_labels),
        "complaint_train": len(c_labels),
        "care_train": len(care_labels),
        "corrections": len(extra),
    }
    cv = {"sentiment_macro_recall_oof": round(cv_recall, 4)}
    meta: dict[str, Any] = {
        "version": _version(version_prefix, (sentiment, complaint, care_model)),
        "sizes": sizes,
        "cv": cv,
        "features": "word 1-2-grams with negation, char 2-5-grams, VADER and cue flags",
    }
    bundle = TriageBundle(sentiment=sentiment, complaint=complaint, care=care_model, meta=meta)
    return bundle, TrainReport(sizes=sizes, seconds=time.perf_counter() - started, cv=cv)


def _version(prefix: str, models: Sequence[LinearModel]) -> str:
    """Names the weights, so two different models never share a version."""
    digest = hashlib.sha256()
    for model in models:
        digest.update("\n".join(model.feature_names).encode("utf-8"))
        digest.update(model.weights.astype(np.float16).tobytes())
        digest.update(model.bias.astype(np.float32).tobytes())
    return f"{prefix}-{digest.hexdigest()[:8]}"
