"""Answering a review: the developer response, `POST /v1/customerReviewResponses`:

    {"data": {"type": "customerReviewResponses",
              "attributes": {"responseBody": "<text>"},
              "relationships": {"review": {"data": {"type": "customerReviews", "id": "<review id>"}}}}}

Apple keeps at most one response per review, and this same call is how a response is edited: "If a
response already exists, this endpoint updates the response by overwriting it" (Create or update a
response to a customer review). So a second answer (`OutgoingReply.replaces` set by socialdesk's
one-answer rule) is the same POST, and never leaves two; deleting first and posting again would leave the
review without an answer if the second call failed. For the same reason a reply whose fate is unknown (a
timeout) may safely be sent again: it replaces, it cannot duplicate.

Apple's limit for a response is 5970 characters; a longer text is refused before any call. There is no
private answer to a review. A response is published on the App Store after Apple's review of it, usually
within a day (`state` PENDING_PUBLISH, then PUBLISHED).
"""

from __future__ import annotations

from datetime import datetime

from socialdesk.plugins.replies import ErrorKind, OutgoingReply, PlatformError, SentReply, response_json
from socialdesk.sources.appstore.api import AppStoreApi, failure
from socialdesk.sources.appstore.normalize import store_url
from socialdesk.sources.review_answers import public_answer_text

MAX_LENGTH = 5970
RESPONSES = "v1/customerReviewResponses"
NO_PRIVATE = (
    "The App Store has no private answer to a review: answer publicly (one response per review, which a "
    "later answer replaces), or ask the customer to contact support in the app."
)


def too_long(text: str) -> str | None:
    if len(text) > MAX_LENGTH:
        return (
            f"The response is {len(text)} characters; the App Store allows {MAX_LENGTH}. "
            f"Shorten it by {len(text) - MAX_LENGTH}."
        )
    return None


def response_document(review_id: str, text: str) -> dict[str, object]:
    return {
        "data": {
            "type": "customerReviewResponses",
            "attributes": {"responseBody": text},
            "relationships": {"review": {"data": {"type": "customerReviews", "id": review_id}}},
        }
    }


class AppStoreReplies:
    def __init__(self, api: AppStoreApi) -> None:
        self._api = api

    def send(self, reply: OutgoingReply, *, now: datetime) -> SentReply:
        text = public_answer_text(
            reply,
            no_private=NO_PRIVATE,
            empty="The response is empty; the App Store takes none.",
            too_long=too_long,
        )
        review_id = str(reply.target.extra.get("review_id") or reply.target.external_id)
        what = "the new text of our response" if reply.replaces else "the response"
        response = self._api.post(RESPONSES, response_document(review_id, text), now=now)
        if response.status_code not in (200, 201):
            raise failure(response, now, what=what, write=True)
        body = response_json(response)
        data = body.get("data") if isinstance(body, dict) else None
        response_id = data.get("id") if isinstance(data, dict) else None
        if not isinstance(response_id, str) or not response_id:
            raise PlatformError(
                ErrorKind.UNAVAILABLE,
                "App Store Connect took the response but did not say its id; sending it again replaces it.",
            )
        app = reply.target.extra.get("app_id")
        return SentReply(external_id=response_id, url=store_url(str(app)) if app else None)
