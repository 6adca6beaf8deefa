"""Drafting, editing, approving and sending back statements. Approvals name the exact text (its
hash): an edit voids them, and the editor becomes the drafter who may not approve their own words."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime

from sqlmodel import Session

from socialdesk.casework.roles import Actor
from socialdesk.clock import as_utc
from socialdesk.crisis.desk_base import CrisisOutcome, DeskBase
from socialdesk.domain.crisis import ApprovalState, CrisisError, approval_state, roles_to_approve, text_sha
from socialdesk.domain.crisis_models import (
    Crisis,
    CrisisApproval,
    CrisisStatement,
    CrisisStatus,
    StatementStatus,
)
from socialdesk.domain.playbooks.render import check_statement
from socialdesk.domain.playbooks.schema import Playbook, StatementKind
from socialdesk.store import crisis_repo

MAX_REASON = 1000


class Statements(DeskBase):
    def draft(
        self, *, crisis_id: int, actor: Actor, kind: StatementKind | None = None, headline: str | None = None
    ) -> CrisisOutcome:
        """A new draft from the playbook's template (holding first, then updates), replacing any
        unpublished draft; `headline` is the news of an update (`/crisis update <text>`)."""
        now = self._clock.now()
        with self._session() as session:
            crisis, playbook = self._locked(session, crisis_id)
            self._require(actor, playbook.permissions.draft, "draft statements", playbook, crisis)
            assert crisis.id is not None
            partial = [
                s
                for s in crisis_repo.statements(session, crisis.id)
                if s.status is StatementStatus.PUBLISHING
            ]
            if partial:
                raise CrisisError(
                    f"Statement #{partial[-1].id} is published on some accounts only. Finish it first with "
                    "*Retry publish* (or `/crisis publish`), then draft the next one."
                )
            chosen = kind or self._next_kind(session, crisis)
            if chosen is not StatementKind.RESOLUTION and crisis.status is not CrisisStatus.ACTIVE:
                raise CrisisError(
                    f"Crisis {crisis.id} has ended; only its resolution statement can be redrafted."
                )
            statement = self._new_statement(session, crisis, playbook, chosen, actor, now, headline=headline)
            label = chosen.value
            self._line(
                session,
                crisis,
                f"📝 <@{actor.user_id}> drafted {label} statement #{statement.id}.",
                f"drafted:{statement.id}",
                now,
            )
            self._redraw(session, crisis, playbook, now, statement)
            session.commit()
        return CrisisOutcome(
            f"Drafted {label} statement #{statement.id} in #{crisis.war_room}; it needs approval before it "
            "goes out.",
            crisis_id=crisis_id,
            statement_id=statement.id,
        )

    @staticmethod
    def _next_kind(session: Session, crisis: Crisis) -> StatementKind:
        if crisis.status is CrisisStatus.ENDED:
            return StatementKind.RESOLUTION
        assert crisis.id is not None
        published = [
            s for s in crisis_repo.statements(session, crisis.id) if s.status is StatementStatus.PUBLISHED
        ]
        return StatementKind.UPDATE if published else StatementKind.HOLDING

    def edit(
        self,
        *,
        crisis_id: int,
        statement_id: int,
        actor: Actor,
        filled: Mapping[str, object],
        texts: Mapping[str, str] | None = None,
    ) -> CrisisOutcome:
        """New slot values (kept for later drafts) and, for targets whose text was changed by hand, that
        text; other targets are drawn again from the template."""
        now = self._clock.now()
        with self._session() as session:
            crisis, playbook = self._locked(session, crisis_id)
            self._require(actor, playbook.permissions.draft, "edit statements", playbook, crisis)
            statement = self._statement(session, statement_id, crisis)
            if statement.status not in (StatementStatus.DRAFT, StatementStatus.REJECTED):
                raise CrisisError(
                    f"Statement #{statement_id} is {statement.status.value}; it can no longer be edited."
                )
            crisis.slots = {**crisis.slots, **{k: v for k, v in filled.items() if v not in (None, "", [])}}
            session.add(crisis)
            kind = StatementKind(statement.kind)
            rendered, next_update = self._render(crisis, playbook, kind, now, None)
            previous = dict(statement.texts)
            new_texts = {
                target: (
                    texts[target]
                    if texts
                    and target in texts
                    and texts[target].strip()
                    and texts[target] != previous.get(target)
                    else text
                )
                for target, text in rendered.items()
            }
            sha = text_sha(new_texts)
            if sha == statement.text_sha:
                session.rollback()
                return CrisisOutcome(f"Statement #{statement_id} is unchanged.", crisis_id, statement_id)
            had_approvals = bool(crisis_repo.approvals(session, statement_id))
            old_sha = statement.text_sha
            statement.texts = new_texts
            statement.text_sha = sha
            statement.drafted_by = actor.user_id
            statement.drafted_at = now
            statement.stale_at = next_update
            statement.status = StatementStatus.DRAFT
            statement.rejected_by = statement.rejected_reason = None
            statement.version += 1
            session.add(statement)
            crisis_repo.record(
                session,
                crisis_id,
                actor=actor.user_id,
                kind="edited",
                at=now,
                statement_id=statement_id,
                before=old_sha,
                after=sha,
            )
            reset = " Its approvals no longer count: the new text needs approving." if had_approvals else ""
            self._line(
                session,
                crisis,
                f"✏️ <@{actor.user_id}> edited statement #{statement_id}.{reset}",
                f"edited:{statement_id}:{sha[:12]}",
                now,
            )
            self._redraw(session, crisis, playbook, now, statement)
            session.commit()
        return CrisisOutcome(f"Statement #{statement_id} updated.{reset}", crisis_id, statement_id)

    def approve(self, *, crisis_id: int, statement_id: int, actor: Actor) -> CrisisOutcome:
        now = self._clock.now()
        with self._session() as session:
            crisis, playbook = self._locked(session, crisis_id)
            statement = self._statement(session, statement_id, crisis)
            self._check_open(statement)
            problems = self._problems(playbook, statement)
            if problems:
                raise CrisisError(
                    "This text cannot be approved yet: " + "; ".join(problems) + ". Edit it first."
                )
            rule = playbook.severity(crisis.severity).approvals
            state = self._state(session, statement, playbook, crisis, now)
            roles = roles_to_approve(
                rule,
                state,
                approver=actor.user_id,
                approver_roles=self._roles.held_by(actor.user_id, playbook, crisis.assignments),
                drafter=statement.drafted_by,
                playbook_title=playbook.title,
            )
            session.add(
                CrisisApproval(
                    statement_id=statement_id,
                    text_sha=statement.text_sha,
                    approver=actor.user_id,
                    roles=list(roles),
                    at=now,
                )
            )
            statement.version += 1
            session.add(statement)
            crisis_repo.record(
                session,
                crisis_id,
                actor=actor.user_id,
                kind="approved",
                at=now,
                statement_id=statement_id,
                roles=list(roles),
                text_sha=statement.text_sha,
            )
            session.flush()
            after = self._state(session, statement, playbook, crisis, now)
            done = not after.missing
            tail = (
                " Every approval is in: "
                + (
                    " ".join(
                        m
                        for r in playbook.permissions.publish
                        for m in self._roles.mentions(r, playbook, crisis.assignments)
                    )
                    or "the lead"
                )
                + " can publish it."
                if done
                else f" Still waiting for {', '.join(after.missing)}."
            )
            self._line(
                session,
                crisis,
                f"👍 <@{actor.user_id}> approved statement #{statement_id} as {', '.join(roles)}.{tail}",
                f"approved:{statement_id}:{actor.user_id}:{statement.text_sha[:12]}",
                now,
            )
            self._redraw(session, crisis, playbook, now, statement)
            session.commit()
        return CrisisOutcome(
            f"You approved statement #{statement_id} as {', '.join(roles)}.{tail}", crisis_id, statement_id
        )

    def reject(self, *, crisis_id: int, statement_id: int, actor: Actor, reason: str) -> CrisisOutcome:
        reason = " ".join(reason.split())[:MAX_REASON]
        if not reason:
            raise CrisisError("Say why, so the drafter knows what to change: `/crisis reject <reason>`.")
        now = self._clock.now()
        with self._session() as session:
            crisis, playbook = self._locked(session, crisis_id)
            statement = self._statement(session, statement_id, crisis)
            self._check_open(statement)
            chain = playbook.severity(crisis.severity).approvals.chain
            self._require(actor, chain, "send a statement back", playbook, crisis)
            statement.status = StatementStatus.REJECTED
            statement.rejected_by = actor.user_id
            statement.rejected_reason = reason
            statement.version += 1
            session.add(statement)
            crisis_repo.record(
                session,
                crisis_id,
                actor=actor.user_id,
                kind="rejected",
                at=now,
                statement_id=statement_id,
                reason=reason,
            )
            self._line(
                session,
                crisis,
                f"↩️ <@{actor.user_id}> sent statement #{statement_id} back to "
                f"<@{statement.drafted_by}>: {reason}",
                f"rejected:{statement_id}:{statement.version}",
                now,
            )
            # The drafter hears it directly too: a DM from the app.
            self._notifier.line(
                session,
                war_room=statement.drafted_by,
                text=f"↩️ <@{actor.user_id}> sent your statement #{statement_id} (crisis "
                f"{crisis_id}) back: {reason}. *Edit* it in #{crisis.war_room}.",
                key=f"{crisis_id}:rejected-dm:{statement_id}:{statement.version}",
                now=now,
            )
            self._redraw(session, crisis, playbook, now, statement)
            session.commit()
        return CrisisOutcome(
            f"Statement #{statement_id} sent back to <@{statement.drafted_by}>.", crisis_id, statement_id
        )

    # --- helpers --------------------------------------------------------------------------------

    def _state(
        self, session: Session, statement: CrisisStatement, playbook: Playbook, crisis: Crisis, now: datetime
    ) -> ApprovalState:
        assert statement.id is not None
        return approval_state(
            playbook.severity(crisis.severity).approvals,
            crisis_repo.approvals(session, statement.id),
            current_sha=statement.text_sha,
            stale_at=as_utc(statement.stale_at) if statement.stale_at else None,
            now=now,
        )

    def _problems(self, playbook: Playbook, statement: CrisisStatement) -> list[str]:
        return [
            problem
            for target, text in statement.texts.items()
            for problem in check_statement(
                playbook,
                target,
                text,
                self._config.masking,
                public_contacts=self._config.brand_voice.public_contacts,
            )
        ]

    @staticmethod
    def _check_open(statement: CrisisStatement) -> None:
        if statement.status is StatementStatus.REJECTED:
            raise CrisisError(f"Statement #{statement.id} was sent back; it needs an edit before approval.")
        if statement.status is not StatementStatus.DRAFT:
            raise CrisisError(
                f"Statement #{statement.id} is {statement.status.value}; there is nothing to approve."
            )
