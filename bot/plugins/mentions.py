"""The neutral shape every source is normalized into (opsdroid/errbot style normalizer table)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from socialdesk.domain.enums import MentionKind, Platform


class MalformedPayload(ValueError):
    """The body is not what the source promises (bad JSON, missing fields): a 400 with this reason."""


@dataclass(frozen=True, slots=True)
class Author:
    id: str
    handle: str = ""
    name: str = ""
    followers: int | None = None
    verified: bool = False
    url: str | None = None


@dataclass(frozen=True, slots=True)
class NormalizedMention:
    """One customer-authored item, whatever platform it came from.

    `conversation_key` groups items of the same thread (reply chain, comment thread, DM thread);
    `parent_external_id` is the item this one answers, when the platform says so.
    """

    platform: Platform
    external_id: str
    kind: MentionKind
    author: Author
    text: str
    posted_at: datetime
    conversation_key: str
    is_private: bool = False
    parent_external_id: str | None = None
    url: str | None = None
    extra: dict[str, str] = field(default_factory=dict)  # ids a reply needs (page id, comment id...)
    # A review's stars (1-5), shown on the card; triage reads a low rating as a complaint.
    rating: int | None = None
    # What the card shows beside the text, as (label, value): a review's title, the app version, the
    # store location, the territory. Plain text, cut to size by the renderer.
    details: tuple[tuple[str, str], ...] = ()
    # True when this is a new version of an item already received (an edited review): it updates the
    # case it opened (text, rating, details), noted on the card, instead of being dropped as a duplicate.
    edited: bool = False


@dataclass(frozen=True, slots=True)
class Skipped:
    """An event recognised as not being a customer mention, and why (echo, read, reaction...)."""

    reason: str


@dataclass(frozen=True, slots=True)
class DeliveryFailure:
    """The platform reports that one of our sent replies never reached the customer (WhatsApp's `failed`
    status): `reply_external_id` is the id the platform gave the reply when it was sent, `reason` is
    what went wrong, written for the agent. socialdesk shows it on the case's card; the reply stays sent."""

    platform: Platform
    reply_external_id: str
    reason: str


@dataclass(slots=True)
class NormalizeResult:
    mentions: list[NormalizedMention] = field(default_factory=list)
    skipped: list[Skipped] = field(default_factory=list)
    failures: list[DeliveryFailure] = field(default_factory=list)
