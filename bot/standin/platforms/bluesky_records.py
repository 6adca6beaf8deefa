"""What the Bluesky stand-in checks in a body, after the atproto lexicons, and the session tokens it issues.

- `check_post(record)`: an `app.bsky.feed.post` record as the PDS validates it before writing it: `$type`,
  `text` (a string of at most 300 graphemes and 3000 UTF-8 bytes), `createdAt` (an atproto datetime),
  `reply.root` / `reply.parent` (strong refs: an `at://` uri and a cid), `facets` (byte ranges inside the
  text, features of a known type with their `uri` / `did`). The messages are the PDS's own wording.
- `Tokens`: session JWTs (HS256 with the stand-in's key) with `scope`, `sub`, `exp` and `jti`, as the PDS
  issues them: access tokens are checked by signature and expiry, refresh tokens also against the set
  of live sessions (a refresh token works once).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import re
import secrets
from datetime import datetime
from typing import Any

from socialdesk.sources.bluesky.text import byte_length, grapheme_length

ACCESS_SCOPE = "com.atproto.appPass"
REFRESH_SCOPE = "com.atproto.refresh"
AT_URI = re.compile(r"at://[a-zA-Z0-9._:%-]+(/[a-zA-Z0-9.-]+(/[a-zA-Z0-9._~:@!$&')(*+,;=-]+)?)?")
DATETIME = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})")
FEATURES = {"app.bsky.richtext.facet#link": "uri", "app.bsky.richtext.facet#mention": "did"}


class Invalid(ValueError):
    """The record is not valid: the message is what the PDS answers (`InvalidRequest`)."""


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


class Tokens:
    def __init__(self) -> None:
        self._key = secrets.token_bytes(32)

    def issue(self, did: str, scope: str, *, now: datetime, lifetime_seconds: int) -> tuple[str, str]:
        """(jwt, jti)."""
        typ = "at+jwt" if scope == ACCESS_SCOPE else "refresh+jwt"
        jti = secrets.token_hex(8)
        iat = int(now.timestamp())
        claims = {"scope": scope, "sub": did, "iat": iat, "exp": iat + lifetime_seconds, "jti": jti}
        head = (
            _b64(json.dumps({"alg": "HS256", "typ": typ}).encode()) + "." + _b64(json.dumps(claims).encode())
        )
        signature = hmac.new(self._key, head.encode(), hashlib.sha256).digest()
        return f"{head}.{_b64(signature)}", jti

    def read(self, token: str) -> dict[str, Any] | None:
        """The claims of a token this stand-in signed, expired or not; None when it did not sign it."""
        parts = token.split(".")
        if len(parts) != 3:
            return None
        expected = hmac.new(self._key, f"{parts[0]}.{parts[1]}".encode(), hashlib.sha256).digest()
        try:
            if not hmac.compare_digest(expected, _unb64(parts[2])):
                return None
            claims = json.loads(_unb64(parts[1]))
        except ValueError:
            return None
        return claims if isinstance(claims, dict) else None


def _require(parent: dict[str, Any], key: str, where: str) -> Any:
    if key not in parent:
        raise Invalid(f'{where} must have the property "{key}"')
    return parent[key]


def _string(parent: dict[str, Any], key: str, where: str) -> str:
    value = _require(parent, key, where)
    if not isinstance(value, str):
        raise Invalid(f"{where}/{key} must be a string")
    return value


def _strong_ref(reply: dict[str, Any], key: str) -> None:
    ref = _require(reply, key, "Record/reply")
    where = f"Record/reply/{key}"
    if not isinstance(ref, dict):
        raise Invalid(f"{where} must be an object")
    if not AT_URI.fullmatch(_string(ref, "uri", where)):
        raise Invalid(f"{where}/uri must be a valid at-uri")
    if not _string(ref, "cid", where).strip():
        raise Invalid(f"{where}/cid must be a cid string")


def _facets(facets: Any, text: str) -> None:
    if not isinstance(facets, list):
        raise Invalid("Record/facets must be an array")
    size = byte_length(text)
    for i, facet in enumerate(facets):
        where = f"Record/facets/{i}"
        if not isinstance(facet, dict):
            raise Invalid(f"{where} must be an object")
        index = _require(facet, "index", where)
        start, end = (index.get(k) if isinstance(index, dict) else None for k in ("byteStart", "byteEnd"))
        if not (isinstance(start, int) and isinstance(end, int) and 0 <= start <= end <= size):
            raise Invalid(f"{where}/index must be a byte range within the text")
        features = _require(facet, "features", where)
        if not isinstance(features, list) or not features:
            raise Invalid(f"{where}/features must be a non-empty array")
        for j, feature in enumerate(features):
            kind = feature.get("$type") if isinstance(feature, dict) else None
            if kind not in FEATURES:
                raise Invalid(f'{where}/features/{j} must be an object which includes the "$type" property')
            assert isinstance(feature, dict)
            _string(feature, FEATURES[kind], f"{where}/features/{j}")


def check_post(record: Any) -> None:
    if not isinstance(record, dict):
        raise Invalid("Record must be an object")
    if record.get("$type") != "app.bsky.feed.post":
        raise Invalid("Invalid $type: expected app.bsky.feed.post")
    text = _string(record, "text", "Record")
    if byte_length(text) > 3000:
        raise Invalid("Record/text must not be longer than 3000 characters")
    if grapheme_length(text) > 300:
        raise Invalid("Record/text must not be longer than 300 graphemes")
    if not DATETIME.fullmatch(_string(record, "createdAt", "Record")):
        raise Invalid("Record/createdAt must be an valid atproto datetime (both RFC-3339 and ISO-8601)")
    if "reply" in record:
        reply = record["reply"]
        if not isinstance(reply, dict):
            raise Invalid("Record/reply must be an object")
        _strong_ref(reply, "root")
        _strong_ref(reply, "parent")
    if "facets" in record:
        _facets(record["facets"], text)
