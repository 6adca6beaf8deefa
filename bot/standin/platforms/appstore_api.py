"""A local App Store Connect for the calls socialdesk makes, answering like `api.appstoreconnect.apple.com`
(JSON:API documents):

- `GET /v1/apps/{id}/customerReviews`: `sort` (`createdDate`, `-createdDate`, `rating`, `-rating`;
  default newest first), `limit` 1-200 (default 50), `filter[territory]` and `filter[rating]`
  (comma-separated), `exists[publishedResponse]`, `cursor` (from `links.next`, which repeats the query);
  an unknown app is a 404 NOT_FOUND. Only reviews created by the stand-in's clock are listed.
- `GET /v1/customerReviews/{id}/response`: the review's response, or 404.
- `POST /v1/customerReviewResponses`: the document must be `data.type` `customerReviewResponses`, a string
  `attributes.responseBody` of 1-5970 characters and `relationships.review.data` naming a known review
  (`type` `customerReviews`); a review has ONE response: a second POST overwrites it (same id), as Apple
  does. Answers 201 with the response (`state` PENDING_PUBLISH).
- `DELETE /v1/customerReviewResponses/{id}`: 204.

Every call needs `Authorization: Bearer <JWT>`, checked as Apple does: ES256 signed by the private key
of `public_key`, header `kid` = the key id (and `typ` JWT if given), claims `iss` = the issuer id, `aud`
= `appstoreconnect-v1`, `iat`, and `exp` in the future (by the injected clock) but at most 20 minutes
ahead. Any failure is a 401 NOT_AUTHORIZED with Apple's words; the reason is kept in `refusals` for tests.
Every answer carries `X-Rate-Limit: user-hour-lim:3600;user-hour-rem:N;`; a spent hour is a 429.
`script(Failure(status=429 or 500, route="GET /v1/apps/<id>/customerReviews"))` forces an answer (a 429
with `Retry-After`).
"""

from __future__ import annotations

import base64
import json
import re
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import urlencode

import jwt
from cryptography.hazmat.primitives.asymmetric import ec

from socialdesk.sources.appstore.samples import apple_time, review, sample_reviews
from socialdesk.standin.platforms.base import RecordedRequest, Reply, StandInServer

AUDIENCE = "appstoreconnect-v1"
MAX_TOKEN_LIFE = timedelta(minutes=20)
MAX_RESPONSE = 5970
HOUR_LIMIT = 3600
SORTS = ("createdDate", "-createdDate", "rating", "-rating")
NOT_AUTHORIZED = (
    "Provide a properly configured and signed bearer token, and make sure that it has not expired. "
    "Learn more about Generating Tokens for API Requests https://developer.apple.com/go/?id=api-generating-tokens"
)
_REVIEWS = re.compile(r"^/v1/apps/([^/]+)/customerReviews$")
_RESPONSE_OF = re.compile(r"^/v1/customerReviews/([^/]+)/response$")
_RESPONSE = re.compile(r"^/v1/customerReviewResponses/([^/]+)$")


def _error(status: int, code: str, title: str, detail: str, headers: dict[str, str] | None = None) -> Reply:
    body = {
        "errors": [
            {"id": str(uuid.uuid4()), "status": str(status), "code": code, "title": title, "detail": detail}
        ]
    }
    return Reply(status, body, headers or {})


def new_key_pair() -> tuple[ec.EllipticCurvePrivateKey, ec.EllipticCurvePublicKey]:
    """A P-256 key pair like the one behind a `.p8` file (tests and the demo make one each run)."""
    private = ec.generate_private_key(ec.SECP256R1())
    return private, private.public_key()


@dataclass(slots=True)
class StoredResponse:
    id: str
    review_id: str
    body: str
    modified: datetime
    versions: int = 1  # how many times it was written (1: never replaced)


