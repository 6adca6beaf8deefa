"""The outbox sender: the only code that calls the Slack Web API for posts and updates.

It knows no render kind by name: each row is drawn (or delivered) by what its kind registered in the
`RenderTable` (socialdesk.outbox.renderers), and every call goes through the `ChatApi` protocol
(socialdesk.outbox.transport; Slack's is socialdesk.slack.transport.outbox_api), so this package never imports
slack_sdk. `wake()` sets the event the outbox worker waits on: whoever queues a row can have it sent now
instead of at the next poll.

Guarantees: every queued call is eventually made or kept as `dead` with Slack's reason (never
silently dropped); at most one write per second per channel (Slack's chat.postMessage pacing);
429 answers are honoured with their Retry-After for that channel; 5xx and network errors back off
exponentially. A card post stores the message `ts` on its case; later updates and thread replies
wait for it.
"""

from __future__ import annotations

import contextlib
import logging
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Engine
from sqlmodel import Session, col, select

from socialdesk.clock import Clock, as_utc
from socialdesk.domain.enums import OutboxStatus
from socialdesk.domain.models import Case, OutboxMessage
from socialdesk.failpoints import failpoint
from socialdesk.metrics import Metrics
from socialdesk.outbox.claim import Claim, claims_rows
from socialdesk.outbox.health import Outcome, SlackHealth
from socialdesk.outbox.history import (
    IN_FLIGHT_BATCH,
    find_posted,
    looked_up_by_others,
    mark_in_flight,
    needs_lookup,
    sender_token,
    wants_in_flight,
)
from socialdesk.outbox.marks import SendMarks
from socialdesk.outbox.render import render_call
from socialdesk.outbox.renderers import RenderTable
from socialdesk.outbox.transport import CallError, ChatApi
from socialdesk.outbox.upload import NotReady
from socialdesk.store.db import writer

log = logging.getLogger(__name__)

# Errors that no retry will fix: keep the row as dead with the reason, count it, move on.
PERMANENT_ERRORS = frozenset(
    {
        "channel_not_found",
        "is_archived",
        "invalid_blocks",
        "invalid_blocks_format",
        "msg_too_long",
        "no_text",
        "invalid_arguments",
        "message_not_found",
        "cant_update_message",
        "edit_window_closed",
        "too_many_attachments",
        "restricted_action",
        "invalid_thread_ts",
        "thread_not_found",
        "user_not_in_channel",
    }
)
# Answers that mean the call's goal is already reached: an invitee already in the war room, a message
# already pinned. A retry after a lost answer meets them, and they must count as done, not as errors.
ALREADY_DONE = {
    "conversations.invite": frozenset({"already_in_channel"}),
    "pins.add": frozenset({"already_pinned"}),
}
MAX_ATTEMPTS = 25
MAX_PAGES = 40  # rows read in one pass: 40 pages of `limit`
MAX_BACKOFF_SECONDS = 300
# Sent-marks that may wait are written together (outbox/marks.py): at most this many, this long.
MARKS_MAX_ROWS = IN_FLIGHT_BATCH
MARKS_MAX_HOLD = timedelta(seconds=1)


@dataclass
class SendReport:
    sent: int = 0
    retried: int = 0
    dead: int = 0
    waiting: int = 0
    next_due: datetime | None = None
    errors: list[str] = field(default_factory=list)
    more: bool = False  # pending rows beyond what one pass reads


@dataclass(frozen=True, slots=True)
class _Failure:
    reason: str
    retry_after: float | None  # seconds; None means permanent
    channel_wide: bool = False


def backoff_seconds(attempts: int) -> float:
    return float(min(2 ** max(attempts - 1, 0), MAX_BACKOFF_SECONDS))


