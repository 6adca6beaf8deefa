"""Pages of customer reviews (what the poller stores) to neutral mentions.

A stored page is Apple's list answer narrowed to what is new, with two keys of ours:

    {"app": "1234567890",                 # the Apple id of the app the reviews are of
     "edited": ["<review id>", ...],      # reviews seen before whose rating, title or text changed
     "data": [{"type": "customerReviews", "id": "...",
               "attributes": {"rating": 1-5, "title", "body", "reviewerNickname",
                              "createdDate": "2024-01-02T11:19:36-07:00", "territory": "USA"}}]}

Each review is a case of its own (`appstore:<review id>`): the text is the title on the first line and
the body under it; the stars are `rating`; the title and the territory are details on the card (the app
is in the link: an Apple id as a detail would be masked as a phone number). Apple gives no reviewer
id, only the nickname the customer chose, so that is the author. An edited review updates the case it
opened (`edited`).
"""

from __future__ import annotations

from typing import Any

from socialdesk.domain.enums import MentionKind, Platform
from socialdesk.plugins.mentions import Author, MalformedPayload, NormalizedMention, NormalizeResult
from socialdesk.plugins.payloads import (
    BrandAccounts,
    as_list,
    as_object,
    from_iso,
    opt_str,
    req_id,
    req_object,
)

REVIEW_TYPE = "customerReviews"


def store_url(app_id: str) -> str:
    """The app's reviews on the App Store (Apple has no public page per review)."""
    return f"https://apps.apple.com/app/id{app_id}?see-all=reviews"


def review_text(title: str, body: str) -> str:
    return "\n".join(part for part in (title.strip(), body.strip()) if part) or "[rating without text]"


class AppStoreNormalizer:
    def __init__(self, platform: Platform) -> None:
        self._platform = platform

    def __call__(self, payload: Any, brand: BrandAccounts) -> NormalizeResult:
        root = as_object(payload, "body")
        if "data" not in root:
            raise MalformedPayload("body.data: missing (not a page of customer reviews)")
        app = opt_str(root, "app", "body")
        edited = {str(i) for i in as_list(root.get("edited") or [], "body.edited")}
        result = NormalizeResult()
        for i, raw in enumerate(as_list(root["data"], "body.data")):
            review = as_object(raw, f"data[{i}]")
            result.mentions.append(self._one(review, app, edited, f"data[{i}]"))
        return result

    def _one(
        self, review: dict[str, Any], app: str | None, edited: set[str], where: str
    ) -> NormalizedMention:
        kind = opt_str(review, "type", where)
        if kind != REVIEW_TYPE:
            raise MalformedPayload(f"{where}.type: {kind!r}, expected {REVIEW_TYPE!r}")
        review_id = req_id(review, "id", where)
        attributes = req_object(review, "attributes", where)
        at = f"{where}.attributes"
        rating = attributes.get("rating")
        if not isinstance(rating, int) or isinstance(rating, bool) or not 1 <= rating <= 5:
            raise MalformedPayload(f"{at}.rating: {rating!r}, expected 1-5")
        title = opt_str(attributes, "title", at) or ""
        body = opt_str(attributes, "body", at) or ""
        nickname = (opt_str(attributes, "reviewerNickname", at) or "").strip() or "App Store customer"
        territory = opt_str(attributes, "territory", at) or ""
        posted_at = from_iso(attributes.get("createdDate"), f"{at}.createdDate")
        details: list[tuple[str, str]] = []
        if title.strip():
            details.append(("Title", title.strip()))
        if territory:
            details.append(("Territory", territory))
        extra = {"review_id": review_id, "territory": territory}
        if app:
            extra["app_id"] = app
        return NormalizedMention(
            platform=self._platform,
            external_id=review_id,
            kind=MentionKind.REVIEW,
            author=Author(id=nickname, handle=nickname, name=nickname),
            text=review_text(title, body),
            posted_at=posted_at,
            conversation_key=f"appstore:{review_id}",
            url=store_url(app) if app else None,
            extra=extra,
            rating=rating,
            details=tuple(details),
            edited=review_id in edited,
        )
