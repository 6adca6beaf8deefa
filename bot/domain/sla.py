"""SLA clocks. The clock starts at the customer's post time, not when we happened to receive it."""

from __future__ import annotations

from datetime import datetime, timedelta

from bot.config import SlaTargets
from bot.domain.enums import Platform, Priority


def first_response_due(
    sla: SlaTargets, *, platform: Platform, priority: Priority, posted_at: datetime
) -> datetime:
    return posted_at + timedelta(minutes=sla.first_response_minutes(platform, priority))
