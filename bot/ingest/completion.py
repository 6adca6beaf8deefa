"""Mentions a source could not complete at ingest, completed later: the case updated, never a second card.

A source that fetches part of a mention in its `complete` hook, which ingest calls after `normalize`
(Meta: an Instagram @mention arrives as ids, its author and text are read from the Graph API), may fail
to fetch it. It then still gives the mention, so the case opens and nothing waits on a platform that is
down, with `extra["pending"]` saying what is missing; its text says so on the card.

This job reads those mentions' stored bodies again through the same source (normalized, then completed:
it fetches again) every `RETRY_EVERY` for `GIVE_UP_AFTER`. When a reading comes back complete, the
stored mention takes its author, text and link, the case takes the author if it was the unknown one,
and the card is redrawn: the same case, the same card. Leader-only (one replica fetches); a crash
between the fetch and the commit only means fetching again next time.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Final

from sqlalchemy import String, cast
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from socialdesk.domain.models import Case, InboxItem, Mention
from socialdesk.domain.notify import CaseNotifier
from socialdesk.domain.redact import Masking, mask
from socialdesk.ingest.by_source import InboxReader, SourceUnavailable
from socialdesk.plugins.mentions import MalformedPayload, NormalizedMention
from socialdesk.plugins.payloads import BrandAccounts
from socialdesk.store import events_repo

log = logging.getLogger(__name__)

PENDING: Final = "pending"  # the extra key a source sets on a mention it could not complete
TRIED: Final = "pending_tried_at"  # when socialdesk last read it again (ISO), so retries are spaced
RETRY_EVERY: Final = timedelta(minutes=2)
GIVE_UP_AFTER: Final = timedelta(hours=24)  # then the card keeps saying what is missing
BATCH: Final = 50


class MentionCompletion:
    def __init__(
        self,
        *,
        engine: Engine,
        writer: Engine,
        reader: Callable[[], InboxReader | None],
        brand: BrandAccounts,
        notifier: CaseNotifier,
        masking: Masking,
        now: Callable[[], datetime],
    ) -> None:
        self._engine = engine
        self._writer = writer
        self._reader = reader
        self._brand = brand
        self._notifier = notifier
        self._masking = masking
        self._now = now

    def run(self) -> int:
        """Try each pending mention that is due; returns how many were completed."""
        now = self._now()
        completed = 0
        for mention_id in self._due(now):
            try:
                completed += self._try(mention_id, now)
            except Exception:  # one mention's trouble must not stop the others; tried again next run
                log.exception("completing mention %s failed", mention_id)
        return completed

    def _due(self, now: datetime) -> list[int]:
        with Session(self._engine) as session:
            rows = session.exec(
                select(Mention)
                .where(Mention.received_at >= now - GIVE_UP_AFTER)
                .where(cast(Mention.extra, String).contains(f'"{PENDING}"'))
                .order_by(col(Mention.id))
                .limit(BATCH * 4)
            ).all()
        due = [m.id for m in rows if PENDING in m.extra and _tried_before(m, now - RETRY_EVERY)]
        return [i for i in due if i is not None][:BATCH]

    def _reread(self, mention: Mention, now: datetime) -> NormalizedMention | None:
        reader = self._reader()
        if reader is None or mention.inbox_id is None:
            return None
        with Session(self._engine) as session:
            item = session.get(InboxItem, mention.inbox_id)
            if item is None:
                return None
            source, body = item.source, item.body
        try:
            result = reader.ingest(source, body.encode("utf-8"), self._brand, now=now)
        except (SourceUnavailable, MalformedPayload) as exc:
            log.info("mention %s cannot be read again: %s", mention.id, exc)
            return None
        same = [m for m in result.mentions if m.external_id == mention.external_id]
        return same[0] if same else None

    def _try(self, mention_id: int, now: datetime) -> int:
        with Session(self._engine) as session:
            mention = session.get(Mention, mention_id)
        if mention is None or PENDING not in mention.extra:
            return 0
        fresh = self._reread(mention, now)  # the fetch, outside any transaction
        with Session(self._writer, expire_on_commit=False) as session:
            stored = session.get(Mention, mention_id)
            if stored is None or PENDING not in stored.extra:
                return 0
            if fresh is None or PENDING in fresh.extra:
                extra = dict(stored.extra)
                extra[TRIED] = now.isoformat()
                if fresh is not None:
                    extra[PENDING] = fresh.extra[PENDING]  # the latest reason, for the card
                stored.extra = extra
                session.add(stored)
                session.commit()
                return 0
            case = session.get(Case, stored.case_id) if stored.case_id is not None else None
            self._apply(session, stored, fresh, case, now)
            session.commit()
        return 1

    def _apply(
        self, session: Session, stored: Mention, fresh: NormalizedMention, case: Case | None, now: datetime
    ) -> None:
        old_author = stored.author_id
        stored.author_id = fresh.author.id
        stored.author_handle = fresh.author.handle
        stored.author_name = fresh.author.name
        stored.author_url = fresh.author.url
        stored.author_followers = fresh.author.followers
        stored.author_verified = fresh.author.verified
        stored.text_raw = fresh.text
        stored.text_masked = mask(fresh.text, self._masking).text
        stored.url = fresh.url
        stored.extra = dict(fresh.extra)
        session.add(stored)
        if case is None or case.id is None:
            return
        if case.author_id == old_author:  # the case was opened by this mention: its author is the customer
            case.author_id = fresh.author.id
            case.author_handle = fresh.author.handle
            case.author_name = fresh.author.name
        case.version += 1
        session.add(case)
        session.flush()
        events_repo.record(
            session, case_id=case.id, actor=events_repo.SYSTEM, kind="completed", at=now, mention_id=stored.id
        )
        self._notifier.case_changed(session, case, now=now)


def _tried_before(mention: Mention, when: datetime) -> bool:
    tried = mention.extra.get(TRIED)
    if not isinstance(tried, str):
        return True
    try:
        return datetime.fromisoformat(tried) <= when
    except ValueError:
        return True
