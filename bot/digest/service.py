"""Sending the digest exactly once: the scheduled run (`send_if_due`, every minute on the leader) and
`socialdesk digest send`.

Each digest is recorded under a Notice key (`digest:daily:2026-11-24`, `digest:weekly:2026-W48`) in
the same transaction that queues its message and its chart in the outbox (`socialdesk.store.notices_repo`):
a second replica, a retry, a restart or an overlapping run finds the key taken and sends nothing.
Which period is due, and for how long a missed one is still worth sending, is `socialdesk.periodic`'s rule.
A due period is sent only if socialdesk existed during it (`socialdesk.store.install_repo`): the first run of
the scheduled job records when socialdesk first ran, so a first start on an empty database sends no
digest or weekly review for the days before; a period with cases of its own (history imported before
the first start) is still sent.

The chart is a second outbox row (`RENDER_DIGEST_CHART`) behind the post in the same channel: the
outbox sends it once the post has its ts, into the post's thread (`socialdesk.outbox.upload`), and then
marks both Notices sent. A digest whose Notice is claimed but not sent is still on its way, or its
chart failed (the outbox row says why).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import Engine
from sqlmodel import Session

from socialdesk.clock import Clock
from socialdesk.config import Config
from socialdesk.digest.build import DigestBuilder, daily_key, weekly_key
from socialdesk.domain.digest import Digest
from socialdesk.domain.metrics import local_days
from socialdesk.failpoints import failpoint
from socialdesk.outbox.queue import RENDER_DIGEST_CHART, enqueue
from socialdesk.periodic import PeriodKey, due_periods
from socialdesk.slack.blocks.digest_chart import chart_to_json
from socialdesk.slack.blocks.digest_view import render_digest
from socialdesk.store.db import session_scope, writer
from socialdesk.store.install_repo import has_cases_in, record_first_run
from socialdesk.store.notices_repo import claim_notice, is_claimed

log = logging.getLogger(__name__)

NOTICE_KIND = "digest"
CHART_KIND = "digest-chart"


class PeriodNotOver(ValueError):
    """A digest covers finished local days; today's figures would change after it went out."""


@dataclass(frozen=True, slots=True)
class Queued:
    """What `send` did: the Notice key, and whether this call queued it (False: it was sent before)."""

    key: str
    queued: bool


def chart_key(notice_key: str) -> str:
    """``digest:daily:2026-11-24`` -> ``digest-chart:daily:2026-11-24``."""
    return f"{CHART_KIND}:{notice_key.removeprefix(NOTICE_KIND + ':')}"


