"""Pages of Trustpilot's private reviews to mentions: what a card and a reply need, and what is refused."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from socialdesk.domain.enums import MentionKind, Platform
from socialdesk.plugins import BrandAccounts, MalformedPayload
from socialdesk.sources.trustpilot.normalize import TrustpilotNormalizer
from socialdesk.sources.trustpilot.poller import fingerprint
from socialdesk.sources.trustpilot.samples import BUSINESS_UNIT_ID, page, review, sample_pages

NOW = datetime(2026, 11, 24, 9, 0, tzinfo=UTC)


def normalize(body: object):  # type: ignore[no-untyped-def]
    return TrustpilotNormalizer(Platform("trustpilot"))(body, BrandAccounts())


def test_a_review_gives_stars_title_details_and_what_a_reply_needs() -> None:
    [(_, body, _)] = sample_pages(NOW)[:1]
    [mention] = normalize(body).mentions

    assert mention.external_id == "6745b2c1f0a3c9d1e2f3a4b5" and mention.kind is MentionKind.REVIEW
    assert mention.rating == 1 and not mention.edited
    assert mention.text.splitlines() == [
        "Parcel never arrived",
        "Ordered a kettle two weeks ago, tracking hasn't moved since and nobody answers the phone.",
    ]
    assert mention.details == (("Title", "Parcel never arrived"), ("Order reference", "ORD-4411"))
    assert mention.author.name == "Dana Whitfield" and mention.author.handle == ""
    assert mention.posted_at == datetime(2026, 11, 24, 8, 20, tzinfo=UTC)
    assert mention.conversation_key == "trustpilot:6745b2c1f0a3c9d1e2f3a4b5"
    assert mention.extra["business_unit_id"] == BUSINESS_UNIT_ID and mention.extra["answered"] == "no"
    assert "example.com" not in repr(mention)  # the consumer's e-mail is left behind


def test_location_and_edited_marks() -> None:
    item = review("r1", stars=3, title="  Good   kettle ", text="", name="Kim", created=NOW, updated=NOW)
    item["location"] = {"id": "loc1", "name": "Leeds"}
    [mention] = normalize({"reviews": [item], "edited": ["r1"]}).mentions
    assert mention.edited and mention.text == "Good kettle"
    assert mention.details == (("Title", "Good kettle"), ("Location", "Leeds"))
    assert mention.extra["updated_at"] == NOW.isoformat()


def test_archived_reviews_are_skipped_with_the_reason() -> None:
    item = review("r2", stars=1, title="Spam", text="x", name="Bot", created=NOW, status="archived")
    result = normalize(page([item]))
    assert result.mentions == [] and "archived" in result.skipped[0].reason


@pytest.mark.parametrize(
    ("body", "where"),
    [
        ({"items": []}, "body.reviews"),
        ({"reviews": [{"id": "r", "stars": 6, "createdAt": "2026-11-24T09:00:00Z"}]}, "reviews[0].stars"),
        ({"reviews": [{"id": "r", "stars": 2}]}, "reviews[0].createdAt"),
        ({"reviews": [{"stars": 2, "createdAt": "2026-11-24T09:00:00Z"}]}, "reviews[0].id"),
    ],
)
def test_malformed_pages_name_the_field(body: object, where: str) -> None:
    with pytest.raises(MalformedPayload, match=where.replace("[", r"\[").replace("]", r"\]")):
        normalize(body)


def test_the_fingerprint_covers_what_the_consumer_wrote_only() -> None:
    item = review("r3", stars=2, title="Late", text="A week.", name="Lee", created=NOW)
    replied = {**item, "companyReply": {"text": "Sorry!"}, "updatedAt": "2026-11-25T10:00:00Z"}
    assert fingerprint(item) == fingerprint(replied)  # our answer is not the consumer's edit
    assert fingerprint(item) != fingerprint({**item, "stars": 3})
    assert fingerprint(item) != fingerprint({**item, "text": "A week and a day."})
