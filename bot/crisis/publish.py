"""Publishing an approved statement on the brand's accounts, at most once per target.

Each target's row is written (pending) before any platform is called, moved to `sending` by a
conditional update that only one caller can win, and then to `sent` or `failed`. A second click, a
retry or a second replica therefore never posts twice; a retry posts only what failed. A row left in
`sending` (the process died mid-call, or the platform timed out) is not retried on its own: nobody
knows whether it was posted, so the war room is told to check and to `/crisis publish retry <target>`.
"""

from __future__ import annotations

import logging
from datetime import datetime

from sqlalchemy import update
from sqlmodel import Session, col

from socialdesk.casework.roles import Actor
from socialdesk.clock import as_utc
from socialdesk.connectors.posts.base import BrandPost
from socialdesk.crisis.desk_base import CrisisOutcome
from socialdesk.crisis.statements import Statements
from socialdesk.domain.crisis import CrisisError, check_can_publish
from socialdesk.domain.crisis_models import Crisis, CrisisPublication, CrisisStatement, StatementStatus
from socialdesk.domain.enums import ReplyStatus
from socialdesk.domain.playbooks.schema import PUBLISHABLE, Playbook, StatementKind
from socialdesk.failpoints import failpoint
from socialdesk.plugins.replies import ErrorKind, PlatformError
from socialdesk.store import crisis_repo

log = logging.getLogger(__name__)
TARGET_LABELS = {"x": "X", "facebook": "Facebook"}


