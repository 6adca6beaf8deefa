"""Pages the Google Play poller stores, to neutral mentions.

The poller stores, per package, `{"packageName": ..., "reviews": [Review, ...], "updated": [review ids
seen before]}`; a Review is the Android Publisher v3 shape:

    {"reviewId": "gp:AOqpTO...", "authorName": "Dana W",
     "comments": [{"userComment": {"text": "\\tGreat app", "lastModified": {"seconds": "1700000000",
                     "nanos": 0}, "starRating": 1..5, "reviewerLanguage": "en", "device": "a52q",
                     "androidOsVersion": 33, "appVersionCode": 412, "appVersionName": "4.1.2", ...}},
                  {"developerComment": {"text": ..., "lastModified": {...}}}]}

- The external id is the review id; the conversation key `google_play:<package>:<id>`.
- `comments[0].userComment` is the review: its stars are `rating`, its text the text (Play starts it
  with a tab, stripped), its `lastModified` the time; app version, device and language are details.
- A review the poller saw before is `edited` (Play lists a review again when its author changes it).
- Play gives no reviewer id: the review id is the author's id (one review per person per app).
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from socialdesk.domain.enums import MentionKind, Platform
from socialdesk.plugins.mentions import Author, MalformedPayload, NormalizedMention, NormalizeResult
from socialdesk.plugins.payloads import BrandAccounts, as_list, as_object, opt_str, req_id

STORE = "https://play.google.com/store/apps/details"
ANONYMOUS = "A Google user"


def play_time(value: Any, where: str) -> datetime:
    """`{"seconds": "1700000000", "nanos": 5}` (seconds as a string, as Google's JSON writes int64)."""
    if not isinstance(value, dict):
        raise MalformedPayload(f"{where}: missing")
    seconds: Any = value.get("seconds")
    nanos: Any = value.get("nanos") or 0
    try:
        return datetime.fromtimestamp(int(seconds) + int(nanos) / 1e9, UTC)
    except (TypeError, ValueError):
        raise MalformedPayload(f"{where}.seconds: {seconds!r} is not a number of seconds") from None


def user_comment(review: dict[str, Any], where: str) -> dict[str, Any]:
    for i, comment in enumerate(as_list(review.get("comments") or [], f"{where}.comments")):
        found = as_object(comment, f"{where}.comments[{i}]").get("userComment")
        if isinstance(found, dict):
            return found
    raise MalformedPayload(f"{where}.comments: no userComment")


class PlayNormalizer:
    def __init__(self, platform: Platform) -> None:
        self._platform = platform

    def __call__(self, payload: Any, brand: BrandAccounts) -> NormalizeResult:
        root = as_object(payload, "body")
        package = root.get("packageName")
        if not isinstance(package, str) or not package:
            raise MalformedPayload("body.packageName: missing (not a Google Play reviews page)")
        updated = {str(i) for i in as_list(root.get("updated") or [], "body.updated")}
        result = NormalizeResult()
        for i, raw in enumerate(as_list(root.get("reviews") or [], "body.reviews")):
            result.mentions.append(
                self._review(as_object(raw, f"reviews[{i}]"), package, updated, f"reviews[{i}]")
            )
        return result

    def _review(
        self, review: dict[str, Any], package: str, updated: set[str], where: str
    ) -> NormalizedMention:
        review_id = req_id(review, "reviewId", where)
        comment = user_comment(review, where)
        here = f"{where}.userComment"
        rating = comment.get("starRating")
        if isinstance(rating, bool) or not isinstance(rating, int) or not 1 <= rating <= 5:
            raise MalformedPayload(f"{here}.starRating: {rating!r} is not 1-5")
        text = (opt_str(comment, "text", here) or "").strip() or f"[{rating}-star rating without text]"
        details: list[tuple[str, str]] = [("App", package)]
        for label, key in (
            ("App version", "appVersionName"),
            ("Device", "device"),
            ("Language", "reviewerLanguage"),
        ):
            value = comment.get(key)
            if value not in (None, ""):
                details.append((label, str(value)))
        if isinstance(comment.get("androidOsVersion"), int):
            details.append(("Android API level", str(comment["androidOsVersion"])))
        name = (opt_str(review, "authorName", where) or "").strip()
        return NormalizedMention(
            platform=self._platform,
            external_id=review_id,
            kind=MentionKind.REVIEW,
            author=Author(id=f"{package}:{review_id}", name=name or ANONYMOUS),
            text=text,
            posted_at=play_time(comment.get("lastModified"), f"{here}.lastModified"),
            conversation_key=f"google_play:{package}:{review_id}",
            url=f"{STORE}?id={package}&reviewId={review_id}",
            extra={"package": package, "review_id": review_id},
            rating=rating,
            details=tuple(details),
            edited=review_id in updated,
        )
