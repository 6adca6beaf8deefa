"""Agents' triage corrections as labelled data: split for training and for judging a team model.

Each case's latest category correction is one example (masked text, the agent's category): the
text is what the model saw, masked, so personal data never enters a model file. A fixed share of
cases (by a hash of the case id, so the split never moves) is held out: `socialdesk triage adopt`
compares the current and the candidate model on those, and a candidate trained with
`--from-corrections` never sees them.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import Engine
from sqlmodel import Session, col, select

from socialdesk.domain.models import TriageCorrection
from socialdesk.triage.bundle import TriageBundle, load_cached
from socialdesk.triage.path import Triage

HELDOUT_TENTHS = 3


@dataclass(frozen=True)
class LabelledCorrection:
    case_id: int
    text: str
    category: str  # the agent's
    model_category: str


def _heldout(case_id: int) -> bool:
    return int(hashlib.sha256(f"case:{case_id}".encode()).hexdigest()[:8], 16) % 10 < HELDOUT_TENTHS


def category_corrections(engine: Engine) -> list[LabelledCorrection]:
    """The latest category correction of each case, oldest case first."""
    latest: dict[int, TriageCorrection] = {}
    with Session(engine) as session:
        rows = session.exec(
            select(TriageCorrection)
            .where(TriageCorrection.field == "category")
            .order_by(col(TriageCorrection.at), col(TriageCorrection.id))
        ).all()
    for row in rows:
        latest[row.case_id] = row
    return [
        LabelledCorrection(
            case_id=r.case_id, text=r.text_masked, category=r.to_value, model_category=r.model_category
        )
        for _, r in sorted(latest.items())
        if r.text_masked.strip()
    ]


def split_corrections(engine: Engine) -> tuple[list[LabelledCorrection], list[LabelledCorrection]]:
    rows = category_corrections(engine)
    return [r for r in rows if not _heldout(r.case_id)], [r for r in rows if _heldout(r.case_id)]


@dataclass(frozen=True)
class Comparison:
    size: int
    current_correct: int
    candidate_correct: int
    current_version: str
    candidate_version: str

    @property
    def candidate_not_worse(self) -> bool:
        return self.size > 0 and self.candidate_correct >= self.current_correct

    def render(self) -> str:
        if not self.size:
            return "no held-out corrections yet: nothing to compare on (correct some cards first)"

        def pct(n: int) -> str:
            return f"{n}/{self.size} ({n / self.size:.1%})"

        return (
            f"category accuracy on {self.size} held-out corrections:\n"
            f"  current   {self.current_version}: {pct(self.current_correct)}\n"
            f"  candidate {self.candidate_version}: {pct(self.candidate_correct)}"
        )


def compare_on_heldout(engine: Engine, *, current: Path | None, candidate: Path) -> Comparison:
    _, held = split_corrections(engine)
    now_model = Triage(bundle=load_cached(current))
    new_model = Triage(bundle=TriageBundle.load(candidate))
    return Comparison(
        size=len(held),
        current_correct=sum(now_model.classify(c.text).model_category.value == c.category for c in held),
        candidate_correct=sum(new_model.classify(c.text).model_category.value == c.category for c in held),
        current_version=now_model.model_version,
        candidate_version=new_model.model_version,
    )
