"""Webhook verification: known vectors computed here independently with hmac, tampering, wrong
secrets, missing headers and stale timestamps."""

from __future__ import annotations

import base64
import hashlib
import hmac
from datetime import UTC, datetime, timedelta

import pytest

from socialdesk.connectors import signing
from socialdesk.connectors.signing import (
    GenericFailure,
    check_generic_request,
    sign_generic,
    verify_generic_signature,
)
from socialdesk.sources.meta import verify as meta_verify
from socialdesk.sources.meta.verify import meta_challenge, sign_meta, verify_meta_signature
from socialdesk.sources.x import verify as x_verify
from socialdesk.sources.x.verify import sign_x, verify_x_signature, x_crc_response

BODY = b'{"object":"page","entry":[{"id":"1","time":1}]}'
SECRET = "app-secret-\u00e9"  # non-ASCII on purpose: keys are UTF-8 encoded
NOW = datetime(2026, 11, 24, 9, 0, tzinfo=UTC)


def _hex(secret: str, message: bytes) -> str:
    return hmac.new(secret.encode(), message, hashlib.sha256).hexdigest()


def _b64(secret: str, message: bytes) -> str:
    return base64.b64encode(hmac.new(secret.encode(), message, hashlib.sha256).digest()).decode()


# --- Meta -------------------------------------------------------------------------------------


def test_meta_challenge_echoes_when_subscribe_and_token_match() -> None:
    params = {"hub.mode": "subscribe", "hub.verify_token": "tok", "hub.challenge": "1158201444"}
    assert meta_challenge(params, "tok") == "1158201444"


@pytest.mark.parametrize(
    "params",
    [
        {"hub.mode": "subscribe", "hub.verify_token": "nope", "hub.challenge": "c"},
        {"hub.mode": "unsubscribe", "hub.verify_token": "tok", "hub.challenge": "c"},
        {"hub.verify_token": "tok", "hub.challenge": "c"},
        {"hub.mode": "subscribe", "hub.challenge": "c"},
        {"hub.mode": "subscribe", "hub.verify_token": "tok"},
        {},
    ],
)
def test_meta_challenge_refuses(params: dict[str, str]) -> None:
    assert meta_challenge(params, "tok") is None


def test_meta_challenge_never_matches_an_unconfigured_token() -> None:
    assert meta_challenge({"hub.mode": "subscribe", "hub.verify_token": "", "hub.challenge": "c"}, "") is None


def test_meta_challenge_handles_non_ascii_token() -> None:
    params = {"hub.mode": "subscribe", "hub.verify_token": "t\u00f6k", "hub.challenge": "c"}
    assert meta_challenge(params, "t\u00f6k") == "c"
    assert meta_challenge(params, "tok") is None


def test_meta_known_vector() -> None:
    header = "sha256=" + _hex(SECRET, BODY)
    assert sign_meta(BODY, SECRET) == {"X-Hub-Signature-256": header}
    assert verify_meta_signature(BODY, header, SECRET)
    assert verify_meta_signature(BODY, header.upper().replace("SHA256=", "sha256="), SECRET)
    assert verify_meta_signature(BODY, f"  {header} ", SECRET)


@pytest.mark.parametrize(
    ("body", "header", "secret"),
    [
        (BODY + b" ", "sha256=" + _hex(SECRET, BODY), SECRET),  # tampered body
        (BODY, "sha256=" + _hex("other", BODY), SECRET),  # wrong secret
        (BODY, None, SECRET),  # missing header
        (BODY, "", SECRET),
        (BODY, _hex(SECRET, BODY), SECRET),  # no "sha256=" prefix
        (BODY, "sha1=" + _hex(SECRET, BODY), SECRET),
        (BODY, "sha256=" + _b64(SECRET, BODY), SECRET),  # X's encoding, not Meta's
        (BODY, "sha256=\u00e9\u00e9", SECRET),  # non-ASCII must not raise
        (BODY, "sha256=" + _hex("", BODY), ""),  # an empty secret verifies nothing
    ],
)
def test_meta_signature_refused(body: bytes, header: str | None, secret: str) -> None:
    assert not verify_meta_signature(body, header, secret)


# --- X ----------------------------------------------------------------------------------------


def test_x_crc_known_vector() -> None:
    assert x_crc_response("crc-token-123", "consumer") == {
        "response_token": "sha256=" + _b64("consumer", b"crc-token-123")
    }


def test_x_signature_known_vector() -> None:
    header = "sha256=" + _b64(SECRET, BODY)
    assert sign_x(BODY, SECRET) == {"x-twitter-webhooks-signature": header}
    assert verify_x_signature(BODY, header, SECRET)


@pytest.mark.parametrize(
    ("body", "header", "secret"),
    [
        (b'{"for_user_id":"2"}', "sha256=" + _b64(SECRET, BODY), SECRET),
        (BODY, "sha256=" + _b64("wrong", BODY), SECRET),
        (BODY, None, SECRET),
        (BODY, "sha256=" + _hex(SECRET, BODY), SECRET),  # hex is Meta's encoding
        (BODY, "sha256=" + _b64(SECRET, BODY).lower(), SECRET),  # base64 is case-sensitive
        (BODY, "sha256=" + _b64("", BODY), ""),
        (BODY, "sha256=\u2603", SECRET),
    ],
)
def test_x_signature_refused(body: bytes, header: str | None, secret: str) -> None:
    assert not verify_x_signature(body, header, secret)


# --- generic ----------------------------------------------------------------------------------


