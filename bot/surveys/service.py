"""Sending satisfaction surveys after a resolve.

The flow, and why it is split in two:

1. `schedule_after_resolve` (bot/surveys/schedule.py) runs inside the resolve's own transaction. When
   surveys are enabled, the outcome served somebody, and the customer was not asked in the last 30
   days, it claims the notice `survey:{case_id}`. The claim commits with the resolve or not at all,
   and because a key is claimed once, a case resolved, reopened and resolved again is asked once.
2. `SurveyService.send_due`, the leader-only `surveys` job (every minute), sends the surveys whose
   case has been resolved for `delay_minutes`. With a delay of 0 that is the next run, within a
   minute. Nothing is sent on the resolve itself: the agent's click never waits on a platform, and
   one leader sends, so two replicas never both ask.

Sending one survey: lock its notice row, check again (still resolved? asked meanwhile on another
case? platform connected?), then in one commit mark the notice sent and record the message as a
`platform_reply` with `purpose = "survey:<kind>"` and key `survey:{case_id}`. Only then is the
platform called, through `ReplyDesk.deliver`. That call never stops the SLA clock or counts as a
response. A crash between the commit and the call leaves a pending reply, which
`ReplyDesk.recover` sends later, once. A survey that cannot go out is settled with the reason in the
notice's detail, so it is not retried every minute. If a private survey is refused (X DMs closed,
Meta's one private reply already used), the same question goes out once publicly where the
conversation was public.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from jinja2 import TemplateError
from sqlalchemy import Engine
from sqlmodel import Session, col, select

from socialdesk.casework.replies import Delivery, ReplyDesk
from socialdesk.clock import Clock, as_utc
from socialdesk.config import Config
from socialdesk.domain.enums import CaseStatus, Platform, ReplyStatus, ReplyVisibility
from socialdesk.domain.errors import DomainError
from socialdesk.domain.models import Case, Mention, Notice, PlatformReply
from socialdesk.plugins.replies import ErrorKind
from socialdesk.store.db import writer
from socialdesk.surveys import repo, rules
from socialdesk.surveys.parse import SCALES

log = logging.getLogger(__name__)

BATCH = 100  # surveys per job run; the rest wait for the next minute
# Refusals where a public question may still work: the private channel is closed, not the platform.
_TRY_PUBLIC = frozenset(
    {ErrorKind.REJECTED.value, ErrorKind.UNSUPPORTED.value, ErrorKind.WINDOW_CLOSED.value}
)


@dataclass(frozen=True, slots=True)
class _Planned:
    reply_id: int
    fallback_public: bool  # a refused private survey may go out publicly instead


class SurveyService:
    def __init__(
        self,
        *,
        engine: Engine,
        config: Config,
        clock: Clock,
        replies: ReplyDesk,
        reachable: Callable[[Platform], bool],
    ) -> None:
        self._engine = engine
        self._writer = writer(engine)
        self._config = config
        self._clock = clock
        self._replies = replies
        self._reachable = reachable  # False when the platform has no connector configured
        # Set when playbooks are installed: the running crisis that pauses scheduled brand messages (a
        # "how did we do?" in the middle of an outage reads as tone-deaf). Surveys wait, they are not lost.
        self.paused_by: Callable[[], str | None] = lambda: None

    def send_due(self) -> int:
        """The `surveys` job: send every due survey once. Returns how many went out."""
        surveys = self._config.surveys
        if not surveys.enabled:
            return 0  # switched off after some were scheduled: they are not sent
        pausing = self.paused_by()
        if pausing is not None:
            log.info("surveys paused during the crisis %s", pausing)
            return 0
        now = self._clock.now()
        with Session(self._engine) as session:
            due = repo.due_surveys(
                session, resolved_before=now - timedelta(minutes=surveys.delay_minutes), limit=BATCH
            )
        sent = 0
        for case_id in due:
            try:
                sent += self._send_one(case_id)
            except Exception:  # one broken case must not stop the others
                log.exception("survey for case %s failed", case_id)
        return sent

    def _send_one(self, case_id: int) -> int:
        planned = self._plan(case_id)
        if planned is None:
            return 0
        delivery = self._replies.deliver(planned.reply_id)
        if delivery.status is ReplyStatus.FAILED and planned.fallback_public:
            delivery = self._retry_publicly(planned.reply_id, delivery)
        return 1 if delivery.status is ReplyStatus.SENT else 0

    def _plan(self, case_id: int) -> _Planned | None:
        """Settle or record the survey of one case, in one transaction; None when nothing is to send."""
        now = self._clock.now()
        key = rules.notice_key(case_id)
        with Session(self._writer, expire_on_commit=False) as session:
            notice = session.exec(select(Notice).where(Notice.key == key).with_for_update()).first()
            if notice is None or notice.sent_at is not None:
                return None  # settled by an earlier run
            case = session.get(Case, case_id)
            if case is not None and case.status not in (CaseStatus.RESOLVED, CaseStatus.SPAM):
                return None  # reopened: asked once it is resolved again
            decided = self._decide(session, case, str(notice.detail.get("kind") or "csat"), now)
            if isinstance(decided, str):
                _settle(session, notice, now, skipped=decided)
                session.commit()
                log.info("survey for #%s not sent: %s", case_id, decided)
                return None
            row, fallback_public = decided
            session.add(row)
            session.flush()
            assert row.id is not None
            _settle(session, notice, now, reply_id=row.id, visibility=row.visibility.value)
            session.commit()
            return _Planned(row.id, fallback_public)

    def _decide(
        self, session: Session, case: Case | None, kind: str, now: datetime
    ) -> tuple[PlatformReply, bool] | str:
        """The survey message to record (and whether a public retry is allowed), or why there is none."""
        reason = self._why_not_now(session, case, now)
        if reason is not None:
            return reason
        assert case is not None and case.id is not None
        mention = session.exec(
            select(Mention)
            .where(Mention.case_id == case.id)
            .order_by(col(Mention.posted_at).desc(), col(Mention.id).desc())
        ).first()
        if mention is None:
            return "the case has no customer message to answer"
        used = repo.private_reply_used(session, mention.id)
        visibility = rules.choose_visibility(mention, now=now, private_reply_used=used)
        voice = self._config.brand_voice
        try:
            text = rules.survey_text(self._config.surveys, case)
        except TemplateError as exc:
            return f"the survey text does not render: {exc}"
        problem = rules.length_problem(text, case.platform, visibility, voice)
        if problem is not None:
            log.warning("survey for #%s: %s", case.id, problem)
            return problem
        fallback_public = (
            visibility is ReplyVisibility.PRIVATE
            and rules.can_fall_back_to_public(mention)
            and rules.length_problem(text, case.platform, ReplyVisibility.PUBLIC, voice) is None
        )
        row = PlatformReply(
            idempotency_key=rules.notice_key(case.id),
            case_id=case.id,
            mention_id=mention.id,
            actor=rules.SURVEY_ACTOR,
            visibility=visibility,
            platform=case.platform,
            text=text,
            purpose=rules.purpose_for(kind if kind in SCALES else "csat"),
            status=ReplyStatus.PENDING,
            created_at=now,
        )
        return row, fallback_public

    def _why_not_now(self, session: Session, case: Case | None, now: datetime) -> str | None:
        surveys = self._config.surveys
        if case is None or case.id is None:
            return "the case is gone"
        reason = rules.why_not_schedule(surveys, case)
        if reason is not None:
            return reason
        assert case.resolved_at is not None
        due = as_utc(case.resolved_at) + timedelta(minutes=surveys.delay_minutes)
        if now - due > rules.LATE_LIMIT:
            return f"too late: due {due:%Y-%m-%d %H:%M} UTC"
        if not self._reachable(case.platform):
            return f"{case.platform.label} is not connected"
        if repo.surveyed_since(
            session, platform=case.platform, author_id=case.author_id, since=now - rules.REPEAT_GUARD
        ):
            return "the customer was asked within 30 days"
        return None

    def _retry_publicly(self, reply_id: int, refused: Delivery) -> Delivery:
        now = self._clock.now()
        with Session(self._writer, expire_on_commit=False) as session:
            first = session.get(PlatformReply, reply_id)
            if first is None or first.error_kind not in _TRY_PUBLIC:
                return refused
            public = PlatformReply(
                idempotency_key=f"{first.idempotency_key}:public",
                case_id=first.case_id,
                mention_id=first.mention_id,
                actor=first.actor,
                visibility=ReplyVisibility.PUBLIC,
                platform=first.platform,
                text=first.text,
                purpose=first.purpose,
                status=ReplyStatus.PENDING,
                created_at=now,
            )
            if _exists(session, public.idempotency_key):
                return refused
            session.add(public)
            session.commit()
            assert public.id is not None
            public_id = public.id
        try:
            return self._replies.deliver(public_id)
        except DomainError:
            return refused


def _settle(session: Session, notice: Notice, now: datetime, **detail: object) -> None:
    """The notice is done: sent (with the reply's id) or skipped (with the reason); never retried."""
    notice.sent_at = now
    notice.detail = {**notice.detail, **detail}  # a new dict, so the JSON column is written
    session.add(notice)


def _exists(session: Session, key: str) -> bool:
    stmt = select(PlatformReply.id).where(col(PlatformReply.idempotency_key) == key)
    return session.exec(stmt).first() is not None
