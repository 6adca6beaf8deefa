"""Answering the customer on the platform: draft (what the reply form shows), check (brand voice),
submit (recorded under an idempotency key before anything is sent), deliver (one platform call).

A reply is `pending` when recorded, `sending` while the platform is called, then `sent` or `failed`.
Only a `sent` reply stops the SLA clock and counts as a response; a refusal is explained to the agent
in Slack and leaves the case unanswered. The same key (one modal, one command) never sends twice.
A row with a `purpose` (a satisfaction survey, bot/surveys) is delivered the same way but is never a
response: it leaves the case and its clocks alone, and a failure is told in the thread only.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import Engine
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from socialdesk.casework.one_answer import earlier_answer, one_answer, refuse_while_in_flight
from socialdesk.casework.reply_form import (
    Capabilities,
    ReplyDraft,
    ReplyForm,
    allowed_visibilities,
    case_or_404,
    latest_mention,
)
from socialdesk.casework.roles import Actor, Capability
from socialdesk.clock import Clock, as_utc
from socialdesk.config import Config
from socialdesk.domain import casework as rules
from socialdesk.domain.casework import EventKind
from socialdesk.domain.enums import MentionKind, Platform, ReplyStatus, ReplyVisibility
from socialdesk.domain.errors import DomainError
from socialdesk.domain.models import Mention, PlatformReply
from socialdesk.domain.notify import CaseNotifier
from socialdesk.domain.voice import VoiceReport
from socialdesk.failpoints import failpoint
from socialdesk.plugins.replies import OutgoingReply, PlatformError, ReplyConnector, ReplyTarget
from socialdesk.store import events_repo
from socialdesk.store.db import writer

log = logging.getLogger(__name__)

# A pending reply older than this was orphaned (its process stopped before calling the platform).
PENDING_GRACE = timedelta(minutes=1)
# A reply still `sending` after this will not finish: its process stopped mid-call.
SENDING_GRACE = timedelta(minutes=5)

# Failure kinds where nobody knows whether the platform posted the reply (see connectors/replies/base.py).
_UNCERTAIN = frozenset({"unavailable", "unknown"})


class ReplyBlocked(DomainError):
    """The brand-voice check found blocking problems; nothing was recorded or sent."""

    def __init__(self, report: VoiceReport) -> None:
        super().__init__("; ".join(p.message for p in report.blocking))
        self.report = report


@dataclass(frozen=True, slots=True)
class Delivery:
    reply_id: int
    status: ReplyStatus
    message: str  # for the agent: what happened
    duplicate: bool = False


class ReplyDesk:
    def __init__(
        self,
        *,
        engine: Engine,
        config: Config,
        clock: Clock,
        notifier: CaseNotifier,
        connector: ReplyConnector,
        agent_name: Callable[[str], str],
        capabilities: Capabilities | None = None,  # the platform's, from its source (app.py)
    ) -> None:
        self._engine = engine
        self._writer = writer(engine)
        self._config = config
        self._clock = clock
        self._notifier = notifier
        self._connector = connector
        self.form = ReplyForm(
            engine=engine,
            config=config,
            clock=clock,
            agent_name=agent_name,
            **({"capabilities": capabilities} if capabilities is not None else {}),
        )

    # --- the form (socialdesk.casework.reply_form) -----------------------------------------------------

    def draft(self, *, case_id: int, actor: Actor, visibility: ReplyVisibility | None = None) -> ReplyDraft:
        return self.form.draft(case_id=case_id, actor=actor, visibility=visibility)

    def canned_text(self, *, case_id: int, actor: Actor, canned_id: str) -> str:
        return self.form.canned_text(case_id=case_id, actor=actor, canned_id=canned_id)

    def check(
        self, *, platform: Platform, visibility: ReplyVisibility, text: str, agent_name: str
    ) -> VoiceReport:
        return self.form.check(platform=platform, visibility=visibility, text=text, agent_name=agent_name)

    # --- recording and sending ------------------------------------------------------------------

    def submit(
        self,
        *,
        case_id: int,
        actor: Actor,
        text: str,
        visibility: ReplyVisibility,
        key: str,
        canned_id: str | None = None,
    ) -> tuple[PlatformReply, bool]:
        """Record the reply as pending. Returns (row, created); a key seen before returns its row."""
        actor.require(Capability.WORK_CASES)
        existing = self._by_key(key)
        if existing is not None:
            return existing, False
        now = self._clock.now()
        with Session(self._writer, expire_on_commit=False) as session:
            case = case_or_404(session, case_id, lock=True)
            rules.check_can_reply(case, actor.user_id, is_lead=actor.can(Capability.ACT_ON_OTHERS))
            latest = latest_mention(session, case_id)
            allowed = allowed_visibilities(latest, self.form.capabilities(latest.platform))
            if visibility not in allowed:
                if allowed == (ReplyVisibility.PUBLIC,):
                    raise DomainError(
                        f"{latest.platform.label} has no private replies: answer #{case_id} publicly."
                    )
                raise DomainError(f"#{case_id} is a private conversation; the answer can only be private.")
            if visibility is ReplyVisibility.PUBLIC and one_answer(self.form.capabilities(latest.platform)):
                refuse_while_in_flight(session, mention_id=latest.id, case_id=case_id)
            # WhatsApp's 24-hour window: free text after it is refused here, before anything is recorded.
            refusal = self.form.window_refusal(latest, text, now)
            if refusal is not None:
                raise DomainError(refusal)
            report = self.check(
                platform=case.platform,
                visibility=visibility,
                text=text,
                agent_name=self.form.agent_name(actor),
            )
            if not report.ok:
                raise ReplyBlocked(report)
            row = PlatformReply(
                idempotency_key=key,
                case_id=case_id,
                mention_id=latest.id,
                actor=actor.user_id,
                visibility=visibility,
                platform=case.platform,
                text=report.final_text,
                canned_reply_id=canned_id,
                status=ReplyStatus.PENDING,
                created_at=now,
            )
            session.add(row)
            try:
                session.commit()
            except IntegrityError:  # the same click arrived twice at once: the other one recorded it
                session.rollback()
                found = self._by_key(key)
                assert found is not None
                return found, False
            return row, True

    def deliver(self, reply_id: int) -> Delivery:
        """Call the platform once for a pending reply and record what happened."""
        started = self._start(reply_id)
        if isinstance(started, Delivery):
            return started
        row, target, replaces = started
        now = self._clock.now()
        outgoing = OutgoingReply(
            idempotency_key=row.idempotency_key,
            target=target,
            visibility=row.visibility,
            text=row.text,
            replaces=replaces,
        )
        failpoint("reply.before_platform_call")
        try:
            sent = self._connector.send(outgoing, now=now)
        except PlatformError as exc:
            return self._failed(row, exc.kind.value, _with_retry_time(exc, now))
        except Exception as exc:  # a bug or an unexpected answer: the reply may or may not be out
            log.exception("reply %s: connector failed", row.id)
            return self._failed(
                row, "unavailable", f"unexpected error ({type(exc).__name__}); check the platform"
            )
        failpoint("reply.after_platform_call")
        return self._sent(row, sent.external_id, sent.url, replaces=replaces)

    def recover(self) -> int:
        """After a crash or restart: deliver replies recorded but never attempted (the form closed, so
        the agent expects them out), and settle replies left `sending`: nobody knows whether the
        platform got them, so they are reported, never resent. Returns how many rows were handled."""
        now = self._clock.now()
        with Session(self._engine, expire_on_commit=False) as session:
            stale_pending = session.exec(
                select(PlatformReply.id).where(
                    PlatformReply.status == ReplyStatus.PENDING,
                    col(PlatformReply.created_at) < now - PENDING_GRACE,
                )
            ).all()
            stuck = session.exec(
                select(PlatformReply).where(
                    PlatformReply.status == ReplyStatus.SENDING,
                    col(PlatformReply.attempted_at) < now - SENDING_GRACE,
                )
            ).all()
        for reply_id in stale_pending:
            if reply_id is not None:
                self.deliver(reply_id)
        for row in stuck:
            self._failed(
                row,
                "unknown",
                "socialdesk stopped while posting it, so it may or may not be on the platform. "
                "Check there before sending it again.",
                expect=ReplyStatus.SENDING,
            )
        return len(stale_pending) + len(stuck)

    def _by_key(self, key: str) -> PlatformReply | None:
        with Session(self._engine, expire_on_commit=False) as session:
            return session.exec(select(PlatformReply).where(PlatformReply.idempotency_key == key)).first()

    def _start(self, reply_id: int) -> tuple[PlatformReply, ReplyTarget, str | None] | Delivery:
        """Take a pending row for sending: (row, target, the platform id of our earlier answer this one
        replaces where the platform takes one answer per item), or the row's outcome if it left pending."""
        now = self._clock.now()
        with Session(self._writer, expire_on_commit=False) as session:
            row = session.exec(
                select(PlatformReply).where(col(PlatformReply.id) == reply_id).with_for_update()
            ).first()
            if row is None or row.id is None:
                raise DomainError(f"Reply {reply_id} not found.")
            if row.status is not ReplyStatus.PENDING:
                # Sending twice is worse than not at all: a row that left `pending` is never resent.
                return Delivery(row.id, row.status, _status_words(row), duplicate=True)
            mention = session.get(Mention, row.mention_id) if row.mention_id is not None else None
            if mention is None:
                raise DomainError(f"The customer's message for #{row.case_id} is gone; nothing was sent.")
            replaces = None
            if row.visibility is ReplyVisibility.PUBLIC and one_answer(
                self.form.capabilities(mention.platform)
            ):
                earlier = earlier_answer(session, mention.id, before=row.id)
                replaces = earlier.external_id if earlier is not None else None
            row.status = ReplyStatus.SENDING
            row.attempted_at = now
            session.add(row)
            session.commit()
            return row, _target(mention), replaces

    def _sent(
        self, row: PlatformReply, external_id: str, url: str | None, *, replaces: str | None = None
    ) -> Delivery:
        assert row.id is not None
        now = self._clock.now()
        with Session(self._writer, expire_on_commit=False) as session:
            stored = session.get(PlatformReply, row.id)
            case = case_or_404(session, row.case_id, lock=True)
            assert stored is not None and case.id is not None
            stored.status, stored.sent_at, stored.external_id = ReplyStatus.SENT, now, external_id
            if row.purpose is not None:
                # A survey is the brand asking, not an answer: first response, reply count, the SLA
                # clocks and the case's state stay as the agent left them. Only the thread says so.
                session.add(stored)
                event = events_repo.record(
                    session,
                    case_id=case.id,
                    actor=row.actor,
                    kind=_event_kind(row, "sent"),
                    at=now,
                    reply_id=row.id,
                    purpose=row.purpose,
                    visibility=row.visibility.value,
                    text=row.text,
                    external_id=external_id,
                    url=url,
                )
                session.flush()
                self._notifier.event_recorded(session, case, event, now=now)
                session.commit()
                return Delivery(
                    row.id, ReplyStatus.SENT, f"The {row.purpose} message to #{case.id} was posted."
                )
            before = {"status": case.status.value, "assignee": case.assignee}
            rules.replied(case, row.actor, sent_at=now)
            if row.visibility is ReplyVisibility.PRIVATE and not case.is_private:
                case.is_private = True  # the conversation continues in private messages
            case.version += 1
            session.add(stored)
            session.add(case)
            event = events_repo.record(
                session,
                case_id=case.id,
                actor=row.actor,
                kind=EventKind.REPLIED,
                at=now,
                before=before,
                after={"status": case.status.value, "assignee": case.assignee},
                reply_id=row.id,
                visibility=row.visibility.value,
                text=row.text,
                canned_reply_id=row.canned_reply_id,
                external_id=external_id,
                url=url,
                first_response=case.reply_count == 1,
                **({"replaces": replaces} if replaces else {}),
            )
            session.flush()
            self._notifier.case_changed(session, case, now=now)
            self._notifier.event_recorded(session, case, event, now=now)
            session.commit()
        if replaces:
            return Delivery(
                row.id, ReplyStatus.SENT, f"Your answer to #{row.case_id} replaced our earlier one."
            )
        where = "privately" if row.visibility is ReplyVisibility.PRIVATE else "publicly"
        return Delivery(row.id, ReplyStatus.SENT, f"Your reply to #{row.case_id} was posted {where}.")

    def _failed(
        self, row: PlatformReply, kind: str, message: str, *, expect: ReplyStatus | None = None
    ) -> Delivery:
        assert row.id is not None
        now = self._clock.now()
        with Session(self._writer, expire_on_commit=False) as session:
            stored = session.exec(
                select(PlatformReply).where(col(PlatformReply.id) == row.id).with_for_update()
            ).first()
            case = case_or_404(session, row.case_id)
            assert stored is not None and case.id is not None
            if expect is not None and stored.status is not expect:
                return Delivery(row.id, stored.status, _status_words(stored), duplicate=True)
            stored.status, stored.error_kind, stored.error = ReplyStatus.FAILED, kind, message
            session.add(stored)
            event = events_repo.record(
                session,
                case_id=case.id,
                actor=row.actor,
                kind=_event_kind(row, "failed"),
                at=now,
                reply_id=row.id,
                error_kind=kind,
                error=message,
            )
            session.flush()
            self._notifier.event_recorded(session, case, event, now=now)
            if row.purpose is not None:  # no agent sent it, so there is nobody to tell beyond the thread
                session.commit()
                return Delivery(row.id, ReplyStatus.FAILED, message)
            # Unreachable, timed out or interrupted: the platform may have it, so "not posted" would lie.
            outcome = "could not be confirmed" if kind in _UNCERTAIN else "was not posted"
            told = f"Your reply to #{row.case_id} {outcome}: {message} The case is still unanswered."
            self._notifier.tell_user(session, case, user=row.actor, text=told, now=now)
            session.commit()
        return Delivery(row.id, ReplyStatus.FAILED, told)


