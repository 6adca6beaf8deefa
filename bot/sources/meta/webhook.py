"""The answers of every Meta-app webhook (Page, Instagram, Messenger, WhatsApp, Threads): the
subscription challenge and the signature check, with the refusals the webhook route turns into 503, 403
and 401. The sources of those products call these with their own settings."""

from __future__ import annotations

from pydantic import SecretStr

from socialdesk.plugins.source import WebhookAnswer, WebhookRequest
from socialdesk.sources.meta import verify
from socialdesk.sources.settings_base import secret_text


def answer_challenge(request: WebhookRequest, verify_token: SecretStr | None) -> WebhookAnswer:
    """GET: echo `hub.challenge` when the subscribe request carries our verify token."""
    token = secret_text(verify_token)
    if token is None:
        return WebhookAnswer.refuse(503, "META_VERIFY_TOKEN is not configured")
    challenge = verify.meta_challenge(request.query, token)
    if challenge is None:
        return WebhookAnswer.refuse(403, "hub.verify_token does not match")
    return WebhookAnswer(200, challenge)


def check_signature(request: WebhookRequest, app_secret: SecretStr | None) -> WebhookAnswer | None:
    """POST: None when `X-Hub-Signature-256` is the body's HMAC with the app secret, else the refusal."""
    secret = secret_text(app_secret)
    if secret is None:
        return WebhookAnswer.refuse(503, "META_APP_SECRET is not configured")
    header = request.headers.get("x-hub-signature-256")
    if not header:
        return WebhookAnswer.refuse(401, "X-Hub-Signature-256 header is missing")
    if not verify.verify_meta_signature(request.body, header, secret):
        return WebhookAnswer.refuse(401, "X-Hub-Signature-256 does not match the body")
    return None
