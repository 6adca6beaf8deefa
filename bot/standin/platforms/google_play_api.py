"""A local Android Publisher API (v3 reviews) for the calls socialdesk makes:

- `GET /androidpublisher/v3/applications/{package}/reviews` (`maxResults`, `token`): the reviews whose
  text changed in the last seven days (as Play lists them), newest change first, with
  `tokenPagination.nextPageToken` while more remain and `pageInfo`. An unknown package is a 404.
- `POST /androidpublisher/v3/applications/{package}/reviews/{id}:reply` `{"replyText": ...}`: sets or
  replaces the developer reply (one per review); `replyText` required, at most 350 characters; answers
  `{"result": {"replyText", "lastEdited"}}`. An unknown review is a 404.

Every call needs a bearer token the token stand-in issued for the `androidpublisher` scope (401
UNAUTHENTICATED, 403 PERMISSION_DENIED), and `script(Failure(status=429 or 500))` answers Google's error.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from socialdesk.sources.google_play.samples import review, sample_pages, stamp
from socialdesk.standin.platforms.base import RecordedRequest, Reply
from socialdesk.standin.platforms.google_api import (
    GoogleApiStandIn,
    GoogleTokenStandIn,
    body_json,
    google_error,
)

SCOPE = "https://www.googleapis.com/auth/androidpublisher"
LIST = re.compile(r"/androidpublisher/v3/applications/([^/]+)/reviews")
REPLY = re.compile(r"/androidpublisher/v3/applications/([^/]+)/reviews/([^/]+):reply")
MAX_REPLY = 350
WINDOW = timedelta(days=7)


def _modified(item: dict[str, Any]) -> int:
    return int(item["comments"][0]["userComment"]["lastModified"]["seconds"])


class GooglePlayStandIn(GoogleApiStandIn):
    scope = SCOPE

    def __init__(self, *, now: Callable[[], datetime], tokens: GoogleTokenStandIn) -> None:
        super().__init__(now=now, tokens=tokens)
        self.apps: dict[str, list[dict[str, Any]]] = {}
        self.replies: list[dict[str, Any]] = []  # every accepted reply: {"review": id, "replyText": ...}
        self._seq = 0

    def add_app(self, package: str) -> None:
        self.apps.setdefault(package, [])

    def add_review(
        self,
        package: str,
        author: str,
        stars: int,
        text: str,
        *,
        at: datetime | None = None,
        version: str = "4.12.0",
    ) -> dict[str, Any]:
        with self._lock:
            self._seq += 1
            item = review(
                f"gp:AOqpTO{self._seq:05d}Qx{self._seq * 7919:08d}",
                author,
                stars,
                text,
                at or self.now(),
                version=version,
            )
            self.apps.setdefault(package, []).append(item)
            return item

    def add_samples(self) -> None:
        """The reviews of the source's recorded samples, so that the conformance harness can answer them."""
        with self._lock:
            for _name, page, _count in sample_pages(self.now()):
                self.apps.setdefault(page["packageName"], []).extend(page["reviews"])

    def edit_review(self, item: dict[str, Any], *, stars: int | None = None, text: str | None = None) -> None:
        with self._lock:
            user = item["comments"][0]["userComment"]
            if stars is not None:
                user["starRating"] = stars
            if text is not None:
                user["text"] = "\t" + text
            user["lastModified"] = stamp(self.now())

    def reply_of(self, item: dict[str, Any]) -> str | None:
        for comment in item["comments"]:
            if "developerComment" in comment:
                return str(comment["developerComment"]["text"])
        return None

    def route(self, request: RecordedRequest) -> Reply:
        replied = REPLY.fullmatch(request.path)
        if replied and request.method == "POST":
            return self._reply(request, replied.group(1), replied.group(2))
        listed = LIST.fullmatch(request.path)
        if listed and request.method == "GET":
            return self._list(request, listed.group(1))
        return google_error(404, f"Method not found: {request.method} {request.path}")

    def _list(self, request: RecordedRequest, package: str) -> Reply:
        reviews = self.apps.get(package)
        if reviews is None:
            return google_error(404, f"Package not found: {package}.")
        size = request.query.get("maxResults", "100")
        if not size.isdigit() or not 1 <= int(size) <= 100:
            return google_error(400, "Invalid value for maxResults.")
        horizon = int((self.now() - WINDOW).timestamp())
        recent = sorted((r for r in reviews if _modified(r) >= horizon), key=_modified, reverse=True)
        start = int(request.query.get("token") or 0)
        page = recent[start : start + int(size)]
        body: dict[str, Any] = {
            "reviews": page,
            "pageInfo": {"totalResults": len(recent), "resultPerPage": int(size), "startIndex": start},
        }
        if start + len(page) < len(recent):
            body["tokenPagination"] = {"nextPageToken": str(start + len(page))}
        return Reply(200, body)

    def _reply(self, request: RecordedRequest, package: str, review_id: str) -> Reply:
        found = next((r for r in self.apps.get(package, []) if r["reviewId"] == review_id), None)
        if found is None:
            return google_error(404, "No review found.")
        body = body_json(request)
        text = body.get("replyText") if isinstance(body, dict) else None
        if not isinstance(text, str) or not text.strip():
            return google_error(400, "replyText is required.")
        if len(text) > MAX_REPLY:
            return google_error(
                400, f"Reply text too long: {len(text)} characters, the limit is {MAX_REPLY}."
            )
        edited = stamp(self.now())
        found["comments"] = [c for c in found["comments"] if "developerComment" not in c]
        found["comments"].append({"developerComment": {"text": text, "lastModified": edited}})
        self.replies.append({"review": review_id, "replyText": text})
        return Reply(200, {"result": {"replyText": text, "lastEdited": edited}})
