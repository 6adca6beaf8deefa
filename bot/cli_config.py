"""`socialdesk config check`, and the same checks run before `serve`, `socket` and `demo` start.

The checks themselves live in bot/checks.py; this module prints them. Problems go out as plain text
(never through rich markup: a key such as `audiences[2]` would be read as a style tag).
"""

from __future__ import annotations

from collections.abc import Sequence

import typer

from socialdesk.checks import Mode, ProblemProvider, Report, collect_problems
from socialdesk.settings import Settings

# Checks beyond settings, config, playbooks and the database, run by `config check` and at every start.
# The plugin API (socialdesk.plugins) adds its provider here: each plugin's settings and loading.
EXTRA_PROVIDERS: Sequence[ProblemProvider] = ()

MODE_HELP = "What to check for: serve (Slack tokens, the database), socket (also SLACK_APP_TOKEN), demo"


def register(cli_group: typer.Typer) -> None:
    config_cli = typer.Typer(help="The configuration: check settings, config and playbooks in one run.")
    config_cli.command("check")(check)
    cli_group.add_typer(config_cli, name="config")


def check(mode: Mode = typer.Option(Mode.SERVE, "--mode", help=MODE_HELP)) -> None:
    """Validate settings, config, playbooks and the database; print every problem as `file: key: reason`.

    Exits 1 if there is any problem; otherwise prints a one-line summary and exits 0.
    """
    report = collect_problems(mode, providers=EXTRA_PROVIDERS)
    if not report.ok:
        _print_problems(report, err=False)
        raise typer.Exit(1)
    typer.echo(report.summary())


def preflight(mode: Mode) -> Settings:
    """The checks before a start: the valid settings, or exit 2 with one line per problem (no traceback)."""
    report = collect_problems(mode, providers=EXTRA_PROVIDERS)
    if not report.ok or report.settings is None:
        _print_problems(report, err=True)
        raise typer.Exit(2)
    return report.settings


def _print_problems(report: Report, *, err: bool) -> None:
    for problem in report.problems:
        typer.echo(str(problem), err=err)
