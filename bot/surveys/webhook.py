"""`POST /webhooks/survey`: scores from an external survey tool, signed like the generic webhook.

    {"case": 42 | "#42", "kind": "csat" | "nps", "score": 4, "comment": "...", "id": "<response id>"}

  200 stored `{"ok": true, "response_id": 7, "duplicate": false}`; the same `id` again answers
      `"duplicate": true` and changes nothing (without an `id`, the body's SHA-256 stands in);
  400 bad input, with the reason (not JSON, unknown case, bad kind, score out of range...);
  401 missing or wrong signature, 403 stale timestamp (bot/connectors/verify.py), nothing stored;
  503 WEBHOOK_SECRET is not set.

Unlike mentions, an answer is stored at once rather than through the inbox: it is one small row, and
the tool learns right away whether the case exists. The comment is masked like mention text before
it is stored, because it is shown in the case's Slack thread.
"""

from __future__ import annotations

import hashlib
import json
import logging
import re
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Engine
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from socialdesk.clock import Clock
from socialdesk.config import Config
from socialdesk.connectors import signing as verify
from socialdesk.domain.models import Case
from socialdesk.domain.notify import CaseNotifier
from socialdesk.domain.redact import mask
from socialdesk.metrics import Metrics
from socialdesk.settings import Settings
from socialdesk.store.db import writer
from socialdesk.surveys import repo
from socialdesk.surveys.parse import SCALES

log = logging.getLogger(__name__)

PATH = "/webhooks/survey"
MAX_BODY_BYTES = 64_000
MAX_COMMENT = 2000  # longer comments are cut, not refused: a tool would resend a refused one forever
MAX_ID = 200
_CASE_REF = re.compile(r"#?\s*([0-9]{1,12})")


class BadSurveyAnswer(ValueError):
    """The body cannot be stored; the message is the reason returned to the sender."""


@dataclass(frozen=True, slots=True)
class SurveyAnswer:
    case_id: int
    kind: str
    score: int
    comment: str | None
    response_id: str


def parse_answer(body: bytes) -> SurveyAnswer:
    """Validate the JSON body; raises `BadSurveyAnswer` naming the first offending field."""
    try:
        data = json.loads(body)
    except (ValueError, UnicodeDecodeError) as exc:
        raise BadSurveyAnswer(f"body: not JSON ({exc})") from None
    if not isinstance(data, dict):
        raise BadSurveyAnswer('body: expected an object like {"case": 42, "kind": "csat", "score": 4}')
    case_id = _case_id(data.get("case"))
    kind = data.get("kind")
    if kind not in SCALES:
        raise BadSurveyAnswer(f"kind: expected 'csat' or 'nps', got {json.dumps(kind)}")
    score = _score(data.get("score"), str(kind))
    comment = data.get("comment")
    if comment is not None and not isinstance(comment, str):
        raise BadSurveyAnswer("comment: expected a string")
    comment = (comment or "").strip()[:MAX_COMMENT] or None
    given = data.get("id")
    if given is None:
        response_id = "sha256:" + hashlib.sha256(body).hexdigest()
    elif isinstance(given, str | int) and not isinstance(given, bool) and str(given).strip():
        response_id = str(given).strip()
        if len(response_id) > MAX_ID:
            raise BadSurveyAnswer(f"id: at most {MAX_ID} characters")
    else:
        raise BadSurveyAnswer("id: expected a non-empty string or number")
    return SurveyAnswer(case_id, str(kind), score, comment, response_id)


def _case_id(value: Any) -> int:
    if isinstance(value, int) and not isinstance(value, bool) and value > 0:
        return value
    if isinstance(value, str):
        match = _CASE_REF.fullmatch(value.strip())
        if match and int(match.group(1)) > 0:
            return int(match.group(1))
    raise BadSurveyAnswer(f'case: expected a case number like 42 or "#42", got {json.dumps(value)}')


def _score(value: Any, kind: str) -> int:
    low, high = SCALES[kind]
    number: int | None = None
    if isinstance(value, int) and not isinstance(value, bool):
        number = value
    elif isinstance(value, float) and value.is_integer():
        number = int(value)
    elif isinstance(value, str) and value.strip().isdigit() and len(value.strip()) <= 3:
        number = int(value.strip())
    if number is None:
        raise BadSurveyAnswer(f"score: expected a whole number from {low} to {high}")
    if not low <= number <= high:
        raise BadSurveyAnswer(f"score: {number} is out of range for {kind} ({low} to {high})")
    return number


class SurveyWebhook:
    def __init__(
        self,
        *,
        settings: Settings,
        engine: Engine,
        config: Config,
        clock: Clock,
        metrics: Metrics,
        notifier: CaseNotifier,
    ) -> None:
        self._settings = settings
        self._writer = writer(engine)
        self._config = config
        self._clock = clock
        self._metrics = metrics
        self._notifier = notifier

    def routes(self) -> list[Route]:
        return [Route(PATH, self.survey_event, methods=["POST"])]

    async def survey_event(self, request: Request) -> Response:
        secret = self._settings.webhook_secret
        if secret is None or not secret.get_secret_value():
            return _error(503, "WEBHOOK_SECRET is not configured")
        body = await request.body()
        check = verify.check_generic_request(
            body,
            signature=request.headers.get("x-socialdesk-signature"),
            timestamp=request.headers.get("x-socialdesk-timestamp"),
            secret=secret.get_secret_value(),
            now=self._clock.now(),
        )
        if check.failure is not None:
            self._count("stale" if check.failure.http_status == 403 else "forged")
            log.warning("survey webhook refused: %s", check.reason)
            return _error(check.failure.http_status, f"X-Socialdesk-Signature: {check.reason}")
        if len(body) > MAX_BODY_BYTES:
            return self._bad(f"body: larger than {MAX_BODY_BYTES // 1000} kB")
        try:
            answer = parse_answer(body)
            response_id, duplicate = await run_in_threadpool(self._store, answer)
        except BadSurveyAnswer as exc:
            return self._bad(str(exc))
        self._count("duplicate" if duplicate else "accepted")
        return JSONResponse({"ok": True, "response_id": response_id, "duplicate": duplicate})

    def _store(self, answer: SurveyAnswer) -> tuple[int | None, bool]:
        now = self._clock.now()
        comment = mask(answer.comment, self._config.masking).text if answer.comment else None
        with Session(self._writer, expire_on_commit=False) as session:
            case = session.get(Case, answer.case_id)
            if case is None:
                raise BadSurveyAnswer(f"case: #{answer.case_id} does not exist")
            stored = repo.record_answer(
                session,
                self._notifier,
                case=case,
                kind=answer.kind,
                score=answer.score,
                comment=comment,
                source="webhook",
                source_ref=answer.response_id,
                now=now,
            )
            try:
                session.commit()
            except IntegrityError:  # the same response arrived twice at once: the other one stored it
                session.rollback()
                return repo.response_id(
                    session, case_id=answer.case_id, kind=answer.kind, ref=answer.response_id
                ), True
            return stored.response.id, not stored.created

    def _bad(self, reason: str) -> Response:
        self._count("malformed")
        log.info("survey webhook: %s", reason)
        return _error(400, reason)

    def _count(self, outcome: str) -> None:
        self._metrics.webhook_requests.labels(source="survey", outcome=outcome).inc()


def _error(status: int, reason: str) -> JSONResponse:
    return JSONResponse({"ok": False, "error": reason}, status_code=status)
