"""The Source kind: a channel customers write on, brought into socialdesk.

A source does four things, each optional but the normalizer:

- **webhook** (`accepts_webhooks`): served at `/webhooks/<name>`; `challenge` answers the platform's
  subscription check (GET), `verify` checks a delivery's signature (POST) before anything is stored;
- **normalize**: a stored body becomes `NormalizedMention`s (and `Skipped` notes with the reason);
  raise `MalformedPayload` naming the field for a body that is not what the platform promises; pure
  (the webhook handler runs it before answering), with `complete` for what must be fetched at ingest;
- **poller**: fetches pages on a schedule from a cursor socialdesk keeps in its database;
- **reply**: posts the agent's answer, publicly or privately, within the platform's declared capabilities.

Every body a source receives or fetches goes through socialdesk's durable inbox first, so a crash between
acceptance and the case card loses nothing, and the same normalizer serves webhooks, polls and replays.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from socialdesk.domain.enums import Platform
from socialdesk.domain.platform_facts import PlatformFacts, declare
from socialdesk.plugins.mentions import NormalizedMention, NormalizeResult
from socialdesk.plugins.payloads import BrandAccounts
from socialdesk.plugins.replies import ErrorKind, OutgoingReply, PlatformError, SentReply


@dataclass(frozen=True, slots=True)
class ReplyCapabilities:
    """What answering on a platform allows; the reply form and the voice checks read it."""

    public: bool = True  # a public answer under the customer's post exists
    private: bool = False  # a private answer (direct message) exists
    max_length: int | None = None  # in the platform's own count (see `length`)
    length: Callable[[str], int] = len  # how the platform counts (X: weighted, URLs count 23)
    private_window: timedelta | None = None  # how long after the customer's message a private reply may go
    edits: bool = False  # a correction edits the sent reply instead of posting a second one
    # One public answer per item (review stores): a second answer is sent as an edit of the first
    # (`OutgoingReply.replaces`), and the reply form says so before the agent types.
    one_answer: bool = False
    private_max_length: int | None = None  # a private message's own limit (X DMs: 10,000), where it differs
    link_note: str | None = None  # told with a "too long" when the text has links ("each link counts as 23")
    # Outside `private_window` only the platform's pre-approved message templates may be sent (WhatsApp's
    # 24-hour customer-service window): the reply form offers the config's templates and refuses free
    # text before anything is recorded (socialdesk.domain.message_templates).
    window_templates: bool = False


@dataclass(frozen=True, slots=True)
class PlatformSpec:
    """A platform a source declares: its name (stored on every mention), its label and its capabilities."""

    name: str
    label: str
    capabilities: ReplyCapabilities = field(default_factory=ReplyCapabilities)
    # Platforms whose accounts are the same (Meta: a Page id is also its Messenger inbox's id), so that
    # our own posts are recognised on either.
    shares_accounts_with: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        # Declaring a platform tells the core its facts (the domain reads them as plain data).
        caps = self.capabilities
        declare(
            self.name,
            PlatformFacts(
                length=caps.length,
                link_note=caps.link_note,
                shares_accounts_with=self.shares_accounts_with,
                public=caps.public,
                private=caps.private,
                private_max_length=caps.private_max_length,
                private_window=caps.private_window,
                one_answer=caps.one_answer,
            ),
        )

    def register(self) -> Platform:
        return Platform.register(self.name, self.label)


@dataclass(frozen=True, slots=True)
class WebhookRequest:
    """One HTTP request to `/webhooks/<name>`, as the source sees it: headers lower-cased."""

    method: str
    path: str
    query: Mapping[str, str]
    headers: Mapping[str, str]
    body: bytes
    now: datetime


@dataclass(frozen=True, slots=True)
class WebhookAnswer:
    """What to answer a request with: a challenge echo, or a refusal (`status` 4xx/503 and `reason`).

    A refusal is counted and logged with its reason and nothing is stored. Use 401 for a missing or
    wrong signature, 403 for a stale timestamp or a wrong verify token, 503 when the source lacks the
    secret it needs to check anything, 400 for a request that cannot be a delivery at all.
    """

    status: int
    body: str | dict[str, Any] = ""
    reason: str = ""

    @classmethod
    def refuse(cls, status: int, reason: str) -> WebhookAnswer:
        return cls(status=status, body={"ok": False, "error": reason}, reason=reason)

    @property
    def refused(self) -> bool:
        return self.status >= 400


@dataclass(frozen=True, slots=True)
class PollResult:
    """One poll: the bodies fetched (each stored in the inbox and normalized like a webhook delivery)
    and the cursor to start from next time (None keeps the old one)."""

    bodies: list[bytes]
    cursor: str | None = None


class RateLimited(Exception):
    """The platform asked us to wait: the poller is not called again before `retry_at`."""

    def __init__(self, retry_at: datetime, message: str = "rate limited") -> None:
        super().__init__(message)
        self.retry_at = retry_at


class Poller(ABC):
    """Fetches new items from a platform on a schedule (leader-only: one replica polls)."""

    every: timedelta = timedelta(minutes=1)

    @abstractmethod
    def poll(self, cursor: str | None, *, now: datetime) -> PollResult:
        """Fetch what is new since `cursor` (None: the first poll). Raise `RateLimited` to back off;
        any other exception is logged and counted and the same cursor is tried at the next run."""

    def normalize(self, payload: Any, brand: BrandAccounts) -> NormalizeResult | None:
        """Polled bodies in a shape of their own (X: API v2 pages, not webhook events) are read here;
        the default, None, hands them to the source's `normalize`. Stored in the inbox as `<name>_poll`."""
        return None