class OutboxSender:
    def __init__(
        self,
        *,
        engine: Engine,
        api: ChatApi,
        renderers: RenderTable,
        clock: Clock,
        metrics: Metrics,
        per_channel_interval: float = 1.0,
        health: SlackHealth | None = None,
    ) -> None:
        self._engine = engine
        # Each call's outcome, for /readyz (bot/slack/transport/slack_health.py).
        self.health = health or SlackHealth()
        self._claims = claims_rows(engine)  # PostgreSQL: a row is locked while it is sent (claim.py)
        self._writer = writer(engine)
        self._api = api
        self.renderers = renderers
        self._clock = clock
        self._metrics = metrics
        self._interval = timedelta(seconds=per_channel_interval)
        self._channel_free_at: dict[str, datetime] = {}
        self._lock = threading.Lock()
        self._token = sender_token()  # this instance's in-flight marker (history.py)
        # Set by `wake` when a row is queued; the outbox worker waits on it (bot/workers.py).
        self.woken = threading.Event()

    def wake(self) -> None:
        """Something was queued (and committed): the worker's next pass starts now, not at its next poll."""
        self.woken.set()

    def close(self) -> None:
        """Release the API's kept-alive connections (the runtime's shutdown)."""
        self._api.close()

    def drain(self, *, limit: int = 500, between_sends: Callable[[], None] = lambda: None) -> SendReport:
        """Send what is due now, at most one call per channel per interval; returns when to come back."""
        with self._lock:
            return self._drain(limit, between_sends)

    def pending_count(self) -> int:
        with Session(self._engine) as session:
            rows = session.exec(
                select(OutboxMessage.id).where(OutboxMessage.status == OutboxStatus.PENDING)
            ).all()
        self._metrics.outbox_pending.set(len(rows))
        return len(rows)

    def _due(self, limit: int, after_id: int = 0) -> list[OutboxMessage]:
        with Session(self._engine, expire_on_commit=False) as session:
            stmt = (
                select(OutboxMessage)
                .where(OutboxMessage.status == OutboxStatus.PENDING, col(OutboxMessage.id) > after_id)
                .order_by(col(OutboxMessage.id))
                .limit(limit)
            )
            return list(session.exec(stmt).all())

    def _drain(self, limit: int, between_sends: Callable[[], None]) -> SendReport:
        report = SendReport()
        taken: set[str] = set()  # channels that had their turn, or are blocked, in this pass
        # Per channel, the earliest time its first still-pending row may go; gives `next_due`.
        channel_ready: dict[str, datetime] = {}
        with self._marks() as marks:
            now = self._pass(limit, between_sends, marks, report, taken, channel_ready)
        pending_channels = {key for key in taken if key in channel_ready}
        if report.waiting or report.retried:
            report.next_due = min((channel_ready[k] for k in pending_channels), default=None)
        if report.more and report.sent:
            report.next_due = now  # rows were left unread this pass: come straight back for them
        return report

    def _marks(self) -> SendMarks:
        return SendMarks(
            engine=self._engine,
            writer=self._writer,
            renderers=self.renderers,
            locking=self._claims,
            forget=self._forget,
            max_rows=MARKS_MAX_ROWS,
            max_hold=MARKS_MAX_HOLD,
        )

    def _forget(self) -> None:
        """Posts of this sender may be in Slack without their sent-mark (a failed write, the process going
        down): a new token makes its own in-flight markers read as another's, so each of those rows is
        looked up before it is posted again."""
        self._token = sender_token()

    def _pass(
        self,
        limit: int,
        between_sends: Callable[[], None],
        marks: SendMarks,
        report: SendReport,
        taken: set[str],
        channel_ready: dict[str, datetime],
    ) -> datetime:
        """One pass over the due rows; returns when its last call ended."""
        now = self._clock.now()
        for item, ahead in self._pages(limit, report):
            key = self._channel_key(item.channel)
            due_at = as_utc(item.next_attempt_at)
            if key in taken:
                report.waiting += 1
                continue
            ready_at = max(due_at, self._channel_free_at.get(key, due_at))
            if ready_at > now:
                # Later rows of this channel wait behind this one, so the channel keeps its order.
                taken.add(key)
                channel_ready[key] = ready_at
                report.waiting += 1
                continue
            if marks.waits_on(item):
                marks.flush()  # the card's ts (or the post it points at) is among the waiting marks
            if (item.needs_case_ts and not self._case_has_card(item)) or not self._after_ready(item):
                # The card itself is still queued (or failed for good); thread posts and updates wait
                # for it without holding up the rest of the channel.
                report.waiting += 1
                continue
            between_sends()
            if wants_in_flight(item, self._token):
                # Committed before the call, so a crash mid-call is looked up, never posted again; with
                # the posts due after it in this pass, in one transaction.
                batch = [item, *self._going_next(ahead, key, now, taken)]
                mark_in_flight(self._writer, batch, self._token, skip_locked=self._claims)
                marks.claim_ahead([row for row in batch if row.last_error == self._token], now)
            # Not marked: held or marked by another sender meanwhile (then it is not claimed either).
            unmarked = wants_in_flight(item, self._token)
            claim = None if unmarked else marks.claim(item, now, saves_progress=self.renderers.delivers(item))
            if claim is None:
                # Another sender holds this row or has just sent or failed it: the channel's later
                # rows wait for it, so the channel keeps its order; look again shortly.
                taken.add(key)
                channel_ready[key] = now + max(self._interval, timedelta(seconds=1))
                report.waiting += 1
                continue
            retry_at = self._send_one(item, now, report, claim, marks)
            marks.after_send()
            # Paced from when the call ended, not from the pass's start: a pass that reached this channel
            # late would otherwise make its next call less than an interval after this one (a 429).
            now = self._clock.now()  # the rest of the pass compares with when this call ended
            slot = max(self._channel_free_at.get(key, now), now + self._interval)
            self._channel_free_at[key] = slot
            if retry_at is not None or slot > now:
                # The channel's turn is over: pacing, or a failed row that later rows must not overtake.
                taken.add(key)
                channel_ready[key] = max(slot, retry_at) if retry_at is not None else slot
            if marks.due(now):
                marks.flush()
        return now

    def _pages(self, limit: int, report: SendReport) -> Iterator[tuple[OutboxMessage, list[OutboxMessage]]]:
        """Pending rows in id order, page after page, so one blocked channel's backlog (a 429, a
        flood) cannot hide other channels' rows behind a full first page. At most MAX_PAGES a pass.
        Each row comes with the rest of its page (the rows that may go after it in this pass)."""
        after = 0
        for _ in range(MAX_PAGES):
            rows = self._due(limit, after)
            for index, row in enumerate(rows):
                yield row, rows[index + 1 : index + IN_FLIGHT_BATCH * 4]
            if len(rows) < limit or rows[-1].id is None:
                return
            after = rows[-1].id
        report.more = True

    def _going_next(
        self, ahead: list[OutboxMessage], key: str, now: datetime, taken: set[str]
    ) -> list[OutboxMessage]:
        """Of the rows after one about to be posted, the top-level posts likely to go in this same pass
        (due, their channel not blocked; one per channel while pacing allows one call per pass), to be
        marked in flight with it. A guess: a row marked that does not go keeps the marker, which costs a
        lookup only if this sender dies before sending it."""
        chosen: list[OutboxMessage] = []
        used = {key}
        for row in ahead:
            if len(chosen) >= IN_FLIGHT_BATCH - 1:
                break
            if not wants_in_flight(row, self._token) or row.needs_case_ts or row.payload.get("after"):
                continue  # thread replies and updates: never looked up, so never marked ahead
            row_key = self._channel_key(row.channel)
            free_at = self._channel_free_at.get(row_key, now)
            if as_utc(row.next_attempt_at) > now or free_at > now or row_key in taken:
                continue
            if self._interval and row_key in used:
                continue
            used.add(row_key)
            chosen.append(row)
        return chosen

    def _channel_key(self, channel: str) -> str:
        """Pacing is per real channel, whether a row names it by id or by #name."""
        try:
            return self._api.resolve(channel)
        except CallError:
            return channel  # the send will meet the same error and classify it

    def _case_has_card(self, item: OutboxMessage) -> bool:
        with Session(self._engine) as session:
            case = session.get(Case, item.case_id) if item.case_id is not None else None
            return case is not None and case.slack_ts is not None

    def _after_ready(self, item: OutboxMessage) -> bool:
        """A row that needs another post's ts (`payload["after"]`: its dedupe key) waits until that post
        is sent; if it died, the row goes ahead and fails for good at render (nothing to point at). A kind
        that delivers itself (an upload) waits for its post on its own."""
        after = item.payload.get("after")
        if not after or self.renderers.delivers(item):
            return True
        with Session(self._engine) as session:
            status = session.exec(
                select(OutboxMessage.status).where(OutboxMessage.dedupe_key == str(after))
            ).first()
        return status is not None and status is not OutboxStatus.PENDING

    def _send_one(
        self, item: OutboxMessage, now: datetime, report: SendReport, claim: Claim, marks: SendMarks
    ) -> datetime | None:
        """Make the call; returns when to try again if it failed and should be retried."""
        try:
            data, channel_id, findable = self._call(item, now, claim)
        except CallError as exc:
            self.health.record(_outcome(exc), now)
            if exc.error in ALREADY_DONE.get(item.method, frozenset()):
                marks.sent(item, None, item.channel, now, can_wait=False)
                report.sent += 1
                return None
            failure = self._classify_slack_error(item, exc)
        except LookupError as exc:  # the case or mention behind the item is gone, or its kind is unknown
            failure = _Failure(reason=f"render: {exc}", retry_after=None)
        except (OSError, TimeoutError) as exc:  # connection refused/reset, DNS, socket timeouts
            if not isinstance(exc, NotReady):  # NotReady: our own upload is not ready, Slack is fine
                self.health.record(Outcome.NETWORK, now)
            failure = _Failure(
                reason=f"network: {type(exc).__name__}", retry_after=backoff_seconds(item.attempts + 1)
            )
        else:
            self.health.record(Outcome.OK, now)
            ts = data.get("ts")
            # Its mark may wait for the batch only if losing it would make the next sender look first.
            can_wait = findable and looked_up_by_others(item.attempts, item.last_error)
            marks.sent(item, ts, data.get("channel") or channel_id, now, can_wait=can_wait)
            report.sent += 1
            self._metrics.outbox_sent.labels(method=item.method).inc()
            return None
        return self._mark_failed(item, failure, now, report, marks)

    def _render(self, item: OutboxMessage, now: datetime, claim: Claim) -> dict[str, Any]:
        """The call's arguments, drawn once per send: in the claim's transaction where one holds the row
        (PostgreSQL), so the send reads and writes in one transaction."""
        if claim.session is not None:
            return render_call(self.renderers, claim.session, item, now=now)
        with Session(self._engine) as session:
            return render_call(self.renderers, session, item, now=now)

    def _call(self, item: OutboxMessage, now: datetime, claim: Claim) -> tuple[dict[str, Any], str, bool]:
        """Draw the row through its kind and make the call: Slack's answer, the channel id, and whether
        the message can be found by its outbox id (a top-level post: `_posted_before`)."""
        kind = item.payload.get("render")
        deliver = self.renderers.lookup(str(kind)).deliver if kind is not None else None
        if deliver is not None:
            data, channel_id = deliver.send(item, now)  # its own calls, resumable (an upload: upload.py)
            return data, channel_id, False
        call = self._render(item, now, claim)
        channel_id = self._api.resolve(call.pop("channel"))
        findable = _findable(item, call)
        found = self._posted_before(item, call, channel_id) if findable else None
        if found is not None:
            return {"ts": found, "channel": channel_id, "recovered": True}, channel_id, True
        failpoint("outbox.before_slack_call")
        data = self._api.call(item.method, {**call, "channel": channel_id})
        failpoint("outbox.after_slack_call")  # Slack has it; our record does not
        return data, channel_id, findable

    def _posted_before(self, item: OutboxMessage, call: dict[str, Any], channel_id: str) -> str | None:
        """The ts of this row's message if an earlier attempt did post it (Slack took the post, then the
        answer was lost to a timeout, a reset or a 5xx): found by the outbox id in its metadata, so a
        retry never posts a second card. Top-level posts only (`_findable`)."""
        marker = {"event_type": "socialdesk_outbox", "event_payload": {"outbox_id": item.id}}
        call.setdefault("metadata", marker)
        if not needs_lookup(item.attempts, item.last_error, self._token):
            return None
        oldest = as_utc(item.created_at).timestamp() - 60
        try:
            return find_posted(self._api, channel_id, outbox_id=item.id, oldest=oldest)
        except CallError:
            return None  # cannot look: posting again is the lesser harm than never posting

    def _classify_slack_error(self, item: OutboxMessage, exc: CallError) -> _Failure:
        status = exc.status
        error = exc.error
        self._metrics.slack_errors.labels(method=item.method, error=error).inc()
        if status == 429 or error == "ratelimited":
            retry_after = _retry_after(exc.headers)
            return _Failure(reason="ratelimited", retry_after=retry_after, channel_wide=True)
        if status >= 500:
            return _Failure(reason=f"http_{status}", retry_after=backoff_seconds(item.attempts + 1))
        if error == "not_in_channel":
            # A private channel refuses the join: someone has to /invite the bot; keep retrying slowly.
            with contextlib.suppress(CallError):
                self._api.join(self._api.resolve(item.channel))
            return _Failure(reason=error, retry_after=backoff_seconds(item.attempts + 1))
        if error == "channel_not_found":
            self._api.forget(item.channel)
        if error in PERMANENT_ERRORS:
            return _Failure(reason=error, retry_after=None)
        # invalid_auth, token_revoked, internal_error...: fixable by an operator; keep the message.
        return _Failure(reason=error, retry_after=backoff_seconds(item.attempts + 1))

    def _mark_failed(
        self, item: OutboxMessage, failure: _Failure, now: datetime, report: SendReport, marks: SendMarks
    ) -> datetime | None:
        with marks.writing() as session:
            row = session.get(OutboxMessage, item.id)
            assert row is not None
            row.attempts += 1
            row.last_error = failure.reason
            retry_at: datetime | None = None
            if failure.retry_after is None or row.attempts >= MAX_ATTEMPTS:
                row.status = OutboxStatus.DEAD
                report.dead += 1
                self._metrics.outbox_dead.labels(error=failure.reason).inc()
                log.error("slack call %s %s given up: %s", row.id, row.method, failure.reason)
            else:
                retry_at = now + timedelta(seconds=failure.retry_after)
                row.next_attempt_at = retry_at
                report.retried += 1
                self._metrics.outbox_retries.labels(reason=failure.reason.split(":")[0]).inc()
                if failure.channel_wide:
                    self._channel_free_at[self._channel_key(item.channel)] = retry_at
            report.errors.append(failure.reason)
            session.add(row)
        return retry_at


def _findable(item: OutboxMessage, call: dict[str, Any]) -> bool:
    """A top-level post: found again by the outbox id in its metadata (history does not list replies)."""
    return item.method == "chat.postMessage" and "thread_ts" not in call


def _outcome(exc: CallError) -> Outcome:
    """For Slack's health: an error Slack answered (channel_not_found...) means Slack is up."""
    if exc.status == 429 or exc.error == "ratelimited":
        return Outcome.RATELIMITED
    return Outcome.SERVER_ERROR if exc.status >= 500 else Outcome.OK


def _retry_after(headers: Any) -> float:
    raw: Any = None
    for key, value in (headers or {}).items():
        if key.lower() == "retry-after":
            raw = value[0] if isinstance(value, list) else value
    try:
        return max(float(raw), 1.0) if raw is not None else 30.0
    except (TypeError, ValueError):
        return 30.0
