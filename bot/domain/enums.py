"""Closed vocabularies shared by ingest, cases, Slack rendering and metrics."""

from __future__ import annotations

import re
from enum import StrEnum
from typing import Any, ClassVar

from pydantic_core import core_schema


class Platform(str):
    """Where a mention was posted: an open vocabulary, because a source plugin declares its platforms.

    The built-in names are attributes (`Platform.X`); a plugin adds its own with `Platform.register`.
    Instances are interned, so `platform is Platform.X` holds for a value read back from the database.
    `Platform(name)` accepts registered names only (a webhook naming an unknown platform is refused);
    `Platform.from_store(name)` also takes a name no installed plugin declares any more (its cases stay
    readable after a plugin is removed).
    """

    __slots__ = ()
    _registered: ClassVar[dict[str, Platform]] = {}
    _labels: ClassVar[dict[str, str]] = {}

    X: ClassVar[Platform]
    FACEBOOK: ClassVar[Platform]
    INSTAGRAM: ClassVar[Platform]
    MESSENGER: ClassVar[Platform]
    REDDIT: ClassVar[Platform]
    REVIEW: ClassVar[Platform]
    OTHER: ClassVar[Platform]
    BLUESKY: ClassVar[Platform]
    THREADS: ClassVar[Platform]
    WHATSAPP: ClassVar[Platform]
    APPSTORE: ClassVar[Platform]
    GOOGLE_BUSINESS: ClassVar[Platform]
    GOOGLE_PLAY: ClassVar[Platform]
    TRUSTPILOT: ClassVar[Platform]

    def __new__(cls, value: object) -> Platform:
        name = str(value)
        found = cls._registered.get(name)
        if found is None:
            raise ValueError(f"{name!r} is not a known platform; known: {', '.join(sorted(cls._registered))}")
        return found

    @classmethod
    def register(cls, name: str, label: str) -> Platform:
        """Declare a platform (a source plugin does, at load); registering a name again keeps one object."""
        if not PLATFORM_NAME.fullmatch(name):
            raise ValueError(f"platform name {name!r}: use 1-32 of a-z, 0-9 and _, starting with a letter")
        found = cls._registered.get(name)
        if found is None:
            found = str.__new__(cls, name)
            cls._registered[name] = found
        cls._labels[name] = label
        return found

    @classmethod
    def from_store(cls, value: str) -> Platform:
        found = cls._registered.get(value)
        return found if found is not None else cls.register(value, value.replace("_", " ").title())

    @classmethod
    def known(cls) -> tuple[Platform, ...]:
        return tuple(cls._registered.values())

    @property
    def value(self) -> str:
        return str.__str__(self)

    @property
    def label(self) -> str:
        return self._labels.get(self.value, self.value)

    def __repr__(self) -> str:
        return f"Platform({self.value!r})"

    def __str__(self) -> str:
        return self.value

    def __reduce__(self) -> tuple[Any, ...]:
        return (Platform.from_store, (self.value,))

    @classmethod
    def __get_pydantic_core_schema__(cls, source: Any, handler: Any) -> Any:
        return core_schema.no_info_after_validator_function(
            cls, core_schema.str_schema(), serialization=core_schema.to_string_ser_schema()
        )


PLATFORM_NAME = re.compile(r"[a-z][a-z0-9_]{0,31}")

Platform.X = Platform.register("x", "X")
Platform.FACEBOOK = Platform.register("facebook", "Facebook")
Platform.INSTAGRAM = Platform.register("instagram", "Instagram")
Platform.MESSENGER = Platform.register("messenger", "Messenger")
Platform.REDDIT = Platform.register("reddit", "Reddit")
Platform.REVIEW = Platform.register("review", "Review site")
Platform.OTHER = Platform.register("other", "Other")
# The built-in sources' platforms are known before any plugin loads, so the config can name them.
Platform.BLUESKY = Platform.register("bluesky", "Bluesky")
Platform.THREADS = Platform.register("threads", "Threads")
Platform.WHATSAPP = Platform.register("whatsapp", "WhatsApp")
Platform.APPSTORE = Platform.register("appstore", "App Store")
Platform.GOOGLE_BUSINESS = Platform.register("google_business", "Google reviews")
Platform.GOOGLE_PLAY = Platform.register("google_play", "Google Play")
Platform.TRUSTPILOT = Platform.register("trustpilot", "Trustpilot")


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
