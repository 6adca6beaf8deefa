"""Answering a Google Play review: `POST androidpublisher/v3/applications/{package}/reviews/{id}:reply`
with `{"replyText": text}`; Play answers `{"result": {"replyText", "lastEdited"}}`.

A review has one developer reply and replying again replaces it, so a second answer from socialdesk
(`OutgoingReply.replaces` set) is the same call: an edit, never a second reply. Play allows 350
characters (counted as Unicode characters); a longer text is refused before the call. The reply's id is
`{package}/{review id}/reply`. There is no private answer to a review.
"""

from __future__ import annotations

from datetime import datetime

from socialdesk.plugins.replies import ErrorKind, OutgoingReply, PlatformError, SentReply
from socialdesk.sources.google_auth.api import GoogleApi, failure
from socialdesk.sources.google_play.poller import ACCESS, PLATFORM
from socialdesk.sources.review_answers import public_answer_text

MAX_CHARACTERS = 350
NO_PRIVATE = "A Google Play review takes one public developer reply and no private message: answer publicly."


def too_long(text: str) -> str | None:
    if len(text) <= MAX_CHARACTERS:
        return None
    return (
        f"The reply is {len(text)} characters; Google Play allows {MAX_CHARACTERS}. "
        f"Shorten it by {len(text) - MAX_CHARACTERS}."
    )


class PlayReplies:
    def __init__(self, api: GoogleApi) -> None:
        self._api = api

    def send(self, reply: OutgoingReply, *, now: datetime) -> SentReply:
        text = public_answer_text(
            reply,
            no_private=NO_PRIVATE,
            empty="The reply is empty; Google Play takes no empty reply.",
            too_long=too_long,
        )
        package = str(reply.target.extra.get("package") or "")
        review_id = str(reply.target.extra.get("review_id") or reply.target.external_id)
        if not package:
            raise PlatformError(
                ErrorKind.UNSUPPORTED, "This case lacks the app's package; answer it in Play Console."
            )
        what = "the reply (an edit of our earlier reply)" if reply.replaces else "the reply"
        path = f"androidpublisher/v3/applications/{package}/reviews/{review_id}:reply"
        response = self._api.call("POST", path, body={"replyText": text}, now=now, write=True)
        if response.status_code != 200:
            raise failure(response, now, platform=PLATFORM, what=what, write=True, access=ACCESS)
        return SentReply(external_id=f"{package}/{review_id}/reply")
