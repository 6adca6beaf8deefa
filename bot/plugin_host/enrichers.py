"""Running the enrichers on a new mention: in order, each guarded, none able to drop the mention.

Each enricher sees the priority as the previous ones left it. A tag or field is kept per plugin on the
case (`Case.enrichment`); a priority change carries its reason, which replaces the case's priority
reason so the card says why. An enricher that raises is switched off (see `PluginSet.guarded`) and the
mention goes on with what the others added.
"""

from __future__ import annotations

import dataclasses
from functools import partial
from typing import Any

from socialdesk.ingest.enrich import MAX_TAGS, Applied
from socialdesk.plugin_host.registry import PluginSet
from socialdesk.plugins.kinds import Enrichment, MentionFacts

PRIORITIES = ("P1", "P2", "P3", "P4")
MAX_FIELDS = 20
MAX_TEXT = 200


def _clean(text: object) -> str:
    return " ".join(str(text).split())[:MAX_TEXT]


def _merge(into: dict[str, Any], result: Enrichment) -> None:
    tags = [_clean(t) for t in result.tags if _clean(t)]
    if tags:
        into["tags"] = sorted(set(into.get("tags", [])) | set(tags))[:MAX_TAGS]
    if result.fields:
        fields = dict(into.get("fields", {}))
        fields.update({_clean(k): _clean(v) for k, v in list(result.fields.items())[:MAX_FIELDS]})
        into["fields"] = fields


class EnricherRunner:
    def __init__(self, plugins: PluginSet) -> None:
        self._plugins = plugins

    def __bool__(self) -> bool:
        return bool(self._plugins.enrichers())

    def flush_reports(self) -> None:
        self._plugins.flush_reports()

    def run(self, facts: MentionFacts) -> Applied:
        applied = Applied(priority=facts.priority, priority_reason=facts.priority_reason)
        for enricher in self._plugins.enrichers():
            seen = dataclasses.replace(
                facts,
                priority=applied.priority,  # type: ignore[arg-type]  # always one of P1-P4
                priority_reason=applied.priority_reason,
            )
            result = self._plugins.guarded(enricher, "enrich", partial(enricher.enrich, seen), None)
            if result is None:
                continue
            owner = self._plugins.owner(enricher).name
            entry = applied.by_plugin.setdefault(owner, {})
            _merge(entry, result)
            if result.priority is not None and result.priority.to not in PRIORITIES:
                self._plugins.switch_off(
                    self._plugins.owner(enricher), f"enrich returned the priority {result.priority.to!r}"
                )
            elif result.priority is not None and facts.opens_case:
                applied.priority = result.priority.to
                applied.priority_reason = _clean(result.priority.reason) or f"set by plugin {owner}"
                entry["priority"] = applied.priority
            if not entry:
                del applied.by_plugin[owner]
        return applied
