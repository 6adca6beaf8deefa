"""What a mention does to cases: opens one (priority, routing, SLA targets, crisis, enrichers), continues
one (a follow-up), or updates the one it opened (an edit). Called inside the write transaction
(bot/ingest/batch.py), which decides which of them a mention is."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime, timedelta
from typing import Any

from sqlmodel import Session

from socialdesk.casework.routing import RouteInput, route
from socialdesk.config import Config
from socialdesk.crisis.intake import CrisisIntake
from socialdesk.domain.crisis_models import Crisis
from socialdesk.domain.enums import CaseStatus, Category, Priority
from socialdesk.domain.models import Case, Mention
from socialdesk.domain.notify import CaseNotifier
from socialdesk.domain.sla import SlaPolicy, has_sla_clock
from socialdesk.ingest.edits import apply_edit
from socialdesk.ingest.enrich import MentionEnricher, merge_enrichment
from socialdesk.ingest.history import is_history
from socialdesk.ingest.inbox_rows import InboxRow
from socialdesk.ingest.openings import Opening, Openings
from socialdesk.plugins.kinds import MentionFacts
from socialdesk.store import cases_repo, events_repo
from socialdesk.triage.path import Assessment, Author, Triage
from socialdesk.triage.priority import PolicyDecision

# Incident cases on the same platform within this span count as "reported by several customers".
INCIDENT_WINDOW = timedelta(hours=1)


class MentionCases:
    def __init__(self, *, config: Config, notifier: CaseNotifier, triage: Triage) -> None:
        self._config = config
        self._notifier = notifier
        self._triage = triage
        self._sla = SlaPolicy(config)
        # Set by the composition root (through IngestPipeline): the playbooks' intake
        # (bot/crisis/intake.py) and the plugins' enrichers (bot/plugin_host/enrichers.py).
        self.crisis_intake: CrisisIntake | None = None
        self.enrichers: MentionEnricher | None = None

    def open(
        self,
        session: Session,
        row: InboxRow,
        mention: Mention,
        triaged: Assessment,
        now: datetime,
        *,
        repeat: int,
        waiting: Openings,
        running: Callable[[], Sequence[Crisis]],
    ) -> Opening:
        """The case `mention` opens, with its event, to be written with the transaction's other openings
        (`waiting`, bot/ingest/openings.py). `repeat`: the author's cases on the platform; `running`: the
        running crises, read once per transaction."""
        decision = self.prioritize(session, mention, triaged, repeat=repeat, waiting=waiting)
        priority, reason = decision.priority, decision.reason
        enrichment: dict[str, Any] = {}
        if self.enrichers is not None:
            applied = self.enrichers.run(self._facts(row, mention, priority, reason, opens_case=True))
            priority, reason = Priority(applied.priority), applied.priority_reason
            enrichment = applied.by_plugin
        routed = route(
            self._config.routing,
            RouteInput(
                platform=mention.platform,
                text=mention.text_raw,
                category=mention.category,
                priority=priority,
                is_private=mention.is_private,
            ),
        )
        dues = self._sla.dues(
            team=routed.team,
            platform=mention.platform,
            priority=priority,
            posted_at=mention.posted_at,
        )
        case = Case(
            platform=mention.platform,
            conversation_key=mention.conversation_key,
            status=CaseStatus.NEW,
            priority=priority,
            priority_reason=reason[:512],
            enrichment=enrichment,
            category=mention.category,
            sentiment=mention.sentiment,
            needs_reply=triaged.needs_reply,
            is_private=mention.is_private,
            team=routed.team,
            route=routed.rule,
            author_id=mention.author_id,
            author_handle=mention.author_handle,
            author_name=mention.author_name,
            opened_at=mention.posted_at,
            first_response_due=dues.first_response,
            resolution_due=dues.resolution,
            sla_check_at=dues.check_at,
            last_activity_at=now,
            historical=self._is_history(row, mention),
        )
        matched = None
        if self.crisis_intake is not None and not case.historical:  # history is not part of a crisis
            matched = self.crisis_intake.tag(session, case, mention, running=running())
        if not has_sla_clock(case):
            case.sla_check_at = None  # spam, no reply needed, history: nothing to nudge, alert or page
        event: dict[str, Any] = {
            "platform": case.platform.value,
            "team": case.team,
            "route": case.route,
            "priority": case.priority.value,
            "reason": case.priority_reason,
            # The model's own answer, before the team's rules: corrections measure the model by it.
            "triage": {
                "category": triaged.model_category.value,
                "priority": decision.priority.value,
                "needs_reply": triaged.needs_reply,
                "model_version": triaged.model_version,
                "private_reply_suggested": decision.private_reply_suggested,
            },
            **({"crisis_id": case.crisis_id, "crisis_keyword": matched} if matched else {}),
        }
        return Opening(case=case, mention=mention, now=now, event=event)

    def prioritize(
        self,
        session: Session,
        mention: Mention,
        triaged: Assessment,
        *,
        earlier_than: int | None = None,
        repeat: int | None = None,
        waiting: Openings | None = None,
    ) -> PolicyDecision:
        """The priority of a case's opening mention: the text's triage plus what the database knows
        (`repeat`: the author's cases on the platform, when the caller counted them already; `waiting`:
        cases the transaction opened and has not written yet, which the count of incidents includes)."""
        if repeat is None:
            repeat = cases_repo.count_earlier_cases(
                session, platform=mention.platform, author_id=mention.author_id, before_case=earlier_than
            )
        incidents = 0
        if triaged.category is Category.INCIDENT:
            since = mention.posted_at - INCIDENT_WINDOW
            incidents = 1 + cases_repo.count_recent_incidents(session, since=since)
            if waiting is not None:
                incidents += waiting.incidents_since(since)
        return self._triage.prioritize(
            mention.text_raw,
            triaged,
            Author(
                followers=mention.author_followers, verified=mention.author_verified, repeat_contacts=repeat
            ),
            incident_reports=incidents,
        )

    def join(self, session: Session, row: InboxRow, case: Case, mention: Mention, now: datetime) -> None:
        """`mention` continues `case` (a follow-up): on the case, its clocks and card told."""
        assert case.id is not None
        mention.case_id = case.id
        session.add(mention)
        case.mention_count += 1
        case.last_activity_at = now
        if self.enrichers is not None:  # a follow-up adds tags and fields; the case keeps its priority
            facts = self._facts(row, mention, case.priority, case.priority_reason, opens_case=False)
            case.enrichment = merge_enrichment(case.enrichment, self.enrichers.run(facts).by_plugin)
        if case.status is CaseStatus.WAITING_CUSTOMER:
            # The resolution clock restarts, later by the time the customer took; the scan re-reads it.
            self._sla.end_pause(case, now)
            case.sla_check_at = now
            case.status = CaseStatus.CLAIMED if case.assignee else CaseStatus.NEW
        case.version += 1
        session.add(case)
        session.flush()
        events_repo.append(
            session, case_id=case.id, actor=events_repo.SYSTEM, kind="followup", at=now, mention_id=mention.id
        )
        self._notifier.followup_added(session, case, mention, now=now)

    def edit(self, session: Session, held: Mention, new: Mention, triaged: Assessment, now: datetime) -> bool:
        """A new version of a mention that opened a case (an edited review): its case updated; False
        when the edit changed nothing the case shows (bot/ingest/edits.py)."""
        return (
            apply_edit(
                session,
                held=held,
                new=new,
                triaged=triaged,
                now=now,
                sla=self._sla,
                notifier=self._notifier,
                prioritize=lambda s, m, t: self.prioritize(s, m, t, earlier_than=m.case_id),
            )
            is not None
        )

    def _facts(
        self, row: InboxRow, mention: Mention, priority: Priority, reason: str, *, opens_case: bool
    ) -> MentionFacts:
        """The mention as enrichers see it: masked text, socialdesk's triage, the source it came in by."""
        return MentionFacts(
            source=row.source,
            platform=mention.platform.value,
            external_id=mention.external_id,
            kind=mention.kind.value,
            author_id=mention.author_id,
            author_handle=mention.author_handle,
            text=mention.text_masked,
            posted_at=mention.posted_at,
            category=mention.category.value,
            sentiment=mention.sentiment.value,
            priority=priority.value,
            priority_reason=reason,
            opens_case=opens_case,
        )

    def _is_history(self, row: InboxRow, mention: Mention) -> bool:
        """Imported as history (`socialdesk ingest --historical`), or already old when it reached us
        (`ingest.historical_after_minutes`, from when the inbox took it: a backlog is not history)."""
        return is_history(
            posted_at=mention.posted_at,
            received_at=row.received_at,
            after_minutes=self._config.ingest.historical_after_minutes,
            source=row.source,
        )