class AppStoreStandIn(StandInServer):
    def __init__(
        self,
        *,
        now: Callable[[], datetime],
        public_key: ec.EllipticCurvePublicKey,
        key_id: str = "2X9R4HXF34",
        issuer_id: str = "57246542-96fe-1a63-e053-0824d011072a",
        apps: tuple[str, ...] = ("1488977981",),
    ) -> None:
        super().__init__()
        self.now = now
        self.public_key = public_key
        self.key_id = key_id
        self.issuer_id = issuer_id
        self.apps: dict[str, list[dict[str, Any]]] = {app: [] for app in apps}
        self.responses: dict[str, StoredResponse] = {}  # review id -> its one response
        self.refusals: list[str] = []  # why each refused token was refused
        self.hour_limit = HOUR_LIMIT
        self._hour: tuple[datetime, int] | None = None
        self._seq = 0

    # --- what a test sets up ----------------------------------------------------------------------------
    def add_review(
        self,
        app: str,
        *,
        rating: int,
        title: str,
        body: str,
        nickname: str,
        at: datetime | None = None,
        territory: str = "USA",
        review_id: str | None = None,
    ) -> dict[str, Any]:
        self._seq += 1
        rid = review_id or f"00000070-{self._seq:04x}-4a2b-9c1d-{uuid.uuid4().hex[:12]}"
        item = review(
            rid,
            rating=rating,
            title=title,
            body=body,
            nickname=nickname,
            created=at or self.now(),
            territory=territory,
        )
        self.apps.setdefault(app, []).append(item)
        return item

    def add_samples(self, app: str) -> list[dict[str, Any]]:
        """The source's recorded sample reviews (so the conformance harness's reply finds its review)."""
        items = sample_reviews(self.now())
        self.apps.setdefault(app, []).extend(items)
        return items

    def edit_review(
        self,
        review_id: str,
        *,
        rating: int | None = None,
        body: str | None = None,
        title: str | None = None,
        redate: bool = False,
    ) -> dict[str, Any]:
        """The customer rewrites their review: Apple keeps the id (and re-dates it when `redate`)."""
        item = self.review(review_id)
        attributes = item["attributes"]
        for key, value in (("rating", rating), ("body", body), ("title", title)):
            if value is not None:
                attributes[key] = value
        if redate:
            attributes["createdDate"] = apple_time(self.now())
        return item

    def review(self, review_id: str) -> dict[str, Any]:
        for items in self.apps.values():
            for item in items:
                if item["id"] == review_id:
                    return item
        raise KeyError(review_id)

    def calls(self, method: str, prefix: str) -> list[RecordedRequest]:
        with self._lock:
            return [r for r in self.requests if r.method == method and r.path.startswith(prefix)]

    # --- serving ------------------------------------------------------------------------------------------
    def handle(self, request: RecordedRequest) -> Reply:
        route = f"{request.method} {request.path}"
        failure = self.take_failure(route)
        if failure is not None and failure.status is not None:
            if failure.status == 429:
                headers = {
                    "Retry-After": "60",
                    "X-Rate-Limit": f"user-hour-lim:{self.hour_limit};user-hour-rem:0;",
                }
                reply = _error(
                    429,
                    "RATE_LIMIT_EXCEEDED",
                    "The request rate limit has been reached.",
                    "We've received too many requests for this API. Please wait and try again or "
                    "slow down your request rate.",
                    headers,
                )
            else:
                reply = _error(
                    failure.status,
                    "UNEXPECTED_ERROR",
                    "An unexpected error occurred.",
                    "An unexpected error occurred on the server side. If this issue continues, "
                    "contact us at https://developer.apple.com/contact/.",
                )
            if failure.body is not None:
                reply.body = failure.body
            reply.headers.update(failure.headers)
            return reply
        refused = self._check_token(request)
        if refused is not None:
            return refused
        used = self._count()
        if used > self.hour_limit:
            return _error(
                429,
                "RATE_LIMIT_EXCEEDED",
                "The request rate limit has been reached.",
                "We've received too many requests for this API.",
                self._rate_headers(used),
            )
        reply = self._route(request)
        reply.headers.update(self._rate_headers(used))
        return reply

    def _route(self, request: RecordedRequest) -> Reply:
        if request.method == "GET" and (found := _REVIEWS.match(request.path)):
            return self._list(request, found.group(1))
        if request.method == "GET" and (found := _RESPONSE_OF.match(request.path)):
            return self._response_of(found.group(1))
        if request.method == "POST" and request.path == "/v1/customerReviewResponses":
            return self._respond(request)
        if request.method == "DELETE" and (found := _RESPONSE.match(request.path)):
            return self._delete(found.group(1))
        return _error(
            404,
            "NOT_FOUND",
            "The specified resource does not exist",
            f"The path provided does not match a defined resource type: {request.path}",
        )

    # --- the token ----------------------------------------------------------------------------------------
    def _refuse(self, why: str) -> Reply:
        self.refusals.append(why)
        return _error(
            401, "NOT_AUTHORIZED", "Authentication credentials are missing or invalid.", NOT_AUTHORIZED
        )

    def _check_token(self, request: RecordedRequest) -> Reply | None:
        header = request.headers.get("authorization", "")
        if not header.startswith("Bearer "):
            return self._refuse("no bearer token")
        token = header.removeprefix("Bearer ")
        try:
            head = jwt.get_unverified_header(token)
        except jwt.PyJWTError as exc:
            return self._refuse(f"not a JWT: {exc}")
        if head.get("alg") != "ES256":
            return self._refuse(f"alg {head.get('alg')!r}, not ES256")
        if head.get("kid") != self.key_id:
            return self._refuse(f"kid {head.get('kid')!r} is not the key's id")
        if head.get("typ", "JWT") != "JWT":
            return self._refuse(f"typ {head.get('typ')!r}")
        try:
            claims = jwt.decode(
                token,
                self.public_key,
                algorithms=["ES256"],
                audience=AUDIENCE,
                issuer=self.issuer_id,
                # Time is judged below by the stand-in's clock, not the host's.
                options={
                    "verify_exp": False,
                    "verify_iat": False,
                    "verify_nbf": False,
                    "require": ["iss", "iat", "exp", "aud"],
                },
            )
        except jwt.InvalidSignatureError:
            return self._refuse("signature does not verify with the key")
        except jwt.InvalidAudienceError:
            return self._refuse("aud is not appstoreconnect-v1")
        except jwt.InvalidIssuerError:
            return self._refuse("iss is not the issuer id")
        except jwt.PyJWTError as exc:
            return self._refuse(f"invalid token: {exc}")
        now = self.now().timestamp()
        exp, iat = claims.get("exp"), claims.get("iat")
        if not isinstance(exp, int | float) or not isinstance(iat, int | float):
            return self._refuse("exp and iat must be numbers")
        if exp <= now:
            return self._refuse("expired")
        if exp - now > MAX_TOKEN_LIFE.total_seconds() or exp - iat > MAX_TOKEN_LIFE.total_seconds():
            return self._refuse("lives longer than 20 minutes")
        return None

    def _count(self) -> int:
        now = self.now()
        if self._hour is None or now >= self._hour[0] + timedelta(hours=1):
            self._hour = (now, 0)
        self._hour = (self._hour[0], self._hour[1] + 1)
        return self._hour[1]

    def _rate_headers(self, used: int) -> dict[str, str]:
        return {
            "X-Rate-Limit": f"user-hour-lim:{self.hour_limit};user-hour-rem:{max(0, self.hour_limit - used)};"
        }

    # --- the API ------------------------------------------------------------------------------------------
    def _list(self, request: RecordedRequest, app: str) -> Reply:
        if app not in self.apps:
            return _error(
                404,
                "NOT_FOUND",
                "The specified resource does not exist",
                f"There is no resource of type 'apps' with id '{app}'",
            )
        query = dict(request.query)
        cursor = query.pop("cursor", None)
        sort = query.get("sort", "-createdDate")
        if sort not in SORTS:
            return _error(
                400,
                "PARAMETER_ERROR.INVALID",
                "A parameter has an invalid value",
                f"'{sort}' is not a valid value for the 'sort' parameter",
            )
        limit = query.get("limit", "50")
        if not limit.isdigit() or not 1 <= int(limit) <= 200:
            return _error(
                400,
                "PARAMETER_ERROR.INVALID",
                "A parameter has an invalid value",
                f"'{limit}' is not a valid value for the 'limit' parameter; it must be 1-200",
            )
        now = self.now()
        items = [r for r in self.apps[app] if _created(r) <= now]
        territories = [t for t in query.get("filter[territory]", "").split(",") if t]
        if territories:
            items = [r for r in items if r["attributes"]["territory"] in territories]
        ratings = [t for t in query.get("filter[rating]", "").split(",") if t]
        if ratings:
            items = [r for r in items if str(r["attributes"]["rating"]) in ratings]
        published = query.get("exists[publishedResponse]")
        if published in ("true", "false"):
            items = [r for r in items if (r["id"] in self.responses) == (published == "true")]
        key = "rating" if sort.lstrip("-") == "rating" else "createdDate"
        items.sort(
            key=lambda r: (r["attributes"]["rating"] if key == "rating" else _created(r), r["id"]),
            reverse=sort.startswith("-"),
        )
        offset = int(base64.urlsafe_b64decode(cursor.encode()).decode()) if cursor else 0
        page = items[offset : offset + int(limit)]
        path = f"/v1/apps/{app}/customerReviews"
        links: dict[str, Any] = {"self": f"{self.url}{path}"}
        if offset + len(page) < len(items):
            next_cursor = base64.urlsafe_b64encode(str(offset + len(page)).encode()).decode()
            links["next"] = f"{self.url}{path}?{urlencode({**query, 'cursor': next_cursor})}"
        body = {"data": page, "links": links, "meta": {"paging": {"total": len(items), "limit": int(limit)}}}
        return Reply(200, body)

    def _response_document(self, stored: StoredResponse) -> dict[str, Any]:
        return {
            "data": {
                "type": "customerReviewResponses",
                "id": stored.id,
                "attributes": {
                    "responseBody": stored.body,
                    "lastModifiedDate": apple_time(stored.modified),
                    "state": "PENDING_PUBLISH",
                },
                "relationships": {"review": {"data": {"type": "customerReviews", "id": stored.review_id}}},
                "links": {"self": f"{self.url}/v1/customerReviewResponses/{stored.id}"},
            },
            "links": {"self": f"{self.url}/v1/customerReviewResponses/{stored.id}"},
        }

    def _response_of(self, review_id: str) -> Reply:
        try:
            self.review(review_id)
        except KeyError:
            return _error(
                404,
                "NOT_FOUND",
                "The specified resource does not exist",
                f"There is no resource of type 'customerReviews' with id '{review_id}'",
            )
        stored = self.responses.get(review_id)
        if stored is None:
            return _error(
                404,
                "NOT_FOUND",
                "The specified resource does not exist",
                f"There is no resource of type 'customerReviewResponses' for review '{review_id}'",
            )
        return Reply(200, self._response_document(stored))

    def _respond(self, request: RecordedRequest) -> Reply:
        def invalid(detail: str, pointer: str) -> Reply:
            reply = _error(409, "ENTITY_ERROR.ATTRIBUTE.INVALID", "An attribute value is invalid.", detail)
            reply.body["errors"][0]["source"] = {"pointer": pointer}
            return reply

        try:
            document = json.loads(request.body) if request.body else None
        except ValueError:
            return _error(
                400, "PARAMETER_ERROR.INVALID", "The request entity is not valid JSON", "Invalid JSON"
            )
        data = document.get("data") if isinstance(document, dict) else None
        if not isinstance(data, dict) or data.get("type") != "customerReviewResponses":
            return _error(
                409,
                "ENTITY_ERROR.INCLUDED.INVALID_TYPE",
                "The resource type is invalid.",
                "The 'type' of the request entity must be 'customerReviewResponses'",
            )
        text = (data.get("attributes") or {}).get("responseBody")
        if not isinstance(text, str) or not text.strip():
            return invalid(
                "'responseBody' is required and must not be empty", "/data/attributes/responseBody"
            )
        if len(text) > MAX_RESPONSE:
            return invalid(
                f"'responseBody' must be at most {MAX_RESPONSE} characters", "/data/attributes/responseBody"
            )
        target = (((data.get("relationships") or {}).get("review") or {}).get("data")) or {}
        if target.get("type") != "customerReviews" or not isinstance(target.get("id"), str):
            return invalid(
                "relationships.review.data must name a customerReviews resource", "/data/relationships/review"
            )
        review_id = target["id"]
        try:
            self.review(review_id)
        except KeyError:
            return _error(
                404,
                "NOT_FOUND",
                "The specified resource does not exist",
                f"There is no resource of type 'customerReviews' with id '{review_id}'",
            )
        stored = self.responses.get(review_id)
        if stored is None:
            stored = self.responses[review_id] = StoredResponse(
                str(uuid.uuid4()), review_id, text, self.now()
            )
        else:  # one response per review: this one is overwritten
            stored.body, stored.modified, stored.versions = text, self.now(), stored.versions + 1
        return Reply(201, self._response_document(stored))

    def _delete(self, response_id: str) -> Reply:
        for review_id, stored in list(self.responses.items()):
            if stored.id == response_id:
                del self.responses[review_id]
                return Reply(204, b"")
        return _error(
            404,
            "NOT_FOUND",
            "The specified resource does not exist",
            f"There is no resource of type 'customerReviewResponses' with id '{response_id}'",
        )


def _created(item: dict[str, Any]) -> datetime:
    return datetime.fromisoformat(item["attributes"]["createdDate"])
