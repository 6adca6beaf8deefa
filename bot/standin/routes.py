"""From one HTTP request to one reply: routing, argument parsing, auth, injected failures, recording.

Knows nothing about sockets, so every rule here can be read without the server around it.
Paths: `/api/<method>` (the Web API), `/upload/<file_id>` (upload URLs), `/response/<token>` (response_urls).
"""

from __future__ import annotations

import contextlib
import json
import threading
from dataclasses import dataclass, field
from email.parser import BytesParser
from email.policy import HTTP
from typing import Any
from urllib.parse import parse_qs

from socialdesk.standin import files, response_urls
from socialdesk.standin.args import ApiError
from socialdesk.standin.calllog import CallLog
from socialdesk.standin.faults import FailureRule, FaultPlan
from socialdesk.standin.methods import dispatch, spec_for
from socialdesk.standin.models import RecordedCall
from socialdesk.standin.spec import JSON_VALUED_ARGS
from socialdesk.standin.workspace import Workspace

JSON_TYPE = "application/json; charset=utf-8"
TEXT_TYPE = "text/plain; charset=utf-8"


@dataclass(frozen=True)
class Request:
    verb: str
    path: str
    query: str
    headers: dict[str, str]  # names lower-cased
    body: bytes


@dataclass(frozen=True)
class Reply:
    status: int
    body: bytes
    content_type: str = JSON_TYPE
    headers: dict[str, str] = field(default_factory=dict)

    @staticmethod
    def json(status: int, document: dict[str, Any], headers: dict[str, str] | None = None) -> Reply:
        return Reply(status, json.dumps(document).encode(), JSON_TYPE, headers or {})

    @staticmethod
    def text(status: int, text: str) -> Reply:
        return Reply(status, text.encode(), TEXT_TYPE)


class Router:
    def __init__(
        self,
        *,
        workspace: Workspace,
        faults: FaultPlan,
        log: CallLog,
        tokens: frozenset[str],
        stopping: threading.Event,
    ) -> None:
        self._ws = workspace
        self._faults = faults
        self._log = log
        self._tokens = tokens
        self._stopping = stopping

    def handle(self, request: Request) -> Reply | None:
        """The reply to send, or None when the stand-in stopped while holding a delayed answer back."""
        kind, key = _classify(request)
        method = key if kind == "api" else kind
        parsed = _parse(kind, key, request)
        reply = parsed.refusal
        rule = self._faults.take(method)
        # An Event wait, not a sleep, so stop() cuts the delay short and shutdown stays quick.
        if rule is not None and rule.delay and self._stopping.wait(rule.delay):
            return None
        if rule is not None and not rule.answers_normally:
            reply = _failure_reply(rule)
        if reply is None:
            reply = self._answer(kind, key, parsed)
        self._log.record(
            RecordedCall(
                method=method,
                args=parsed.args,
                headers=request.headers,
                status=reply.status,
                response=_decoded(reply),
                body=request.body,
                path=request.path,
            )
        )
        return reply

    def _answer(self, kind: str, key: str, parsed: _Parsed) -> Reply:
        if kind == "api":
            return self._api(key, parsed.args, parsed.token)
        if kind == "upload":
            return self._upload(key, parsed.payload)
        if kind == "response_url":
            return self._response_url(key, parsed.payload)
        return Reply.text(404, "not_found")

    def _api(self, method: str, args: dict[str, Any], token: str | None) -> Reply:
        if token is None:
            return Reply.json(200, {"ok": False, "error": "not_authed"})
        if token not in self._tokens:
            return Reply.json(200, {"ok": False, "error": "invalid_auth"})
        return Reply.json(200, dispatch(self._ws, method, args, token))

    def _upload(self, file_id: str, data: Any) -> Reply:
        assert isinstance(data, bytes)
        try:
            with self._ws.lock:
                files.receive_upload(self._ws, file_id, data)
        except ApiError as error:
            return Reply.text(error.status, error.error)
        return Reply.text(200, f"OK - {len(data)}")

    def _response_url(self, token: str, payload: Any) -> Reply:
        try:
            response_urls.post(self._ws, token, payload)
        except ApiError as error:
            # Hooks answer refusals with an HTTP error status, never with a 200.
            return Reply.text(error.status if error.status != 200 else 400, error.error)
        return Reply.text(200, "ok")


