"""Closed vocabularies shared by ingest, cases, Slack rendering and metrics."""

from __future__ import annotations

from enum import StrEnum


class Platform(StrEnum):
    X = "x"
    FACEBOOK = "facebook"
    INSTAGRAM = "instagram"
    MESSENGER = "messenger"
    REDDIT = "reddit"
    REVIEW = "review"
    OTHER = "other"

    @property
    def label(self) -> str:
        return _PLATFORM_LABELS[self]


_PLATFORM_LABELS = {
    Platform.X: "X",
    Platform.FACEBOOK: "Facebook",
    Platform.INSTAGRAM: "Instagram",
    Platform.MESSENGER: "Messenger",
    Platform.REDDIT: "Reddit",
    Platform.REVIEW: "Review site",
    Platform.OTHER: "Other",
}


class MentionKind(StrEnum):
    """What the customer produced; decides how a reply goes back."""

    POST = "post"  # a post on our page / a tweet mentioning us
    COMMENT = "comment"  # a comment under one of our posts
    REPLY = "reply"  # a reply in a thread (X reply, comment reply)
    DIRECT = "direct"  # a private message (Messenger, X DM, IG DM)
    REVIEW = "review"


class Sentiment(StrEnum):
    VERY_NEGATIVE = "very_negative"
    NEGATIVE = "negative"
    NEUTRAL = "neutral"
    POSITIVE = "positive"
    VERY_POSITIVE = "very_positive"


class Category(StrEnum):
    COMPLAINT = "complaint"
    QUESTION = "question"
    PRAISE = "praise"
    INCIDENT = "incident"  # outage / incident reports
    SPAM = "spam"
    OTHER = "other"


class Priority(StrEnum):
    P1 = "P1"
    P2 = "P2"
    P3 = "P3"
    P4 = "P4"

    @property
    def rank(self) -> int:
        return int(self.value[1])


class CaseStatus(StrEnum):
    NEW = "new"
    CLAIMED = "claimed"
    WAITING_CUSTOMER = "waiting_customer"
    ESCALATED = "escalated"
    RESOLVED = "resolved"
    SPAM = "spam"

    @property
    def is_open(self) -> bool:
        return self not in (CaseStatus.RESOLVED, CaseStatus.SPAM)


OPEN_STATUSES = tuple(s for s in CaseStatus if s.is_open)


class InboxStatus(StrEnum):
    PENDING = "pending"  # durable, not yet normalized
    PROCESSED = "processed"  # turned into mentions (maybe zero)
    IGNORED = "ignored"  # recognised, but not a customer mention (echo, read, reaction...)
    REJECTED = "rejected"  # malformed: kept for inspection with the reason
    FAILED = "failed"  # processing raised; kept, retried by the next drain


class OutboxStatus(StrEnum):
    PENDING = "pending"
    SENT = "sent"
    DEAD = "dead"  # a permanent Slack error; kept with the reason, alerted on /metrics


class ReplyVisibility(StrEnum):
    PUBLIC = "public"  # a comment / reply under the customer's post: everyone reads it
    PRIVATE = "private"  # a direct message or a Messenger private reply to a comment


class ReplyStatus(StrEnum):
    PENDING = "pending"  # recorded, the platform not called yet
    SENDING = "sending"  # the platform call started; after a crash nobody knows if it arrived
    SENT = "sent"
    FAILED = "failed"  # the platform refused; the agent was told why; the case stays unanswered


class Source(StrEnum):
    META = "meta"
    X = "x"
    X_POLL = "x_poll"
    GENERIC = "generic"
    HISTORY = "history"  # generic JSON imported with `socialdesk ingest --historical`: never alerts
