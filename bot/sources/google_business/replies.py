"""Answering a Google review: `PUT v4/{review name}/reply` with `{"comment": text}`.

Google keeps one public reply per review and a PUT replaces it, so a second answer from socialdesk
(`OutgoingReply.replaces` set) is the same call: an edit, never a second reply. The reply's id is the
review's name with `/reply`. Google allows 4096 bytes of UTF-8; a longer text is refused before the call.
There is no private answer to a review. A 404 means the review was deleted (or Google removed it).
"""

from __future__ import annotations

from datetime import datetime

from socialdesk.plugins.replies import ErrorKind, OutgoingReply, PlatformError, SentReply
from socialdesk.sources.google_auth.api import GoogleApi, failure
from socialdesk.sources.google_business.poller import ACCESS, PLATFORM
from socialdesk.sources.review_answers import public_answer_text

MAX_BYTES = 4096
NO_PRIVATE = "A Google review takes one public reply and no private message: answer publicly."


def byte_length(text: str) -> int:
    return len(text.encode("utf-8"))


def too_long(text: str) -> str | None:
    size = byte_length(text)
    if size <= MAX_BYTES:
        return None
    return (
        f"The reply takes {size} bytes; Google allows {MAX_BYTES} (accented letters and emoji take 2-4 "
        f"each). Shorten it by {size - MAX_BYTES}."
    )


class BusinessReplies:
    def __init__(self, api: GoogleApi) -> None:
        self._api = api

    def send(self, reply: OutgoingReply, *, now: datetime) -> SentReply:
        text = public_answer_text(
            reply,
            no_private=NO_PRIVATE,
            empty="The reply is empty; Google takes no empty reply.",
            too_long=too_long,
        )
        name = str(reply.target.extra.get("name") or reply.target.external_id)
        if "/reviews/" not in name:
            raise PlatformError(
                ErrorKind.UNSUPPORTED, "This case lacks the Google review's name; answer it on Google."
            )
        what = "the reply (an edit of our earlier reply)" if reply.replaces else "the reply"
        response = self._api.call("PUT", f"v4/{name}/reply", body={"comment": text}, now=now, write=True)
        if response.status_code != 200:
            error = failure(response, now, platform=PLATFORM, what=what, write=True, access=ACCESS)
            if error.kind is ErrorKind.GONE:
                raise PlatformError(
                    ErrorKind.GONE,
                    "Google no longer has this review (the reviewer deleted it, or Google removed it).",
                ) from None
            raise error
        return SentReply(external_id=f"{name}/reply")
