"""A local WhatsApp Business Cloud API (graph.facebook.com) for the WhatsApp source's replies.

    POST /v21.0/{phone-number-id}/messages     Authorization: Bearer <token>

Checked as the Cloud API checks: the token (190 wrong or missing), the phone number id (100 + 33 for
another), `messaging_product` "whatsapp" (100), `to` (100), `type` text or template and its object
(`text.body` of 1 to 4,096 characters; `template.name`, `template.language.code`), `context.message_id`
naming a message the customer sent (100 + 33 otherwise), the 24-hour customer-service window for
anything but a template (131047: the stand-in knows when each customer last wrote, `customer_wrote`),
a template's name and language among the approved ones (132001) and its body parameter count (132000),
a number that cannot receive messages (131026, `unreachable`). Scripted failures (`fail_next`): a status
and a WhatsApp error code (429 with 130429 is the throughput limit), a delay or a dropped connection.
Time comes from the injected `now()` (unix seconds).
"""

from __future__ import annotations

import base64
import hmac
import itertools
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from socialdesk.standin.platforms.base import Failure, RecordedRequest, Reply, StandInServer

API_VERSION = "v21.0"
TEXT_LIMIT = 4096
WINDOW_SECONDS = 24 * 3600
_MESSAGES = {
    100: "(#100) Invalid parameter",
    190: "Invalid OAuth access token - Cannot parse access token",
    131026: "Message undeliverable",
    131047: "Re-engagement message",
    130429: "Rate limit hit",
    132000: "Number of parameters does not match the expected number of params",
    132001: "Template name does not exist in the translation",
    131000: "Something went wrong",
}


class _Refused(Exception):
    def __init__(self, code: int, details: str, *, subcode: int | None = None, status: int = 400) -> None:
        super().__init__(details)
        self.code, self.details, self.subcode, self.status = code, details, subcode, status


@dataclass(slots=True)
class SentMessage:
    id: str
    to: str
    type: str
    body: dict[str, Any]
    at: float
    context: str | None = None


@dataclass(slots=True)
class _Customer:
    last_wrote: float
    messages: set[str] = field(default_factory=set)


