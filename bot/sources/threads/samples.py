"""Recorded Threads webhook deliveries (the shapes of Meta's Threads webhooks documentation, and the
app-webhook envelope they take on the shared Meta callback), for the conformance harness, the tests and
the demo. The JSON files sit in `samples/`; times are moved to just before `now` so that the cases they
open are live ones, and each body is signed as Meta signs it when the app secret is known.
"""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from importlib import resources
from typing import Any

from socialdesk.plugins.source import SamplePayload
from socialdesk.sources.meta.verify import sign_meta

# (file, mentions it holds)
SAMPLES: tuple[tuple[str, int], ...] = (
    ("reply_webhook.json", 1),
    ("mention_webhook.json", 1),
    ("mention_entry.json", 1),
    ("delete_webhook.json", 0),
)


def load(name: str) -> dict[str, Any]:
    text = resources.files("socialdesk.sources.threads").joinpath("samples", name).read_text("utf-8")
    found = json.loads(text)
    assert isinstance(found, dict)
    return found


def at(payload: dict[str, Any], now: datetime) -> dict[str, Any]:
    """The payload with its times moved to two minutes before `now` (delivery time: `now`)."""
    stamp = (now - timedelta(minutes=2)).strftime("%Y-%m-%dT%H:%M:%S+0000")
    moved = json.loads(json.dumps(payload))
    if "time" in moved:
        moved["time"] = int(now.timestamp())
    values = moved.get("values")
    changes = [values] if isinstance(values, dict) else []
    for entry in moved.get("entry", []):
        entry["time"] = int(now.timestamp())
        changes.extend(entry.get("changes", []))
    for change in changes:
        value = change.get("value", {})
        if "timestamp" in value:
            value["timestamp"] = stamp
    return moved


def sample_payloads(now: datetime, app_secret: str | None) -> list[SamplePayload]:
    found = []
    for name, mentions in SAMPLES:
        body = json.dumps(at(load(name), now)).encode()
        headers = sign_meta(body, app_secret) if app_secret else {}
        found.append(SamplePayload(name.removesuffix(".json"), body, mentions=mentions, headers=headers))
    return found
