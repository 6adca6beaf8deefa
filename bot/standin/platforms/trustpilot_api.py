"""A local Trustpilot API for the calls socialdesk makes, answering like `api.trustpilot.com`:

- `POST /v1/oauth/oauth-business-users-for-applications/accesstoken`, form `grant_type=client_credentials`
  with `Authorization: Basic base64(key:secret)`: an access token and `expires_in` (seconds, as a string,
  100 hours by default) in the API gateway's answer; a wrong key or secret is a 401 `invalid_client`, a
  missing or other grant a 400.
- `GET /v1/private/business-units/{id}/reviews` (`orderBy` createdat.asc|desc or stars.asc|desc, `page`
  from 1, `perPage` 1-100 (default 20), `startDateTime` `2013-09-07T13:37:00`): the reviews of the unit,
  `links` with `next-page` while more remain. Another unit's id is a 403.
- `POST /v1/private/reviews/{reviewId}/reply` `{"message", "authorBusinessUserId"}`: 201, no body; the
  review's one `companyReply` is created, or replaced (its `updatedAt` set) when it has one. An unknown
  review is a 404; a missing message or author (when `require_author`) a 400.
- `DELETE /v1/private/reviews/{reviewId}/reply`: 204.

Every API call needs `Authorization: Bearer <token>` of a token this stand-in issued and that has not
expired by the injected clock, and the key as `apikey`; refusals are the gateway's 401 faults (`Invalid
Access Token`, `Access Token expired`). `script(Failure(status=429 or 500, ...))` forces an answer;
`revoke_tokens()` forgets every token issued (a rotated secret).
"""

from __future__ import annotations

import base64
import json
import secrets
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import parse_qs

from socialdesk.sources.trustpilot.samples import BUSINESS_UNIT_ID, iso, object_id, review
from socialdesk.standin.platforms.base import RecordedRequest, Reply, StandInServer

TOKEN_PATH = "/v1/oauth/oauth-business-users-for-applications/accesstoken"
REVIEWS = "/v1/private/business-units/"
REPLY = "/v1/private/reviews/"
ORDERS = ("createdat.asc", "createdat.desc", "stars.asc", "stars.desc")
FAULTS = {
    429: ("Rate limit quota violation. Quota limit exceeded.", "policies.ratelimit.QuotaViolation"),
    500: ("Internal Server Error", "messaging.adaptors.http.flow.ServiceUnavailable"),
    503: ("The Service is temporarily unavailable", "messaging.adaptors.http.flow.ServiceUnavailable"),
}


def fault(status: int, text: str, code: str, headers: dict[str, str] | None = None) -> Reply:
    """The API gateway's error shape."""
    return Reply(status, {"fault": {"faultstring": text, "detail": {"errorcode": code}}}, headers or {})


def api_error(status: int, message: str) -> Reply:
    """The API's own error shape."""
    return Reply(status, {"message": message, "errorCode": status, "details": message})


