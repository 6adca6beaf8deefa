"""App Store Connect's bearer tokens: ES256 JWTs signed with the team's `.p8` key.

Apple's rules (Generating Tokens for API Requests): header `alg` ES256, `kid` the key id, `typ` JWT;
claims `iss` the issuer id, `iat` the time it was made, `exp` at most 20 minutes later (a token living
longer is refused with a 401), `aud` `appstoreconnect-v1`. A token may be reused until it expires, so one
is made per process and made again shortly before it runs out.

We give a token 19 minutes, not 20: Apple judges `exp` by its own clock, and a host whose clock runs a
little ahead would otherwise have every token refused as living too long.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

import jwt
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec

AUDIENCE = "appstoreconnect-v1"
LIFETIME = timedelta(minutes=19)
MAX_LIFETIME = timedelta(minutes=20)  # what Apple accepts
RENEW_BEFORE = timedelta(minutes=2)  # a token this close to its end is not sent: a call may take a while


class KeyFileError(ValueError):
    """The `.p8` file cannot be used; the message names the file, never its content."""


def load_private_key(path: str) -> ec.EllipticCurvePrivateKey:
    """The P-256 private key in the PEM file at `path` (App Store Connect's AuthKey_<kid>.p8)."""
    try:
        data = Path(path).expanduser().read_bytes()
    except OSError as exc:
        raise KeyFileError(f"APPSTORE_PRIVATE_KEY_FILE: cannot read {path} ({exc.strerror or exc})") from None
    try:
        key = serialization.load_pem_private_key(data, password=None)
    except (ValueError, TypeError):
        raise KeyFileError(
            f"APPSTORE_PRIVATE_KEY_FILE: {path} is not an unencrypted PEM private key (the .p8 file as "
            "App Store Connect gave it)"
        ) from None
    if not isinstance(key, ec.EllipticCurvePrivateKey) or not isinstance(key.curve, ec.SECP256R1):
        raise KeyFileError(f"APPSTORE_PRIVATE_KEY_FILE: {path} is not a P-256 (ES256) key")
    return key


@dataclass(frozen=True, slots=True)
class _Token:
    value: str
    expires: datetime


class TokenMaker:
    """Makes the bearer token, reusing it until `RENEW_BEFORE` its expiry."""

    def __init__(
        self,
        *,
        issuer_id: str,
        key_id: str,
        private_key: ec.EllipticCurvePrivateKey,
        lifetime: timedelta = LIFETIME,
    ) -> None:
        if lifetime > MAX_LIFETIME:
            raise ValueError("App Store Connect refuses tokens living longer than 20 minutes")
        self.issuer_id = issuer_id
        self.key_id = key_id
        self._key = private_key
        self._lifetime = lifetime
        self._current: _Token | None = None

    def __repr__(self) -> str:  # never the key
        return f"TokenMaker(issuer_id={self.issuer_id!r}, key_id={self.key_id!r})"

    def token(self, now: datetime) -> str:
        current = self._current
        if current is None or now >= current.expires - RENEW_BEFORE:
            current = self._current = self._make(now)
        return current.value

    def discard(self) -> None:
        """Forget the token (App Store Connect refused it): the next call makes a new one."""
        self._current = None

    def _make(self, now: datetime) -> _Token:
        issued = int(now.timestamp())
        expires = issued + int(self._lifetime.total_seconds())
        claims = {"iss": self.issuer_id, "iat": issued, "exp": expires, "aud": AUDIENCE}
        value = jwt.encode(claims, self._key, algorithm="ES256", headers={"kid": self.key_id, "typ": "JWT"})
        return _Token(value, datetime.fromtimestamp(expires, now.tzinfo))