@dataclass(frozen=True, slots=True)
class SamplePayload:
    """A recorded body for the conformance harness: delivered to the source's webhook (or fed as a poll
    page), it must become `mentions` cards (and the first one must take a reply)."""

    name: str
    body: bytes
    mentions: int = 1
    headers: Mapping[str, str] = field(default_factory=dict)


class Source(ABC):
    """Subclass this; set `name` and `platforms`; implement `normalize`; override what the platform has.

    `name` names the webhook route (`/webhooks/<name>`), the inbox rows, the poll cursor and the metrics
    label: lower case, digits and `_`. `platforms` lists what its mentions are posted on (Meta: facebook,
    instagram, messenger); a reply to a mention on one of them comes back to this source's `reply`.
    """

    name: str
    platforms: tuple[PlatformSpec, ...] = ()
    accepts_webhooks: bool = False
    # A route other sources share (Meta's one callback for Page, Instagram, Messenger and WhatsApp): the
    # source owning the route asks the others whether they `claim` an arriving payload.
    shared_route: str | None = None
    poller: Poller | None = None

    def challenge(self, request: WebhookRequest) -> WebhookAnswer:
        """GET on the webhook: the platform's subscription check. Default: nothing to answer."""
        return WebhookAnswer.refuse(405, f"{self.name} has no verification challenge")

    def verify(self, request: WebhookRequest) -> WebhookAnswer | None:
        """POST on the webhook: None when the delivery is authentic, else the refusal."""
        return WebhookAnswer.refuse(405, f"{self.name} does not take webhooks")

    def claims(self, payload: Any) -> bool:
        """For a source on a `shared_route`: is this decoded payload one of mine?"""
        return False

    @abstractmethod
    def normalize(self, payload: Any, brand: BrandAccounts) -> NormalizeResult:
        """Decoded JSON to mentions; raise `MalformedPayload` (with the field's path) when it is not."""

    def complete(self, mention: NormalizedMention, *, now: datetime) -> NormalizedMention:
        """Ingest's step after `normalize`, for a mention the platform delivers in part (Meta: an Instagram
        @mention arrives as ids; its author and text are read from the Graph API). Called only when ingest
        turns a stored row into cases, never by the webhook handler, which answers the platform once the
        body is verified, validated by `normalize` and stored: a platform call here keeps no sender
        waiting. Never raise for a failed call: return the mention with `extra["pending"]` saying what is
        missing, and socialdesk.ingest.completion reads the row again later. Default: unchanged."""
        return mention

    def reply(self, reply: OutgoingReply, *, now: datetime) -> SentReply:
        """Post once; raise `PlatformError` on any failure (never retry on your own)."""
        raise PlatformError(ErrorKind.UNSUPPORTED, f"Replies on {self.name} cannot be sent from socialdesk.")

    def normalize_poll(self, payload: Any, brand: BrandAccounts) -> NormalizeResult:
        """A page stored as `<name>_poll`: the poller's own reader when it has one, else `normalize`.
        Override when polled pages have a shape of their own and must stay readable while the poller is
        not configured (rows fetched before are still in the inbox)."""
        own = self.poller.normalize(payload, brand) if self.poller is not None else None
        return own if own is not None else self.normalize(payload, brand)

    def unconfigured(self) -> list[str]:
        """Settings this source runs without, one line each naming the variable and what waits for it
        ("META_APP_SECRET is not set: the webhook answers 503"). Listed by `socialdesk plugins list` and
        in /readyz; never values. A channel whose settings are absent is off, never an error."""
        return []

    def troubles(self) -> list[str]:
        """What is wrong right now though the polls succeed, one line each for /readyz beside the plugin's
        status: a gap in polling that may have lost items (Google Play lists only seven days). A failed
        poll is shown there already (`last_poll`). Asked on every /readyz, so answer from memory (no
        call); never values. Default: nothing."""
        return []

    def configured(self) -> bool:
        """False when none of the channel's own settings is set: the plugin is listed as off (not an
        error), and its webhook, still served, answers 503 naming the variable. A channel with some of
        its settings runs what it can and lists the rest in `unconfigured()`."""
        return True

    def samples(self) -> list[SamplePayload]:
        return []

    def capabilities_for(self, platform: Platform) -> ReplyCapabilities:
        for spec in self.platforms:
            if spec.name == platform.value:
                return spec.capabilities
        return ReplyCapabilities(public=False)
