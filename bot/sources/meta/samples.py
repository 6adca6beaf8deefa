"""Recorded Meta webhook deliveries (the shapes of Meta's Webhooks reference for Pages, Instagram and
Messenger, as the Graph API stand-in's tests use them): a Facebook comment under the Page's post, an
Instagram comment under the brand's media, a Messenger message. The JSON files sit in `samples/`; times
are moved to just before `now`, so the cases they open are live ones, and each body is signed as Meta
signs it when the app secret is known.
"""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from typing import Any

from socialdesk.plugins.source import SamplePayload
from socialdesk.sources.meta.verify import sign_meta
from socialdesk.sources.recorded import AGO_SECONDS, epoch_like, load

PACKAGE = "socialdesk.sources.meta"
# (file, mentions it holds); the first is the one the conformance harness answers.
SAMPLES: tuple[tuple[str, int], ...] = (
    ("facebook_comment.json", 1),
    ("instagram_comment.json", 1),
    ("messenger_message.json", 1),
)


def at(payload: dict[str, Any], now: datetime) -> dict[str, Any]:
    """The payload delivered at `now`, its items written two minutes before."""
    written = now - timedelta(seconds=AGO_SECONDS)
    moved = json.loads(json.dumps(payload))
    for entry in moved.get("entry", []):
        if "time" in entry:
            entry["time"] = epoch_like(entry["time"], now)
        for change in entry.get("changes", []):
            value = change.get("value", {})
            if "created_time" in value:
                value["created_time"] = epoch_like(value["created_time"], written)
        for event in entry.get("messaging", []):
            if "timestamp" in event:
                event["timestamp"] = epoch_like(event["timestamp"], written)
    return moved


def sample_payloads(now: datetime, app_secret: str | None) -> list[SamplePayload]:
    found = []
    for name, mentions in SAMPLES:
        body = json.dumps(at(load(PACKAGE, name), now)).encode()
        headers = sign_meta(body, app_secret) if app_secret else {}
        found.append(SamplePayload(name.removesuffix(".json"), body, mentions=mentions, headers=headers))
    return found
