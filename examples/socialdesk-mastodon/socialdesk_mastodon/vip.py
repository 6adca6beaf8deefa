"""VIP customers: an enricher that tags them and raises their priority, and the card section that shows it.

The list comes from `SOCIALDESK_MASTODON_VIP_HANDLES` (`dana@mastodon.social=gold, lee`); a handle
without a domain is an account on our own instance. A real plugin would refresh it from the CRM in a job:
enrichers run inside ingest and must stay fast, so they never call out to anything.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Literal

from socialdesk.plugins import CardSection, CaseFacts, Enricher, Enrichment, MentionFacts, PriorityChange
from socialdesk_mastodon.normalize import qualified

RAISED_TO: Literal["P2"] = "P2"  # a VIP's question or complaint is answered within the P2 target at least
LOWER_THAN_RAISED = ("P3", "P4")


class VipList:
    def __init__(self, handles: Mapping[str, str], *, host: str) -> None:
        self._tiers = {qualified(handle, host): tier for handle, tier in handles.items()}

    def tier(self, handle: str) -> str | None:
        return self._tiers.get(handle.strip().lstrip("@").casefold())

    def __len__(self) -> int:
        return len(self._tiers)


class VipEnricher(Enricher):
    name = "vip"
    order = 50

    def __init__(self, vips: VipList) -> None:
        self._vips = vips

    def enrich(self, mention: MentionFacts) -> Enrichment | None:
        if mention.platform != "mastodon":
            return None
        tier = self._vips.tier(mention.author_handle)
        if tier is None:
            return None
        raise_it = mention.priority in LOWER_THAN_RAISED
        return Enrichment(
            tags=("vip",),
            fields={"tier": tier, "handle": f"@{mention.author_handle}"},
            priority=PriorityChange(RAISED_TO, f"VIP customer on Mastodon ({tier})") if raise_it else None,
        )


class VipSection(CardSection):
    name = "vip"
    title = "Mastodon VIP"

    def fields(self, case: CaseFacts) -> Sequence[tuple[str, str]]:
        mine = case.enrichment.get("mastodon", {})
        if not mine.get("tier"):
            return []
        return [
            ("VIP tier", mine["tier"]),
            ("Handle", mine.get("handle", "")),
            (
                "Note",
                f"Answer within the {RAISED_TO} target; priority: {case.priority_reason or case.priority}",
            ),
        ]