class Publisher(Statements):
    def publish(
        self, *, crisis_id: int, statement_id: int, actor: Actor, retry_target: str | None = None
    ) -> CrisisOutcome:
        due = self._prepare(crisis_id, statement_id, actor, retry_target)
        for publication_id in due:
            self._post_one(crisis_id, publication_id)
        return self._conclude(crisis_id, statement_id, actor)

    def _prepare(
        self, crisis_id: int, statement_id: int, actor: Actor, retry_target: str | None
    ) -> list[int]:
        """Check and record what is to be posted; returns the publication rows to send now."""
        now = self._clock.now()
        with self._session() as session:
            crisis, playbook = self._locked(session, crisis_id)
            self._require(actor, playbook.permissions.publish, "publish statements", playbook, crisis)
            statement = self._statement(session, statement_id, crisis)
            if statement.status is StatementStatus.PUBLISHED:
                raise CrisisError(f"Statement #{statement_id} is already published everywhere.")
            if statement.status not in (StatementStatus.DRAFT, StatementStatus.PUBLISHING):
                raise CrisisError(
                    f"Statement #{statement_id} is {statement.status.value}; it cannot be published."
                )
            if statement.status is StatementStatus.DRAFT:
                problems = self._problems(playbook, statement)
                if problems:
                    raise CrisisError("This text cannot go out: " + "; ".join(problems) + ".")
                check_can_publish(self._state(session, statement, playbook, crisis, now))
                self._start(session, crisis, statement, actor, now)
            rows = crisis_repo.publications(session, statement_id)
            for row in rows:
                if row.status is ReplyStatus.FAILED or (
                    retry_target == row.target and row.status is ReplyStatus.SENDING
                ):
                    row.status = ReplyStatus.PENDING  # a retry the lead asked for
                    row.error = row.error_kind = None
                    session.add(row)
            session.commit()
            return [r.id for r in rows if r.status is ReplyStatus.PENDING and r.id is not None]

    def _start(
        self, session: Session, crisis: Crisis, statement: CrisisStatement, actor: Actor, now: datetime
    ) -> None:
        assert statement.id is not None and crisis.id is not None
        statement.status = StatementStatus.PUBLISHING
        statement.published_by = actor.user_id
        statement.version += 1
        session.add(statement)
        for target, text in statement.texts.items():
            if target in PUBLISHABLE:
                session.add(
                    CrisisPublication(
                        statement_id=statement.id,
                        target=target,
                        text=text,
                        actor=actor.user_id,
                        created_at=now,
                    )
                )
        crisis_repo.record(
            session,
            crisis.id,
            actor=actor.user_id,
            kind="publish_started",
            at=now,
            statement_id=statement.id,
            targets=[t for t in statement.texts if t in PUBLISHABLE],
        )
        session.flush()

    def _post_one(self, crisis_id: int, publication_id: int) -> None:
        now = self._clock.now()
        with self._session() as session:
            won = (
                session.connection()
                .execute(
                    update(CrisisPublication)
                    .where(
                        col(CrisisPublication.id) == publication_id,
                        col(CrisisPublication.status) == ReplyStatus.PENDING.value,
                    )
                    .values(
                        status=ReplyStatus.SENDING.value,
                        attempted_at=now,
                        attempts=CrisisPublication.attempts + 1,
                    )
                )
                .rowcount
            )
            session.commit()
            if won != 1:
                return  # another click or replica is posting this one
            row = session.get(CrisisPublication, publication_id)
            assert row is not None
        item = BrandPost(
            idempotency_key=f"crisis-{crisis_id}-pub-{publication_id}", target=row.target, text=row.text
        )
        try:
            posted = self._poster.post(item, now=now)
        except PlatformError as exc:
            self._record_post(crisis_id, publication_id, None, exc)
        except Exception as exc:  # an unexpected bug must not leave the row claimed without a word
            log.exception("publishing %s crashed", item.idempotency_key)
            self._record_post(
                crisis_id,
                publication_id,
                None,
                PlatformError(
                    ErrorKind.UNAVAILABLE,
                    f"socialdesk failed while posting ({type(exc).__name__}); check the account before "
                    "retrying.",
                ),
            )
        else:
            failpoint("crisis.after_platform_call")
            self._record_post(crisis_id, publication_id, posted, None)

    def _record_post(
        self, crisis_id: int, publication_id: int, posted: object, error: PlatformError | None
    ) -> None:
        now = self._clock.now()
        with self._session() as session:
            row = session.get(CrisisPublication, publication_id)
            assert row is not None
            if error is None:
                row.status = ReplyStatus.SENT
                row.sent_at = now
                row.external_id = getattr(posted, "external_id", None)
                row.url = getattr(posted, "url", None)
                crisis_repo.record(
                    session,
                    crisis_id,
                    actor=crisis_repo.SYSTEM,
                    kind="published",
                    at=now,
                    statement_id=row.statement_id,
                    target=row.target,
                    url=row.url,
                    external_id=row.external_id,
                )
            else:
                row.status = ReplyStatus.FAILED
                row.error_kind = str(error.kind)
                row.error = error.message
                crisis_repo.record(
                    session,
                    crisis_id,
                    actor=crisis_repo.SYSTEM,
                    kind="publish_failed",
                    at=now,
                    statement_id=row.statement_id,
                    target=row.target,
                    error_kind=str(error.kind),
                    error=error.message,
                )
            session.add(row)
            session.commit()

    def _conclude(self, crisis_id: int, statement_id: int, actor: Actor) -> CrisisOutcome:
        now = self._clock.now()
        with self._session() as session:
            crisis, playbook = self._locked(session, crisis_id)
            statement = self._statement(session, statement_id, crisis)
            rows = crisis_repo.publications(session, statement_id)
            sent = [r for r in rows if r.status is ReplyStatus.SENT]
            failed = [r for r in rows if r.status is ReplyStatus.FAILED]
            unknown = [r for r in rows if r.status in (ReplyStatus.SENDING, ReplyStatus.PENDING)]
            complete = len(sent) == len(rows) and statement.status is StatementStatus.PUBLISHING
            if complete:
                self._finish(session, crisis, playbook, statement, now)
            due = self._at(crisis.next_update_at) if complete and crisis.next_update_at else None
            message = self._result_line(statement_id, sent, failed, unknown, complete, due)
            self._line(
                session,
                crisis,
                message,
                f"publish:{statement_id}:{len(sent)}:{len(failed)}:{len(unknown)}",
                now,
            )
            self._redraw(session, crisis, playbook, now, statement)
            session.commit()
        return CrisisOutcome(message, crisis_id, statement_id)

    def _finish(
        self, session: Session, crisis: Crisis, playbook: Playbook, statement: CrisisStatement, now: datetime
    ) -> None:
        assert crisis.id is not None
        statement.status = StatementStatus.PUBLISHED
        statement.published_at = now
        statement.version += 1
        session.add(statement)
        if StatementKind(statement.kind) is not StatementKind.RESOLUTION and crisis.end_summary is None:
            # The time this text promised is when the next update is due; reminders count down to it.
            crisis.next_update_at = as_utc(statement.stale_at) if statement.stale_at else None
        crisis.version += 1
        session.add(crisis)
        crisis_repo.record(
            session,
            crisis.id,
            actor=statement.published_by or crisis_repo.SYSTEM,
            kind="statement_published",
            at=now,
            statement_id=statement.id,
            statement_kind=statement.kind,
        )

    @staticmethod
    def _result_line(
        statement_id: int,
        sent: list[CrisisPublication],
        failed: list[CrisisPublication],
        unknown: list[CrisisPublication],
        complete: bool,
        next_update: str | None,
    ) -> str:
        def label(row: CrisisPublication) -> str:
            name = TARGET_LABELS.get(row.target, row.target)
            return f"<{row.url}|{name}>" if row.url else name

        parts = []
        if sent:
            parts.append("posted on " + ", ".join(label(r) for r in sent))
        if failed:
            parts.append(
                "; ".join(f"not posted on {TARGET_LABELS.get(r.target, r.target)}: {r.error}" for r in failed)
            )
        if unknown:
            parts.append(
                ", ".join(TARGET_LABELS.get(r.target, r.target) for r in unknown)
                + ": still being posted, or the outcome is unknown"
            )
        if complete:
            due = f" Next update due {next_update}." if next_update else ""
            return f"📣 Statement #{statement_id} published: {'; '.join(parts) or 'nothing to post'}.{due}"
        return (
            f"⚠️ Statement #{statement_id}: {'; '.join(parts)}. *Retry publish* posts only what is missing; "
            "nothing is posted twice."
        )
