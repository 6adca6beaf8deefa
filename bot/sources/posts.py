"""One `BrandPosters` per process: the poster for each crisis-statement target, built from `Settings`.

"x" goes to `XBrandPoster`, "facebook" to `FacebookBrandPoster`; any other target (the status page is
updated by hand) is refused as UNSUPPORTED. A target whose settings are missing still gets a poster, one
that refuses with AUTH and names the missing variables, so the war room learns what an admin must set
instead of the bot failing at start-up. Nothing here retries: the caller records each attempt (pending,
sending, sent) so that a statement is never published twice.
"""

from __future__ import annotations

import logging
from datetime import datetime

import httpx
from pydantic import SecretStr

from socialdesk.connectors.owned import OwnsClient
from socialdesk.connectors.posts.base import BrandPost, BrandPoster, PostedStatement
from socialdesk.connectors.replies.router import make_reply_client
from socialdesk.plugins.replies import ErrorKind, PlatformError
from socialdesk.settings import Settings
from socialdesk.sources.meta.posts import FacebookBrandPoster
from socialdesk.sources.x.posts import XBrandPoster

log = logging.getLogger(__name__)


class UnconfiguredPoster:
    """Stands in for a target socialdesk has no credentials for."""

    def __init__(self, kind: ErrorKind, message: str) -> None:
        self.kind = kind
        self.message = message

    def post(self, item: BrandPost, *, now: datetime) -> PostedStatement:
        raise PlatformError(self.kind, self.message)


class BrandPosters(OwnsClient):
    """Picks the poster by `item.target`; itself a `BrandPoster`."""

    def __init__(
        self, *, x: BrandPoster, facebook: BrandPoster, owned_client: httpx.Client | None = None
    ) -> None:
        self.x = x
        self.facebook = facebook
        self._owned_client = owned_client  # closed by close(); a client passed in belongs to the caller

    def for_target(self, target: str) -> BrandPoster:
        if target == "x":
            return self.x
        if target == "facebook":
            return self.facebook
        raise PlatformError(
            ErrorKind.UNSUPPORTED,
            f"socialdesk does not post statements to {target!r}; publish that one by hand.",
        )

    def post(self, item: BrandPost, *, now: datetime) -> PostedStatement:
        try:
            posted = self.for_target(item.target).post(item, now=now)
        except PlatformError as exc:
            log.warning(
                "statement %s not posted on %s: %s: %s",
                item.idempotency_key,
                item.target,
                exc.kind,
                exc.message,
            )
            raise
        log.info("statement %s posted on %s as %s", item.idempotency_key, item.target, posted.external_id)
        return posted


def build_brand_posters(settings: Settings, *, client: httpx.Client | None = None) -> BrandPosters:
    http = client if client is not None else make_reply_client()
    owned = http if client is None else None
    return BrandPosters(
        x=_x_poster(settings, http), facebook=_facebook_poster(settings, http), owned_client=owned
    )


def _x_poster(settings: Settings, http: httpx.Client) -> BrandPoster:
    token = _present(settings.x_access_token)
    if token is None:
        return _unconfigured("X", ["X_ACCESS_TOKEN"], "connect X")
    return XBrandPoster(http, base_url=settings.x_api_url, access_token=token)


def _facebook_poster(settings: Settings, http: httpx.Client) -> BrandPoster:
    token, page_id = _present(settings.meta_page_token), settings.meta_page_id
    missing = [name for name, value in (("META_PAGE_TOKEN", token), ("META_PAGE_ID", page_id)) if not value]
    if token is None or page_id is None:
        return _unconfigured("Facebook", missing, "connect the Page")
    return FacebookBrandPoster(
        http,
        graph_url=settings.meta_graph_url,
        page_id=page_id,
        page_token=token,
        app_secret=_present(settings.meta_app_secret),
    )


def _unconfigured(platform: str, missing: list[str], action: str) -> UnconfiguredPoster:
    names = " and ".join(missing)
    verb = "is" if len(missing) == 1 else "are"
    return UnconfiguredPoster(
        ErrorKind.AUTH,
        f"Statements on {platform} need {names}, which {verb} not set: ask an admin to {action}.",
    )


def _present(secret: SecretStr | None) -> SecretStr | None:
    return secret if secret is not None and secret.get_secret_value().strip() else None
