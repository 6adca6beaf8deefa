"""What ingest needs from enrichers: the step's shape, its outcome, and how a follow-up's additions merge.

The enrichers themselves are plugins, run by `socialdesk.plugin_host.enrichers.EnricherRunner`, which the
composition root hands to the pipeline; ingest only knows this protocol, so it never imports the plugin
host (which imports ingest to poll and normalize).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Protocol

from socialdesk.plugins.kinds import MentionFacts

MAX_TAGS = 20


@dataclass
class Applied:
    """What the enrichers together decided for one mention."""

    priority: str
    priority_reason: str
    by_plugin: dict[str, dict[str, Any]] = field(default_factory=dict)

    @property
    def changed_priority(self) -> bool:
        return bool(self.by_plugin) and any("priority" in v for v in self.by_plugin.values())


class MentionEnricher(Protocol):
    def run(self, facts: MentionFacts) -> Applied:
        """Every enricher on one mention, in order; never raises."""
        ...

    def flush_reports(self) -> None:
        """Tell the duty channel of enrichers switched off during the last pass (outside transactions)."""
        ...


def merge_enrichment(old: dict[str, Any], new: dict[str, dict[str, Any]]) -> dict[str, Any]:
    """A follow-up's additions on top of what the case holds: tags joined, fields updated, per plugin."""
    merged = {name: dict(entry) for name, entry in old.items()}
    for name, entry in new.items():
        into = merged.setdefault(name, {})
        if entry.get("tags"):
            into["tags"] = sorted(set(into.get("tags", [])) | set(entry["tags"]))[:MAX_TAGS]
        if entry.get("fields"):
            into["fields"] = {**into.get("fields", {}), **entry["fields"]}
    return merged
