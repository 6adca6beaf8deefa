"""Action and callback ids of crisis messages and modals, and the codec of their button values.

A value is a small versioned JSON object naming the crisis (and the statement, or for an early
warning the playbook and severity), so buttons posted today keep decoding after the shape grows.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

CRISIS_VALUE_VERSION = 1


class CrisisActionId(StrEnum):
    START_FROM_WARNING = "crisis.start"  # on an early warning: opens the start modal
    DISMISS_WARNING = "crisis.dismiss"  # on an early warning: "not a crisis"
    APPROVE = "crisis.approve"
    REJECT = "crisis.reject"  # opens a modal for the reason
    PUBLISH = "crisis.publish"
    EDIT = "crisis.edit"  # opens the statement editor (facts, unknowns, actions, or the text itself)
    UPDATE = "crisis.update"  # opens the update modal
    END = "crisis.end"  # opens the end modal (summary for the resolution statement)
    LESSONS = "crisis.lessons"  # on the review: opens the lessons-learned modal
    REDRAFT = "crisis.redraft"  # on the crisis card: draft the next statement from the playbook
    REVIEW = "crisis.review"  # on an ended crisis's card: post the review in the war room

    @property
    def verb(self) -> str:
        return self.value.rpartition(".")[2]


class CrisisCallbackId(StrEnum):
    START = "crisis.start_modal"
    REJECT = "crisis.reject_modal"
    EDIT = "crisis.edit_modal"
    UPDATE = "crisis.update_modal"
    END = "crisis.end_modal"
    LESSONS = "crisis.lessons_modal"


@dataclass(frozen=True, slots=True)
class CrisisValue:
    crisis_id: int | None = None
    statement_id: int | None = None
    playbook_id: str | None = None  # early warnings: the playbook to start
    severity: str | None = None
    # Early warnings: what the warning saw ("Spike of negative posts about login on X"). Internal: the
    # start form shows it as context and never fills a public field with it.
    summary: str | None = None
    warning: str | None = None  # early warnings: the warning's notice key, whose cases join the crisis


def encode_crisis_value(value: CrisisValue) -> str:
    body: dict[str, Any] = {"v": CRISIS_VALUE_VERSION}
    for key in ("crisis_id", "statement_id", "playbook_id", "severity", "summary", "warning"):
        item = getattr(value, key)
        if item is not None:
            body[key] = item
    text = json.dumps(body, separators=(",", ":"))
    if len(text) > 2000:  # Slack's limit on a button value
        raise ValueError("crisis button value too long")
    return text


def decode_crisis_value(raw: str) -> CrisisValue:
    """Raises ValueError on anything that is not a value socialdesk wrote."""
    try:
        body = json.loads(raw)
    except (TypeError, json.JSONDecodeError) as exc:
        raise ValueError("not a crisis value") from exc
    if not isinstance(body, dict) or body.get("v") != CRISIS_VALUE_VERSION:
        raise ValueError("unknown crisis value version")

    def _int(key: str) -> int | None:
        item = body.get(key)
        if item is None:
            return None
        if not isinstance(item, int) or isinstance(item, bool) or item < 1:
            raise ValueError(f"bad {key}")
        return item

    def _str(key: str) -> str | None:
        item = body.get(key)
        if item is None:
            return None
        if not isinstance(item, str) or len(item) > 500:
            raise ValueError(f"bad {key}")
        return item

    return CrisisValue(
        crisis_id=_int("crisis_id"),
        statement_id=_int("statement_id"),
        playbook_id=_str("playbook_id"),
        severity=_str("severity"),
        summary=_str("summary"),
        warning=_str("warning"),
    )