class WhatsAppCloudStandIn(StandInServer):
    def __init__(
        self,
        *,
        now: Callable[[], float],
        phone_number_id: str = "106540352242922",
        access_token: str = "whatsapp-test-token",
        templates: dict[tuple[str, str], int] | None = None,
    ) -> None:
        super().__init__()
        self.now = now
        self.phone_number_id = phone_number_id
        self.access_token = access_token
        self.templates = dict(templates or {})  # (name, language) -> number of body parameters
        self.customers: dict[str, _Customer] = {}
        self.unreachable: set[str] = set()
        self.sent: list[SentMessage] = []
        self._ids = itertools.count(1)

    @property
    def graph_url(self) -> str:
        """What META_GRAPH_URL is set to."""
        return f"{self.url}/{API_VERSION}/"

    # -- arranging --------------------------------------------------------------------------------
    def customer_wrote(self, wa_id: str, message_id: str, at: float) -> None:
        """The customer sent `message_id` at `at`: it opens (or renews) their 24-hour window."""
        with self._lock:
            customer = self.customers.setdefault(wa_id, _Customer(at))
            customer.last_wrote = max(customer.last_wrote, at)
            customer.messages.add(message_id)

    def fail_next(
        self,
        *,
        status: int | None = None,
        code: int | None = None,
        headers: dict[str, str] | None = None,
        times: int = 1,
        delay: float | None = None,
        disconnect: bool = False,
    ) -> None:
        body = None
        if status is not None or code is not None:
            status = status or 400
            code = (
                code if code is not None else (130429 if status == 429 else 131000 if status >= 500 else 100)
            )
            body = _error(_Refused(code, _MESSAGES.get(code, "Error")))
        failure = Failure(
            status=status, body=body, headers=dict(headers or {}), delay=delay, disconnect=disconnect
        )
        self.script(failure, times=times)

    # -- serving ----------------------------------------------------------------------------------
    def handle(self, request: RecordedRequest) -> Reply:
        failure = self.take_failure("messages")
        if failure is not None and (failure.disconnect or failure.status is not None):
            return Reply(
                failure.status or 0, failure.body, failure.headers, failure.disconnect, failure.delay
            )
        try:
            self._authorize(request)
            parts = request.path.strip("/").split("/")
            if (
                request.method != "POST"
                or len(parts) != 3
                or parts[0] != API_VERSION
                or parts[2] != "messages"
            ):
                raise _Refused(100, f"Unsupported {request.method} request on {request.path}", subcode=33)
            if parts[1] != self.phone_number_id:
                raise _Refused(100, f"Object with ID '{parts[1]}' does not exist", subcode=33)
            result = self._send(request)
            reply = Reply(200, result)
        except _Refused as exc:
            reply = Reply(exc.status, _error(exc))
        if failure is not None:
            reply.delay = failure.delay
        return reply

    def _authorize(self, request: RecordedRequest) -> None:
        token = request.headers.get("authorization", "").removeprefix("Bearer ")
        if not token or not hmac.compare_digest(token.encode(), self.access_token.encode()):
            raise _Refused(190, "Error validating access token", status=401)

    def _send(self, request: RecordedRequest) -> dict[str, Any]:
        try:
            body = request.json
        except ValueError:
            raise _Refused(100, "The request body is not JSON") from None
        if not isinstance(body, dict):
            raise _Refused(100, "The request body must be an object")
        if body.get("messaging_product") != "whatsapp":
            raise _Refused(100, "The parameter messaging_product is required and must be 'whatsapp'")
        to = body.get("to")
        if not isinstance(to, str) or not to.isdigit():
            raise _Refused(100, "The parameter to is required")
        kind = body.get("type", "text")
        context = body.get("context")
        message_id = context.get("message_id") if isinstance(context, dict) else None
        customer = self.customers.get(to)
        if message_id is not None and (customer is None or message_id not in customer.messages):
            raise _Refused(100, f"context.message_id {message_id} is not a message of {to}", subcode=33)
        if to in self.unreachable:
            raise _Refused(131026, "Message Undeliverable.")
        if kind == "text":
            text = body.get("text")
            words = text.get("body") if isinstance(text, dict) else None
            if not isinstance(words, str) or not words.strip():
                raise _Refused(100, "The parameter text['body'] is required")
            if len(words) > TEXT_LIMIT:
                raise _Refused(100, f"text['body'] is longer than {TEXT_LIMIT} characters")
            if customer is None or self.now() - customer.last_wrote >= WINDOW_SECONDS:
                raise _Refused(131047, "Message failed to send because more than 24 hours have passed")
        elif kind == "template":
            self._check_template(body.get("template"))
        else:
            raise _Refused(100, f"type {kind!r} is not supported by this stand-in")
        with self._lock:
            sent = SentMessage(self._new_id(to), to, kind, body, self.now(), message_id)
            self.sent.append(sent)
        return {
            "messaging_product": "whatsapp",
            "contacts": [{"input": to, "wa_id": to}],
            "messages": [{"id": sent.id}],
        }

    def _check_template(self, template: Any) -> None:
        if not isinstance(template, dict) or not isinstance(template.get("name"), str):
            raise _Refused(100, "The parameter template['name'] is required")
        language = template.get("language")
        code = language.get("code") if isinstance(language, dict) else None
        if not isinstance(code, str):
            raise _Refused(100, "The parameter template['language']['code'] is required")
        wanted = self.templates.get((template["name"], code))
        if wanted is None:
            raise _Refused(132001, f"template name ({template['name']}) does not exist in {code}")
        given = 0
        for component in template.get("components") or []:
            if isinstance(component, dict) and component.get("type") == "body":
                for parameter in component.get("parameters") or []:
                    text = parameter.get("text") if isinstance(parameter, dict) else None
                    if not isinstance(text, str) or not text.strip() or "\n" in text:
                        raise _Refused(100, "A body parameter's text is empty or has a new line")
                    given += 1
        if given != wanted:
            raise _Refused(132000, f"body: number of localizable_params ({given}) does not match ({wanted})")

    def _new_id(self, to: str) -> str:
        raw = f"{to}{next(self._ids):020d}".encode()
        return "wamid." + base64.b64encode(raw).decode()


def _error(exc: _Refused) -> dict[str, Any]:
    error: dict[str, Any] = {
        "message": _MESSAGES.get(exc.code, "(#100) Invalid parameter"),
        "type": "OAuthException",
        "code": exc.code,
        "error_data": {"messaging_product": "whatsapp", "details": exc.details},
        "fbtrace_id": "AwhatsappStandIn",
    }
    if exc.subcode is not None:
        error["error_subcode"] = exc.subcode
    return {"error": error}
