"""The `socialdesk` command."""

from __future__ import annotations

import gc
import json
import logging
import signal
import sys
from pathlib import Path
from types import FrameType
from typing import Any

import typer
import yaml
from pydantic import ValidationError
from rich.console import Console
from rich.progress import Progress

from socialdesk.checks import Mode
from socialdesk.cli_config import preflight
from socialdesk.cli_config import register as register_config
from socialdesk.cli_crisis import register as register_crisis
from socialdesk.cli_digest import register as register_digest
from socialdesk.cli_init import register as register_init
from socialdesk.cli_playbooks import register as register_playbooks
from socialdesk.cli_plugins import register as register_plugins
from socialdesk.cli_privacy import register as register_privacy
from socialdesk.cli_sla import register as register_sla
from socialdesk.cli_triage import register as register_triage
from socialdesk.config import ConfigError
from socialdesk.logging_setup import setup_logging
from socialdesk.settings import Settings

cli = typer.Typer(help="socialdesk: social-media customer service run from Slack.", no_args_is_help=True)
db_cli = typer.Typer(help="Database migrations.")
cli.add_typer(db_cli, name="db")
register_sla(cli)  # `socialdesk sla scan` (bot/cli_sla.py)
register_digest(cli)  # `socialdesk digest send | preview` (bot/cli_digest.py)
register_playbooks(cli)  # `socialdesk playbooks validate [DIR]` (bot/cli_playbooks.py)
register_crisis(cli)  # `socialdesk crisis review <id>` (bot/cli_crisis.py)
register_privacy(cli)  # `socialdesk privacy export | erase` (bot/cli_privacy.py)
register_triage(cli)  # `socialdesk triage classify | evaluate | train | adopt` (bot/cli_triage.py)
register_init(cli)  # `socialdesk init [DIR]` (bot/cli_init.py)
register_plugins(cli)  # `socialdesk plugins list | check` (bot/cli_plugins.py)
register_config(cli)  # `socialdesk config check` (bot/cli_config.py; the checks: bot/checks.py)
err = Console(stderr=True)


def _settings() -> Settings:
    try:
        return Settings()
    except ValidationError as exc:
        for item in exc.errors():
            key = ".".join(str(p) for p in item["loc"])
            err.print(f"[red]environment {key}: {item['msg']}[/red]")
        raise typer.Exit(2) from None


def _fail(message: str) -> typer.Exit:
    err.print(f"[red]{message}[/red]")
    return typer.Exit(2)


@cli.command()
def serve(host: str = typer.Option("0.0.0.0", help="Interface to listen on"), port: int = 8080) -> None:
    """Production HTTP mode: Slack endpoint, webhooks, health, metrics, workers and scheduler."""
    import uvicorn

    from socialdesk.app import StartupError, build_runtime
    from socialdesk.ingest.worker_process import attach_ingest_process
    from socialdesk.services import start_background, stop_background
    from socialdesk.slack.transport.offload import attach_listener_processes

    settings = preflight(Mode.SERVE)  # every start-up problem, one line each, exit 2 (bot/checks.py)
    setup_logging(settings.log_level)
    try:
        runtime = build_runtime(settings)
    except (StartupError, ConfigError) as exc:
        raise _fail(str(exc)) from None
    # Background threads hand the GIL back to the HTTP loop sooner (default 5 ms): webhook acks
    # and Slack's 3-second acks are latency-bound.
    sys.setswitchinterval(0.001)
    listeners = attach_listener_processes(runtime, build_runtime=build_runtime)
    # stopped by runtime.close() in stop_background
    attach_ingest_process(runtime, build_runtime=build_runtime)
    background = start_background(runtime)
    settle_for_serving(runtime)
    previous = signal.signal(signal.SIGTERM, _raise_terminated)  # see `socket`: cleanup must run
    try:
        uvicorn.run(runtime.http, host=host, port=port, log_config=None, access_log=False)
    except _Terminated:
        pass  # a clean stop: exit 0 once closed
    finally:
        signal.signal(signal.SIGTERM, previous)
        stop_background(runtime, background)
        if listeners is not None:
            listeners.stop()


@cli.command()
def socket(
    host: str = typer.Option("0.0.0.0", help="Interface to listen on"),
    port: int = typer.Option(8080, help="Port for webhooks, health and metrics"),
) -> None:
    """Socket Mode: Slack over a websocket (needs SLACK_APP_TOKEN); webhooks still served on HOST:PORT."""
    import uvicorn
    from slack_bolt.adapter.socket_mode import SocketModeHandler
    from slack_sdk.errors import SlackApiError

    from socialdesk.app import StartupError, build_runtime
    from socialdesk.ingest.worker_process import attach_ingest_process
    from socialdesk.services import start_background, stop_background

    settings = preflight(Mode.SOCKET)  # as in `serve`; SLACK_APP_TOKEN too
    setup_logging(settings.log_level)
    assert settings.slack_app_token is not None  # preflight refuses a start without it
    try:
        runtime = build_runtime(settings)
    except (StartupError, ConfigError) as exc:
        raise _fail(str(exc)) from None
    # as in `serve`; stopped by runtime.close() in stop_background
    attach_ingest_process(runtime, build_runtime=build_runtime)
    background = start_background(runtime)
    handler = SocketModeHandler(runtime.bolt, settings.slack_app_token.get_secret_value())
    # uvicorn shuts down gracefully on SIGTERM and then raises SIGTERM again, which by default kills the
    # process before the `finally` below: the websocket, workers and scheduler would never be closed.
    previous = signal.signal(signal.SIGTERM, _raise_terminated)
    try:
        try:
            handler.connect()  # apps.connections.open, then the websocket (reconnects on its own later)
        except SlackApiError as exc:
            raise _fail(_socket_refusal(str(exc.response.get("error", "")))) from None
        except OSError as exc:  # Slack (SLACK_API_URL) not reachable at all
            raise _fail(f"could not reach Slack at {settings.slack_api_url} for Socket Mode: {exc}") from None
        uvicorn.run(runtime.http, host=host, port=port, log_config=None, access_log=False)
    except _Terminated:
        pass  # a clean stop: exit 0 once closed
    finally:
        signal.signal(signal.SIGTERM, previous)  # a second SIGTERM while closing ends the process at once
        handler.close()
        stop_background(runtime, background)


