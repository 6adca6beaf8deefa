"""Graph API wire format for the stand-in: error documents, and parameters read the ways Graph takes them."""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import parse_qs

from socialdesk.standin.platforms.base import RecordedRequest

# The messages Graph sends with each code, used when a test forces a code without its own message.
DEFAULT_MESSAGES = {
    1: "An unknown error occurred",
    2: "An unexpected error has occurred. Please retry your request later.",
    4: "(#4) Application request limit reached",
    10: "(#10) Application does not have permission for this action",
    17: "(#17) User request limit reached",
    32: "(#32) Page request limit reached",
    100: "(#100) Invalid parameter",
    190: "Error validating access token: Session has expired.",
    200: "(#200) Permissions error",
    368: "(#368) The action attempted has been deemed abusive or is otherwise disallowed",
    613: "(#613) Calls to this api have exceeded the rate limit.",
    10900: "(#10900) Activity already replied to",
}
OUTSIDE_WINDOW = (
    "(#10) This message is sent outside of allowed window. Learn more about the new policy here: "
    "https://developers.facebook.com/docs/messenger-platform/policy-overview"
)


class GraphError(Exception):
    """Raised inside a handler; becomes Graph's error document."""

    def __init__(
        self,
        code: int,
        message: str | None = None,
        *,
        subcode: int | None = None,
        type: str = "OAuthException",
    ) -> None:
        super().__init__(message)
        self.code = code
        self.message = message or DEFAULT_MESSAGES.get(code, f"(#{code}) Error")
        self.subcode = subcode
        self.type = type


def no_object(object_id: str) -> GraphError:
    """What Graph says about a missing or deleted object, and about an edge the object does not have."""
    message = (
        f"Unsupported post request. Object with ID '{object_id}' does not exist, cannot be loaded due to "
        "missing permissions, or does not support this operation. Please read the Graph API documentation "
        "at https://developers.facebook.com/docs/graph-api"
    )
    return GraphError(100, message, subcode=33, type="GraphMethodException")


def read_params(request: RecordedRequest) -> dict[str, Any]:
    params: dict[str, Any] = dict(request.query)
    content_type = request.headers.get("content-type", "")
    if request.body and "json" in content_type:
        try:
            body = json.loads(request.body)
        except ValueError:
            raise GraphError(100, "(#100) The request body is not valid JSON") from None
        if not isinstance(body, dict):
            raise GraphError(100, "(#100) The request body must be a JSON object")
        params.update(body)
    elif request.body:
        params.update({k: v[-1] for k, v in parse_qs(request.body.decode(), keep_blank_values=True).items()})
    for key in ("recipient", "message"):  # a form sends these objects as JSON text
        value = params.get(key)
        if isinstance(value, str) and value.startswith("{"):
            try:
                params[key] = json.loads(value)
            except ValueError:
                raise GraphError(100, f"(#100) param {key} must be a JSON object") from None
    return params


def message_param(params: dict[str, Any]) -> str:
    text = params.get("message")
    if not isinstance(text, str) or not text.strip():
        raise GraphError(100, "(#100) The parameter message is required")
    return text
