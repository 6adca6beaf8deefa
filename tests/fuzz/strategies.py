"""Hypothesis strategies shared by the fuzz tests: arbitrary JSON, and mutations of real samples."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

from hypothesis import strategies as st

from socialdesk.settings import PROJECT_ROOT

SHARED_SOCIAL = PROJECT_ROOT.parent / "shared" / "data" / "social"

scalars = st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=40)
json_values = st.recursive(
    scalars,
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=12), children, max_size=5)
    ),
    max_leaves=25,
)


def _samples(folder: str) -> list[Any]:
    found = []
    for path in sorted((SHARED_SOCIAL / folder).glob("*.json")):
        try:
            found.append(json.loads(path.read_text(encoding="utf-8")))
        except ValueError:
            continue
    return found


# A mentions page of X API v2 as the poller reads it, so the fuzz has a real shape to mutate even
# where ../shared is not beside the project (the shared recordings add more when it is).
X_V2_PAGE: dict[str, Any] = {
    "data": [
        {
            "id": "1860000000000000001",
            "text": "@acme_help my login fails since this morning",
            "author_id": "2200000001",
            "created_at": "2026-11-24T09:00:00.000Z",
            "conversation_id": "1860000000000000001",
            "edit_history_tweet_ids": ["1860000000000000001"],
        }
    ],
    "includes": {
        "users": [
            {
                "id": "2200000001",
                "username": "dana_flies",
                "name": "Dana",
                "public_metrics": {"followers_count": 48},
            }
        ]
    },
    "meta": {"result_count": 1, "newest_id": "1860000000000000001", "oldest_id": "1860000000000000001"},
}

META_SAMPLES = _samples("meta")
X_V2_SAMPLES = [X_V2_PAGE, *_samples("x_api_v2")]


def _paths(value: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    """Every key path into a JSON value (dict keys and list indexes)."""
    found = [prefix]
    if isinstance(value, dict):
        for key, item in value.items():
            found += _paths(item, (*prefix, key))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            found += _paths(item, (*prefix, index))
    return found


def _replace(value: Any, path: tuple[Any, ...], new: Any) -> Any:
    if not path:
        return new
    parent = value
    for part in path[:-1]:
        parent = parent[part]
    parent[path[-1]] = new
    return value


@st.composite
def mutated(draw: st.DrawFn, samples: list[Any]) -> Any:
    """A real sample with one to three of its values (or whole subtrees) replaced by arbitrary JSON,
    or deleted: the shapes a buggy or hostile sender produces, near enough to pass the first checks."""
    value = copy.deepcopy(draw(st.sampled_from(samples)))
    for _ in range(draw(st.integers(1, 3))):
        path = draw(st.sampled_from(_paths(value)))
        if path and draw(st.booleans()) and isinstance(_parent(value, path), dict):
            del _parent(value, path)[path[-1]]
        else:
            value = _replace(value, path, draw(json_values))
    return value


def _parent(value: Any, path: tuple[Any, ...]) -> Any:
    for part in path[:-1]:
        value = value[part]
    return value


def sample_texts(folder: Path) -> list[str]:
    return [p.read_text(encoding="utf-8") for p in sorted(folder.glob("*.y*ml"))]