class DigestService:
    def __init__(
        self,
        *,
        engine: Engine,
        config: Config,
        clock: Clock,
        builder: DigestBuilder | None = None,
        on_queued: Callable[[], None] = lambda: None,
    ) -> None:
        self._engine = engine
        self._writer = writer(engine)
        self._config = config
        self._clock = clock
        self._builder = builder or DigestBuilder(engine=engine, config=config)
        self._on_queued = on_queued  # e.g. wake the outbox, so the digest does not wait for its next pass
        self._first_run: datetime | None = None  # read (or recorded) once, by the first scheduled run

    @property
    def channel(self) -> str:
        return self._config.digest.channel or self._config.managers_channel

    def send_if_due(self, now: datetime | None = None) -> bool:
        """Queue the digest(s) due now, if not sent yet: the daily digest of yesterday from
        `digest.time` local, and on `digest.weekly_day` also the weekly review, each for
        `digest.catch_up_hours` after its time, and only for a period socialdesk existed in
        (`existed`). Idempotent; True only if this call queued something."""
        now = now or self._clock.now()
        digest = self._config.digest
        if self._first_run is None:
            # The first run on this database is the install record: nothing before it is caught up.
            self._first_run = record_first_run(self._engine, now)
        due = due_periods(
            now,
            at=digest.time,
            tz=self._config.timezone,
            weekly_day=digest.weekly_day,
            catch_up=timedelta(hours=digest.catch_up_hours),
        )
        queued = False
        for key in due:
            try:
                if not self.existed(key):
                    continue
                queued |= self._queue(key, f"{NOTICE_KIND}:{key.key}", now)
            except Exception:
                # One failed period must not hold up the other; the next tick tries again.
                log.exception("digest %s could not be built or queued", key.key)
        return queued

    def existed(self, key: PeriodKey) -> bool:
        """Whether the period is one socialdesk existed in: it first ran before the period ended, or
        the database holds cases opened in the period. The scheduled run sends nothing else (a first
        start on an empty database has no yesterday); `send` (the command) asks no such question."""
        period = local_days(key.first_day, key.last_day, self._config.timezone)
        if self._first_run is not None and self._first_run < period.end:
            return True
        with Session(self._engine) as session:
            return has_cases_in(session, period.start, period.end)

    def period_key(self, day: date, *, weekly: bool = False) -> PeriodKey:
        """The daily period of local ``day``, or the weekly one of the 7 days ending on it."""
        return weekly_key(day, self._config) if weekly else daily_key(day, self._config)

    def yesterday(self, now: datetime | None = None) -> date:
        now = now or self._clock.now()
        return now.astimezone(ZoneInfo(self._config.timezone)).date() - timedelta(days=1)

    def send(
        self, day: date, *, weekly: bool = False, force: bool = False, now: datetime | None = None
    ) -> Queued:
        """`socialdesk digest send`: queue the digest of ``day`` now, once (the same Notice key as the
        scheduled run, so a digest already sent is not sent again) unless ``force``."""
        now = now or self._clock.now()
        key = self.period_key(day, weekly=weekly)
        self.check_over(key, now)
        notice = f"{NOTICE_KIND}:{key.key}"
        if force:
            # Its own key: a forced resend is recorded too, and still goes out once per call.
            notice = f"{notice}:forced:{now.isoformat(timespec='seconds')}"
        return Queued(notice, self._queue(key, notice, now))

    def build(self, key: PeriodKey, *, now: datetime | None = None) -> Digest:
        now = now or self._clock.now()
        self.check_over(key, now)
        return self._builder.build(key, now=now)

    def check_over(self, key: PeriodKey, now: datetime) -> None:
        if local_days(key.first_day, key.last_day, self._config.timezone).end > now:
            raise PeriodNotOver(
                f"{key.last_day:%a %d %b %Y} has not ended yet in {self._config.timezone}; "
                "a digest covers finished days"
            )

    def _queue(self, key: PeriodKey, notice: str, now: datetime) -> bool:
        with Session(self._engine) as session:
            if is_claimed(session, notice):  # cheap, before a build that reads the whole period
                return False
        digest = self._builder.build(key, now=now)
        message = render_digest(digest)
        chart_notice = chart_key(notice)
        with session_scope(self._writer) as session:
            if not claim_notice(session, notice, NOTICE_KIND, now, detail={"period": key.key}):
                return False  # another replica or run got there while this one was building
            claim_notice(session, chart_notice, CHART_KIND, now, detail={"post": notice})
            enqueue(
                session,
                dedupe_key=notice,
                method="chat.postMessage",
                channel=self.channel,
                payload={
                    "text": message.text,
                    "blocks": message.blocks,
                    "unfurl_links": False,
                    "unfurl_media": False,
                },
                now=now,
            )
            # Queued behind the post in the same channel, so the outbox sends it after the post has its ts.
            enqueue(
                session,
                dedupe_key=chart_notice,
                method="files.completeUploadExternal",
                channel=self.channel,
                payload={
                    "render": RENDER_DIGEST_CHART,
                    "after": notice,
                    "notices": [chart_notice, notice],
                    "filename": f"digest-{key.key.replace(':', '-')}.png",
                    "title": f"{digest.chart.title}; first-response SLA over {len(digest.chart.sla)} days",
                    "chart": chart_to_json(digest.chart),
                },
                now=now,
            )
        failpoint("notice.after_claim")  # claimed and queued, committed; the outbox has not sent it
        log.info("digest %s queued for %s", notice, self.channel)
        self._on_queued()
        return True