def settle_for_serving(runtime: Any) -> None:
    """Before the first request: open the inbox writer's connection, then move every object built so
    far (config, models, mappers, the Bolt app) out of the garbage collector's view. Without the
    freeze, each full collection walked them all: ~130 ms pauses that stalled every webhook in flight
    (seen as the ingest benchmark's p99)."""
    if runtime.inbox_writer is not None:
        runtime.inbox_writer.warm()
    gc.collect()
    gc.freeze()


class _Terminated(Exception):
    """SIGTERM reached `serve` or `socket` (after uvicorn's own graceful shutdown, or before it started)."""


def _raise_terminated(signum: int, frame: FrameType | None) -> None:
    raise _Terminated


def _socket_refusal(error: str) -> str:
    """What to do when Slack refuses SLACK_APP_TOKEN at apps.connections.open."""
    hint = {
        "not_allowed_token_type": "it is not an app-level token: use the xapp-... token from Basic "
        "Information -> App-Level Tokens, not the bot token (xoxb-...)",
        "invalid_auth": "the token is not valid (mistyped, revoked, or from another app)",
        "missing_scope": "the app-level token needs the connections:write scope",
    }.get(error, "is Socket Mode enabled in the app settings?")
    return f"Slack refused SLACK_APP_TOKEN for Socket Mode ({error or 'no error given'}): {hint}"


@db_cli.command("upgrade")
def db_upgrade() -> None:
    """Apply migrations to DATABASE_URL."""
    from socialdesk.store.db import make_engine
    from socialdesk.store.migrate import current_revision, upgrade

    settings = _settings()
    engine = make_engine(settings.database_url)
    upgrade(engine)
    Console().print(f"database at revision {current_revision(engine)}")


@cli.command()
def manifest(
    url: str = typer.Option("https://socialdesk.example.com", help="Public base URL of `serve`"),
) -> None:
    """Print the Slack app manifest (YAML) for api.slack.com/apps -> Create New App -> From a manifest."""
    from socialdesk.slack.manifest import build_manifest

    if not url.startswith("https://"):
        raise _fail("--url must be the https:// address Slack can reach")
    typer.echo(yaml.safe_dump(build_manifest(url), sort_keys=False, allow_unicode=True))


@cli.command()
def ingest(
    file: Path = typer.Argument(..., exists=True, dir_okay=False, help="JSON Lines of generic mentions"),
    historical: bool = typer.Option(
        False,
        "--historical",
        help="History: the cases open without an SLA clock and never alert (no nudge, breach, page, "
        "early warning). Posts older than ingest.historical_after_minutes are history anyway.",
    ),
) -> None:
    """Import mentions from a JSON Lines file (the generic webhook schema), one per line."""
    from socialdesk.app_plugins import start_runtime_plugins
    from socialdesk.clock import SystemClock
    from socialdesk.config import load_config
    from socialdesk.connectors.replies.router import make_reply_client
    from socialdesk.ingest.by_source import SourceUnavailable
    from socialdesk.ingest.jsonl_import import import_lines
    from socialdesk.metrics import Metrics

    settings = _settings()
    setup_logging(settings.log_level)
    try:
        config = load_config(settings.config_path())
    except ConfigError as exc:
        raise _fail(str(exc)) from None
    lines = file.read_text(encoding="utf-8").splitlines()
    clock = SystemClock()
    # The lines are read by the generic source plugin, started as `serve` starts it (no table behind it).
    with make_reply_client() as http, Progress(console=err) as progress:
        plugins = start_runtime_plugins(settings, config, clock=clock, http=http, metrics=Metrics())
        task = progress.add_task(f"importing {file.name}", total=len(lines))
        try:
            report = import_lines(
                settings,
                config,
                lines,
                on_line=lambda: progress.advance(task),
                plugins=plugins,
                historical=historical,
                clock=clock,
            )
        except SourceUnavailable as exc:
            raise _fail(str(exc)) from None
    typer.echo(json.dumps(report.as_dict()))
    if report.rejected:
        raise typer.Exit(1)


@cli.command()
def demo(
    script: Path | None = typer.Option(None, "--script", exists=True, dir_okay=False, help="Commands to run"),
    db: Path | None = typer.Option(None, help="SQLite file to use (default: a fresh temporary one)"),
    width: int = typer.Option(110, help="Terminal width for the channel views"),
) -> None:
    """The whole product on the embedded default: SQLite, the Slack stand-in and a simulated feed."""
    from socialdesk.demo.runner import run_demo

    preflight(Mode.DEMO)  # the settings and playbooks the demo runs with; its own database and Slack
    interactive = script is None and sys.stdin.isatty()
    commands = script.read_text(encoding="utf-8").splitlines() if script else None
    if commands is None and not interactive:
        commands = sys.stdin.read().splitlines()
    raise typer.Exit(run_demo(commands=commands, db_path=db, width=width))


def main() -> None:
    logging.captureWarnings(True)
    try:
        cli()
    except ConfigError as exc:
        err.print(f"[red]{exc}[/red]")
        sys.exit(2)
