"""One Meta webhook `entry` as context for the change and messaging handlers."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from socialdesk.domain.enums import Platform
from socialdesk.plugins.mentions import MalformedPayload, NormalizedMention, Skipped
from socialdesk.plugins.payloads import BrandAccounts, from_epoch, from_iso

Outcome = NormalizedMention | Skipped


def meta_time(value: Any, where: str) -> datetime:
    """Meta sends unix seconds (feed), milliseconds (messaging) or, from the Graph API, ISO strings."""
    if isinstance(value, str) and not value.strip().isdigit():
        return from_iso(value, where)
    return from_epoch(value, where)


@dataclass(frozen=True, slots=True)
class MetaEntry:
    """`object` is "page" or "instagram"; `account_id` is `entry[].id`, the page or Instagram
    account the delivery is for, which is ours by construction (we subscribed it)."""

    object: str
    account_id: str | None
    time: Any
    where: str
    brand: BrandAccounts

    @property
    def is_page(self) -> bool:
        return self.object == "page"

    def is_own(self, platform: Platform, author_id: str | None, handle: str | None = None) -> bool:
        if author_id is not None and author_id == self.account_id:
            return True
        return self.brand.is_own(platform, account_id=author_id, handle=handle)

    def when(self, value: Any, where: str) -> datetime:
        """The item's own time when given, else the entry's delivery time."""
        if value is not None:
            return meta_time(value, where)
        if self.time is not None:
            return meta_time(self.time, f"{self.where}.time")
        raise MalformedPayload(f"{where}: no time on the item and {self.where}.time is missing")

    def account_extra(self) -> dict[str, str]:
        if self.account_id is None:
            return {}
        return {"page_id" if self.is_page else "ig_account_id": self.account_id}
