"""Posts from history: a backfill, an import of last month's tweets, a webhook redelivered days late.

Their cases open like any other (a card, the customer's history, the digest's volume), but with
`case.historical` set: no SLA clock, so no nudge, no breach alert and no page, no crisis tag, and the
crisis early warning does not count them as a spike (bot/crisis/early_warning.py). A post is history
when it was already older than `ingest.historical_after_minutes` when it reached us, or when it was
imported with `socialdesk ingest --historical`: those bodies are kept in the inbox under the source
`history` (the generic webhook's format), so whichever process drains them knows, a running `serve`
included.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from socialdesk.clock import as_utc

HISTORY_SOURCE = "history"  # inbox source of `socialdesk ingest --historical` lines (generic JSON)


def is_history(*, posted_at: datetime, received_at: datetime, after_minutes: int, source: str = "") -> bool:
    """True when the post was imported as history or was older than `after_minutes` on arrival."""
    if source == HISTORY_SOURCE:
        return True
    return as_utc(received_at) - as_utc(posted_at) > timedelta(minutes=after_minutes)
