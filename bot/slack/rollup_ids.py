"""Action ids of the roll-up message and its private pages, and the codec for their button values.

The value is a small versioned JSON object like the case buttons' (bot/slack/ids.py): ``{"v":1,
"rollup":7,"page":0}``, so a page button names both the roll-up and the page it opens."""

from __future__ import annotations

import json
from enum import StrEnum

VALUE_VERSION = 1
_KEYS = {"v", "rollup", "page"}
_MAX_VALUE_CHARS = 150


class RollupActionId(StrEnum):
    SHOW_ALL = "rollup.show_all"  # on the channel message: the first page, privately
    # Previous / Next on a private page: the page named in the value, in place. Two ids because Slack
    # wants action ids unique within a block.
    PAGE_PREVIOUS = "rollup.page_previous"
    PAGE_NEXT = "rollup.page_next"


def encode_rollup_value(rollup_id: int, page: int = 0) -> str:
    if isinstance(rollup_id, bool) or not isinstance(rollup_id, int) or rollup_id <= 0:
        raise ValueError(f"roll-up id must be a positive int, got {rollup_id!r}")
    if isinstance(page, bool) or not isinstance(page, int) or page < 0:
        raise ValueError(f"page must be a non-negative int, got {page!r}")
    return json.dumps({"v": VALUE_VERSION, "rollup": rollup_id, "page": page}, separators=(",", ":"))


def decode_rollup_value(value: str) -> tuple[int, int]:
    """(roll-up id, page) from a button value; ``ValueError`` on anything else."""
    if not isinstance(value, str) or not value or len(value) > _MAX_VALUE_CHARS:
        raise ValueError("not a socialdesk roll-up value")
    try:
        payload = json.loads(value)
    except json.JSONDecodeError as exc:
        raise ValueError("not a socialdesk roll-up value (not JSON)") from exc
    if not isinstance(payload, dict) or payload.get("v") != VALUE_VERSION or set(payload) != _KEYS:
        raise ValueError("not a socialdesk roll-up value (unknown shape or version)")
    rollup_id, page = payload["rollup"], payload["page"]
    for number in (rollup_id, page):
        if isinstance(number, bool) or not isinstance(number, int):
            raise ValueError("roll-up value holds a non-integer")
    if rollup_id <= 0 or page < 0:
        raise ValueError("roll-up value names no valid roll-up or page")
    return rollup_id, page
