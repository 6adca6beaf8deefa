"""A local Google OAuth 2.0 token endpoint for service accounts, and the base of the Google API stand-ins.

`GoogleTokenStandIn` answers `POST /token` (form: `grant_type=urn:ietf:params:oauth:grant-type:jwt-bearer`,
`assertion=<JWT>`) as `oauth2.googleapis.com/token` does. The assertion must be RS256, signed by the
private key of a service account it knows (its public key registered with `add_account`), `iss` that
account's e-mail, `aud` this endpoint's URL, a `scope`, `iat` not in the future and `exp` after now and
at most an hour after `iat` (times by the injected clock). Refusals are Google's shapes:

    400 {"error": "unsupported_grant_type", "error_description": "Invalid grant_type: ..."}
    400 {"error": "invalid_grant", "error_description": "Invalid JWT Signature."}
    400 {"error": "invalid_grant", "error_description": "Invalid JWT: Token must be a short-lived token ..."}
    400 {"error": "invalid_grant", "error_description": "Invalid JWT: Failed audience check. ..."}
    400 {"error": "invalid_scope", "error_description": "Invalid OAuth scope or ID token audience provided."}
    401 {"error": "invalid_client", "error_description": "The OAuth client was not found."}

and it answers `{"access_token": "ya29.…", "expires_in": 3599, "token_type": "Bearer"}`. The API
stand-ins ask it (`check`) whether a bearer token is live and of their scope; `revoke_tokens()` makes
every token issued so far invalid (as a deleted key does), `disable(email)` refuses the account.

`GoogleApiStandIn` is what the API stand-ins share: the bearer check (401 UNAUTHENTICATED, 403
PERMISSION_DENIED for another scope), Google's error body for a scripted 429/500, and JSON parsing.
`service_account_key` writes a key file with a fresh RSA key pair for a test.
"""

from __future__ import annotations

import json
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs

import jwt
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from socialdesk.standin.platforms.base import RecordedRequest, Reply, StandInServer

GRANT_TYPE = "urn:ietf:params:oauth:grant-type:jwt-bearer"
TOKEN_PATH = "/token"
TOKEN_LIFETIME = timedelta(seconds=3599)
MAX_ASSERTION = timedelta(hours=1)
SKEW = timedelta(seconds=30)
SHORT_LIVED = (
    "Invalid JWT: Token must be a short-lived token (60 minutes) and in a reasonable timeframe. "
    "Check your iat and exp values in the JWT claim."
)
STATUS = {
    400: "INVALID_ARGUMENT",
    401: "UNAUTHENTICATED",
    403: "PERMISSION_DENIED",
    404: "NOT_FOUND",
    429: "RESOURCE_EXHAUSTED",
    500: "INTERNAL",
    503: "UNAVAILABLE",
}
MESSAGES = {
    429: "Quota exceeded for quota metric 'Requests' and limit 'Requests per minute'.",
    500: "Internal error encountered.",
    503: "The service is currently unavailable.",
}


def google_error(code: int, message: str, headers: dict[str, str] | None = None) -> Reply:
    body = {"error": {"code": code, "message": message, "status": STATUS.get(code, "UNKNOWN")}}
    return Reply(code, body, headers or {})


def oauth_error(status: int, error: str, description: str) -> Reply:
    return Reply(status, {"error": error, "error_description": description})


@dataclass(frozen=True, slots=True)
class KeyFile:
    """A service account key written for a test: the file, its e-mail and the public half of its key."""

    path: Path
    client_email: str
    public_pem: bytes
    private_key_id: str


def service_account_key(
    folder: Path, *, token_url: str, client_email: str = "socialdesk@acme-reviews.iam.gserviceaccount.com"
) -> KeyFile:
    """Write `service-account.json` (Google's key file shape) with a new 2048-bit RSA key into `folder`."""
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    private_pem = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    ).decode()
    public_pem = key.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    key_id = secrets.token_hex(20)
    data = {
        "type": "service_account",
        "project_id": "acme-reviews",
        "private_key_id": key_id,
        "private_key": private_pem,
        "client_email": client_email,
        "client_id": "104729834712398471234",
        "auth_uri": "https://accounts.google.com/o/oauth2/auth",
        "token_uri": token_url,
        "auth_provider_x509_cert_url": "https://www.googleapis.com/oauth2/v1/certs",
        "universe_domain": "googleapis.com",
    }
    path = folder / "service-account.json"
    path.write_text(json.dumps(data, indent=2), encoding="utf-8")
    return KeyFile(path, client_email, public_pem, key_id)


@dataclass(slots=True)
class Issued:
    client_email: str
    scopes: frozenset[str]
    expires_at: datetime


