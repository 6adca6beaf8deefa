"""Recorded deliveries shipped with a built-in source (`<package>/samples/*.json`, package data): read
here for its `samples()`, which the conformance harness, the tests and a plugin author's checks use."""

from __future__ import annotations

import json
from datetime import datetime
from importlib import resources
from typing import Any

# Cases opened from a sample are live ones (not history, inside a platform's reply window): the
# samples' times are moved to this long before the delivery.
AGO_SECONDS = 120


def load(package: str, name: str) -> dict[str, Any]:
    """`samples/<name>` of `package` (e.g. "socialdesk.sources.meta"), decoded; a fresh copy each call."""
    text = resources.files(package).joinpath("samples", name).read_text("utf-8")
    found = json.loads(text)
    if not isinstance(found, dict):
        raise ValueError(f"{package} samples/{name} is not a JSON object")
    return found


def epoch_like(recorded: int | str, when: datetime) -> int | str:
    """`when` as an epoch in the recorded value's unit and type: milliseconds when the recording holds
    milliseconds (Messenger's timestamps, X's DM `created_timestamp`, a string there), else seconds."""
    milliseconds = int(recorded) >= 10**12
    value = int(when.timestamp() * 1000) if milliseconds else int(when.timestamp())
    return str(value) if isinstance(recorded, str) else value
