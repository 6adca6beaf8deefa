"""`socialdesk sla scan`: one SLA scan now (what the leader's `sla-scan` job does every minute)."""

from __future__ import annotations

import json

import typer
from rich.console import Console

from socialdesk.cli_common import load_settings_and_config

err = Console(stderr=True)


def register(cli_group: typer.Typer) -> None:
    sla_cli = typer.Typer(help="SLA alerts: at risk, breached, paged.")
    sla_cli.command("scan")(scan)
    cli_group.add_typer(sla_cli, name="sla")


def scan(
    send: bool = typer.Option(
        False, "--send", help="Also send the queued alerts to Slack now (needs SLACK_BOT_TOKEN)"
    ),
) -> None:
    """Run one SLA scan now and print what it did as JSON.

    Alerts are queued in the outbox; a running `socialdesk serve` sends them within seconds, or pass
    --send to send them from here where no serve runs on the database (where one does, it sends them
    anyway). Each alert level of a case is sent once, however often this runs.
    """
    from socialdesk.clock import SystemClock
    from socialdesk.logging_setup import setup_logging
    from socialdesk.sla.scanner import SlaScanner
    from socialdesk.slack.transport.notifier import OutboxNotifier
    from socialdesk.store.db import make_engine
    from socialdesk.store.migrate import upgrade

    settings, config = load_settings_and_config()
    setup_logging(settings.log_level)
    if send:
        from socialdesk.app import StartupError, build_runtime
        from socialdesk.sender_turn import command_may_send

        try:
            runtime = build_runtime(settings, config=config)
        except StartupError as exc:
            err.print(f"[red]{exc}[/red]")
            raise typer.Exit(2) from None
        try:
            scanner = SlaScanner(
                engine=runtime.engine, config=config, clock=runtime.clock, notifier=OutboxNotifier(config)
            )
            report = scanner.scan()
            # One sender per database: a running serve's rows in flight are never sent from here.
            with command_may_send(runtime.engine, settings.database_url) as ours:
                if ours:
                    runtime.outbox.drain()
                else:
                    err.print("the alerts are queued: the running `socialdesk serve` sends them")
        finally:
            runtime.close()
    else:
        engine = make_engine(settings.database_url)
        try:
            upgrade(engine)
            scanner = SlaScanner(
                engine=engine, config=config, clock=SystemClock(), notifier=OutboxNotifier(config)
            )
            report = scanner.scan()
        finally:
            engine.dispose()
    typer.echo(json.dumps(report.as_dict()))
