"""A recorded delivery of socialdesk's documented mention JSON (docs/generic-webhook.md): a Reddit post
relayed by an integrator. The JSON file sits in `samples/`; its time is moved to just before `now`, so
the case it opens is a live one, and the body is signed with `WEBHOOK_SECRET` and the delivery's
timestamp when the secret is known (a signature older than five minutes is refused).
"""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from typing import Any

from socialdesk.connectors.signing import sign_generic
from socialdesk.plugins.source import SamplePayload
from socialdesk.sources.recorded import AGO_SECONDS, load

PACKAGE = "socialdesk.sources.generic"
SAMPLES: tuple[tuple[str, int], ...] = (("mention.json", 1),)


def at(payload: dict[str, Any], now: datetime) -> dict[str, Any]:
    """The payload delivered at `now`, the post written two minutes before."""
    moved = json.loads(json.dumps(payload))
    if "created_at" in moved:
        moved["created_at"] = (now - timedelta(seconds=AGO_SECONDS)).isoformat()
    return moved


def sample_payloads(now: datetime, secret: str | None) -> list[SamplePayload]:
    found = []
    for name, mentions in SAMPLES:
        body = json.dumps(at(load(PACKAGE, name), now)).encode()
        headers = sign_generic(body, secret, timestamp=int(now.timestamp())) if secret else {}
        found.append(SamplePayload(name.removesuffix(".json"), body, mentions=mentions, headers=headers))
    return found
