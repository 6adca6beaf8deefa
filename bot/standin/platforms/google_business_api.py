"""A local Google Business Profile API (v4 reviews) for the calls socialdesk makes:

- `GET /v4/accounts/{a}/locations/{l}/reviews` (`pageSize` 1-50, default 50; `orderBy` one of `rating`,
  `rating desc`, `updateTime desc`; `pageToken`): `reviews`, `averageRating`, `totalReviewCount`,
  `nextPageToken` while more remain. An unknown location is a 404 NOT_FOUND.
- `PUT /v4/accounts/{a}/locations/{l}/reviews/{id}/reply` `{"comment": ...}`: sets or replaces the
  owner's reply (one per review); `comment` required, at most 4096 bytes; answers the ReviewReply. An
  unknown (or deleted) review is a 404.

Every call needs a bearer token the token stand-in issued for the `business.manage` scope (401
UNAUTHENTICATED, 403 PERMISSION_DENIED), and `script(Failure(status=429 or 500))` answers Google's error.
A test adds, edits and deletes reviews (`add_review`, `edit_review`, `delete_review`).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import datetime
from typing import Any

from socialdesk.sources.google_business.normalize import STARS
from socialdesk.sources.google_business.samples import iso, review, sample_pages
from socialdesk.standin.platforms.base import RecordedRequest, Reply
from socialdesk.standin.platforms.google_api import (
    GoogleApiStandIn,
    GoogleTokenStandIn,
    body_json,
    google_error,
)

SCOPE = "https://www.googleapis.com/auth/business.manage"
ORDERS = ("rating", "rating desc", "updateTime desc")
LIST = re.compile(r"/v4/(accounts/[^/]+/locations/[^/]+)/reviews")
REPLY = re.compile(r"/v4/(accounts/[^/]+/locations/[^/]+)/reviews/([^/]+)/reply")
MAX_REPLY_BYTES = 4096


class GoogleBusinessStandIn(GoogleApiStandIn):
    scope = SCOPE

    def __init__(self, *, now: Callable[[], datetime], tokens: GoogleTokenStandIn) -> None:
        super().__init__(now=now, tokens=tokens)
        self.locations: dict[str, list[dict[str, Any]]] = {}
        self.replies: list[dict[str, Any]] = []  # every accepted PUT: {"review": name, "comment": ...}
        self._seq = 0

    # --- what a test sets up ------------------------------------------------------------------------------
    def add_location(self, name: str) -> None:
        self.locations.setdefault(name, [])

    def add_review(
        self, location: str, author: str, stars: int, comment: str | None, *, at: datetime | None = None
    ) -> dict[str, Any]:
        with self._lock:
            self._seq += 1
            review_id = f"AbFvOq{self._seq:06d}Xy{abs(hash((location, author, self._seq))) % 10**8:08d}"
            rating = next(k for k, v in STARS.items() if v == stars)
            item = review(review_id, author, rating, comment, at or self.now(), location=location)
            self.locations.setdefault(location, []).append(item)
            return item

    def edit_review(
        self, item: dict[str, Any], *, stars: int | None = None, comment: str | None = None
    ) -> None:
        """The reviewer changes the review: `updateTime` moves to now."""
        with self._lock:
            if stars is not None:
                item["starRating"] = next(k for k, v in STARS.items() if v == stars)
            if comment is not None:
                item["comment"] = comment
            item["updateTime"] = iso(self.now())

    def add_samples(self) -> None:
        """The reviews of the source's recorded samples, so that the conformance harness can answer them."""
        with self._lock:
            for _name, page, _count in sample_pages(self.now()):
                self.locations.setdefault(page["location"], []).extend(page["reviews"])

    def delete_review(self, item: dict[str, Any]) -> None:
        with self._lock:
            for reviews in self.locations.values():
                if item in reviews:
                    reviews.remove(item)

    def reply_of(self, item: dict[str, Any]) -> str | None:
        reply = item.get("reviewReply")
        return reply.get("comment") if isinstance(reply, dict) else None

    # --- serving ------------------------------------------------------------------------------------------
    def route(self, request: RecordedRequest) -> Reply:
        listed = LIST.fullmatch(request.path)
        if listed and request.method == "GET":
            return self._list(request, listed.group(1))
        replied = REPLY.fullmatch(request.path)
        if replied and request.method == "PUT":
            return self._reply(request, replied.group(1), replied.group(2))
        return google_error(404, f"Method not found: {request.method} {request.path}")

    def _list(self, request: RecordedRequest, location: str) -> Reply:
        reviews = self.locations.get(location)
        if reviews is None:
            return google_error(404, "Requested entity was not found.")
        size = request.query.get("pageSize", "50")
        if not size.isdigit() or not 1 <= int(size) <= 50:
            return google_error(400, "Request contains an invalid argument. (pageSize must be 1-50)")
        order = request.query.get("orderBy", "updateTime desc")
        if order not in ORDERS:
            return google_error(400, f"Request contains an invalid argument. (orderBy {order!r})")
        if order == "updateTime desc":
            ordered = sorted(reviews, key=lambda r: (r["updateTime"], r["name"]), reverse=True)
        else:
            ordered = sorted(reviews, key=lambda r: STARS[r["starRating"]], reverse=order.endswith("desc"))
        start = int(request.query.get("pageToken") or 0)
        page = ordered[start : start + int(size)]
        body: dict[str, Any] = {"reviews": page, "totalReviewCount": len(reviews)}
        if reviews:
            body["averageRating"] = round(sum(STARS[r["starRating"]] for r in reviews) / len(reviews), 1)
        if start + len(page) < len(ordered):
            body["nextPageToken"] = str(start + len(page))
        return Reply(200, body)

    def _reply(self, request: RecordedRequest, location: str, review_id: str) -> Reply:
        found = next((r for r in self.locations.get(location, []) if r["reviewId"] == review_id), None)
        if found is None:
            return google_error(404, "Requested entity was not found.")
        body = body_json(request)
        comment = body.get("comment") if isinstance(body, dict) else None
        if not isinstance(comment, str) or not comment.strip():
            return google_error(400, "Request contains an invalid argument. (comment is required)")
        if len(comment.encode("utf-8")) > MAX_REPLY_BYTES:
            return google_error(400, "Request contains an invalid argument. (comment is too long)")
        reply = {"comment": comment, "updateTime": iso(self.now())}
        found["reviewReply"] = reply
        self.replies.append({"review": found["name"], "comment": comment})
        return Reply(200, reply)
