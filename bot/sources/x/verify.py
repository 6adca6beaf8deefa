"""X's webhook checks: the CRC answer and `x-twitter-webhooks-signature`. Pure, no I/O.

The CRC GET is answered with `{"response_token": "sha256=<base64 HMAC(consumer secret, crc)>"}`; POSTs
carry `x-twitter-webhooks-signature: sha256=<base64 HMAC(consumer secret, raw body)>`.
"""

from __future__ import annotations

import base64
from typing import Final

from socialdesk.connectors.signing import PREFIX, mac, matches_b64

X_SIGNATURE_HEADER: Final = "x-twitter-webhooks-signature"


def x_crc_response(crc_token: str, consumer_secret: str) -> dict[str, str]:
    """The JSON answer to X's CRC GET (`?crc_token=...`)."""
    digest = mac(consumer_secret, crc_token.encode("utf-8"))
    return {"response_token": PREFIX + base64.b64encode(digest).decode("ascii")}


def sign_x(body: bytes, consumer_secret: str) -> dict[str, str]:
    """Headers X would send with `body` (tests, benchmark, demo)."""
    return {X_SIGNATURE_HEADER: PREFIX + base64.b64encode(mac(consumer_secret, body)).decode("ascii")}


def verify_x_signature(body: bytes, header: str | None, consumer_secret: str) -> bool:
    """True when `x-twitter-webhooks-signature` is the base64 HMAC-SHA256 of the raw body."""
    if not consumer_secret:
        return False
    return matches_b64(mac(consumer_secret, body), header)
