"""The crisis early warning: a leader-only scan, every minute, that tells the duty channel when negative
posts about a playbook's topic spike, or when an author with a large following posts a severe
complaint, and suggests the playbook to start.

Cost. The counting (bot/ingest/spike.py) keeps closed hours in memory per topic: each scan reads only
the open hour and the window, with the six columns it needs; a restart (or a new playbook) reads the
baseline hours once, and each hour that closes is read once more.

One alert per episode. The state of a playbook's latest episode lives with its notice (`detail`): when
it was alerted, since when the rate has been calm, whether the episode is closed. A scan that changes
it (an alert, calm, spiking again, closed) reads it again in a writer transaction first, so replicas
and a new leader agree. The notice key counts the playbook's episodes (`crisis-warning:<playbook>:<n>`):
two replicas that see the same last episode race for the same key and one loses, whatever instant
each scans at (a key holding the scan time would let both win).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterator
from dataclasses import asdict, dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Engine, or_, select
from sqlmodel import Session

from socialdesk.clock import Clock, as_utc
from socialdesk.config import Config
from socialdesk.crisis.spike import (
    HOUR,
    HourCounts,
    Move,
    NegativePost,
    TopicReading,
    floor_hour,
    next_move,
    read_topic,
    window_of,
)
from socialdesk.crisis.warning_records import (
    CASE_TABLE,
    MENTION_TABLE,
    WARNING_KIND,
    C,
    M,
    active_playbooks,
    claimed_keys,
    episode_open,
    latest_episode,
    warning_posts,
)
from socialdesk.domain.enums import Priority
from socialdesk.domain.playbooks.matching import topic_keyword, watches
from socialdesk.domain.playbooks.schema import Playbook
from socialdesk.outbox.queue import enqueue
from socialdesk.slack.blocks.card_text import SlackMessage
from socialdesk.slack.blocks.crisis_warning_view import (
    MAX_SAMPLES,
    PlatformCount,
    ReachWarning,
    SpikeWarning,
    SuggestedPlaybook,
    WarningPost,
    render_reach_warning,
    render_spike_warning,
)
from socialdesk.store.db import session_scope, writer
from socialdesk.store.notices_repo import claim_notice

log = logging.getLogger(__name__)

REACH_KIND = "crisis_reach"
SEVERE_SENTIMENT = -0.5  # a high-reach post this negative (or on a P1 case) warns on its own
# An hour is counted (and cached) only this long after it ends: a mention stamped 10:59:59.9 may commit
# a moment after 11:00, and a cached hour is never read again.
CLOSE_GRACE = timedelta(minutes=2)

# A mention without a case yet, or whose case is not from history (bot/ingest/history.py).
_NOT_HISTORY = or_(C.id.is_(None), C.historical.is_(False))


@dataclass
class WarningReport:
    playbooks: int = 0
    skipped_active: int = 0  # playbooks whose crisis is running: no warnings
    spiking: list[str] = field(default_factory=list)  # playbooks over the threshold now
    warnings: int = 0  # spike warnings queued by this scan
    reach_warnings: int = 0
    episodes_closed: int = 0
    rows_read: int = 0  # mention rows read (open hour and window, cold hours, high reach)
    hours_loaded: int = 0  # closed hours counted from the database (cache misses)
    seconds: float = 0.0

    def as_dict(self) -> dict[str, object]:
        return asdict(self)


class EarlyWarning:
    def __init__(
        self,
        engine: Engine,
        config: Config,
        playbooks: Callable[[], dict[str, Playbook]],
        clock: Clock,
    ) -> None:
        self._engine = engine
        self._writer = writer(engine)
        self._config = config
        self._playbooks = playbooks
        self._clock = clock
        self._hours = HourCounts()

    def scan(self) -> WarningReport:
        started = time.monotonic()
        now = self._clock.now()
        report = WarningReport()
        books = [book for _, book in sorted(self._playbooks().items())]
        report.playbooks = len(books)
        with Session(self._engine) as session:
            active = active_playbooks(session)
        watching = [book for book in books if book.id not in active]
        report.skipped_active = len(books) - len(watching)
        if watching:
            self._spikes(watching, now, report)
        with Session(self._engine) as session:
            spiking = {book.id for book in books if episode_open(session, book.id)}
        # A big author's post on a topic whose spike was just reported adds a second page about the
        # same thing; the spike warning (and its crisis, if started) already covers it.
        self._reach(books, active | spiking, now, report)
        report.seconds = round(time.monotonic() - started, 4)
        if report.warnings or report.reach_warnings or report.episodes_closed:
            log.info("crisis early warning: %s", report.as_dict())
        return report

    # --- spikes ---------------------------------------------------------------------------------

    def _spikes(self, books: list[Playbook], now: datetime, report: WarningReport) -> None:
        closed_until = floor_hour(now - CLOSE_GRACE)
        detections = [book.detection for book in books]
        wanted = self._hours.missing(detections, closed_until)
        if wanted:  # a restart, a new playbook, or the hour that just closed
            sentiment = max(topic[1] for topics in wanted.values() for topic in topics)
            cold = list(self._negative(min(wanted), max(wanted) + HOUR, sentiment))
            self._hours.fill(wanted, cold)
            report.rows_read += len(cold)
            report.hours_loaded += len(wanted)
        widest = max(window_of(d) for d in detections)
        sentiment = max(d.sentiment_at_most for d in detections)
        recent = list(self._negative(min(closed_until, now - widest), now, sentiment))
        report.rows_read += len(recent)
        with Session(self._engine) as session:
            episodes = {book.id: latest_episode(session, book.id) for book in books}
        for book in books:
            reading = read_topic(
                book.detection,
                recent,
                closed=self._hours.baseline(book.detection, closed_until),
                closed_until=closed_until,
                now=now,
            )
            if reading.spiking:
                report.spiking.append(book.id)
            latest = episodes[book.id]
            move = next_move(
                latest[1] if latest else None,
                spiking=reading.spiking,
                now=now,
                window=window_of(book.detection),
            )
            if move is not Move.NOTHING:  # most scans write nothing at all
                self._settle(book, reading, now, report)
        self._hours.prune(detections, closed_until)

    def _settle(self, book: Playbook, reading: TopicReading, now: datetime, report: WarningReport) -> None:
        """Reads the episode again under the write lock and moves it on; an alert claims its notice
        and queues its message in the same transaction."""
        with session_scope(self._writer) as session:
            if book.id in active_playbooks(session):
                return  # started since the read: the war room has it
            latest = latest_episode(session, book.id)
            notice, episode = latest if latest else (None, None)
            window = window_of(book.detection)
            move = next_move(episode, spiking=reading.spiking, now=now, window=window)
            if move is Move.ALERT:
                number = 1 if episode is None else episode.number + 1
                key = f"crisis-warning:{book.id}:{number}"
                detail = _alert_detail(book, reading, number, now)
                if claim_notice(session, key, WARNING_KIND, now, detail=detail):
                    view = self._spike_view(session, book, reading, key)
                    self._post(session, key, render_spike_warning(view, leads=self._config.duty_leads), now)
                    report.warnings += 1
            elif notice is not None and move is not Move.NOTHING:
                detail = dict(notice.detail)
                if move is Move.CALM:
                    detail["calm_since"] = now.isoformat()
                elif move is Move.RESUMED:
                    detail["calm_since"] = None
                else:
                    detail.update(closed=True, closed_at=now.isoformat())
                    report.episodes_closed += 1
                notice.detail = detail  # a new dict: JSON columns track assignment, not mutation
                session.add(notice)

    def _spike_view(self, session: Session, book: Playbook, reading: TopicReading, key: str) -> SpikeWarning:
        # High reach first, then the most negative, then the newest: the posts most likely to matter.
        ranked = sorted(reading.window, key=lambda p: (-(p.followers or 0), p.sentiment, -p.id))
        found = dict(warning_posts(session, [p.id for p in ranked[:MAX_SAMPLES]]))
        overall = reading.overall
        return SpikeWarning(
            playbook=_suggested(book),
            keyword=reading.keyword,
            window_minutes=book.detection.window_minutes,
            current=overall.current,
            expected=overall.expected,
            factor=overall.factor,
            platforms=tuple(
                PlatformCount(platform, r.current, r.expected, r.spike)
                for platform, r in reading.platforms.items()
                if r.current > 0
            ),
            samples=tuple(found[p.id] for p in ranked[:MAX_SAMPLES] if p.id in found),
            notice_key=key,
        )

    # --- high reach -----------------------------------------------------------------------------

    def _reach(self, books: list[Playbook], active: set[str], now: datetime, report: WarningReport) -> None:
        """One warning per severe post from a big author on a playbook's topic, under the first
        playbook (by id) whose rule it meets; none while that playbook's crisis runs."""
        rules = [book for book in books if book.detection.high_reach_followers > 0]
        if not rules:
            return
        since = now - max(window_of(book.detection) for book in rules)
        least = min(book.detection.high_reach_followers for book in rules)
        severe = (M.sentiment_score <= SEVERE_SENTIMENT) | (C.priority == Priority.P1)
        with Session(self._engine) as session:
            found = (
                session.connection()
                .execute(
                    select(M.id, M.received_at)
                    .select_from(MENTION_TABLE.outerjoin(CASE_TABLE, C.id == M.case_id))
                    .where(
                        M.received_at >= since,
                        M.received_at < now,
                        M.author_followers >= least,
                        severe,
                        _NOT_HISTORY,
                    )
                )
                .all()
            )
            report.rows_read += len(found)
            received = {mid: as_utc(at) for mid, at in found}
            taken = claimed_keys(session, [f"crisis-reach:{mid}" for mid in received])
            posts = [
                (mid, post)
                for mid, post in warning_posts(session, sorted(received))
                if f"crisis-reach:{mid}" not in taken
            ]
        for mid, post in posts:
            owner = _reach_owner(rules, post, received[mid], now)
            if owner is None or owner[0].id in active:
                continue
            book, keyword = owner
            key = f"crisis-reach:{mid}"
            with session_scope(self._writer) as session:
                detail = {"playbook_id": book.id, "mention_id": mid, "followers": post.followers}
                if claim_notice(session, key, REACH_KIND, now, case_id=post.case_id, detail=detail):
                    view = ReachWarning(playbook=_suggested(book), keyword=keyword, post=post, notice_key=key)
                    self._post(session, key, render_reach_warning(view, leads=self._config.duty_leads), now)
                    report.reach_warnings += 1

    # --- reading and sending --------------------------------------------------------------------

    def _negative(self, start: datetime, end: datetime, sentiment: float) -> Iterator[NegativePost]:
        """Mentions received in [start, end) at or under `sentiment`: only the columns counting needs.
        Posts of cases opened from history are not counted: an import of last month is no spike."""
        with Session(self._engine) as session:
            result = session.connection().execute(
                select(M.id, M.received_at, M.platform, M.sentiment_score, M.text_masked, M.author_followers)
                .select_from(MENTION_TABLE.outerjoin(CASE_TABLE, C.id == M.case_id))
                .where(
                    M.received_at >= start,
                    M.received_at < end,
                    M.sentiment_score <= sentiment,
                    _NOT_HISTORY,
                )
            )
            for mid, at, platform, score, text, followers in result:
                yield NegativePost(mid, as_utc(at), platform, score, text, followers)

    def _post(self, session: Session, key: str, message: SlackMessage, now: datetime) -> None:
        # No "render" key: the outbox sends the payload as it is (bot/outbox/render.py).
        payload: dict[str, Any] = {"text": message.text, "blocks": message.blocks, "unfurl_links": False}
        enqueue(
            session,
            dedupe_key=key,
            method="chat.postMessage",
            channel=self._config.duty_channel,
            payload=payload,
            now=now,
        )