class TrustpilotStandIn(StandInServer):
    def __init__(
        self,
        *,
        now: Callable[[], datetime],
        api_key: str = "tp-key-0c1d2e3f",
        api_secret: str = "tp-secret-9a8b7c6d",
        business_unit_id: str = BUSINESS_UNIT_ID,
        business_user_id: str = "5e1f0a9b8c7d6e5f4a3b2c1d",
        token_lifetime: timedelta = timedelta(hours=100),
        require_author: bool = True,
    ) -> None:
        super().__init__()
        self.now = now
        self.api_key, self.api_secret = api_key, api_secret
        self.business_unit_id, self.business_user_id = business_unit_id, business_user_id
        self.token_lifetime = token_lifetime
        self.require_author = require_author
        self.reviews: list[dict[str, Any]] = []
        self.reply_posts: list[dict[str, Any]] = []  # accepted reply bodies, with the review id
        self._tokens: dict[str, datetime] = {}  # token -> expiry
        self.issued = 0

    @property
    def token_url(self) -> str:
        return self.url + TOKEN_PATH

    # --- what a test sets up ------------------------------------------------------------------------------
    def add_review(
        self,
        name: str,
        stars: int,
        title: str,
        text: str,
        *,
        at: datetime | None = None,
        **kw: Any,
    ) -> dict[str, Any]:
        """A consumer's review of the unit, written `at` (now by default)."""
        with self._lock:
            review_id = object_id(f"review:{len(self.reviews)}:{name}:{title}")
            item = review(
                review_id,
                stars=stars,
                title=title,
                text=text,
                name=name,
                created=at or self.now(),
                business_unit_id=self.business_unit_id,
                **kw,
            )
            self.reviews.append(item)
            return item

    def edit_review(self, review_id: str, **changes: Any) -> dict[str, Any]:
        """The consumer edits their review (`stars`, `title`, `text`): `updatedAt` moves to now."""
        with self._lock:
            item = self._review(review_id)
            if item is None:
                raise KeyError(review_id)
            item.update(changes)
            item["updatedAt"] = iso(self.now())
            return item

    def revoke_tokens(self) -> None:
        with self._lock:
            self._tokens.clear()

    def reply_of(self, review_id: str) -> dict[str, Any] | None:
        with self._lock:
            item = self._review(review_id)
            return item.get("companyReply") if item is not None else None

    def calls(self, method: str, prefix: str) -> list[RecordedRequest]:
        with self._lock:
            return [r for r in self.requests if r.method == method and r.path.startswith(prefix)]

    def token_calls(self) -> list[RecordedRequest]:
        return self.calls("POST", TOKEN_PATH)

    def _review(self, review_id: str) -> dict[str, Any] | None:
        return next((r for r in self.reviews if r["id"] == review_id), None)

    # --- serving ------------------------------------------------------------------------------------------
    def handle(self, request: RecordedRequest) -> Reply:
        failure = self.take_failure(f"{request.method} {request.path}")
        if failure is not None and failure.status is not None:
            text, code = FAULTS.get(failure.status, ("Error", "messaging.runtime.Error"))
            reply = fault(failure.status, text, code, dict(failure.headers))
            if failure.body is not None:
                reply.body = failure.body
            return reply
        if request.path == TOKEN_PATH:
            return self._token(request) if request.method == "POST" else api_error(405, "Method not allowed")
        problem = self._check_access(request)
        if problem is not None:
            return problem
        if request.method == "GET" and request.path.startswith(REVIEWS) and request.path.endswith("/reviews"):
            unit = request.path.removeprefix(REVIEWS).removesuffix("/reviews")
            return self._list(request, unit)
        if request.path.startswith(REPLY) and request.path.endswith("/reply"):
            review_id = request.path.removeprefix(REPLY).removesuffix("/reply")
            if request.method == "POST":
                return self._reply(request, review_id)
            if request.method == "DELETE":
                return self._delete_reply(review_id)
        return api_error(404, "Resource not found")

    # --- tokens -------------------------------------------------------------------------------------------
    def _token(self, request: RecordedRequest) -> Reply:
        header = request.headers.get("authorization", "")
        try:
            pair = base64.b64decode(header.removeprefix("Basic "), validate=True).decode()
        except ValueError:
            pair = ""
        key, _, secret = pair.partition(":")
        if not header.startswith("Basic ") or not (
            secrets.compare_digest(key, self.api_key) and secrets.compare_digest(secret, self.api_secret)
        ):
            return Reply(401, {"ErrorCode": "invalid_client", "Error": "ClientId is Invalid"})
        if "application/x-www-form-urlencoded" not in request.headers.get("content-type", ""):
            return Reply(400, {"ErrorCode": "invalid_request", "Error": "Unsupported content type"})
        form = {k: v[-1] for k, v in parse_qs(request.body.decode(errors="replace")).items()}
        grant = form.get("grant_type")
        if grant != "client_credentials":
            return Reply(400, {"ErrorCode": "invalid_request", "Error": f"Unsupported grant type : {grant}"})
        token = secrets.token_urlsafe(24)
        now = self.now()
        self._tokens[token] = now + self.token_lifetime
        self.issued += 1
        body = {
            "refresh_token_expires_in": "0",
            "api_product_list": "[Business Units API, Service Reviews API]",
            "organization_name": "trustpilot",
            "token_type": "BearerToken",
            "issued_at": str(int(now.timestamp() * 1000)),
            "client_id": self.api_key,
            "access_token": token,
            "application_name": "socialdesk",
            "scope": "",
            "expires_in": str(int(self.token_lifetime.total_seconds())),
            "refresh_count": "0",
            "status": "approved",
        }
        return Reply(200, body)

    def _check_access(self, request: RecordedRequest) -> Reply | None:
        header = request.headers.get("authorization", "")
        token = header.removeprefix("Bearer ") if header.startswith("Bearer ") else None
        expiry = self._tokens.get(token) if token else None
        if expiry is None:
            return fault(401, "Invalid Access Token", "keymanagement.service.invalid_access_token")
        if self.now() >= expiry:
            return fault(401, "Access Token expired", "keymanagement.service.access_token_expired")
        if request.headers.get("apikey") != self.api_key:
            return fault(401, "Invalid ApiKey", "oauth.v2.InvalidApiKey")
        return None

    # --- the API ------------------------------------------------------------------------------------------
    def _list(self, request: RecordedRequest, unit: str) -> Reply:
        if unit != self.business_unit_id:
            return api_error(403, "Access to the business unit is not allowed")
        per_page, page = request.query.get("perPage", "20"), request.query.get("page", "1")
        if not per_page.isdigit() or not 1 <= int(per_page) <= 100:
            return api_error(400, "perPage must be between 1 and 100")
        if not page.isdigit() or int(page) < 1:
            return api_error(400, "page must be at least 1")
        order = request.query.get("orderBy", "createdat.desc")
        if order not in ORDERS:
            return api_error(400, f"orderBy must be one of {', '.join(ORDERS)}")
        found = list(self.reviews)
        start = request.query.get("startDateTime")
        if start:
            try:
                since = datetime.fromisoformat(start)
            except ValueError:
                return api_error(400, "startDateTime is not a date time")
            if since.tzinfo is not None:
                return api_error(400, "startDateTime takes no time zone")
            found = [r for r in found if r["createdAt"] >= since.strftime("%Y-%m-%dT%H:%M:%SZ")]
        field_name, _, direction = order.partition(".")
        key = "createdAt" if field_name == "createdat" else "stars"
        found.sort(key=lambda r: (r[key], r["id"]), reverse=direction == "desc")
        size, number = int(per_page), int(page)
        chunk = found[(number - 1) * size : number * size]
        links = []
        if number * size < len(found):
            href = f"https://api.trustpilot.com{request.path}?page={number + 1}&perPage={size}"
            links.append({"href": href, "method": "GET", "rel": "next-page"})
        return Reply(200, {"reviews": json.loads(json.dumps(chunk)), "links": links})

    def _reply(self, request: RecordedRequest, review_id: str) -> Reply:
        try:
            body = json.loads(request.body) if request.body else None
        except ValueError:
            body = None
        if not isinstance(body, dict):
            return api_error(400, "The request body must be a JSON object")
        message = body.get("message")
        if not isinstance(message, str) or not message.strip():
            return api_error(400, "message is required")
        author = body.get("authorBusinessUserId")
        if self.require_author and author is None:
            return api_error(400, "authorBusinessUserId is required")
        if author is not None and author != self.business_user_id:
            return api_error(400, "authorBusinessUserId is not a user of this business unit")
        item = self._review(review_id)
        if item is None:
            return api_error(404, "Review not found")
        now = iso(self.now())
        existing = item.get("companyReply")
        created = existing["createdAt"] if existing else now
        item["companyReply"] = {
            "text": message,
            "authorBusinessUserId": author,
            "createdAt": created,
            "updatedAt": now if existing else None,
        }
        self.reply_posts.append({"review_id": review_id, **body})
        return Reply(201, b"")

    def _delete_reply(self, review_id: str) -> Reply:
        item = self._review(review_id)
        if item is None:
            return api_error(404, "Review not found")
        item["companyReply"] = None
        return Reply(204, b"")
