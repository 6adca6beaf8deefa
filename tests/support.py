"""Test plumbing: databases (SQLite file or the real PostgreSQL), a live uvicorn server, signing.

Signed Slack requests come from the plugin authors' kit, `socialdesk.testing`, which socialdesk's own tests
share (one copy of how Slack signs and what its bodies look like)."""

from __future__ import annotations

import functools
import logging
import os
from datetime import UTC, datetime

from sqlalchemy import Connection, Engine, create_engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError
from sqlalchemy.pool import NullPool
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
    """The PostgreSQL database of this test process, or None on SQLite.

    Under pytest-xdist each worker has a database of its own, `<name>_<worker>` (`test_gw0`, `test_gw1`,
    ...) on the server of SOCIALDESK_TEST_DATABASE_URL, created from that first database when missing:
    workers truncate and migrate only their own. Without xdist (or `-n 0`) it is the URL as given. A
    subprocess started by a test inherits PYTEST_XDIST_WORKER and so names the same database."""
    base = os.environ.get(PG_URL_ENV) or None
    if base is None:
        return None
    return _worker_database(base, os.environ.get("PYTEST_XDIST_WORKER") or None)


@functools.cache
def _worker_database(base: str, worker: str | None) -> str:
    if worker is None:
        return base
    url = make_url(base)
    name = f"{url.database}_{worker}"
    # CREATE DATABASE cannot run in a transaction: an autocommit connection to the first database.
    admin = create_engine(url, isolation_level="AUTOCOMMIT", poolclass=NullPool)
    # Another run on the same server (a second checkout, a colleague) may be using `test_gw0` right now:
    # a worker holds a session lock named after its database until it exits; if that lock is taken, this
    # run's worker works in a database of its own, dropped when its session ends (drop_own_databases).
    holder = admin.connect()
    if not holder.execute(text("SELECT pg_try_advisory_lock(hashtext(:n))"), {"n": name}).scalar():
        holder.close()
        name = f"{name}_{os.getpid()}"
        _own.append((admin, name))
    else:
        _held.append(holder)  # open until the worker exits
    exists = text("SELECT 1 FROM pg_database WHERE datname = :name").bindparams(name=name)
    with admin.connect() as conn:
        if conn.execute(exists).first() is None:
            try:
                conn.exec_driver_sql(f'CREATE DATABASE "{name}"')
            except DBAPIError:  # fine if another process of this worker created it meanwhile
                if conn.execute(exists).first() is None:
                    raise
    return url.set(database=name).render_as_string(hide_password=False)


_held: list[Connection] = []
_own: list[tuple[Engine, str]] = []


def drop_own_databases() -> None:
    """Drop the databases this process made for itself (tests/conftest.py, at the end of the session)."""
    while _own:
        admin, name = _own.pop()
        with admin.connect() as conn:
            conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.dispose()


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
