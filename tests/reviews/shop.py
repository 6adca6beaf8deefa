"""A minimal review store for the core's review tests: a one-answer source plugin ("shop") and its
stand-in, a real HTTP server with the store's rules (a bearer token, one answer per review: a second
POST is refused with 409 and an answer is replaced by PUT to its id, 350 characters counted as the
store counts, the text required).

The source normalizes a page of reviews, {"reviews": [{"id", "author", "rating", "title", "version",
"text", "at", "edited"}]}, the way the real review sources do (socialdesk.sources.google, appstore,
trustpilot): stars in `rating`, the title and app version in `details`, `edited` for a new version.
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

import httpx

from socialdesk.domain.enums import MentionKind, Platform
from socialdesk.plugins import (
    Author,
    BrandAccounts,
    ErrorKind,
    MalformedPayload,
    NormalizedMention,
    NormalizeResult,
    OutgoingReply,
    PlatformError,
    PlatformSpec,
    Plugin,
    ReplyCapabilities,
    SentReply,
    Source,
)
from socialdesk.testing import RecordedRequest, Reply, StandInServer

TOKEN = "shop-store-token"
MAX_ANSWER = 350


def store_length(text: str) -> int:
    """The store counts code points, a line break as two (as CRLF on its side): the reply form must
    count the same way, which `len` would not."""
    return len(text) + text.count("\n")


SHOP = PlatformSpec(
    "shop",
    "Shop Reviews",
    ReplyCapabilities(
        public=True, private=False, max_length=MAX_ANSWER, length=store_length, one_answer=True
    ),
)


class ShopStandIn(StandInServer):
    """The store: POST /reviews/{id}/answer creates the one answer, PUT /answers/{id} replaces it."""

    def __init__(self) -> None:
        super().__init__()
        self.answers: dict[str, dict[str, str]] = {}  # answer id -> {"review": ..., "text": ...}
        self.by_review: dict[str, str] = {}  # review id -> its answer's id

    def handle(self, request: RecordedRequest) -> Reply:
        if request.headers.get("authorization") != f"Bearer {TOKEN}":
            return Reply(401, {"error": "invalid or missing bearer token"})
        failure = self.take_failure(request.path)
        if failure is not None and failure.status is not None:
            return Reply(failure.status, failure.body or {"error": "scripted"}, failure.headers)
        body = request.json if request.body else None
        text = body.get("text") if isinstance(body, dict) else None
        if not isinstance(text, str) or not text.strip():
            return Reply(400, {"error": "text is required"})
        if store_length(text) > MAX_ANSWER:
            return Reply(400, {"error": f"text is longer than {MAX_ANSWER} characters"})
        parts = request.path.strip("/").split("/")
        if request.method == "POST" and len(parts) == 3 and parts[0] == "reviews" and parts[2] == "answer":
            review = parts[1]
            if review in self.by_review:
                return Reply(
                    409, {"error": "this review already has an answer; PUT /answers/{id} to edit it"}
                )
            answer_id = f"ans-{len(self.answers) + 1}"
            self.answers[answer_id] = {"review": review, "text": text}
            self.by_review[review] = answer_id
            return Reply(201, {"id": answer_id})
        if request.method == "PUT" and len(parts) == 2 and parts[0] == "answers":
            if parts[1] not in self.answers:
                return Reply(404, {"error": "no such answer"})
            self.answers[parts[1]]["text"] = text
            return Reply(200, {"id": parts[1]})
        return Reply(404, {"error": f"no route {request.method} {request.path}"})


class ShopSource(Source):
    name = "shop"
    platforms = (SHOP,)

    def __init__(self, api_url: str) -> None:
        self.api_url = api_url
        self.sent: list[OutgoingReply] = []

    def normalize(self, payload: Any, brand: BrandAccounts) -> NormalizeResult:
        if not isinstance(payload, dict) or not isinstance(payload.get("reviews"), list):
            raise MalformedPayload("body.reviews: missing")
        return NormalizeResult(mentions=[_review(r) for r in payload["reviews"]])

    def reply(self, reply: OutgoingReply, *, now: datetime) -> SentReply:
        self.sent.append(reply)
        headers = {"authorization": f"Bearer {TOKEN}"}
        with httpx.Client(base_url=self.api_url, timeout=5) as client:
            if reply.replaces:  # one answer per review: ours is edited, never a second one posted
                response = client.put(
                    f"/answers/{reply.replaces}", json={"text": reply.text}, headers=headers
                )
            else:
                response = client.post(
                    f"/reviews/{reply.target.external_id}/answer", json={"text": reply.text}, headers=headers
                )
        if response.status_code >= 400:
            raise PlatformError(
                ErrorKind.REJECTED, f"The store refused the answer: {response.json()['error']}"
            )
        return SentReply(str(response.json()["id"]))


def _review(r: dict[str, Any]) -> NormalizedMention:
    details = tuple(
        (label, str(r[key])) for label, key in (("Title", "title"), ("Version", "version")) if r.get(key)
    )
    return NormalizedMention(
        platform=Platform("shop"),
        external_id=str(r["id"]),
        kind=MentionKind.REVIEW,
        author=Author(id=r["author"], handle=r["author"], name=r["author"].title()),
        text=r.get("text", ""),
        posted_at=datetime.fromisoformat(r["at"]),
        conversation_key=f"shop:{r['id']}",
        url=f"https://shop.example/reviews/{r['id']}",
        rating=r.get("rating"),
        details=details,
        edited=bool(r.get("edited")),
    )


def shop_plugin(source: ShopSource) -> Plugin:
    def build(settings: object, host: object) -> list[Source]:
        SHOP.register()
        return [source]

    return Plugin(name="shop", version="0.1", build=build)


def page(*reviews: dict[str, Any]) -> bytes:
    return json.dumps({"reviews": list(reviews)}).encode()


def review(
    review_id: str,
    rating: int,
    text: str,
    at: datetime,
    *,
    author: str = "dana",
    edited: bool = False,
    **more: Any,
) -> dict[str, Any]:
    return {
        "id": review_id,
        "author": author,
        "rating": rating,
        "text": text,
        "at": at.isoformat(),
        "edited": edited,
        **more,
    }
