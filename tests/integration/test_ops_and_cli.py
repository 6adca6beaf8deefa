"""Health, readiness, metrics, the manifest, migrations, `socialdesk ingest`, and secrets in logs."""

from __future__ import annotations

import json
import logging
from pathlib import Path

import httpx
import pytest
import yaml
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import Engine
from sqlmodel import Session, SQLModel, select
from typer.testing import CliRunner

from socialdesk.app import Runtime
from socialdesk.cli import cli
from socialdesk.clock import ManualClock
from socialdesk.domain.models import Case, InboxItem
from socialdesk.logging_setup import JsonFormatter
from socialdesk.samples import sample_config_path
from socialdesk.settings import PROJECT_ROOT
from socialdesk.slack.manifest import BOT_SCOPES
from socialdesk.store.migrate import current_revision, head_revision
from tests import support
from tests.integration.helpers import generic_mention, post_generic


def test_health_ready_and_metrics(server: str, runtime: Runtime, clock: ManualClock) -> None:
    assert httpx.get(f"{server}/healthz").json() == {"ok": True}
    ready = httpx.get(f"{server}/readyz")
    assert ready.status_code == 200 and ready.json()["ok"] is True
    post_generic(server, generic_mention("m-1", "hello there?", created_at=clock.now()))
    post_generic(server, generic_mention("m-2", "x", created_at=clock.now()), secret="wrong")
    metrics = httpx.get(f"{server}/metrics").text
    assert 'socialdesk_webhook_requests_total{outcome="accepted",source="generic"} 1.0' in metrics
    assert 'socialdesk_webhook_requests_total{outcome="forged",source="generic"} 1.0' in metrics
    runtime.pipeline.drain()
    assert "socialdesk_outbox_pending 1.0" in httpx.get(f"{server}/metrics").text
    runtime.outbox.drain()
    metrics = httpx.get(f"{server}/metrics").text
    assert 'socialdesk_outbox_sent_total{method="chat.postMessage"} 1.0' in metrics
    assert "socialdesk_outbox_pending 0.0" in metrics


def test_migrations_match_the_models(engine: Engine) -> None:
    assert current_revision(engine) == head_revision(engine) == "0011"
    with engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={"compare_type": True})
        diff = compare_metadata(context, SQLModel.metadata)
    assert diff == []


def test_manifest_has_commands_scopes_and_one_request_url() -> None:
    result = CliRunner().invoke(cli, ["manifest", "--url", "https://desk.example.com/"])
    assert result.exit_code == 0, result.output
    manifest = yaml.safe_load(result.output)
    commands = {c["command"]: c["url"] for c in manifest["features"]["slash_commands"]}
    assert commands == {
        "/social": "https://desk.example.com/slack/events",
        "/crisis": "https://desk.example.com/slack/events",
    }
    settings = manifest["settings"]
    assert settings["interactivity"]["request_url"] == "https://desk.example.com/slack/events"
    assert settings["event_subscriptions"]["request_url"] == "https://desk.example.com/slack/events"
    assert settings["event_subscriptions"]["bot_events"] == [
        "app_home_opened",
        "app_mention",
        "message.channels",
        "message.groups",
    ]
    assert manifest["features"]["app_home"]["home_tab_enabled"] is True
    assert set(manifest["oauth_config"]["scopes"]["bot"]) == set(BOT_SCOPES)
    assert {"chat:write", "commands", "files:write", "usergroups:read"} <= set(BOT_SCOPES)
    refused = CliRunner().invoke(cli, ["manifest", "--url", "http://plain.example.com"])
    assert refused.exit_code == 2


def test_shipped_manifest_file_is_current() -> None:
    shipped = yaml.safe_load((PROJECT_ROOT / "slack-manifest.yaml").read_text(encoding="utf-8"))
    printed = yaml.safe_load(
        CliRunner().invoke(cli, ["manifest", "--url", "https://socialdesk.example.com"]).output
    )
    assert shipped == printed


def test_ingest_command_imports_json_lines(
    tmp_path: Path, database_url: str, monkeypatch: pytest.MonkeyPatch, clock: ManualClock, engine: Engine
) -> None:
    lines = [
        json.dumps(generic_mention("j-1", "Where is my order?", created_at=clock.now(), handle="a")),
        json.dumps(generic_mention("j-2", "love it", created_at=clock.now(), handle="b")),
        json.dumps(generic_mention("j-1", "Where is my order?", created_at=clock.now(), handle="a")),
        '{"platform": "x"}',
        "",
    ]
    path = tmp_path / "mentions.jsonl"
    path.write_text("\n".join(lines), encoding="utf-8")
    monkeypatch.setenv("DATABASE_URL", database_url)
    monkeypatch.setenv("SOCIALDESK_CONFIG", str(sample_config_path()))
    result = CliRunner().invoke(cli, ["ingest", str(path)])
    assert result.exit_code == 1, result.output  # one line was rejected: say so in the exit code
    report = json.loads(result.stdout.strip().splitlines()[-1])
    assert report["accepted"] == 2 and report["duplicates"] == 1 and report["rejected"] == 1
    assert report["cases_opened"] == 2
    assert "line 4" in report["errors"][0]
    with Session(engine) as s:
        assert len(s.exec(select(Case)).all()) == 2
        assert len(s.exec(select(InboxItem)).all()) == 3


def test_secrets_never_reach_a_log_line() -> None:
    record = logging.LogRecord(
        "t",
        logging.INFO,
        __file__,
        1,
        "calling with %s and %s",
        (support.BOT_TOKEN, "Authorization: Bearer abc.def-ghi"),
        None,
    )
    line = JsonFormatter().format(record)
    assert support.BOT_TOKEN not in line and "abc.def-ghi" not in line
    assert json.loads(line)["msg"].count("[secret]") == 2
