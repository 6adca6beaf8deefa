"""A receiver for replies to generic-source mentions: what an integrator puts behind `GENERIC_REPLY_URL`.

`POST {path}` with a JSON body and `X-Socialdesk-Signature: sha256=<hex HMAC-SHA256(secret, raw body)>`
(checked here independently of socialdesk's own code, as a third party would) and `Idempotency-Key`.

- a missing or wrong signature: 401 `{"error": "auth", "message": ...}`; nothing is accepted;
- a body that is not a JSON object, or without `text` / `in_reply_to`: 422 `{"error": "rejected", ...}`;
- `in_reply_to` named in `gone`: 410 `{"error": "gone", ...}`;
- otherwise 201 `{"id", "url"}`, the body lands in `received`; a repeated `Idempotency-Key` answers 200
  with the first reply's id and is not recorded twice, as an idempotent receiver should.

`fail_next` scripts any status, body and headers, a dropped connection or a slow answer.
"""

from __future__ import annotations

import hashlib
import hmac
import itertools
import json
from dataclasses import dataclass
from typing import Any

from socialdesk.standin.platforms.base import Failure, RecordedRequest, Reply, StandInServer

DEFAULT_PATH = "/socialdesk/replies"


@dataclass(frozen=True, slots=True)
class ReceivedReply:
    id: str
    idempotency_key: str
    body: dict[str, Any]


class GenericReceiverStandIn(StandInServer):
    def __init__(self, *, secret: str = "generic-test-secret", path: str = DEFAULT_PATH) -> None:
        super().__init__()
        self.secret = secret
        self.path = path
        self.received: list[ReceivedReply] = []
        self.gone: set[str] = set()  # `in_reply_to` values answered with 410
        self._ids = itertools.count(1)

    @property
    def reply_url(self) -> str:
        return self.url + self.path

    def fail_next(
        self,
        status: int | None = None,
        *,
        body: Any = None,
        headers: dict[str, str] | None = None,
        delay: float | None = None,
        disconnect: bool = False,
        times: int = 1,
    ) -> None:
        """The next `times` calls get `status` with `body` (by default `{"error": "unavailable"}` for a
        5xx, else `{"error": "rejected"}`), a dropped connection, or (status None) a late normal answer."""
        if status is not None and body is None:
            body = {"error": "unavailable" if status >= 500 else "rejected", "message": f"forced {status}"}
        failure = Failure(status, body, dict(headers or {}), delay, disconnect)
        self.script(failure, times=times)

    def handle(self, request: RecordedRequest) -> Reply:
        failure = self.take_failure("replies")
        if failure is not None and (failure.disconnect or failure.status is not None):
            return Reply(
                failure.status or 0, failure.body, dict(failure.headers), failure.disconnect, failure.delay
            )
        reply = self._answer(request)
        if failure is not None:
            reply.delay = failure.delay
        return reply

    def _answer(self, request: RecordedRequest) -> Reply:
        if request.method != "POST" or request.path != self.path:
            return Reply(404, {"error": "not_found", "message": "no such route"})
        expected = "sha256=" + hmac.new(self.secret.encode(), request.body, hashlib.sha256).hexdigest()
        given = request.headers.get("x-socialdesk-signature", "")
        if not hmac.compare_digest(given.encode(), expected.encode()):
            return Reply(401, {"error": "auth", "message": "missing or bad X-Socialdesk-Signature"})
        key = request.headers.get("idempotency-key", "")
        try:
            body = json.loads(request.body)
        except ValueError:
            body = None
        if not isinstance(body, dict) or not body.get("text") or not body.get("in_reply_to") or not key:
            message = "a JSON object with text and in_reply_to, and an Idempotency-Key header, are required"
            return Reply(422, {"error": "rejected", "message": message})
        if body["in_reply_to"] in self.gone:
            return Reply(410, {"error": "gone", "message": "the item was deleted"})
        for earlier in self.received:
            if earlier.idempotency_key == key:
                return Reply(200, {"id": earlier.id, "url": f"{self.url}/items/{earlier.id}"})
        reply_id = f"rcv-{next(self._ids)}"
        self.received.append(ReceivedReply(reply_id, key, body))
        return Reply(201, {"id": reply_id, "url": f"{self.url}/items/{reply_id}"})
