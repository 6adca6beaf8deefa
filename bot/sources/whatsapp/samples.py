"""Recorded WhatsApp webhook deliveries (the shapes of Meta's Cloud API webhook reference and of public
fixtures such as the `pywa` project's test updates), for the conformance harness, the tests and the demo.
The JSON files sit in `samples/`; times are moved to just before `now` so that the cases they open are
live ones (inside the 24-hour window), the business number is set to the configured one, and each body
is signed as Meta signs it when the app secret is known.
"""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from importlib import resources
from typing import Any

from socialdesk.plugins.source import SamplePayload
from socialdesk.sources.meta.verify import sign_meta

# (file, mentions it holds); `status_failed.json` is left out: it reports a reply the harness never sent.
SAMPLES: tuple[tuple[str, int], ...] = (
    ("text_message.json", 1),
    ("image_with_caption.json", 1),
    ("list_reply.json", 1),
    ("reaction.json", 0),
    ("statuses.json", 0),
)


def load(name: str) -> dict[str, Any]:
    text = resources.files("socialdesk.sources.whatsapp").joinpath("samples", name).read_text("utf-8")
    found = json.loads(text)
    assert isinstance(found, dict)
    return found


def at(payload: dict[str, Any], now: datetime, *, phone_number_id: str | None = None) -> dict[str, Any]:
    """The payload with its times moved to two minutes before `now` and, when given, our number's id."""
    stamp = str(int((now - timedelta(minutes=2)).timestamp()))
    moved = json.loads(json.dumps(payload))
    for entry in moved.get("entry", []):
        for change in entry.get("changes", []):
            value = change.get("value", {})
            if phone_number_id is not None and "metadata" in value:
                value["metadata"]["phone_number_id"] = phone_number_id
            for item in [*value.get("messages", []), *value.get("statuses", [])]:
                if "timestamp" in item:
                    item["timestamp"] = stamp
    return moved


def sample_payloads(
    now: datetime, app_secret: str | None, *, phone_number_id: str | None = None
) -> list[SamplePayload]:
    found = []
    for name, mentions in SAMPLES:
        body = json.dumps(at(load(name), now, phone_number_id=phone_number_id)).encode()
        headers = sign_meta(body, app_secret) if app_secret else {}
        found.append(SamplePayload(name.removesuffix(".json"), body, mentions=mentions, headers=headers))
    return found
