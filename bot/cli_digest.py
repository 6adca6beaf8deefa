"""`socialdesk digest send` and `socialdesk digest preview`: the managers' digest on demand."""

from __future__ import annotations

import json
import time
from datetime import UTC, date, datetime
from pathlib import Path
from typing import TYPE_CHECKING

import typer
from rich.console import Console

from socialdesk.cli_common import load_settings_and_config

if TYPE_CHECKING:
    from socialdesk.app import Runtime

err = Console(stderr=True)
# How long `send` waits for Slack (pacing, a 429's Retry-After) before leaving the rest to `serve`.
SEND_WAIT_SECONDS = 60.0

DATE_HELP = "Local day (YYYY-MM-DD) in the config's time zone; default: yesterday"
WEEKLY_HELP = "The weekly review of the 7 days ending on --date, instead of the daily digest"


def register(cli_group: typer.Typer) -> None:
    digest_cli = typer.Typer(help="The managers' digest: yesterday's figures, and the weekly review.")
    digest_cli.command("send")(send)
    digest_cli.command("preview")(preview)
    cli_group.add_typer(digest_cli, name="digest")


def _day(value: str | None) -> date | None:
    if value is None:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        err.print(f"[red]--date: {value!r} is not a date (YYYY-MM-DD)[/red]")
        raise typer.Exit(2) from None


def send(
    day: str | None = typer.Option(None, "--date", help=DATE_HELP),
    weekly: bool = typer.Option(False, "--weekly", help=WEEKLY_HELP),
    force: bool = typer.Option(False, "--force", help="Send again even if this digest was sent already"),
) -> None:
    """Send a digest to the managers' channel now, with its chart in the thread.

    A digest goes out once: if the scheduler (or an earlier `send`) already sent this one, nothing is
    sent unless --force. Where a `socialdesk serve` runs on the same database, it sends the digest
    (within a second or so): this command only queues it.
    """
    from socialdesk.app import StartupError, build_runtime
    from socialdesk.digest.service import DigestService, PeriodNotOver
    from socialdesk.logging_setup import setup_logging
    from socialdesk.sender_turn import command_may_send

    settings, config = load_settings_and_config()
    setup_logging(settings.log_level)
    parsed = _day(day)
    try:
        runtime = build_runtime(settings, config=config)
    except StartupError as exc:
        err.print(f"[red]{exc}[/red]")
        raise typer.Exit(2) from None
    try:
        service = DigestService(engine=runtime.engine, config=config, clock=runtime.clock)
        target = parsed or service.yesterday()
        try:
            queued = service.send(target, weekly=weekly, force=force)
        except PeriodNotOver as exc:
            err.print(f"[red]{exc}[/red]")
            raise typer.Exit(2) from None
        pending, sent_by = 0, None
        if queued.queued:
            # One sender per database: a running serve's rows in flight are never sent from here.
            with command_may_send(runtime.engine, settings.database_url) as ours:
                if ours:
                    pending, sent_by = _flush(runtime), "this command"
                else:
                    pending, sent_by = runtime.outbox.pending_count(), "serve"
        output = {"key": queued.key, "queued": queued.queued, "still_pending": pending, "sent_by": sent_by}
        typer.echo(json.dumps(output))
        if not queued.queued:
            err.print(f"{queued.key} was sent already; --force sends it again")
        elif sent_by == "serve":
            err.print(f"{queued.key} is queued: the running `socialdesk serve` sends it")
    finally:
        runtime.close()


def _flush(runtime: Runtime) -> int:
    """Send what the outbox holds now (the post, then the chart into its thread); returns how many
    calls are still waiting when the time is up (a running `serve` sends them)."""
    deadline = time.monotonic() + SEND_WAIT_SECONDS
    while True:
        report = runtime.outbox.drain()
        if report.next_due is None:
            return 0
        wait = (report.next_due - datetime.now(UTC)).total_seconds()
        if time.monotonic() + max(wait, 0) > deadline:
            return runtime.outbox.pending_count()
        time.sleep(min(max(wait, 0.05), 5.0))  # Slack's pacing or Retry-After, in real time


def preview(
    day: str | None = typer.Option(None, "--date", help=DATE_HELP),
    weekly: bool = typer.Option(False, "--weekly", help=WEEKLY_HELP),
    out: Path = typer.Option(Path("."), "--out", help="Folder for the text, Block Kit JSON and PNG"),
) -> None:
    """Write a digest to files (text, Block Kit JSON, chart PNG) without sending it. Needs only the
    database and the config: no Slack token."""
    from socialdesk.clock import SystemClock
    from socialdesk.digest.preview import write_preview
    from socialdesk.digest.service import DigestService, PeriodNotOver
    from socialdesk.store.db import make_engine
    from socialdesk.store.migrate import upgrade

    settings, config = load_settings_and_config()
    parsed = _day(day)
    engine = make_engine(settings.database_url)
    try:
        upgrade(engine)
        service = DigestService(engine=engine, config=config, clock=SystemClock())
        key = service.period_key(parsed or service.yesterday(), weekly=weekly)
        try:
            digest = service.build(key)
        except PeriodNotOver as exc:
            err.print(f"[red]{exc}[/red]")
            raise typer.Exit(2) from None
        for path in write_preview(digest, out):
            typer.echo(str(path))
    finally:
        engine.dispose()
