"""The service-account token: a signed assertion the token stand-in verifies, cached, refreshed; and the
stand-in's refusals, in Google's shapes."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import httpx
import jwt
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from socialdesk.clock import ManualClock
from socialdesk.plugins.replies import ErrorKind, PlatformError
from socialdesk.sources.google_auth import AccessTokens, ServiceAccount, ServiceAccountError
from socialdesk.standin.platforms.google_api import GRANT_TYPE, GoogleTokenStandIn, KeyFile

SCOPE = "https://www.googleapis.com/auth/androidpublisher"


@pytest.fixture
def tokens(key: KeyFile, oauth: GoogleTokenStandIn) -> AccessTokens:
    return AccessTokens(httpx.Client(), ServiceAccount.load(key.path), scope=SCOPE, token_url=oauth.token_url)


def test_the_assertion_is_signed_and_claims_what_google_checks(
    tokens: AccessTokens, key: KeyFile, oauth: GoogleTokenStandIn, socialdesk_clock: ManualClock
) -> None:
    now = socialdesk_clock.now()
    token = tokens.token(now)

    assert token.startswith("ya29.") and oauth.check(token, SCOPE) is None
    [exchange] = oauth.requests
    assert exchange.headers["content-type"] == "application/x-www-form-urlencoded"
    form = dict(pair.split("=", 1) for pair in exchange.body.decode().split("&"))
    assert form["grant_type"] == GRANT_TYPE.replace(":", "%3A")
    [claims] = oauth.assertions
    assert claims == {
        "iss": key.client_email,
        "scope": SCOPE,
        "aud": oauth.token_url,
        "iat": int(now.timestamp()),
        "exp": int(now.timestamp()) + 3600,
    }
    # Signed with the key file's private key: its public half verifies it, another key does not.
    assertion = tokens.assertion(now)
    assert jwt.get_unverified_header(assertion) == {"alg": "RS256", "typ": "JWT", "kid": key.private_key_id}
    jwt.decode(
        assertion,
        key.public_pem,
        algorithms=["RS256"],
        audience=oauth.token_url,
        options={"verify_exp": False},
    )
    other = rsa.generate_private_key(public_exponent=65537, key_size=2048).public_key()
    pem = other.public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
    with pytest.raises(jwt.InvalidSignatureError):
        jwt.decode(
            assertion, pem, algorithms=["RS256"], audience=oauth.token_url, options={"verify_exp": False}
        )


def test_the_token_is_cached_until_shortly_before_it_expires(
    tokens: AccessTokens, oauth: GoogleTokenStandIn, socialdesk_clock: ManualClock
) -> None:
    first = tokens.token(socialdesk_clock.now())
    socialdesk_clock.advance(timedelta(minutes=50))
    assert tokens.token(socialdesk_clock.now()) == first and tokens.exchanged == 1
    socialdesk_clock.advance(timedelta(minutes=6))  # within five minutes of its 3599 seconds
    assert tokens.token(socialdesk_clock.now()) != first and tokens.exchanged == 2


def test_an_assertion_signed_by_another_key_is_refused_as_google_does(
    key: KeyFile, oauth: GoogleTokenStandIn, socialdesk_clock: ManualClock, tmp_path: Path
) -> None:
    other = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    oauth.add_account(
        key.client_email,
        other.public_key().public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
        ),
    )
    tokens = AccessTokens(
        httpx.Client(), ServiceAccount.load(key.path), scope=SCOPE, token_url=oauth.token_url
    )

    with pytest.raises(PlatformError) as refused:
        tokens.token(socialdesk_clock.now())

    assert refused.value.kind is ErrorKind.AUTH
    assert "invalid_grant: Invalid JWT Signature." in refused.value.message
    assert (
        "GOOGLE_SERVICE_ACCOUNT_FILE" in refused.value.message and "PRIVATE KEY" not in refused.value.message
    )


def test_times_audience_and_account_are_checked(
    key: KeyFile, oauth: GoogleTokenStandIn, socialdesk_clock: ManualClock
) -> None:
    account = ServiceAccount.load(key.path)
    now = socialdesk_clock.now()
    issued = int(now.timestamp())

    def exchange(**claims: object) -> httpx.Response:
        body = {
            "iss": key.client_email,
            "scope": SCOPE,
            "aud": oauth.token_url,
            "iat": issued,
            "exp": issued + 3600,
        }
        body.update(claims)
        assertion = jwt.encode(body, account.private_key.get_secret_value(), algorithm="RS256")
        return httpx.post(oauth.token_url, data={"grant_type": GRANT_TYPE, "assertion": assertion})

    expired = exchange(iat=issued - 7200, exp=issued - 3600)
    too_long = exchange(exp=issued + 7200)
    wrong_audience = exchange(aud="https://oauth2.googleapis.com/token")
    unknown = exchange(iss="someone@else.iam.gserviceaccount.com")
    no_scope = exchange(scope="")
    assert (expired.status_code, expired.json()["error"]) == (400, "invalid_grant")
    assert "short-lived" in expired.json()["error_description"]
    assert (too_long.status_code, too_long.json()["error"]) == (400, "invalid_grant")
    assert "Failed audience check" in wrong_audience.json()["error_description"]
    assert (unknown.status_code, unknown.json()["error"]) == (401, "invalid_client")
    assert no_scope.json()["error"] == "invalid_scope"
    assert exchange().status_code == 200
    bad_grant = httpx.post(oauth.token_url, data={"grant_type": "client_credentials"})
    assert bad_grant.json()["error"] == "unsupported_grant_type"


def test_a_key_file_that_cannot_be_used_names_the_field_never_the_key(tmp_path: Path) -> None:
    broken = tmp_path / "key.json"
    broken.write_text('{"type": "service_account", "private_key": "-----BEGIN PRIVATE KEY-----\\nabc"}')
    with pytest.raises(ServiceAccountError, match="client_email missing") as caught:
        ServiceAccount.load(broken)
    assert "abc" not in str(caught.value)
    with pytest.raises(ServiceAccountError, match="cannot be read"):
        ServiceAccount.load(tmp_path / "absent.json")
