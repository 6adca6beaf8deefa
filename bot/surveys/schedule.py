"""The resolve's side of a survey: claiming the case's one survey inside the resolve's transaction.

Kept apart from the sending service so that case actions depend on nothing that talks to platforms.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlmodel import Session

from socialdesk.config import Surveys
from socialdesk.domain.models import Case
from socialdesk.store.notices_repo import claim_notice
from socialdesk.surveys import repo, rules


def schedule_after_resolve(session: Session, case: Case, *, surveys: Surveys, now: datetime) -> bool:
    """Called in the resolve's transaction: claim this case's one survey. Returns True if scheduled."""
    if case.id is None or rules.why_not_schedule(surveys, case) is not None:
        return False
    if repo.surveyed_since(
        session, platform=case.platform, author_id=case.author_id, since=now - rules.REPEAT_GUARD
    ):
        return False
    detail = {"kind": surveys.kind}
    return claim_notice(session, rules.notice_key(case.id), rules.NOTICE_KIND, now, case.id, detail)


@dataclass(frozen=True, slots=True)
class SurveyScheduler:
    """`schedule_after_resolve` for one config's surveys: what CaseWork calls as its `schedule_survey`."""

    surveys: Surveys

    def __call__(self, session: Session, case: Case, *, now: datetime) -> bool:
        return schedule_after_resolve(session, case, surveys=self.surveys, now=now)
