"""Which crisis message a block belongs to, read from its block_id, for `click <kind> <verb>` and for the
hint under a crisis message's buttons. The ids are bot/slack's: `crisis-warning:…` and `crisis-reach:…`
(early warnings), `crisis-stmt-<id>-…` (a statement), `crisis-<id>-head` / `-actions` (the pinned crisis
card), `crisis-review:<id>:…` (the review). A button's verb is the end of its action_id (`crisis.approve`)."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import Any

# What each kind is called at the prompt, with the words a newcomer reads in the help.
KINDS: dict[str, str] = {
    "warning": "the newest early warning in the duty channel",
    "statement": "the newest statement in the war room",
    "crisis": "the crisis card pinned in the war room",
    "review": "the newest review in the war room",
}
_STATEMENT = re.compile(r"^crisis-stmt-(\d+)-")
_CARD = re.compile(r"^crisis-\d+-(?:head|actions)$")
ACTION_PREFIX = "crisis."


def kind_of(block_id: str) -> str | None:
    """The kind of crisis message a block (a header or an actions block) belongs to, if any."""
    if block_id.startswith(("crisis-warning:", "crisis-reach:")):
        return "warning"
    if block_id.startswith("crisis-review:"):
        return "review"
    if _STATEMENT.match(block_id):
        return "statement"
    if _CARD.match(block_id):
        return "crisis"
    return None


def kinds(blocks: Sequence[Mapping[str, Any]] | None) -> set[str]:
    return {k for b in blocks or [] if (k := kind_of(str(b.get("block_id", "")))) is not None}


def statement_id(blocks: Sequence[Mapping[str, Any]] | None) -> int | None:
    for block in blocks or []:
        found = _STATEMENT.match(str(block.get("block_id", "")))
        if found:
            return int(found.group(1))
    return None


def verb_of(action_id: str) -> str | None:
    return action_id.removeprefix(ACTION_PREFIX) if action_id.startswith(ACTION_PREFIX) else None


def buttons(blocks: Sequence[Mapping[str, Any]] | None) -> list[tuple[str, Mapping[str, Any]]]:
    """(block_id, button) for every crisis button in actions blocks, in order."""
    return [
        (str(block.get("block_id", "")), element)
        for block in blocks or []
        if block.get("type") == "actions"
        for element in block.get("elements") or []
        if isinstance(element, Mapping)
        and element.get("type") == "button"
        and verb_of(str(element.get("action_id", ""))) is not None
    ]
