"""Signed Slack requests: the secrets a test runtime uses and the bodies Slack sends.

Slack signs every request with the app's signing secret (`v0=` HMAC-SHA256 over `v0:<timestamp>:<body>`);
Bolt checks the signature and that the timestamp is within five minutes of the wall clock, so the
timestamp signed here is real time, not the test's manual clock.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import time
from typing import Any
from urllib.parse import urlencode

SIGNING_SECRET = "test-signing-secret-0123456789abcdef"
BOT_TOKEN = "xoxb-test-0000-socialdesk"
TEAM_ID = "T0STANDIN1"  # the Slack stand-in's workspace
AGENT = "U0AGENT01"  # a user of the stand-in's workspace (maria); the sample config lets everyone act
SUPPORT_CHANNEL = "C0SUPPORT1"  # #social-support on the stand-in


def slack_signature(body: str, timestamp: int, secret: str = SIGNING_SECRET) -> str:
    base = f"v0:{timestamp}:{body}".encode()
    return "v0=" + hmac.new(secret.encode(), base, hashlib.sha256).hexdigest()


def slack_headers(
    body: str, *, content_type: str, timestamp: int | None = None, secret: str = SIGNING_SECRET
) -> dict[str, str]:
    # Bolt checks the timestamp against the real wall clock, so the signed time must be real time.
    ts = int(time.time()) if timestamp is None else timestamp
    return {
        "Content-Type": content_type,
        "X-Slack-Request-Timestamp": str(ts),
        "X-Slack-Signature": slack_signature(body, ts, secret),
    }


def slash_command_body(
    command: str,
    text_: str,
    *,
    user_id: str = AGENT,
    response_url: str,
    channel_id: str = SUPPORT_CHANNEL,
    trigger_id: str = "1234.5678.abcdef",
) -> str:
    """The form body of a slash command, as Slack POSTs it."""
    return urlencode(
        {
            "token": "legacy-verification-token",
            "team_id": TEAM_ID,
            "team_domain": "acme",
            "channel_id": channel_id,
            "channel_name": "social-support",
            "user_id": user_id,
            "user_name": "maria",
            "command": command,
            "text": text_,
            "api_app_id": "A0SOCIALDESK",
            "response_url": response_url,
            "trigger_id": trigger_id,
        }
    )


def block_action_body(
    action: dict[str, Any],
    *,
    response_url: str,
    user_id: str = AGENT,
    channel_id: str = SUPPORT_CHANNEL,
    message_ts: str = "1.0",
    trigger_id: str = "1234.5678.abcdef",
) -> str:
    """The form body of a button click (`block_actions`) on a message, as Slack POSTs it."""
    payload = {
        "type": "block_actions",
        "team": {"id": TEAM_ID, "domain": "acme"},
        "user": {"id": user_id, "username": "maria", "name": "maria", "team_id": TEAM_ID},
        "api_app_id": "A0SOCIALDESK",
        "token": "legacy-verification-token",
        "container": {"type": "message", "message_ts": message_ts, "channel_id": channel_id},
        "trigger_id": trigger_id,
        "channel": {"id": channel_id, "name": "social-support"},
        "message": {"ts": message_ts, "type": "message", "text": "card"},
        "response_url": response_url,
        "actions": [action],
    }
    return urlencode({"payload": json.dumps(payload)})
