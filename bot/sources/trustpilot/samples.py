"""Recorded reviews in the shape of Trustpilot's private business-unit reviews endpoint
(`GET /v1/private/business-units/{id}/reviews`), for the conformance harness, the stand-in and demos.
Times are set relative to `now` so the cases they open are live ones.

The brand's business unit is `acme.example` (`BUSINESS_UNIT_ID`). The consumer's e-mail, which the private
endpoint includes (`referralEmail`, `consumer.email`), is in the samples because Trustpilot sends it; the
normalizer never puts it on a card.
"""

from __future__ import annotations

import hashlib
from datetime import datetime, timedelta
from typing import Any

BUSINESS_UNIT_ID = "5f8e6c2d4b1a3e0012ab34cd"
API = "https://api.trustpilot.com/v1"
WEB = "https://www.trustpilot.com"


def iso(when: datetime) -> str:
    """Trustpilot's times: UTC, seconds, `Z`."""
    return when.strftime("%Y-%m-%dT%H:%M:%SZ")


def object_id(seed: str) -> str:
    """A Trustpilot id: 24 hexadecimal characters (a MongoDB ObjectId)."""
    return hashlib.sha256(seed.encode()).hexdigest()[:24]


def review(
    review_id: str,
    *,
    stars: int,
    title: str,
    text: str,
    name: str,
    created: datetime,
    updated: datetime | None = None,
    business_unit_id: str = BUSINESS_UNIT_ID,
    reference: str | None = None,
    email: str | None = None,
    location: str | None = None,
    reply: dict[str, Any] | None = None,
    status: str = "active",
) -> dict[str, Any]:
    """One review as the private endpoint lists it."""
    consumer_id = object_id(f"consumer:{name}")
    return {
        "id": review_id,
        "consumer": {
            "id": consumer_id,
            "displayName": name,
            "displayLocation": "GB",
            "numberOfReviews": 2,
            "email": email,
            "links": [{"href": f"{API}/consumers/{consumer_id}", "method": "GET", "rel": "consumers"}],
        },
        "businessUnit": {
            "id": business_unit_id,
            "identifyingName": "acme.example",
            "displayName": "Acme",
            "links": [
                {"href": f"{API}/business-units/{business_unit_id}", "method": "GET", "rel": "business-units"}
            ],
        },
        "stars": stars,
        "title": title,
        "text": text,
        "language": "en",
        "location": {"id": object_id(f"location:{location}"), "name": location} if location else None,
        "createdAt": iso(created),
        "updatedAt": iso(updated) if updated is not None else None,
        "experiencedAt": iso(created - timedelta(days=2)),
        "companyReply": reply,
        "isVerified": True,
        "reviewVerificationLevel": "invited",
        "status": status,
        "referenceId": reference,
        "referralEmail": email,
        "source": "InvitationApi",
        "tags": [],
        "countsTowardsTrustScore": True,
        "links": [
            {"href": f"{API}/reviews/{review_id}", "method": "GET", "rel": "reviews"},
            {"href": f"{API}/private/reviews/{review_id}/reply", "method": "POST", "rel": "reviews-reply"},
        ],
    }


def page(reviews: list[dict[str, Any]], links: list[dict[str, str]] | None = None) -> dict[str, Any]:
    return {"reviews": reviews, "links": links or []}


def sample_pages(now: datetime) -> list[tuple[str, dict[str, Any], int]]:
    """(name, page, mentions it holds)."""
    one_star = review(
        "6745b2c1f0a3c9d1e2f3a4b5",
        stars=1,
        title="Parcel never arrived",
        text="Ordered a kettle two weeks ago, tracking hasn't moved since and nobody answers the phone.",
        name="Dana Whitfield",
        created=now - timedelta(minutes=40),
        reference="ORD-4411",
        email="dana.whitfield@example.com",
    )
    three_stars = review(
        "6745b2c1f0a3c9d1e2f3a4b6",
        stars=3,
        title="Good kettle, slow refund",
        text="The kettle is great. Returning the broken lid took three weeks to refund though.",
        name="Kim Osei",
        created=now - timedelta(minutes=25),
        location="Acme Leeds",
    )
    five_stars = review(
        "6745b2c1f0a3c9d1e2f3a4b7",
        stars=5,
        title="Quick and friendly",
        text="Delivered next day, and the courier called ahead. Will order again.",
        name="Sam Reyes",
        created=now - timedelta(minutes=10),
    )
    archived = review(
        "6745b2c1f0a3c9d1e2f3a4b8",
        stars=1,
        title="Spam",
        text="Buy followers at ...",
        name="Promo Bot",
        created=now - timedelta(minutes=5),
        status="archived",
    )
    return [
        ("a one-star review", page([one_star]), 1),
        ("a three-star and a five-star review", page([five_stars, three_stars]), 2),
        ("an archived review is not a case", page([archived]), 0),
    ]
