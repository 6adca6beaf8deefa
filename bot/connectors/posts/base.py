"""Posting as the brand (crisis statements) on the brand's own accounts, not as a reply to anyone.

Errors use the reply connectors' one exception tree (`socialdesk.plugins.replies.PlatformError`), so
the war room is told the same kinds of failure an agent is: expired token, rate limit, refused
content, outage or timeout (unknown whether it was posted: check before retrying).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Protocol


@dataclass(frozen=True, slots=True)
class BrandPost:
    idempotency_key: str  # stable per statement and target; sent as a header where the platform allows
    target: str  # "x" or "facebook" (socialdesk.domain.playbooks.schema.PUBLISHABLE)
    text: str


@dataclass(frozen=True, slots=True)
class PostedStatement:
    external_id: str
    url: str | None = None


class BrandPoster(Protocol):
    def post(self, item: BrandPost, *, now: datetime) -> PostedStatement:
        """Post once; raise `PlatformError` on any failure. Never retries on its own."""
        ...
