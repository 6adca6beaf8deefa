"""Test plumbing: databases (SQLite file or the real PostgreSQL), a live uvicorn server, signing.

Signed Slack requests come from the plugin authors' kit, `socialdesk.testing`, which socialdesk's own tests
share (one copy of how Slack signs and what its bodies look like)."""

from __future__ import annotations

import logging
import os
from datetime import UTC, datetime

from sqlalchemy import Engine, text
from sqlmodel import SQLModel

from socialdesk.ingest.by_source import InboxReader
from socialdesk.plugins.mentions import NormalizeResult
from socialdesk.plugins.payloads import NO_BRAND, BrandAccounts
from socialdesk.testing.signing import (
    BOT_TOKEN,
    SIGNING_SECRET,
    block_action_body,
    slack_headers,
    slack_signature,
    slash_command_body,
)
from socialdesk.web.serving import background_server

PG_URL_ENV = "SOCIALDESK_TEST_DATABASE_URL"
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

__all__ = [
    "BOT_TOKEN",
    "META_APP_SECRET",
    "META_VERIFY_TOKEN",
    "PG_URL_ENV",
    "SIGNING_SECRET",
    "WEBHOOK_SECRET",
    "X_CONSUMER_SECRET",
    "block_action_body",
    "live_server",
    "postgres_url",
    "slack_headers",
    "slack_signature",
    "slash_command_body",
    "truncate_all",
]


def builtin_reader() -> InboxReader:
    """Inbox rows read as a runtime reads them: the built-in source plugins through the registry (no
    secrets: normalizing needs none). `builtin_reader().normalize("x_poll", body, brand)`."""
    import httpx

    from socialdesk.plugin_host.loading import start_plugin
    from socialdesk.plugin_host.registry import PluginSet
    from socialdesk.plugins.plugin import PluginHost
    from socialdesk.sources.preset import BUILTIN_PLUGINS

    host = PluginHost(http=httpx.Client(), now=lambda: datetime.now(UTC), log=logging.getLogger("test"))
    return InboxReader(PluginSet([start_plugin(p, host, origin="socialdesk") for p in BUILTIN_PLUGINS]))


def normalize_stored(source: str, body: bytes, brand: BrandAccounts = NO_BRAND) -> NormalizeResult:
    """One stored body of the inbox source `source` (meta, x, x_poll, generic, history), normalized."""
    return builtin_reader().normalize(source, body, brand)
