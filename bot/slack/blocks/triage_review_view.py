"""The weekly review's triage lines (mrkdwn): how often agents corrected triage this week, by the
category and the priority triage gave, and the model's agreement with agents per field. Pure."""

from __future__ import annotations

from socialdesk.domain.triage_review import Share, TriageReview
from socialdesk.slack.blocks.kit import escape_mrkdwn

_FIELD_LABELS = {"category": "category", "priority": "priority", "needs_reply": "needs a reply"}


def _percent(ratio: float | None) -> str:
    if ratio is None:
        return "—"
    value = ratio * 100
    # Agreement sits near 100 %: one decimal keeps 99.6 % from reading as a perfect 100 %.
    return f"{value:.1f}%" if 0 < value < 1 or 99 < value < 100 else f"{round(value)}%"


def _share(share: Share) -> str:
    return f"{escape_mrkdwn(share.name)} {share.corrected:,} of {share.cases:,} ({_percent(share.share)})"


def triage_review_lines(review: TriageReview) -> list[str]:
    title = "*Triage corrected by agents*"
    if review.corrected == 0:
        opened = f"{review.cases:,} cases opened" if review.cases else "no cases opened"
        return [f"{title} · no corrections this week ({opened})"]
    agreement = " · ".join(
        f"{label} {_percent(review.agreement.get(name))}" for name, label in _FIELD_LABELS.items()
    )
    share = _percent(review.share)
    return [
        f"{title} · {review.corrected:,} of {review.cases:,} cases opened this week ({share})",
        f"Model's agreement with agents: {agreement}",
        "By category triage gave: " + " · ".join(_share(s) for s in review.by_category),
        "By priority triage gave: " + " · ".join(_share(s) for s in review.by_priority),
    ]