@dataclass
class _Parsed:
    args: dict[str, Any] = field(default_factory=dict)
    token: str | None = None
    payload: Any = None
    refusal: Reply | None = None


def _classify(request: Request) -> tuple[str, str]:
    path = request.path
    if path.startswith("/api/"):
        return "api", path.removeprefix("/api/")
    if path.startswith("/upload/") and request.verb == "POST":
        return "upload", path.removeprefix("/upload/")
    if path.startswith("/response/") and request.verb == "POST":
        return "response_url", path.removeprefix("/response/")
    return "not_found", path


def _parse(kind: str, key: str, request: Request) -> _Parsed:
    if kind == "api":
        try:
            args, token = parse_api_request(request, json_input=_json_input(key))
        except ApiError as error:
            return _Parsed(refusal=Reply.json(error.status, error.body()))
        return _Parsed(args=args, token=token)
    if kind == "upload":
        data = upload_bytes(request)
        return _Parsed(args={"file_id": key, "size": len(data)}, payload=data)
    if kind == "response_url":
        try:
            payload = json.loads(request.body or b"null")
        except ValueError:
            payload = None
        return _Parsed(args=dict(payload) if isinstance(payload, dict) else {}, payload=payload)
    return _Parsed()


def _json_input(method: str) -> bool:
    spec = spec_for(method)
    return spec.json_input if spec is not None else True


def parse_api_request(request: Request, *, json_input: bool) -> tuple[dict[str, Any], str | None]:
    """Arguments and token the way Slack reads them.

    Query string and body merge, the body winning. The token comes from `Authorization: Bearer`, else a
    `token` form or query field; Slack never reads it from a JSON body. A JSON body sent to a method
    without JSON support is ignored, as Slack ignores it, so its arguments go missing.
    """
    args: dict[str, Any] = {k: v[0] for k, v in parse_qs(request.query, keep_blank_values=True).items()}
    content_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if request.body and content_type == "application/json":
        try:
            document = json.loads(request.body)
        except ValueError:
            raise ApiError("invalid_json") from None
        if not isinstance(document, dict):
            raise ApiError("invalid_json")
        document.pop("token", None)
        if json_input:
            args.update(document)
    elif request.body and content_type in ("application/x-www-form-urlencoded", ""):
        form = parse_qs(request.body.decode("utf-8", "replace"), keep_blank_values=True)
        args.update({k: v[0] for k, v in form.items()})
    token = args.pop("token", None)
    authorization = request.headers.get("authorization", "")
    if authorization.lower().startswith("bearer "):
        token = authorization[7:].strip()
    for name in JSON_VALUED_ARGS & args.keys():
        if isinstance(args[name], str) and args[name]:
            # Left as a string when it does not parse: the handler answers with the method's format error.
            with contextlib.suppress(ValueError):
                args[name] = json.loads(args[name])
    return args, token or None


def upload_bytes(request: Request) -> bytes:
    """The file's bytes, sent raw (as slack_sdk does) or as the first part of a multipart form."""
    content_type = request.headers.get("content-type", "")
    if not content_type.lower().startswith("multipart/form-data"):
        return request.body
    message = BytesParser(policy=HTTP).parsebytes(
        f"Content-Type: {content_type}\r\n\r\n".encode() + request.body
    )
    for part in message.iter_parts():
        payload = part.get_payload(decode=True)
        if isinstance(payload, bytes):
            return payload
    return b""


def _failure_reply(rule: FailureRule) -> Reply:
    status = rule.effective_status
    if rule.error is not None:
        return Reply.json(200, {"ok": False, "error": rule.error})
    if status == 429:
        return Reply.json(429, {"ok": False, "error": "ratelimited"}, {"Retry-After": str(rule.retry_after)})
    return Reply.text(status, f"{status} stand-in failure")


def _decoded(reply: Reply) -> dict[str, Any] | str | None:
    if reply.content_type == JSON_TYPE:
        decoded = json.loads(reply.body)
        return decoded if isinstance(decoded, dict) else None
    return reply.body.decode("utf-8", "replace")
