"""How WhatsApp Cloud API refusals become `PlatformError`s, with a message for the agent.

WhatsApp answers with Graph's error document, `{"error": {"message", "type", "code", "error_data":
{"details"}, "fbtrace_id"}}`; the same codes come back in a `failed` delivery status.

    190, 0, 3, 10, 200-299 (token expired or lacking a permission)      AUTH
    131047 (more than 24 hours since the customer last wrote)            WINDOW_CLOSED
    131026 (the number is not on WhatsApp, or cannot receive this)       GONE
    130429, 131048, 131056, 80007, 4 (rate and spam limits), HTTP 429    RATE_LIMITED (Retry-After, else 60 s)
    132000, 132001, 132005, 132007, 132012 (the template or its params)  REJECTED
    1, 2, 131000, 131016, 133004, is_transient, 5xx                      UNAVAILABLE
    other 4xx (100 invalid parameter, 131051 unsupported type, ...)      REJECTED, WhatsApp's own words quoted

Every message says that nothing was sent, so the case stays unanswered and the agent knows what to do.
"""

from __future__ import annotations

from datetime import datetime, timedelta

import httpx

from socialdesk.plugins.replies import ErrorKind, PlatformError, quote, response_json, retry_after

RATE_LIMIT_FALLBACK = timedelta(seconds=60)
AUTH_CODES = frozenset({0, 3, 10, 190, *range(200, 300)})
RATE_CODES = frozenset({4, 80007, 130429, 131048, 131056})
TEMPLATE_CODES = frozenset({132000, 132001, 132005, 132007, 132012, 132015, 132016})
TRANSIENT_CODES = frozenset({1, 2, 131000, 131016, 133004})

# What a code means for the agent (also shown on the card for a `failed` delivery status).
MEANING = {
    131047: "more than 24 hours have passed since the customer last wrote, so only an approved template "
    "can reach them",
    131026: "the customer's number cannot receive it (not on WhatsApp, an old app version, or they have "
    "not accepted the latest terms)",
    131049: "WhatsApp held it back to keep the customer's experience healthy (too many business messages)",
    131050: "the customer has stopped marketing messages from the business",
    130429: "the business number sends too fast (Cloud API throughput limit)",
    131056: "too many messages to this customer in a short time",
    131048: "the number is spam-rate limited",
    131053: "the media could not be uploaded",
    190: "socialdesk's WhatsApp token expired or was revoked",
}


def code_of(error: object) -> int | None:
    if not isinstance(error, dict):
        return None
    code = error.get("code")
    if isinstance(code, int) and not isinstance(code, bool):
        return code
    if isinstance(code, str) and code.strip().isdigit():
        return int(code.strip())
    return None


def whatsapp_error(response: httpx.Response, now: datetime) -> PlatformError:
    status = response.status_code
    body = response_json(response)
    error = body.get("error") if isinstance(body, dict) else None
    code = code_of(error)
    said_text = ""
    if isinstance(error, dict):
        data = error.get("error_data")
        details = data.get("details") if isinstance(data, dict) else None
        said_text = str(details or error.get("message") or "")
    said = f" WhatsApp said: {quote(said_text)}" if said_text else ""
    nothing = " Nothing was sent; the case is still unanswered."
    if code in AUTH_CODES or status == 401:
        return PlatformError(
            ErrorKind.AUTH,
            "WhatsApp refused socialdesk's token: it expired, was revoked or lacks "
            "whatsapp_business_messaging. An admin must renew WHATSAPP_TOKEN." + nothing + said,
        )
    if code == 131047:
        return PlatformError(
            ErrorKind.WINDOW_CLOSED,
            "WhatsApp's 24-hour window is closed: the customer last wrote more than 24 hours ago. Send one "
            "of the approved templates instead." + nothing,
        )
    if code == 131026:
        return PlatformError(
            ErrorKind.GONE, f"WhatsApp could not deliver to this number: {MEANING[131026]}." + nothing
        )
    if code in RATE_CODES or status == 429:
        retry_at = retry_after(response.headers, now) or now + RATE_LIMIT_FALLBACK
        why = MEANING.get(code or 0, "WhatsApp's rate limit for the business number is reached")
        return PlatformError(ErrorKind.RATE_LIMITED, f"Not sent: {why}." + nothing, retry_at=retry_at)
    if code in TEMPLATE_CODES:
        return PlatformError(
            ErrorKind.REJECTED,
            "WhatsApp refused the template: its name, language or parameters do not match what was "
            "approved (check whatsapp.templates in the config)." + nothing + said,
        )
    transient = isinstance(error, dict) and error.get("is_transient") is True
    if code in TRANSIENT_CODES or transient or status >= 500:
        return PlatformError(
            ErrorKind.UNAVAILABLE,
            f"WhatsApp answered {status}: the message was probably not sent, but that is not certain. Check "
            "the chat in WhatsApp Business before sending it again.",
        )
    if 400 <= status < 500:
        return PlatformError(ErrorKind.REJECTED, f"WhatsApp refused the message ({status})." + nothing + said)
    return PlatformError(
        ErrorKind.UNAVAILABLE, f"WhatsApp answered an unexpected {status}; nothing is certain."
    )


def delivery_words(code: int | None, title: str, details: str) -> str:
    """A `failed` delivery status, for the card: what happened and what the agent can do."""
    meaning = MEANING.get(code or -1)
    head = f"WhatsApp could not deliver it ({code})" if code is not None else "WhatsApp could not deliver it"
    if meaning:
        return f"{head}: {meaning}."
    words = details or title
    return f"{head}: {quote(words, 200)}." if words else head + "."
