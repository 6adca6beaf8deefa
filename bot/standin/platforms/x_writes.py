"""The write endpoints of the X API stand-in: posting (`POST /2/tweets`, a reply or, without `reply`, the
brand's own post such as a crisis statement) and sending a DM.

Kept apart from `x_api` so each module stays readable; `XApiStandIn` mixes `XWrites` in and owns the state
these handlers read and change.
"""

from __future__ import annotations

import threading
from typing import Any

from socialdesk.sources.x.text import weighted_length
from socialdesk.standin.platforms.base import RecordedRequest, Reply

TWEET_TOO_LONG = 280
DM_TOO_LONG = 10_000
TITLES = {
    400: "Invalid Request",
    401: "Unauthorized",
    403: "Forbidden",
    404: "Not Found Error",
    429: "Too Many Requests",
    500: "Internal Server Error",
    502: "Bad Gateway",
    503: "Service Unavailable",
}


def problem(status: int, title: str, detail: str | None = None) -> Reply:
    return Reply(status, {"title": title, "detail": detail or title, "type": "about:blank", "status": status})


def invalid(parameter: str, value: str, message: str) -> Reply:
    return Reply(
        400,
        {
            "errors": [{"parameters": {parameter: [value]}, "message": message}],
            "title": "Invalid Request",
            "detail": "One or more parameters to your request was invalid.",
            "type": "https://api.twitter.com/2/problems/invalid-request",
        },
    )


class XWrites:
    """Handlers for the write routes; the attributes are the owning stand-in's."""

    _lock: threading.RLock
    user_id: str
    tweets: dict[str, dict[str, Any]]
    users: dict[str, dict[str, Any]]
    posted: list[dict[str, Any]]
    dms: list[dict[str, Any]]

    def _next_id(self) -> str:
        raise NotImplementedError

    def delete_tweet(self, tweet_id: str) -> None:
        """The customer deleted it: replies to it now get X's 403 "deleted or not visible"."""
        with self._lock:
            self.tweets.pop(tweet_id, None)
            self.posted = [p for p in self.posted if p["id"] != tweet_id]

    def _post_tweet(self, request: RecordedRequest) -> Reply:
        try:
            body = request.json
        except ValueError:
            return problem(400, "Invalid Request", "Request body is not valid JSON.")
        text = body.get("text") if isinstance(body, dict) else None
        if not isinstance(text, str) or not text.strip():
            return invalid("text", str(text), "`text` is required and must be a non-empty string")
        if weighted_length(text) > TWEET_TOO_LONG:  # X weighs characters: links 23, CJK and emoji 2
            return invalid("text", text, f"`text` must be at most {TWEET_TOO_LONG} weighted characters")
        reply = body.get("reply")
        if reply is not None:
            target = reply.get("in_reply_to_tweet_id") if isinstance(reply, dict) else None
            if not isinstance(target, str) or not target.isdigit():
                return invalid("reply.in_reply_to_tweet_id", str(target), "must be a tweet id string")
            known = target in self.tweets or any(p["id"] == target for p in self.posted)
            if not known:
                detail = "You attempted to reply to a Tweet that is deleted or not visible to you."
                return problem(403, "Forbidden", detail)
        if any(p["text"] == text for p in self.posted):
            return problem(403, "Forbidden", "You are not allowed to create a Tweet with duplicate content.")
        tweet_id = self._next_id()
        self.posted.append({**body, "id": tweet_id})
        return Reply(201, {"data": {"edit_history_tweet_ids": [tweet_id], "id": tweet_id, "text": text}})

    def _send_dm(self, request: RecordedRequest) -> Reply:
        participant = request.path.strip("/").split("/")[3]
        try:
            body = request.json
        except ValueError:
            return problem(400, "Invalid Request", "Request body is not valid JSON.")
        text = body.get("text") if isinstance(body, dict) else None
        if not isinstance(text, str) or not text.strip():
            return invalid("text", str(text), "`text` is required and must be a non-empty string")
        if len(text) > DM_TOO_LONG:
            return invalid("text", text, f"`text` must be at most {DM_TOO_LONG} characters")
        if not participant.isdigit():
            return invalid("participant_id", participant, "The `participant_id` path parameter is not valid")
        if participant not in self.users or participant == self.user_id:
            return problem(403, "Forbidden", "You cannot send messages to this user.")
        event_id = self._next_id()
        conversation = "-".join(sorted((participant, self.user_id), key=int))
        dm = {"participant_id": participant, "text": text, "dm_event_id": event_id}
        self.dms.append({**dm, "dm_conversation_id": conversation})
        return Reply(201, {"data": {"dm_conversation_id": conversation, "dm_event_id": event_id}})
