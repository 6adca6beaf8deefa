"""Test plumbing: databases (SQLite file or the real PostgreSQL), a live uvicorn server, signing."""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import time
from typing import Any
from urllib.parse import urlencode

from sqlalchemy import Engine, text
from sqlmodel import SQLModel

from socialdesk.web.serving import background_server

PG_URL_ENV = "SOCIALDESK_TEST_DATABASE_URL"
SIGNING_SECRET = "test-signing-secret-0123456789abcdef"
BOT_TOKEN = "xoxb-test-0000-socialdesk"
WEBHOOK_SECRET = "generic-webhook-secret"
META_APP_SECRET = "meta-app-secret"
META_VERIFY_TOKEN = "meta-verify-token"
X_CONSUMER_SECRET = "x-consumer-secret"


def postgres_url() -> str | None:
    return os.environ.get(PG_URL_ENV) or None


def truncate_all(engine: Engine) -> None:
    tables = [t.name for t in SQLModel.metadata.sorted_tables]
    with engine.begin() as conn:
        if engine.dialect.name == "postgresql":
            quoted = ", ".join(f'"{t}"' for t in tables)
            conn.execute(text(f"TRUNCATE {quoted} RESTART IDENTITY CASCADE"))
        else:
            for table in reversed(tables):
                conn.execute(text(f'DELETE FROM "{table}"'))


live_server = background_server


def slack_signature(body: str, timestamp: int, secret: str = SIGNING_SECRET) -> str:
    base = f"v0:{timestamp}:{body}".encode()
    return "v0=" + hmac.new(secret.encode(), base, hashlib.sha256).hexdigest()


def slack_headers(body: str, *, content_type: str, timestamp: int | None = None) -> dict[str, str]:
    # Bolt checks the timestamp against the real wall clock, so the signed time must be real time.
    ts = int(time.time()) if timestamp is None else timestamp
    return {
        "Content-Type": content_type,
        "X-Slack-Request-Timestamp": str(ts),
        "X-Slack-Signature": slack_signature(body, ts),
    }


def slash_command_body(
    command: str, text_: str, *, user_id: str = "U0AGENT01", response_url: str, channel_id: str = "C0SUPPORT1"
) -> str:
    return urlencode(
        {
            "token": "legacy-verification-token",
            "team_id": "T0STANDIN1",
            "team_domain": "acme",
            "channel_id": channel_id,
            "channel_name": "social-support",
            "user_id": user_id,
            "user_name": "maria",
            "command": command,
            "text": text_,
            "api_app_id": "A0SOCIALDESK",
            "response_url": response_url,
            "trigger_id": "1234.5678.abcdef",
        }
    )


def block_action_body(
    action: dict[str, Any],
    *,
    response_url: str,
    user_id: str = "U0AGENT01",
    channel_id: str = "C0SUPPORT1",
    message_ts: str = "1.0",
) -> str:
    payload = {
        "type": "block_actions",
        "team": {"id": "T0STANDIN1", "domain": "acme"},
        "user": {"id": user_id, "username": "maria", "name": "maria", "team_id": "T0STANDIN1"},
        "api_app_id": "A0SOCIALDESK",
        "token": "legacy-verification-token",
        "container": {"type": "message", "message_ts": message_ts, "channel_id": channel_id},
        "trigger_id": "1234.5678.abcdef",
        "channel": {"id": channel_id, "name": "social-support"},
        "message": {"ts": message_ts, "type": "message", "text": "card"},
        "response_url": response_url,
        "actions": [action],
    }
    return urlencode({"payload": json.dumps(payload)})
