"""One `ReplyConnectors` per process: the connector for each platform, built from `Settings` in one place.

X goes to `XReplyConnector`; Facebook, Instagram and Messenger to `MetaReplyConnector`; everything else
(reddit, review sites, other) to `GenericReplyConnector`. A platform whose settings are missing still gets
a connector, one that refuses every reply with a message naming the missing variable, so the agent learns
what an admin must set instead of the bot failing at start-up.
"""

from __future__ import annotations

import logging
from datetime import datetime

import httpx
from pydantic import SecretStr

from socialdesk.connectors.owned import OwnsClient
from socialdesk.plugins.replies import (
    ErrorKind,
    OutgoingReply,
    PlatformError,
    ReplyConnector,
    SentReply,
)
from socialdesk.connectors.replies.generic import GenericReplyConnector
from socialdesk.connectors.replies.meta import MetaReplyConnector
from socialdesk.connectors.replies.x import XReplyConnector
from socialdesk.domain.enums import Platform
from socialdesk.settings import Settings

log = logging.getLogger(__name__)

# Long enough for a slow platform, short enough that an agent's click gets an answer while they wait.
DEFAULT_TIMEOUT = httpx.Timeout(15.0, connect=5.0)
META_PLATFORMS = frozenset({Platform.FACEBOOK, Platform.INSTAGRAM, Platform.MESSENGER})


class UnconfiguredConnector:
    """Stands in for a platform socialdesk has no credentials or address for."""

    def __init__(self, kind: ErrorKind, message: str) -> None:
        self.kind = kind
        self.message = message

    def send(self, reply: OutgoingReply, *, now: datetime) -> SentReply:
        raise PlatformError(self.kind, self.message)


class ReplyConnectors(OwnsClient):
    """Picks the connector by `target.platform`; itself a `ReplyConnector`."""

    def __init__(
        self,
        *,
        x: ReplyConnector,
        meta: ReplyConnector,
        generic: ReplyConnector,
        owned_client: httpx.Client | None = None,
    ) -> None:
        self.x = x
        self.meta = meta
        self.generic = generic
        self._owned_client = owned_client  # closed by close(); a client passed in belongs to the caller

    def for_platform(self, platform: Platform) -> ReplyConnector:
        if platform is Platform.X:
            return self.x
        if platform in META_PLATFORMS:
            return self.meta
        return self.generic

    def send(self, reply: OutgoingReply, *, now: datetime) -> SentReply:
        platform = reply.target.platform
        try:
            sent = self.for_platform(platform).send(reply, now=now)
        except PlatformError as exc:
            log.warning(
                "reply %s on %s not sent: %s: %s",
                reply.idempotency_key,
                platform.value,
                exc.kind,
                exc.message,
            )
            raise
        log.info("reply %s sent on %s as %s", reply.idempotency_key, platform.value, sent.external_id)
        return sent


def make_reply_client(timeout: httpx.Timeout = DEFAULT_TIMEOUT) -> httpx.Client:
    """No base URL (each connector builds absolute URLs) and no redirects: a redirected POST is not ours."""
    return httpx.Client(timeout=timeout, headers={"User-Agent": "socialdesk"}, follow_redirects=False)


def _present(secret: SecretStr | None) -> SecretStr | None:
    return secret if secret is not None and secret.get_secret_value().strip() else None


def build_reply_connectors(settings: Settings, *, client: httpx.Client | None = None) -> ReplyConnectors:
    http = client if client is not None else make_reply_client()
    owned = http if client is None else None

    x_token = _present(settings.x_access_token)
    x: ReplyConnector = (
        XReplyConnector(http, base_url=settings.x_api_url, access_token=x_token)
        if x_token is not None
        else UnconfiguredConnector(
            ErrorKind.AUTH, "Replies on X need X_ACCESS_TOKEN, which is not set: ask an admin to connect X."
        )
    )

    page_token = _present(settings.meta_page_token)
    meta: ReplyConnector = (
        MetaReplyConnector(
            http,
            graph_url=settings.meta_graph_url,
            page_token=page_token,
            app_secret=_present(settings.meta_app_secret),
            page_id=settings.meta_page_id,
        )
        if page_token is not None
        else UnconfiguredConnector(
            ErrorKind.AUTH,
            "Replies on Facebook, Instagram and Messenger need META_PAGE_TOKEN, which is not set: ask an "
            "admin to connect the Page.",
        )
    )

    secret = _present(settings.webhook_secret)
    generic: ReplyConnector
    if settings.generic_reply_url is None:
        generic = UnconfiguredConnector(
            ErrorKind.UNSUPPORTED,
            "Replies to mentions from this source go to a receiver at GENERIC_REPLY_URL, which is not set. "
            "Answer on the site itself, or ask an admin to configure the receiver.",
        )
    elif secret is None:
        generic = UnconfiguredConnector(
            ErrorKind.AUTH,
            "Replies through GENERIC_REPLY_URL are signed with WEBHOOK_SECRET, which is not set: ask an "
            "admin to set it.",
        )
    else:
        generic = GenericReplyConnector(http, url=settings.generic_reply_url, secret=secret)
    return ReplyConnectors(x=x, meta=meta, generic=generic, owned_client=owned)
