"""`socialdesk playbooks validate [DIR]`: check the crisis playbooks before deploying them."""

from __future__ import annotations

from pathlib import Path

import typer

DIR_HELP = "Folder of playbook YAML files; default: SOCIALDESK_PLAYBOOKS (./playbooks)"


def register(cli_group: typer.Typer) -> None:
    playbooks_cli = typer.Typer(help="Crisis playbooks: validate the YAML files.")
    playbooks_cli.command("validate")(validate)
    cli_group.add_typer(playbooks_cli, name="playbooks")


def validate(folder: Path | None = typer.Argument(None, metavar="[DIR]", help=DIR_HELP)) -> None:
    """Validate every playbook in DIR: schema, templates, lengths and the playbooks' own lint.

    Prints one "file:line: key: reason" line per problem and exits 1 if there is any; otherwise
    names the valid playbooks and exits 0.
    """
    from socialdesk.domain.playbooks.loader import PlaybookError, load_playbooks, playbook_files

    if folder is None:
        from socialdesk.settings import Settings

        folder = Settings().playbooks_path()
    if not folder.is_dir():
        typer.echo(f"{folder}: no such folder")
        raise typer.Exit(1)
    try:
        playbooks = load_playbooks(folder)
    except PlaybookError as exc:
        for problem in exc.problems:
            typer.echo(problem)
        typer.echo(f"{_count(len(exc.problems), 'problem')} in {folder}")
        raise typer.Exit(1) from None
    if not playbook_files(folder):
        typer.echo(f"No playbooks in {folder} (looked for *.yaml and *.yml)")
        return
    typer.echo(f"{_count(len(playbooks), 'playbook')} valid: {', '.join(sorted(playbooks))}")


def _count(n: int, noun: str) -> str:
    return f"{n} {noun}{'' if n == 1 else 's'}"