class GoogleTokenStandIn(StandInServer):
    def __init__(self, *, now: Callable[[], datetime]) -> None:
        super().__init__()
        self.now = now
        self.accounts: dict[str, bytes] = {}  # client_email -> public key PEM
        self.disabled: set[str] = set()
        self.issued: dict[str, Issued] = {}
        self.assertions: list[dict[str, Any]] = []  # the verified claims of every accepted assertion

    @property
    def token_url(self) -> str:
        return self.url + TOKEN_PATH

    def add_account(self, client_email: str, public_pem: bytes) -> None:
        self.accounts[client_email] = public_pem

    def disable(self, client_email: str) -> None:
        self.disabled.add(client_email)

    def revoke_tokens(self) -> None:
        with self._lock:
            self.issued.clear()

    def expire_tokens(self) -> None:
        """Every issued token is past its expiry now (as if the clock ran on past it)."""
        with self._lock:
            for issued in self.issued.values():
                issued.expires_at = self.now() - timedelta(seconds=1)

    def check(self, token: str | None, scope: str) -> Reply | None:
        """None when `token` is a live access token carrying `scope`; else the API's refusal."""
        with self._lock:
            issued = self.issued.get(token or "")
            if issued is None or issued.expires_at <= self.now():
                return google_error(
                    401,
                    "Request had invalid authentication credentials. Expected OAuth 2 access token, login "
                    "cookie or other valid authentication credential. See "
                    "https://developers.google.com/identity/sign-in/web/devconsole-project.",
                )
            if scope not in issued.scopes:
                return google_error(403, "Request had insufficient authentication scopes.")
            return None

    def handle(self, request: RecordedRequest) -> Reply:
        failure = self.take_failure(f"{request.method} {request.path}")
        if failure is not None and failure.status is not None:
            body = failure.body
            if body is None:
                body = {"error": "internal_failure", "error_description": "Backend Error"}
            return Reply(
                failure.status, body, failure.headers, delay=failure.delay, disconnect=failure.disconnect
            )
        if request.method != "POST" or request.path != TOKEN_PATH:
            return Reply(404, {"error": "not_found"})
        form = {k: v[-1] for k, v in parse_qs(request.body.decode("utf-8", "replace")).items()}
        if form.get("grant_type") != GRANT_TYPE:
            return oauth_error(
                400, "unsupported_grant_type", f"Invalid grant_type: {form.get('grant_type', '')}"
            )
        return self._exchange(form.get("assertion", ""))

    def _exchange(self, assertion: str) -> Reply:
        try:
            header = jwt.get_unverified_header(assertion)
            unverified = jwt.decode(assertion, options={"verify_signature": False})
        except jwt.PyJWTError:
            return oauth_error(400, "invalid_grant", "Invalid JWT Signature.")
        issuer = str(unverified.get("iss") or "")
        public = self.accounts.get(issuer)
        if public is None:
            return oauth_error(401, "invalid_client", "The OAuth client was not found.")
        if issuer in self.disabled:
            return oauth_error(400, "invalid_grant", "Invalid grant: account not found")
        if header.get("alg") != "RS256":
            return oauth_error(400, "invalid_grant", "Invalid JWT Signature.")
        try:
            # Times are checked below against the injected clock, not the machine's.
            claims = jwt.decode(
                assertion,
                public,
                algorithms=["RS256"],
                options={"verify_exp": False, "verify_iat": False, "verify_nbf": False, "verify_aud": False},
            )
        except jwt.PyJWTError:
            return oauth_error(400, "invalid_grant", "Invalid JWT Signature.")
        if claims.get("aud") != self.token_url:
            return oauth_error(
                400,
                "invalid_grant",
                f"Invalid JWT: Failed audience check. The expected value was {self.token_url}. "
                f"The actual value was {claims.get('aud')}",
            )
        now = self.now()
        iat, exp = claims.get("iat"), claims.get("exp")
        if not isinstance(iat, int) or not isinstance(exp, int):
            return oauth_error(400, "invalid_grant", SHORT_LIVED)
        issued_at, expires = datetime.fromtimestamp(iat, now.tzinfo), datetime.fromtimestamp(exp, now.tzinfo)
        if issued_at > now + SKEW or expires <= now or expires - issued_at > MAX_ASSERTION:
            return oauth_error(400, "invalid_grant", SHORT_LIVED)
        scopes = frozenset(str(claims.get("scope") or "").split())
        if not scopes:
            return oauth_error(400, "invalid_scope", "Invalid OAuth scope or ID token audience provided.")
        token = "ya29." + secrets.token_urlsafe(48)
        self.issued[token] = Issued(issuer, scopes, now + TOKEN_LIFETIME)
        self.assertions.append(claims)
        return Reply(
            200,
            {
                "access_token": token,
                "expires_in": int(TOKEN_LIFETIME.total_seconds()),
                "token_type": "Bearer",
            },
        )


class GoogleApiStandIn(StandInServer):
    """A Google REST API: every call needs a bearer token the token stand-in issued for `scope`."""

    scope: str = ""

    def __init__(self, *, now: Callable[[], datetime], tokens: GoogleTokenStandIn) -> None:
        super().__init__()
        self.now = now
        self.tokens = tokens

    def handle(self, request: RecordedRequest) -> Reply:
        failure = self.take_failure(f"{request.method} {request.path}")
        if failure is not None and failure.status is not None:
            reply = google_error(
                failure.status, MESSAGES.get(failure.status, "Scripted failure."), failure.headers
            )
            if failure.body is not None:
                reply.body = failure.body
            reply.delay, reply.disconnect = failure.delay, failure.disconnect
            return reply
        if failure is not None:  # a delay or a dropped connection only
            reply = self._authorized(request)
            reply.delay, reply.disconnect = failure.delay, failure.disconnect
            return reply
        return self._authorized(request)

    def _authorized(self, request: RecordedRequest) -> Reply:
        header = request.headers.get("authorization", "")
        token = header.removeprefix("Bearer ") if header.startswith("Bearer ") else None
        refused = self.tokens.check(token, self.scope)
        return refused if refused is not None else self.route(request)

    def route(self, request: RecordedRequest) -> Reply:
        raise NotImplementedError


def body_json(request: RecordedRequest) -> Any:
    try:
        return json.loads(request.body) if request.body else None
    except ValueError:
        return None
