"""Meta's webhook checks: the subscription challenge and `X-Hub-Signature-256`. Pure, no I/O.

GET `hub.mode=subscribe&hub.verify_token=...&hub.challenge=...` is answered with the challenge; POSTs
carry `X-Hub-Signature-256: sha256=<hex HMAC-SHA256(app secret, raw body)>`. Tokens are compared with
`hmac.compare_digest`; nothing here logs or raises with a secret in the message.
"""

from __future__ import annotations

import hmac
from collections.abc import Mapping
from typing import Final

from socialdesk.connectors.signing import PREFIX, mac, matches_hex

META_SIGNATURE_HEADER: Final = "X-Hub-Signature-256"


def meta_challenge(params: Mapping[str, str], verify_token: str) -> str | None:
    """The `hub.challenge` to echo when this is a subscribe request carrying our verify token."""
    if not verify_token or params.get("hub.mode") != "subscribe":
        return None
    token = params.get("hub.verify_token")
    challenge = params.get("hub.challenge")
    if token is None or challenge is None:
        return None
    if not hmac.compare_digest(token.encode("utf-8"), verify_token.encode("utf-8")):
        return None
    return challenge


def sign_meta(body: bytes, app_secret: str) -> dict[str, str]:
    """Headers Meta would send with `body` (tests, benchmark, demo)."""
    return {META_SIGNATURE_HEADER: PREFIX + mac(app_secret, body).hex()}


def verify_meta_signature(body: bytes, header: str | None, app_secret: str) -> bool:
    """True when `X-Hub-Signature-256` is the hex HMAC-SHA256 of the raw body with the app secret."""
    if not app_secret:
        return False
    return matches_hex(mac(app_secret, body), header)
