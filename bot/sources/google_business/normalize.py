"""Pages the Google Business Profile poller stores, to neutral mentions.

The poller stores, per location, `{"location": name, "label": ..., "reviews": [Review, ...], "updated":
[review names seen before]}` where a Review is the v4 API's shape:

    {"name": "accounts/1/locations/2/reviews/AbC", "reviewId": "AbC",
     "reviewer": {"displayName": "Dana W", "profilePhotoUrl": ..., "isAnonymous": false},
     "starRating": "ONE".."FIVE", "comment": "...", "createTime": ..., "updateTime": ...,
     "reviewReply": {"comment": ..., "updateTime": ...}}

- The external id is the review's resource name; the conversation key `google_business:<name>`.
- `starRating` ONE..FIVE is `rating` 1..5; a review with stars and no comment is a card too (the stars
  are the message).
- A review is `edited` when the poller saw it before or Google says it changed (`updateTime` later than
  `createTime`): it updates the case it opened.
- The location (its label, else its name) is a detail, as is the current public reply when there is one.
- A deleted review: Google's list just stops returning it. The poller notices (the location's
  `totalReviewCount` fell) and stores `{"location", "deleted": [what it knew of the review]}`: each one
  is an `edited` mention whose text says the reviewer deleted the review, with the detail
  ("Status", "deleted on Google"), so the case's card says so; a reply to it is refused by Google (404).
- Google gives no reviewer id: the review's name is the author's id (one review per person per place).
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
    opt_object,
    opt_str,
    req_id,
)

STARS = {"ONE": 1, "TWO": 2, "THREE": 3, "FOUR": 4, "FIVE": 5}
DELETED_TEXT = "[The reviewer deleted this review on Google]"
ANONYMOUS = "A Google user"


def stars(value: Any, where: str) -> int | None:
    if value is None or value == "STAR_RATING_UNSPECIFIED":
        return None
    if value not in STARS:
        raise MalformedPayload(f"{where}.starRating: {value!r} is none of ONE..FIVE")
    return STARS[value]


class BusinessNormalizer:
    def __init__(self, platform: Platform) -> None:
        self._platform = platform

    def __call__(self, payload: Any, brand: BrandAccounts) -> NormalizeResult:
        root = as_object(payload, "body")
        location = root.get("location")
        if not isinstance(location, str) or not location:
            raise MalformedPayload("body.location: missing (not a Google Business Profile reviews page)")
        label = str(root.get("label") or "") or location
        updated = {str(n) for n in as_list(root.get("updated") or [], "body.updated")}
        result = NormalizeResult()
        for i, raw in enumerate(as_list(root.get("reviews") or [], "body.reviews")):
            review = as_object(raw, f"reviews[{i}]")
            result.mentions.append(self._review(review, label, updated, f"reviews[{i}]"))
        for i, raw in enumerate(as_list(root.get("deleted") or [], "body.deleted")):
            review = as_object(raw, f"deleted[{i}]")
            result.mentions.append(self._review(review, label, set(), f"deleted[{i}]", deleted=True))
        return result

    def _review(
        self, review: dict[str, Any], label: str, updated: set[str], where: str, *, deleted: bool = False
    ) -> NormalizedMention:
        name = req_id(review, "name", where)
        review_id = opt_str(review, "reviewId", where) or name.rsplit("/", 1)[-1]
        created = from_iso(review.get("createTime"), f"{where}.createTime")
        changed = from_iso(review.get("updateTime") or review.get("createTime"), f"{where}.updateTime")
        reviewer = opt_object(review, "reviewer", where)
        anonymous = bool(reviewer.get("isAnonymous"))
        shown = "" if anonymous else (opt_str(reviewer, "displayName", f"{where}.reviewer") or "").strip()
        rating = stars(review.get("starRating"), where)
        comment = (opt_str(review, "comment", where) or "").strip()
        text = DELETED_TEXT if deleted else comment or f"[{rating or 'No'}-star rating without text]"
        details: list[tuple[str, str]] = [("Location", label)]
        reply = opt_object(review, "reviewReply", where)
        if reply.get("comment") and not deleted:
            details.append(("Our public reply", str(reply["comment"])))
        if deleted:
            details.append(("Status", "deleted on Google"))
        return NormalizedMention(
            platform=self._platform,
            external_id=name,
            kind=MentionKind.REVIEW,
            author=Author(id=name, handle="", name=shown or ANONYMOUS),
            text=text,
            posted_at=created,
            conversation_key=f"google_business:{name}",
            extra={"name": name, "review_id": review_id, "location": name.split("/reviews/")[0]},
            rating=rating,
            details=tuple(details),
            edited=deleted or name in updated or changed > created,
        )
