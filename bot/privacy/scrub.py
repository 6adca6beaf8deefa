"""The free-text fields of timeline details, and how they are cleared (by retention and by erasure).

Timeline rows keep their kind, time, actor and figures (teams, scores, outcomes), so the history and
the metrics still read; only what people wrote is replaced by a marker.
"""

from __future__ import annotations

from typing import Any

EXPIRED = "[expired]"  # aged out under the retention policy
ERASED = "[erased]"  # removed at the customer's request
MARKERS = frozenset({EXPIRED, ERASED})

# What customers and agents wrote: note and reply texts, survey comments.
MESSAGE_TEXT_KEYS = ("text", "comment")
# Everything free-form a timeline row may hold: the above plus escalation and rejection reasons,
# platform error messages (they can quote the post), links to the conversation, crisis summaries.
AUDIT_TEXT_KEYS = (*MESSAGE_TEXT_KEYS, "reason", "error", "url", "summary")


def scrub(detail: dict[str, Any], keys: tuple[str, ...], marker: str) -> dict[str, Any] | None:
    """A copy of `detail` with the non-empty strings under `keys` replaced by `marker`, or None when
    nothing needs clearing (already cleared, or no such text): that is what makes purges idempotent.
    A new dict, because JSON columns notice assignment, not mutation."""
    changed = {
        key: marker
        for key in keys
        if isinstance(detail.get(key), str) and detail[key] and detail[key] not in MARKERS
    }
    return {**detail, **changed} if changed else None


def is_cleared(text: str | None) -> bool:
    return text in MARKERS
