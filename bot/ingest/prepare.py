"""Preparing an inbox row, before any lock is taken: read by its source (parsed, completed), each mention
masked and triaged (sentiment, category): the CPU-heavy part of ingest. The write transaction
(bot/ingest/batch.py) then only decides and writes."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from socialdesk.clock import Clock
from socialdesk.config import Config
from socialdesk.domain.models import Mention
from socialdesk.domain.ratings import valid_rating
from socialdesk.domain.redact import mask
from socialdesk.ingest.by_source import InboxReader, SourceUnavailable
from socialdesk.ingest.inbox_rows import InboxRow
from socialdesk.plugins.mentions import DeliveryFailure, MalformedPayload, NormalizedMention
from socialdesk.plugins.payloads import BrandAccounts
from socialdesk.triage.path import Assessment, Triage

# A review's details as stored: a few (label, value) pairs, cut to size (the card cuts again to fit).
MAX_DETAILS = 6
MAX_DETAIL_LABEL = 40
MAX_DETAIL_VALUE = 300


@dataclass(frozen=True, slots=True)
class Prepared:
    now: datetime
    mentions: list[tuple[NormalizedMention, Mention, Assessment]]
    skipped: list[str]
    malformed: str | None = None
    failures: list[DeliveryFailure] = field(default_factory=list)  # replies the platform did not deliver


class RowPreparer:
    def __init__(self, *, config: Config, clock: Clock, triage: Triage, brand: BrandAccounts) -> None:
        self._config = config
        self._clock = clock
        self._triage = triage
        self._brand = brand
        # Set by the composition root (through IngestPipeline.sources): inbox rows are read by their
        # source's plugin (bot/ingest/by_source.py). Unset, no row can be read: each keeps its body and fails.
        self.sources: InboxReader | None = None

    def prepare(self, row: InboxRow) -> Prepared:
        """The CPU-heavy part (parse, complete, mask, sentiment, category), done before any lock is taken."""
        now = self._clock.now()
        try:
            if self.sources is None:
                raise SourceUnavailable(f"no plugin registry reads rows of {row.source!r}; the body is kept")
            result = self.sources.ingest(row.source, row.body.encode("utf-8"), self._brand, now=now)
        except MalformedPayload as exc:
            return Prepared(now=now, mentions=[], skipped=[], malformed=str(exc))
        return Prepared(
            now=now,
            mentions=[self._enriched(nm, row.id, now) for nm in result.mentions],
            skipped=[s.reason for s in result.skipped],
            failures=list(result.failures),
        )

    def fresh(self, row: InboxRow, prepared: Prepared) -> Prepared:
        """`prepared` with new Mention objects: those of a rolled-back transaction keep the ids and cases
        it gave them. The source is not asked again (its `complete` may have called the platform)."""
        mentions = [(nm, self._mention(nm, row.id, prepared.now, t), t) for nm, _, t in prepared.mentions]
        return Prepared(
            now=prepared.now,
            mentions=mentions,
            skipped=prepared.skipped,
            malformed=prepared.malformed,
            failures=prepared.failures,
        )

    def _enriched(
        self, nm: NormalizedMention, inbox_id: int, now: datetime
    ) -> tuple[NormalizedMention, Mention, Assessment]:
        # The CPU-heavy part; priority waits for the database. A review's stars count (bot/triage/ratings.py).
        triaged = self._triage.assess(nm.text, rating=nm.rating)
        return nm, self._mention(nm, inbox_id, now, triaged), triaged

    def _mention(self, nm: NormalizedMention, inbox_id: int, now: datetime, triaged: Assessment) -> Mention:
        return Mention(
            platform=nm.platform,
            external_id=nm.external_id,
            kind=nm.kind,
            is_private=nm.is_private,
            conversation_key=nm.conversation_key,
            parent_external_id=nm.parent_external_id,
            inbox_id=inbox_id,
            author_id=nm.author.id,
            author_handle=nm.author.handle,
            author_name=nm.author.name,
            author_followers=nm.author.followers,
            author_verified=nm.author.verified,
            author_url=nm.author.url,
            text_raw=nm.text,
            text_masked=mask(nm.text, self._config.masking).text,
            url=nm.url,
            extra=dict(nm.extra),
            rating=valid_rating(nm.rating),
            # Plain text the card shows beside the post (a review's title may hold personal data too).
            details=[
                [
                    str(label)[:MAX_DETAIL_LABEL],
                    mask(str(value), self._config.masking).text[:MAX_DETAIL_VALUE],
                ]
                for label, value in nm.details[:MAX_DETAILS]
            ],
            posted_at=nm.posted_at,
            received_at=now,
            sentiment_score=triaged.sentiment_score,
            sentiment=triaged.sentiment,
            category=triaged.category,
        )
