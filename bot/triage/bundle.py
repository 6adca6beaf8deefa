"""The triage model file: the three linear models and what they were trained on, in one `.npz`.

The shipped model is package data (`bot/triage/data/model.npz`, rebuilt by `socialdesk triage train`);
a team model trained with corrections is the same format at the path in `SOCIALDESK_TRIAGE_MODEL`,
adopted with `socialdesk triage adopt`. Loading reads arrays only (`allow_pickle=False`): a model file
can never run code.
"""

from __future__ import annotations

import json
import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from socialdesk.triage.linear import LinearModel, lookup

SHIPPED_MODEL = Path(__file__).parent / "data" / "model.npz"
_MODEL_NAMES = ("sentiment", "complaint", "care")


class ModelFileError(Exception):
    """A model file that is missing, unreadable or not a triage model."""


@dataclass(frozen=True)
class Encoded:
    """A text's features as rows of the bundle's shared vocabulary: looked up once, used by all three
    models (the dictionary look-ups, not the arithmetic, are what a mention costs)."""

    rows: list[int]
    values: list[float]


@dataclass(frozen=True)
class TriageBundle:
    sentiment: LinearModel
    complaint: LinearModel
    care: LinearModel
    meta: dict[str, Any] = field(default_factory=dict)
    _joint: dict[str, Any] = field(default_factory=dict, repr=False, compare=False)

    def __post_init__(self) -> None:
        names: dict[str, int] = {}
        for model in (self.sentiment, self.complaint, self.care):
            for name in model.feature_names:
                names.setdefault(name, len(names))
        self._joint["index"] = names
        for model in (self.sentiment, self.complaint, self.care):
            aligned = np.zeros((len(names) + 1, len(model.classes)), dtype=np.float32)  # last row: unknown
            rows = [names[n] for n in model.feature_names]
            aligned[rows] = model.weights
            self._joint[model.name] = aligned

    def encode(self, features: dict[str, float]) -> Encoded:
        return Encoded(*lookup(self._joint["index"], features))

    def extend(self, encoded: Encoded, extra: dict[str, float]) -> Encoded:
        rows, values = lookup(self._joint["index"], extra)
        return Encoded(encoded.rows + rows, encoded.values + values)

    def probabilities(self, model: LinearModel, encoded: Encoded) -> dict[str, float]:
        """The same answer as `model.probabilities(features)`, from the shared rows."""
        z = model.bias
        if encoded.rows:
            weights: np.ndarray = self._joint[model.name]
            z = z + np.asarray(encoded.values, dtype=np.float32) @ weights[encoded.rows]
        return model.softmax(z.astype(np.float64))

    def predict(self, model: LinearModel, encoded: Encoded) -> tuple[str, dict[str, float]]:
        return model.decide(self.probabilities(model, encoded))

    @property
    def version(self) -> str:
        return str(self.meta.get("version", "unknown"))

    def save(self, path: Path) -> None:
        arrays: dict[str, Any] = {}
        for model in (self.sentiment, self.complaint, self.care):
            arrays.update(model.arrays())
        arrays["meta"] = np.frombuffer(json.dumps(self.meta, sort_keys=True).encode("utf-8"), dtype=np.uint8)
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(path.name + ".tmp.npz")
        np.savez_compressed(tmp, **arrays)
        tmp.replace(path)

    @classmethod
    def load(cls, path: Path) -> TriageBundle:
        try:
            with np.load(path, allow_pickle=False) as npz:
                arrays = {k: npz[k] for k in npz.files}
        except FileNotFoundError:
            raise ModelFileError(f"{path}: no such model file") from None
        except (OSError, ValueError) as exc:
            raise ModelFileError(f"{path}: not a triage model file ({exc})") from None
        try:
            meta = json.loads(bytes(arrays["meta"]).decode("utf-8"))
            models = {name: LinearModel.from_arrays(name, arrays) for name in _MODEL_NAMES}
        except (KeyError, ValueError) as exc:
            raise ModelFileError(f"{path}: not a triage model file (missing {exc})") from None
        return cls(
            sentiment=models["sentiment"], complaint=models["complaint"], care=models["care"], meta=meta
        )


_lock = threading.Lock()
_loaded: dict[Path, TriageBundle] = {}


def load_cached(path: Path | None = None) -> TriageBundle:
    """The bundle at `path` (default: the shipped one), loaded once per process and shared: models are
    read-only after loading, so threads may share them."""
    key = (path or SHIPPED_MODEL).resolve()
    bundle = _loaded.get(key)
    if bundle is None:
        with _lock:
            bundle = _loaded.get(key)
            if bundle is None:
                bundle = TriageBundle.load(key)
                _loaded[key] = bundle
    return bundle


def forget_cached() -> None:
    """Drop loaded bundles (after a team model is adopted, or in tests)."""
    with _lock:
        _loaded.clear()
