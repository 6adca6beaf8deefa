"""Pages of Trustpilot's private business-unit reviews (what the poller stores) to neutral mentions.

A page is `{"reviews": [review, ...], "links": [...]}` and, when socialdesk's poller stored it,
`"edited": [review id, ...]`: the reviews in it that socialdesk had already received in another version
(the consumer changed the stars, the title or the text). Each review has `id`, `stars` (1-5), `title`,
`text`, `language`, `createdAt`, `updatedAt`, `consumer` (`id`, `displayName`), `businessUnit`,
`location`, `referenceId`, `companyReply` (the business's one public answer) and `status`.

- Every active review is a case of its own (`trustpilot:<review id>`), kind `review`; an archived or
  removed one is Skipped.
- `rating` is the stars; the title is the text's first line and a detail on the card, with the location
  and the order reference when the review has them.
- The consumer's e-mail, which the private endpoint includes, is never copied into the mention.
- `extra` keeps what a reply needs: the review id, the business unit, whether the review already had the
  business's answer when it was read, and the review's `updatedAt`.
"""

from __future__ import annotations

from typing import Any

from socialdesk.domain.enums import MentionKind, Platform
from socialdesk.plugins.mentions import Author, MalformedPayload, NormalizedMention, NormalizeResult, Skipped
from socialdesk.plugins.payloads import (
    BrandAccounts,
    as_list,
    as_object,
    from_iso,
    opt_list,
    opt_object,
    opt_str,
    req_id,
)

WEB = "https://www.trustpilot.com"
SHOWN = ("active", "")  # statuses of a review shown on the profile ("" : not said)


def review_url(review_id: str) -> str:
    return f"{WEB}/reviews/{review_id}"


def stars_of(item: dict[str, Any], where: str) -> int:
    stars = item.get("stars")
    if isinstance(stars, bool) or not isinstance(stars, int) or not 1 <= stars <= 5:
        raise MalformedPayload(f"{where}.stars: expected 1 to 5 stars")
    return stars


def _web_link(item: dict[str, Any], review_id: str, where: str) -> str:
    for i, raw in enumerate(opt_list(item, "links", where)):
        link = as_object(raw, f"{where}.links[{i}]")
        href = opt_str(link, "href", f"{where}.links[{i}]") or ""
        if href.startswith(WEB):
            return href
    return review_url(review_id)


class TrustpilotNormalizer:
    def __init__(self, platform: Platform) -> None:
        self._platform = platform

    def __call__(self, payload: Any, brand: BrandAccounts) -> NormalizeResult:
        root = as_object(payload, "body")
        if "reviews" not in root:
            raise MalformedPayload("body.reviews: missing (not a page of Trustpilot reviews)")
        edited = {str(i) for i in opt_list(root, "edited", "body")}
        result = NormalizeResult()
        for i, raw in enumerate(as_list(root["reviews"], "body.reviews")):
            outcome = self._one(as_object(raw, f"reviews[{i}]"), edited, f"reviews[{i}]")
            if isinstance(outcome, NormalizedMention):
                result.mentions.append(outcome)
            else:
                result.skipped.append(outcome)
        return result

    def _one(self, item: dict[str, Any], edited: set[str], where: str) -> NormalizedMention | Skipped:
        review_id = req_id(item, "id", where)
        status = (opt_str(item, "status", where) or "").lower()
        if status not in SHOWN:
            return Skipped(f"a review in status {status!r} is not on the profile")
        stars = stars_of(item, where)
        title = " ".join((opt_str(item, "title", where) or "").split())
        body = (opt_str(item, "text", where) or "").strip()
        text = "\n".join(p for p in (title, body) if p) or f"[{stars}-star review without text]"
        consumer = opt_object(item, "consumer", where)
        consumer_id = req_id(consumer, "id", f"{where}.consumer") if consumer else f"unknown:{review_id}"
        name = " ".join((opt_str(consumer, "displayName", f"{where}.consumer") or "").split())
        created = from_iso(item.get("createdAt"), f"{where}.createdAt")
        updated_raw = item.get("updatedAt")
        updated = from_iso(updated_raw, f"{where}.updatedAt") if updated_raw is not None else None
        details: list[tuple[str, str]] = []
        if title:
            details.append(("Title", title))
        location = opt_object(item, "location", where)
        place = opt_str(location, "name", f"{where}.location") if location else None
        if place:
            details.append(("Location", place))
        reference = opt_str(item, "referenceId", where)
        if reference:
            details.append(("Order reference", reference))
        unit = opt_object(item, "businessUnit", where)
        extra = {
            "review_id": review_id,
            "business_unit_id": str(unit.get("id") or ""),
            "answered": "yes" if opt_object(item, "companyReply", where) else "no",
            "updated_at": updated.isoformat() if updated is not None else "",
        }
        return NormalizedMention(
            platform=self._platform,
            external_id=review_id,
            kind=MentionKind.REVIEW,
            author=Author(id=consumer_id, name=name, url=f"{WEB}/users/{consumer_id}"),
            text=text,
            posted_at=created,
            conversation_key=f"trustpilot:{review_id}",
            url=_web_link(item, review_id, where),
            extra=extra,
            rating=stars,
            details=tuple(details),
            edited=review_id in edited,
        )
