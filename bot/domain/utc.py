"""Timezone-aware UTC, the one way the project stores and compares times."""

from __future__ import annotations

from datetime import UTC, datetime


def as_utc(value: datetime) -> datetime:
    """SQLite hands datetimes back naive; everything we store is UTC, so say so."""
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)
