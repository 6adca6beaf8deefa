"""Recognising a customer's answer to our survey among incoming mentions (called by ingest).

A resolved case is not joinable, so an answer is matched on its own terms:

- a reply in the thread of our survey message (its `parent` is the survey's platform id): that survey;
- otherwise, a mention from a customer we surveyed in the last 7 days on the same platform, when it
  does not continue an open case of theirs (there, "5" may answer an agent's question, so it is
  left to the case).

Either way the text must read as a score for that survey's kind (socialdesk.surveys.parse). The score is
stored on the surveyed case with a line in its thread. A bare score, or one with only thanks or
praise around it, opens nothing: the mention is kept on the surveyed case. A score with something
to act on ("2, still no refund") also goes on through ingest like any mention.
"""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Session

from socialdesk.clock import as_utc
from socialdesk.config import Config
from socialdesk.domain.models import Case, Mention, PlatformReply
from socialdesk.domain.notify import CaseNotifier
from socialdesk.domain.redact import mask
from socialdesk.surveys import repo, rules
from socialdesk.surveys.parse import SCALES, parse_score


class SurveyAnswers:
    def __init__(self, *, config: Config, notifier: CaseNotifier) -> None:
        self._config = config
        self._notifier = notifier

    def may_answer(self, mention: Mention) -> bool:
        """Whether `take` could store `mention` (its text reads as a score): only then does it read or
        write the database. No query."""
        return any(parse_score(mention.text_raw, kind) for kind in SCALES)

    def take(self, session: Session, mention: Mention, *, joinable: Case | None, now: datetime) -> bool:
        """Store `mention` as a survey answer if it is one. Returns True when that is all it was (the
        mention is now on the surveyed case and needs no case of its own)."""
        # Parsing is cheap and almost every mention fails it, so most mentions cost no query here.
        scores = {kind: parse_score(mention.text_raw, kind) for kind in SCALES}
        if not any(scores.values()):
            return False
        survey = self._survey_answered(session, mention, joinable=joinable, now=now)
        kind = rules.kind_of(survey.purpose) if survey is not None else None
        found = scores.get(kind) if kind is not None else None
        if survey is None or kind is None or found is None:
            return False
        case = session.get(Case, survey.case_id)
        if case is None:
            return False
        score, comment = found
        only_an_answer = not rules.needs_a_person(comment, mention)
        if only_an_answer:
            mention.case_id = case.id  # kept with the conversation it answers; the case stays resolved
            session.add(mention)
        repo.record_answer(
            session,
            self._notifier,
            case=case,
            kind=kind,
            score=score,
            comment=mask(comment, self._config.masking).text if comment else None,
            source="reply",
            source_ref=f"{mention.platform.value}:{mention.external_id}"[:200],
            now=now,
            replace_earlier_reply=True,
        )
        return only_an_answer

    def _survey_answered(
        self, session: Session, mention: Mention, *, joinable: Case | None, now: datetime
    ) -> PlatformReply | None:
        if mention.parent_external_id:
            direct = repo.survey_with_external_id(
                session, platform=mention.platform, external_id=mention.parent_external_id
            )
            if direct is not None:
                return direct
        if joinable is not None:
            return None
        return repo.latest_survey_to(
            session,
            platform=mention.platform,
            author_id=mention.author_id,
            sent_after=now - rules.ANSWER_WINDOW,
            sent_before=as_utc(mention.posted_at) + rules.CLOCK_SKEW,
        )
