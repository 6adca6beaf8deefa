"""Recorded X Account Activity deliveries (the shapes of X's Account Activity API reference, as the X
API stand-in's tests use them): a post mentioning the brand and a direct message to it. The JSON files
sit in `samples/`; times are moved to just before `now`, so the cases they open are live ones, and each
body is signed as X signs it when the consumer secret is known.
"""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from typing import Any

from socialdesk.plugins.source import SamplePayload
from socialdesk.sources.recorded import AGO_SECONDS, epoch_like, load
from socialdesk.sources.x.verify import sign_x

PACKAGE = "socialdesk.sources.x"
# (file, mentions it holds); the first is the one the conformance harness answers.
SAMPLES: tuple[tuple[str, int], ...] = (
    ("tweet_mention.json", 1),
    ("direct_message.json", 1),
)
TWITTER_TIME = "%a %b %d %H:%M:%S +0000 %Y"  # v1.1's created_at, as Account Activity still sends it


def at(payload: dict[str, Any], now: datetime) -> dict[str, Any]:
    """The payload delivered at `now`, its posts and messages written two minutes before."""
    written = now - timedelta(seconds=AGO_SECONDS)
    moved = json.loads(json.dumps(payload))
    for tweet in moved.get("tweet_create_events", []):
        if "created_at" in tweet:
            tweet["created_at"] = written.strftime(TWITTER_TIME)
    for event in moved.get("direct_message_events", []):
        if "created_timestamp" in event:
            event["created_timestamp"] = epoch_like(event["created_timestamp"], written)
    return moved


def sample_payloads(now: datetime, consumer_secret: str | None) -> list[SamplePayload]:
    found = []
    for name, mentions in SAMPLES:
        body = json.dumps(at(load(PACKAGE, name), now)).encode()
        headers = sign_x(body, consumer_secret) if consumer_secret else {}
        found.append(SamplePayload(name.removesuffix(".json"), body, mentions=mentions, headers=headers))
    return found
