"""HMAC signatures for webhooks: the shared checks, and socialdesk's own scheme. Pure functions, no I/O.

Platform schemes live with their source (`socialdesk.sources.meta.verify`, `socialdesk.sources.x.verify`)
and build on `mac`, `matches_hex` and `matches_b64` here. socialdesk's own signature (`X-Socialdesk-*`)
stays here because more than one source speaks it: the generic webhook, the replies socialdesk sends to
an integrator's receiver, and the survey answers' route.

Every comparison of a secret-derived value goes through `hmac.compare_digest`; nothing here logs,
formats or raises with a secret, a signature or a token in the message. An empty secret never
verifies anything (a missing setting must not turn into "accept everything").

Header shape (DESIGN.md section 3, shared/data/README.md):

- Generic: `X-Socialdesk-Signature: sha256=<hex HMAC(secret, signed bytes)>` where the signed bytes
  are the raw body, or `f"{timestamp}.".encode() + body` when `X-Socialdesk-Timestamp` (unix
  seconds) is sent; a timestamped request more than 300 s away from now is refused as stale.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Final

GENERIC_SIGNATURE_HEADER: Final = "X-Socialdesk-Signature"
GENERIC_TIMESTAMP_HEADER: Final = "X-Socialdesk-Timestamp"
GENERIC_MAX_SKEW_SECONDS: Final = 300

PREFIX: Final = "sha256="


def mac(secret: str, message: bytes) -> bytes:
    return hmac.new(secret.encode("utf-8"), message, hashlib.sha256).digest()


def _given(header: str | None) -> bytes | None:
    """The part after `sha256=` as ASCII bytes, or None when absent or not plausibly a signature."""
    if header is None:
        return None
    value = header.strip()
    if not value.startswith(PREFIX) or not value.isascii():
        return None
    return value[len(PREFIX) :].encode("ascii")


def matches_hex(expected: bytes, header: str | None) -> bool:
    given = _given(header)
    if given is None:
        return False
    return hmac.compare_digest(expected.hex().encode("ascii"), given.lower())


def matches_b64(expected: bytes, header: str | None) -> bool:
    given = _given(header)
    if given is None:
        return False
    return hmac.compare_digest(base64.b64encode(expected), given)


# --- generic ----------------------------------------------------------------------------------


class GenericFailure(StrEnum):
    """Why a generic webhook request was refused; the value is the reason shown to the sender."""

    MISSING_SIGNATURE = "missing signature"
    BAD_SIGNATURE = "bad signature"
    STALE = "stale"

    @property
    def http_status(self) -> int:
        """401 for an unauthenticated request, 403 for an authentic but stale one."""
        return 403 if self is GenericFailure.STALE else 401


@dataclass(frozen=True, slots=True)
class GenericVerification:
    """Outcome of `check_generic_request`: `failure` is None exactly when `ok`."""

    failure: GenericFailure | None = None

    @property
    def ok(self) -> bool:
        return self.failure is None

    @property
    def reason(self) -> str:
        return "ok" if self.failure is None else self.failure.value

    def __bool__(self) -> bool:
        return self.ok


GENERIC_OK: Final = GenericVerification()


def _generic_signed_bytes(body: bytes, timestamp: str | None) -> bytes:
    return body if timestamp is None else f"{timestamp}.".encode() + body


def sign_generic(body: bytes, secret: str, timestamp: int | None = None) -> dict[str, str]:
    """Headers a generic sender attaches: the signature, plus the timestamp when given."""
    stamp = None if timestamp is None else str(int(timestamp))
    headers = {GENERIC_SIGNATURE_HEADER: PREFIX + mac(secret, _generic_signed_bytes(body, stamp)).hex()}
    if stamp is not None:
        headers[GENERIC_TIMESTAMP_HEADER] = stamp
    return headers


def verify_generic_signature(
    body: bytes, header: str | None, secret: str, *, timestamp: str | None = None
) -> bool:
    """Signature check only (no staleness): hex HMAC of the body, or of `"{timestamp}." + body`."""
    if not secret:
        return False
    return matches_hex(mac(secret, _generic_signed_bytes(body, timestamp)), header)


def _is_fresh(timestamp: str, now: datetime) -> bool:
    text = timestamp.strip()
    if not text.isascii() or not text.isdigit() or len(text) > 12:
        return False
    return abs(now.timestamp() - int(text)) <= GENERIC_MAX_SKEW_SECONDS


def check_generic_request(
    body: bytes,
    *,
    signature: str | None,
    timestamp: str | None,
    secret: str,
    now: datetime,
) -> GenericVerification:
    """Full check of a generic webhook request given its two header values and the current time.

    The signature is checked first, so "stale" (403) is only ever said of an authentic request; an
    unreadable timestamp cannot be shown to be recent and is stale too.
    """
    if signature is None or not signature.strip():
        return GenericVerification(GenericFailure.MISSING_SIGNATURE)
    if not verify_generic_signature(body, signature, secret, timestamp=timestamp):
        return GenericVerification(GenericFailure.BAD_SIGNATURE)
    if timestamp is not None and not _is_fresh(timestamp, now):
        return GenericVerification(GenericFailure.STALE)
    return GENERIC_OK
