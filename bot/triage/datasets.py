"""The labelled data the shipped model is trained and measured on, and its fixed splits.

Three public corpora, read from a datasets folder (`../shared/data/datasets/` in this repository's
layout; its README names origins and licences):
- `complaints_on_twitter/dev.csv`: half of the ACL 2019 "Complaints on Twitter" corpus, complaint 1/0;
- `tweeteval_sentiment/val.jsonl` and `test_a.jsonl`: TweetEval sentiment (validation, half the test);
- `twitter_customer_care/dev.json`: customers' first messages to 25 brands, labelled by us
  (`bot/triage/training/customer_care_gold.jsonl`, guide in docs/triage-labelling.md).

Every corpus is split once, by a hash of a stable id, into `train` (used to fit and to tune by
cross-validation) and `heldout` (only ever predicted by benchmarks/triage.py). The split does not
depend on the order of the files or on a random seed, so it is the same on every machine. The other
halves of the complaints corpus and of TweetEval's test set are not in this folder and are never read.
"""

from __future__ import annotations

import csv
import hashlib
import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

Split = Literal["train", "heldout", "all"]

GOLD_FILE = Path(__file__).parent / "training" / "customer_care_gold.jsonl"

# Share of each corpus kept out of training for measurement, in tenths.
HELDOUT_TENTHS = {"complaints": 3, "sentiment": 3, "customer_care": 4}


class DatasetMissing(Exception):
    """The datasets folder or one of its files is not there."""


@dataclass(frozen=True)
class Example:
    text: str
    label: str
    source: str  # which corpus, for reports
    key: str  # stable id (tweet id, or a hash of the text when the corpus has none)


@dataclass(frozen=True)
class CareExample:
    text: str
    category: str
    sentiment: str
    complaint: int
    needs_reply: bool
    key: str


def _bucket(key: str) -> int:
    return int(hashlib.sha256(key.encode("utf-8")).hexdigest()[:8], 16) % 10


def in_split(key: str, corpus: str, split: Split) -> bool:
    if split == "all":
        return True
    held = _bucket(key) < HELDOUT_TENTHS[corpus]
    return held if split == "heldout" else not held


def find_datasets(explicit: str | Path | None = None) -> Path:
    """The datasets folder: the one given, else $SOCIALDESK_DATASETS, else ../shared/data/datasets
    beside the working folder or beside this checkout."""
    candidates: list[Path] = []
    if explicit:
        candidates.append(Path(explicit))
    elif os.environ.get("SOCIALDESK_DATASETS"):
        candidates.append(Path(os.environ["SOCIALDESK_DATASETS"]))
    else:
        candidates += [
            Path.cwd() / "../shared/data/datasets",
            Path(__file__).resolve().parents[2] / "../shared/data/datasets",
        ]
    for path in candidates:
        if (path / "tweeteval_sentiment").is_dir():
            return path.resolve()
    tried = ", ".join(str(p) for p in candidates)
    raise DatasetMissing(f"no datasets folder (tried {tried}); pass --data DIR or set SOCIALDESK_DATASETS")


def _need(path: Path) -> Path:
    if not path.is_file():
        raise DatasetMissing(f"{path}: missing")
    return path


def complaints(root: Path, split: Split) -> list[Example]:
    out = []
    with _need(root / "complaints_on_twitter" / "dev.csv").open(encoding="utf-8", newline="") as fh:
        for row in csv.DictReader(fh):
            key = row["tweet_id"]
            if in_split(key, "complaints", split):
                out.append(
                    Example(row["text"], "1" if row["complaint"].strip() == "1" else "0", "complaints", key)
                )
    return out


def sentiment(root: Path, split: Split) -> list[Example]:
    """TweetEval: the whole validation set is training data; test_a is split (its held-out part is
    what the benchmark reports)."""
    out = []
    folder = root / "tweeteval_sentiment"
    for name, splittable in (("val.jsonl", False), ("test_a.jsonl", True)):
        for line in _need(folder / name).read_text(encoding="utf-8").splitlines():
            if not line.strip():
                continue
            row = json.loads(line)
            key = hashlib.sha256(row["text"].encode("utf-8")).hexdigest()[:16]
            if splittable:
                if not in_split(key, "sentiment", split):
                    continue
            elif split == "heldout":
                continue
            out.append(Example(row["text"], row["label"], f"tweeteval/{name}", key))
    return out


def _first_customer_messages(root: Path) -> dict[str, str]:
    data = json.loads(_need(root / "twitter_customer_care" / "dev.json").read_text(encoding="utf-8"))
    first: dict[str, str] = {}
    for conversation in data:
        for turn in conversation["dialogContent"]:
            if "client" in turn:
                first[str(turn["tweet_ID"])] = turn["message"]
                break
    return first


def customer_care(root: Path, split: Split, gold_file: Path = GOLD_FILE) -> list[CareExample]:
    texts = _first_customer_messages(root)
    out = []
    for line in gold_file.read_text(encoding="utf-8").splitlines():
        if not line.strip():
            continue
        row = json.loads(line)
        key = str(row["tweet_id"])
        if key not in texts:
            raise DatasetMissing(f"{gold_file.name}: tweet {key} is not in twitter_customer_care/dev.json")
        if in_split(key, "customer_care", split):
            out.append(
                CareExample(
                    text=texts[key],
                    category=row["category"],
                    sentiment=row["sentiment"],
                    complaint=int(row["complaint"]),
                    needs_reply=bool(row["needs_reply"]),
                    key=key,
                )
            )
    return out
