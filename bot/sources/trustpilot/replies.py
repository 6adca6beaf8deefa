"""Answering a review: the business's one public reply, `POST /v1/private/reviews/{reviewId}/reply`.

    {"message": <text>, "authorBusinessUserId": <TRUSTPILOT_BUSINESS_USER_ID>}

Trustpilot keeps one reply per review: posting again replaces the reply the review has (an edit, shown as
such on the profile), so socialdesk's edit path (`OutgoingReply.replaces`, set when the case was answered
from here before) is the same call. What socialdesk refuses before any call:

- a private answer: Trustpilot has none for a review;
- a text over `MAX_LENGTH` characters, or an empty one;
- a first answer from socialdesk to a review that already had the business's reply when it was read
  (written in Trustpilot Business by someone else): it would silently replace that reply, so the agent is
  told to edit it there.

The reply has no id of its own: socialdesk records `<review id>/reply`. Trustpilot takes no idempotency
key, so a reply is sent once; when Trustpilot does not answer, the agent is told to look at the review
before sending it again.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from socialdesk.domain.enums import ReplyVisibility
from socialdesk.plugins.replies import ErrorKind, OutgoingReply, PlatformError, SentReply
from socialdesk.sources.trustpilot.api import Api, failure, said
from socialdesk.sources.trustpilot.normalize import review_url

# Trustpilot's API documentation states no limit for a reply's message; this is socialdesk's cap, kept
# well inside what Trustpilot Business's own reply box takes, so a reply is never cut by the platform.
MAX_LENGTH = 2500
NO_PRIVATE = (
    "Trustpilot has no private answer to a review: answer publicly (the reviewer is notified), or contact "
    "the customer through the order's e-mail."
)


def reply_id(review_id: str) -> str:
    return f"{review_id}/reply"


class TrustpilotReplies:
    def __init__(self, api: Api, business_user_id: str | None) -> None:
        self._api = api
        self._author = business_user_id

    def __repr__(self) -> str:
        return f"TrustpilotReplies(author={self._author!r})"

    def send(self, reply: OutgoingReply, *, now: datetime) -> SentReply:
        target = reply.target
        if reply.visibility is ReplyVisibility.PRIVATE or target.is_private:
            raise PlatformError(ErrorKind.UNSUPPORTED, NO_PRIVATE)
        text = reply.text.strip()
        if not text:
            raise PlatformError(ErrorKind.REJECTED, "The reply is empty; Trustpilot takes no empty answer.")
        if len(text) > MAX_LENGTH:
            raise PlatformError(
                ErrorKind.REJECTED,
                f"The reply is {len(text)} characters; socialdesk sends at most {MAX_LENGTH} to Trustpilot. "
                f"Shorten it by {len(text) - MAX_LENGTH}.",
            )
        review_id = str(target.extra.get("review_id") or target.external_id)
        if reply.replaces is None and target.extra.get("answered") == "yes":
            raise PlatformError(
                ErrorKind.REJECTED,
                "This review already has the business's answer, written in Trustpilot Business; an answer "
                "from here would replace it. Edit that answer in Trustpilot Business instead.",
            )
        body: dict[str, Any] = {"message": text}
        if self._author:
            body["authorBusinessUserId"] = self._author
        response = self._api.post(f"/v1/private/reviews/{review_id}/reply", body, now)
        if response.status_code not in (200, 201, 204):
            error = failure(response, now, what="the reply", write=True)
            if response.status_code == 400 and not self._author and "author" in said(response).lower():
                raise PlatformError(
                    ErrorKind.REJECTED,
                    "Trustpilot wants the business user who writes the reply: an admin must set "
                    "TRUSTPILOT_BUSINESS_USER_ID (the user id on the Trustpilot Business profile page). "
                    + error.message,
                ) from None
            raise error
        return SentReply(external_id=reply_id(review_id), url=review_url(review_id))