def _reach_owner(
    rules: list[Playbook], post: WarningPost, received: datetime, now: datetime
) -> tuple[Playbook, str] | None:
    """The first playbook (by id) whose reach rule the post meets, and the keyword it matched."""
    for book in rules:
        detection = book.detection
        if (
            watches(detection, post.platform)
            and (post.followers or 0) >= detection.high_reach_followers
            and received >= now - window_of(detection)
        ):
            keyword = topic_keyword(detection, post.text)
            if keyword is not None:
                return book, keyword
    return None


def _suggested(book: Playbook) -> SuggestedPlaybook:
    return SuggestedPlaybook(
        playbook_id=book.id,
        title=book.title,
        severity=book.default_severity,
        severity_label=book.severity(None).label,
    )


def _alert_detail(book: Playbook, reading: TopicReading, number: int, now: datetime) -> dict[str, Any]:
    """The numbers, and the episode state that later scans (on any replica) move on."""
    overall = reading.overall
    return {
        "playbook_id": book.id,
        "episode": number,
        "episode_start": now.isoformat(),
        "calm_since": None,
        "closed": False,
        "keyword": reading.keyword,
        "current": overall.current,
        "expected": round(overall.expected, 3),
        "threshold": round(overall.threshold, 3),
        "factor": round(overall.factor, 2),
        "platforms": {
            platform.value: {"current": r.current, "expected": round(r.expected, 3), "spike": r.spike}
            for platform, r in reading.platforms.items()
        },
    }
