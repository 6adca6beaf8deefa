"""A linear classifier over the sparse features of bot/triage/features.py, with numpy as its only need.

Trained with scikit-learn (bot/triage/train.py) and exported to plain arrays, so the installed package
carries no scikit-learn and no pickles: a model is its feature names, a weight matrix (one column per
class) and a bias. A binary model is stored with two classes, the first column all zeros, so that one
softmax serves both cases.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import cached_property

import numpy as np
import numpy.typing as npt

FloatArray = npt.NDArray[np.float32]


@dataclass(frozen=True)
class LinearModel:
    name: str
    classes: tuple[str, ...]
    feature_names: tuple[str, ...]
    weights: FloatArray  # shape (features, classes)
    bias: FloatArray  # shape (classes,)
    # Added to the log-probabilities before the argmax: tuned on cross-validation for the metric the
    # task is judged by (macro recall for sentiment), never on held-out data.
    offsets: FloatArray | None = None

    def __post_init__(self) -> None:
        if self.weights.shape != (len(self.feature_names), len(self.classes)):
            raise ValueError(f"{self.name}: weights {self.weights.shape} do not fit the names and classes")

    @cached_property
    def _index(self) -> dict[str, int]:
        # Built on first use: at run time the bundle's shared vocabulary serves all three models, so
        # only training (and a model used on its own) pays for this one.
        return dict(zip(self.feature_names, range(len(self.feature_names)), strict=True))

    def logits(self, features: Mapping[str, float]) -> FloatArray:
        rows, values = lookup(self._index, features)
        out = self.bias.astype(np.float64)
        if rows:
            out = out + np.asarray(values, dtype=np.float64) @ self.weights[rows].astype(np.float64)
        return out.astype(np.float32)

    def probabilities(self, features: Mapping[str, float]) -> dict[str, float]:
        return self.softmax(self.logits(features).astype(np.float64))

    def softmax(self, z: npt.NDArray[np.float64]) -> dict[str, float]:
        z = z - z.max()
        e = np.exp(z)
        p = e / e.sum()
        return {c: float(v) for c, v in zip(self.classes, p, strict=True)}

    def predict(self, features: Mapping[str, float]) -> tuple[str, dict[str, float]]:
        """The label (after the tuned offsets) and the class probabilities (before them)."""
        return self.decide(self.probabilities(features))

    def decide(self, probs: dict[str, float]) -> tuple[str, dict[str, float]]:
        scores = [math.log(max(probs[c], 1e-12)) for c in self.classes]
        if self.offsets is not None:
            scores = [s + float(o) for s, o in zip(scores, self.offsets, strict=True)]
        best = max(range(len(self.classes)), key=scores.__getitem__)
        return self.classes[best], probs

    def arrays(self) -> dict[str, npt.NDArray[np.generic]]:
        """This model as named arrays for `np.savez_compressed` (see bundle.py)."""
        out: dict[str, npt.NDArray[np.generic]] = {
            f"{self.name}.classes": np.array(self.classes),
            f"{self.name}.features": np.frombuffer(
                "\n".join(self.feature_names).encode("utf-8"), dtype=np.uint8
            ),
            f"{self.name}.weights": self.weights.astype(np.float16),
            f"{self.name}.bias": self.bias.astype(np.float32),
        }
        if self.offsets is not None:
            out[f"{self.name}.offsets"] = self.offsets.astype(np.float32)
        return out

    @classmethod
    def from_arrays(cls, name: str, arrays: Mapping[str, npt.NDArray[np.generic]]) -> LinearModel:
        names_blob = bytes(np.asarray(arrays[f"{name}.features"], dtype=np.uint8))
        names = tuple(names_blob.decode("utf-8").split("\n")) if names_blob else ()
        offsets = arrays.get(f"{name}.offsets")
        return cls(
            name=name,
            classes=tuple(str(c) for c in arrays[f"{name}.classes"]),
            feature_names=names,
            weights=np.asarray(arrays[f"{name}.weights"], dtype=np.float32),
            bias=np.asarray(arrays[f"{name}.bias"], dtype=np.float32),
            offsets=None if offsets is None else np.asarray(offsets, dtype=np.float32),
        )


def lookup(index: Mapping[str, int], features: Mapping[str, float]) -> tuple[list[int], list[float]]:
    """The rows of the features a vocabulary knows, and their values (unknown features are dropped)."""
    rows: list[int] = []
    values: list[float] = []
    for key, value in features.items():
        row = index.get(key)
        if row is not None:
            rows.append(row)
            values.append(value)
    return rows, values


def from_sklearn(
    name: str,
    *,
    classes: Sequence[str],
    feature_names: Sequence[str],
    coef: npt.NDArray[np.floating],
    intercept: npt.NDArray[np.floating],
    offsets: Sequence[float] | None = None,
    prune_below: float = 1e-4,
) -> LinearModel:
    """Export a fitted scikit-learn linear model; weights whose every class is below `prune_below`
    are dropped (they change no decision and would only make the package bigger)."""
    coef = np.asarray(coef, dtype=np.float64)
    intercept = np.asarray(intercept, dtype=np.float64).reshape(-1)
    if coef.shape[0] == 1:  # binary: sklearn keeps one row for the positive class
        coef = np.vstack([np.zeros_like(coef), coef])
        intercept = np.array([0.0, intercept[0]])
    weights = coef.T  # (features, classes)
    keep = np.abs(weights).max(axis=1) >= prune_below
    return LinearModel(
        name=name,
        classes=tuple(str(c) for c in classes),
        feature_names=tuple(n for n, k in zip(feature_names, keep, strict=True) if k),
        weights=weights[keep].astype(np.float32),
        bias=intercept.astype(np.float32),
        offsets=None if offsets is None else np.asarray(offsets, dtype=np.float32),
    )
