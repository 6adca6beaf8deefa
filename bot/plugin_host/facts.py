"""A case as plugins see it (`socialdesk.plugins.CaseFacts`): read-only, built from the stored row."""

from __future__ import annotations

from sqlmodel import Session

from socialdesk.domain.case_view import enrichment_tags
from socialdesk.domain.commands import parse_case_ref
from socialdesk.domain.errors import InvalidCaseRef
from socialdesk.domain.models import Case
from socialdesk.plugins.kinds import CaseFacts


def case_facts(case: Case) -> CaseFacts:
    assert case.id is not None
    enrichment = case.enrichment or {}
    return CaseFacts(
        number=case.id,
        platform=case.platform.value,
        status=case.status.value,
        priority=case.priority.value,
        priority_reason=case.priority_reason,
        category=case.category.value,
        sentiment=case.sentiment.value,
        team=case.team,
        author_id=case.author_id,
        author_handle=case.author_handle,
        assignee=case.assignee,
        opened_at=case.opened_at,
        tags=enrichment_tags(enrichment),
        enrichment={name: dict(entry.get("fields", {})) for name, entry in enrichment.items()},
    )


def find_case(session: Session, ref: str) -> CaseFacts | None:
    """`#42`, `42`: the case, or None when there is no such case or `ref` is not a case number."""
    try:
        number = parse_case_ref(ref)
    except InvalidCaseRef:
        return None
    case = session.get(Case, number)
    return case_facts(case) if case is not None else None
