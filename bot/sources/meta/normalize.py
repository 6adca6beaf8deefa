"""Meta webhooks: `{"object": "page" | "instagram", "entry": [...]}`.

Each entry may carry `changes` (Page feed and mentions, Instagram comments and mentions: see
`meta_changes`), `messaging` / `standby` (Messenger and Instagram direct messages: see
`meta_messaging`) or, as Meta's Instagram docs print it, `field` / `value` directly in the entry.
Other `object`s (user, permissions, whatsapp_business_account...) are Skipped, not rejected: they
are well-formed deliveries of something we do not handle.
"""

from __future__ import annotations

from typing import Any

from socialdesk.plugins.mentions import MalformedPayload, NormalizedMention, NormalizeResult, Skipped
from socialdesk.plugins.payloads import BrandAccounts, as_list, as_object, opt_id, opt_list
from socialdesk.sources.meta.changes import change
from socialdesk.sources.meta.entry import MetaEntry, Outcome
from socialdesk.sources.meta.messaging import messaging_event

SUPPORTED_OBJECTS = ("page", "instagram")


def _entry_outcomes(entry: MetaEntry, raw: dict[str, Any]) -> list[Outcome]:
    where = entry.where
    outcomes: list[Outcome] = []
    for j, item in enumerate(opt_list(raw, "changes", where)):
        outcomes.append(change(as_object(item, f"{where}.changes[{j}]"), entry, f"{where}.changes[{j}]"))
    for key in ("messaging", "standby"):
        for j, item in enumerate(opt_list(raw, key, where)):
            event_where = f"{where}.{key}[{j}]"
            event = as_object(item, event_where)
            outcomes.append(messaging_event(event, entry, event_where, standby=key == "standby"))
    if "field" in raw:
        outcomes.append(change(raw, entry, where))
    if not outcomes:
        outcomes.append(Skipped("entry without changes or messages"))
    return outcomes


def normalize(payload: Any, brand: BrandAccounts) -> NormalizeResult:
    root = as_object(payload, "body")
    if "object" not in root or "entry" not in root:
        raise MalformedPayload("body: not a Meta webhook delivery (expected 'object' and 'entry')")
    kind = root["object"]
    if not isinstance(kind, str):
        raise MalformedPayload("object: expected a string such as 'page' or 'instagram'")
    entries = as_list(root["entry"], "entry")
    result = NormalizeResult()
    if kind not in SUPPORTED_OBJECTS:
        result.skipped.append(Skipped(f"unsupported object '{kind}'"))
        return result
    for i, item in enumerate(entries):
        where = f"entry[{i}]"
        raw = as_object(item, where)
        entry = MetaEntry(
            object=kind, account_id=opt_id(raw, "id", where), time=raw.get("time"), where=where, brand=brand
        )
        for outcome in _entry_outcomes(entry, raw):
            if isinstance(outcome, NormalizedMention):
                result.mentions.append(outcome)
            else:
                result.skipped.append(outcome)
    return result