def _event_kind(row: PlatformReply, outcome: str) -> str:
    """`replied` / `reply_failed` for an agent's answer; `survey_sent` / `survey_failed` for a survey."""
    if row.purpose is None:
        return EventKind.REPLIED if outcome == "sent" else EventKind.REPLY_FAILED
    return f"{row.purpose.split(':', 1)[0]}_{outcome}"


def _target(mention: Mention) -> ReplyTarget:
    return ReplyTarget(
        platform=mention.platform,
        kind=mention.kind,
        external_id=mention.external_id,
        conversation_key=mention.conversation_key,
        author_id=mention.author_id,
        posted_at=as_utc(mention.posted_at),
        is_private=mention.is_private or mention.kind is MentionKind.DIRECT,
        extra=dict(mention.extra or {}),
    )


def _with_retry_time(exc: PlatformError, now: datetime) -> str:
    """The connector's message, plus when to try again if the platform said (a rate limit's reset)."""
    if exc.retry_at is None:
        return exc.message
    when = as_utc(exc.retry_at)
    minutes = max(1, math.ceil((when - now).total_seconds() / 60))
    at = f"{when:%H:%M}" if when.date() == now.date() else f"{when:%Y-%m-%d %H:%M}"
    return f"{exc.message} Try again after {at} UTC (in about {minutes} min)."


def _status_words(row: PlatformReply) -> str:
    match row.status:
        case ReplyStatus.SENT:
            return f"That reply to #{row.case_id} was already posted."
        case ReplyStatus.FAILED:
            return f"That reply to #{row.case_id} already failed: {row.error}"
        case _:
            return f"That reply to #{row.case_id} is being posted."


def sent_at(row: PlatformReply) -> datetime | None:
    return as_utc(row.sent_at) if row.sent_at else None