def test_generic_known_vector_without_timestamp() -> None:
    header = "sha256=" + _hex("s", BODY)
    assert sign_generic(BODY, "s") == {"X-Socialdesk-Signature": header}
    assert verify_generic_signature(BODY, header, "s")
    result = check_generic_request(BODY, signature=header, timestamp=None, secret="s", now=NOW)
    assert result.ok and result and result.failure is None and result.reason == "ok"


def test_generic_known_vector_with_timestamp() -> None:
    ts = int(NOW.timestamp())
    headers = sign_generic(BODY, "s", timestamp=ts)
    assert headers == {
        "X-Socialdesk-Signature": "sha256=" + _hex("s", f"{ts}.".encode() + BODY),
        "X-Socialdesk-Timestamp": str(ts),
    }
    result = check_generic_request(
        BODY, signature=headers["X-Socialdesk-Signature"], timestamp=str(ts), secret="s", now=NOW
    )
    assert result.ok


@pytest.mark.parametrize("skew", [-300, -1, 0, 1, 300])
def test_generic_timestamp_within_300_seconds_is_fresh(skew: int) -> None:
    ts = int(NOW.timestamp()) + skew
    headers = sign_generic(BODY, "s", timestamp=ts)
    result = check_generic_request(
        BODY, signature=headers["X-Socialdesk-Signature"], timestamp=str(ts), secret="s", now=NOW
    )
    assert result.ok


@pytest.mark.parametrize("skew", [-301, 301, -86_400])
def test_generic_stale_timestamp_is_403(skew: int) -> None:
    ts = int(NOW.timestamp()) + skew
    headers = sign_generic(BODY, "s", timestamp=ts)
    result = check_generic_request(
        BODY, signature=headers["X-Socialdesk-Signature"], timestamp=str(ts), secret="s", now=NOW
    )
    assert not result
    assert result.failure is GenericFailure.STALE
    assert result.reason == "stale"
    assert result.failure.http_status == 403


def test_generic_signature_checked_before_staleness() -> None:
    """A forged request with an old timestamp is a bad signature (401), not "stale"."""
    ts = str(int((NOW - timedelta(hours=1)).timestamp()))
    result = check_generic_request(BODY, signature="sha256=00", timestamp=ts, secret="s", now=NOW)
    assert result.failure is GenericFailure.BAD_SIGNATURE
    assert result.failure.http_status == 401


def test_generic_timestamp_must_be_part_of_the_signed_bytes() -> None:
    plain = sign_generic(BODY, "s")["X-Socialdesk-Signature"]
    ts = str(int(NOW.timestamp()))
    result = check_generic_request(BODY, signature=plain, timestamp=ts, secret="s", now=NOW)
    assert result.failure is GenericFailure.BAD_SIGNATURE


@pytest.mark.parametrize("bad_ts", ["", "abc", "1.5", "-5", "99999999999999999999", "\u0661\u0662"])
def test_generic_unreadable_timestamp_is_stale(bad_ts: str) -> None:
    signature = "sha256=" + _hex("s", f"{bad_ts}.".encode() + BODY)
    result = check_generic_request(BODY, signature=signature, timestamp=bad_ts, secret="s", now=NOW)
    assert result.failure is GenericFailure.STALE


@pytest.mark.parametrize("missing", [None, "", "   "])
def test_generic_missing_signature_is_401(missing: str | None) -> None:
    result = check_generic_request(BODY, signature=missing, timestamp=None, secret="s", now=NOW)
    assert result.failure is GenericFailure.MISSING_SIGNATURE
    assert result.reason == "missing signature"
    assert result.failure.http_status == 401


@pytest.mark.parametrize(
    ("body", "secret"),
    [(BODY + b"x", "s"), (BODY, "wrong")],
)
def test_generic_tampered_body_or_wrong_secret(body: bytes, secret: str) -> None:
    header = sign_generic(BODY, "s")["X-Socialdesk-Signature"]
    assert not verify_generic_signature(body, header, secret)
    result = check_generic_request(body, signature=header, timestamp=None, secret=secret, now=NOW)
    assert result.failure is GenericFailure.BAD_SIGNATURE
    assert result.reason == "bad signature"


def test_generic_empty_secret_verifies_nothing() -> None:
    header = "sha256=" + _hex("", BODY)
    result = check_generic_request(BODY, signature=header, timestamp=None, secret="", now=NOW)
    assert result.failure is GenericFailure.BAD_SIGNATURE


def test_header_name_constants_match_the_contract() -> None:
    assert meta_verify.META_SIGNATURE_HEADER == "X-Hub-Signature-256"
    assert x_verify.X_SIGNATURE_HEADER == "x-twitter-webhooks-signature"
    assert signing.GENERIC_SIGNATURE_HEADER == "X-Socialdesk-Signature"
    assert signing.GENERIC_TIMESTAMP_HEADER == "X-Socialdesk-Timestamp"
    assert signing.GENERIC_MAX_SKEW_SECONDS == 300


def test_docs_example_signatures_are_correct() -> None:
    """docs/generic-webhook.md quotes concrete signatures; keep them true."""
    from pathlib import Path

    doc = (Path(__file__).resolve().parents[2] / "docs" / "generic-webhook.md").read_text(encoding="utf-8")
    body = next(
        line for line in doc.splitlines() if line.startswith('{"platform":"x","id":"1790000000000000001"')
    )
    assert sign_generic(body.encode(), "example-secret")["X-Socialdesk-Signature"] in doc
    assert (
        sign_generic(body.encode(), "example-secret", timestamp=1714555800)["X-Socialdesk-Signature"] in doc
    )
