"""`socialdesk crisis review <id>`: the post-crisis review as a Markdown file, with its chart as a PNG
beside it. Needs only the database, the config (for the time zone) and the playbooks (for the targets
the review compares with): no Slack token."""

from __future__ import annotations

from pathlib import Path

import typer
from rich.console import Console

from socialdesk.cli_common import load_settings_and_config
from socialdesk.domain.playbooks.schema import Playbook

err = Console(stderr=True)

OUT_HELP = "Markdown file to write (default crisis-<id>-review.md); the chart goes beside it as .png"


def register(cli_group: typer.Typer) -> None:
    crisis_cli = typer.Typer(help="Crisis playbooks: the review of a running or ended crisis.")
    crisis_cli.command("review")(review)
    cli_group.add_typer(crisis_cli, name="crisis")


def _playbook(folder: Path, playbook_id: str) -> Playbook | None:
    """The crisis' playbook, for its title and targets; the review is still written without it (the
    file may have been renamed or broken since), and says nothing about targets then."""
    from socialdesk.domain.playbooks.loader import PlaybookError, load_playbooks

    try:
        playbook = load_playbooks(folder).get(playbook_id)
    except PlaybookError as exc:
        err.print(f"[yellow]playbooks in {folder} do not load, so no targets are compared:\n{exc}[/yellow]")
        return None
    if playbook is None:
        err.print(f"[yellow]playbook {playbook_id!r} is not in {folder}; no targets are compared[/yellow]")
    return playbook


def review(
    crisis_id: int = typer.Argument(..., help="The crisis number, as in `crisis 3`"),
    out: Path | None = typer.Option(None, "--out", help=OUT_HELP),
) -> None:
    """Write the review of a crisis: header, key times, timeline, statements and approvals, figures
    before / during / after, lessons learned; and its chart (mentions over time)."""
    from sqlmodel import Session

    from socialdesk.clock import SystemClock
    from socialdesk.crisis.review import CrisisNotFound, build_review
    from socialdesk.crisis.review_chart import review_chart_png
    from socialdesk.domain.crisis_models import Crisis
    from socialdesk.slack.blocks.crisis_review_text import review_markdown
    from socialdesk.store.db import make_engine
    from socialdesk.store.migrate import upgrade

    settings, config = load_settings_and_config()
    engine = make_engine(settings.database_url)
    try:
        upgrade(engine)
        with Session(engine) as session:
            crisis = session.get(Crisis, crisis_id)
            playbook = _playbook(settings.playbooks_path(), crisis.playbook_id) if crisis else None
            try:
                built = build_review(
                    session, crisis_id, now=SystemClock().now(), tz=config.timezone, playbook=playbook
                )
            except CrisisNotFound as exc:
                err.print(f"[red]{exc}[/red]")
                raise typer.Exit(1) from None
    finally:
        engine.dispose()
    path = out or Path(f"crisis-{crisis_id}-review.md")
    chart = path.with_suffix(".png")
    if chart == path:  # --out review.png: keep the Markdown, put the chart beside it
        chart = path.with_suffix(".chart.png")
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(review_markdown(built), encoding="utf-8")
    chart.write_bytes(review_chart_png(built))
    typer.echo(f"review: {path}")
    typer.echo(f"chart: {chart}")
