"""`socialdesk privacy export` and `socialdesk privacy erase`: a customer's data, on their request.

Both need only the database and the config (no Slack token). `erase` queues the card updates that
show the erased text; a running `serve` sends them.
"""

from __future__ import annotations

import getpass
import json
from pathlib import Path

import typer
from rich.console import Console
from sqlmodel import Session

from socialdesk.cli_common import load_settings_and_config

err = Console(stderr=True)
AUTHOR_HELP = "The customer: <platform>:<author id> or <platform>:@handle, e.g. x:2200000001 or x:@dana_flies"


def register(cli_group: typer.Typer) -> None:
    privacy_cli = typer.Typer(help="Personal data: export what is held about a customer, or erase it.")
    privacy_cli.command("export")(export_command)
    privacy_cli.command("erase")(erase_command)
    cli_group.add_typer(privacy_cli, name="privacy")


def export_command(
    author: str = typer.Option(..., "--author", help=AUTHOR_HELP),
    out: Path | None = typer.Option(None, "--out", help="Write the JSON to this file (default: stdout)"),
) -> None:
    """Everything held about one customer, as JSON: mentions with their raw text, cases with their
    timelines, replies sent to them, survey answers and the crises their cases were part of."""
    from socialdesk.clock import SystemClock
    from socialdesk.privacy.export import export, summary
    from socialdesk.privacy.subject import PrivacyError, parse_author
    from socialdesk.store.db import make_engine
    from socialdesk.store.migrate import upgrade

    settings, _config = load_settings_and_config()
    engine = make_engine(settings.database_url)
    try:
        upgrade(engine)
        with Session(engine) as session:
            data = export(session, parse_author(author), now=SystemClock().now())
    except PrivacyError as exc:
        err.print(f"[red]{exc}[/red]")
        raise typer.Exit(1) from None
    finally:
        engine.dispose()
    text = json.dumps(data, indent=2, ensure_ascii=False)
    if out is None:
        typer.echo(text)
        return
    out.write_text(text + "\n", encoding="utf-8")
    err.print(f"{out}: {json.dumps(summary(data))}")


def erase_command(
    author: str = typer.Option(..., "--author", help=AUTHOR_HELP),
    yes: bool = typer.Option(False, "--yes", help="Do not ask for confirmation"),
) -> None:
    """Erase one customer's personal data (texts, handle, name, raw payloads), keeping the anonymous
    figures: case times, priorities, sentiment, categories and outcomes. Cannot be undone."""
    from socialdesk.clock import SystemClock
    from socialdesk.privacy.erase import erase
    from socialdesk.privacy.subject import PrivacyError, parse_author
    from socialdesk.store.db import make_engine
    from socialdesk.store.migrate import upgrade

    settings, config = load_settings_and_config()
    try:
        ref = parse_author(author)
    except PrivacyError as exc:
        err.print(f"[red]{exc}[/red]")
        raise typer.Exit(2) from None
    if not yes and not typer.confirm(f"Erase all personal data of {ref}? This cannot be undone."):
        err.print("Nothing was erased.")
        raise typer.Exit(1)
    engine = make_engine(settings.database_url)
    try:
        upgrade(engine)
        report = erase(engine, ref, actor=f"cli:{_who()}", now=SystemClock().now(), config=config)
    except PrivacyError as exc:
        err.print(f"[red]{exc}[/red]")
        raise typer.Exit(1) from None
    finally:
        engine.dispose()
    typer.echo(
        json.dumps({"pseudonym": report.author, "already_erased": report.already_erased, **report.counts()})
    )


def _who() -> str:
    """The operator's login, for the erasure record (who asked); unknown in some containers."""
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return "unknown"
