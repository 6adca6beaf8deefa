"""The weekly improvement review's outcome tables: how the cases resolved in a period ended, per route
(the routing rule that chose the team) and per canned reply used on them (`metrics.Outcome`)."""

from __future__ import annotations

from datetime import UTC
from typing import Any

from sqlalchemy import and_, case, func, select
from sqlmodel import Session

from socialdesk.domain.enums import CaseStatus, ReplyStatus
from socialdesk.domain.metrics import Outcome, Period
from socialdesk.store.digest_detail_repo import SURVEY
from socialdesk.store.digest_repo import CASE, REPLY, C, first_contact, group_key, not_spam, within


def _csat_per_case(period: Period) -> Any:
    """Per case, CSAT answers of 4-5 and all CSAT answers (1-5). Only answers received since the
    period started: a survey goes out after the resolution, so older answers belong to older ones."""
    s = SURVEY.c
    is_csat = and_(s.kind == "csat", s.score >= 1, s.score <= 5)
    return (
        select(
            s.case_id.label("case_id"),
            func.sum(case((and_(is_csat, s.score >= 4), 1), else_=0)).label("good"),
            func.sum(case((is_csat, 1), else_=0)).label("answers"),
        )
        .where(s.received_at >= period.start.astimezone(UTC))
        .group_by(s.case_id)
        .subquery()
    )


def _resolved_answered(period: Period) -> Any:
    return and_(
        not_spam(), C.status == CaseStatus.RESOLVED, within(C.resolved_at, period), C.reply_count >= 1
    )


def outcomes_by_route(session: Session, period: Period) -> list[Outcome]:
    """Per route, over the answered cases resolved in the period: cases, settled at first contact
    (`metrics.is_first_contact`), reopened at least once, and their CSAT answers. Cases without a
    route (routed before routes were recorded) are grouped under "(default)"."""
    sv = _csat_per_case(period)
    route = group_key(func.coalesce(func.nullif(C.route, ""), "(default)"))
    stmt = (
        select(
            route,
            func.count(),
            func.sum(case((first_contact(), 1), else_=0)),
            func.sum(case((C.reopen_count > 0, 1), else_=0)),
            func.coalesce(func.sum(sv.c.good), 0),
            func.coalesce(func.sum(sv.c.answers), 0),
        )
        .select_from(CASE.outerjoin(sv, sv.c.case_id == C.id))
        .where(_resolved_answered(period))
        .group_by(route)
    )
    return [
        Outcome(str(name), int(n), int(fc or 0), int(reopened or 0), int(good), int(answers))
        for name, n, fc, reopened, good, answers in session.connection().execute(stmt)
    ]


def outcomes_by_canned(session: Session, period: Period) -> list[Outcome]:
    """Per canned reply, over the answered cases resolved in the period on which it was sent at least
    once: the same counts as `outcomes_by_route`. A case that used two canned replies counts for both;
    one used twice counts once (pairs are made distinct here, so a retried reply cannot inflate it)."""
    sv = _csat_per_case(period)
    r = REPLY.c
    stmt = (
        select(
            C.id,
            r.canned_reply_id,
            case((first_contact(), 1), else_=0),
            case((C.reopen_count > 0, 1), else_=0),
            func.coalesce(sv.c.good, 0),
            func.coalesce(sv.c.answers, 0),
        )
        .select_from(CASE.join(REPLY, r.case_id == C.id).outerjoin(sv, sv.c.case_id == C.id))
        .where(
            _resolved_answered(period),
            r.canned_reply_id.is_not(None),
            r.status == ReplyStatus.SENT.value,
            r.purpose.is_(None),
        )
    )
    seen: set[tuple[int, str]] = set()
    totals: dict[str, list[int]] = {}
    for case_id, canned, fc, reopened, good, answers in session.connection().execute(stmt):
        if (int(case_id), str(canned)) in seen:
            continue
        seen.add((int(case_id), str(canned)))
        row = totals.setdefault(str(canned), [0, 0, 0, 0, 0])
        for i, value in enumerate((1, fc, reopened, good, answers)):
            row[i] += int(value or 0)
    return [Outcome(name, *counts) for name, counts in sorted(totals.items())]
