"""`socialdesk config check`, and the same checks run before `serve`, `socket` and `demo` start.

The checks themselves live in bot/checks.py; this module prints them. Problems go out as plain text
(never through rich markup: a key such as `audiences[2]` would be read as a style tag).
"""

from __future__ import annotations

import re
from collections.abc import Sequence

import typer

from socialdesk.checks import Mode, Problem, ProblemProvider, Report, collect_problems
from socialdesk.settings import Settings

_VARIABLE_RE = re.compile(r"^([A-Z][A-Z0-9_]*): (.+)$", re.DOTALL)


def plugin_problems(settings: Settings) -> list[Problem]:
    """Every problem of a broken plugin (import, settings, API version, build), loaded as `serve`
    loads them (bot/cli_plugins.py): `plugin <name>: <VARIABLE or load>: <reason>`."""
    from socialdesk.cli_plugins import plugin_problems as broken_plugins

    problems = []
    for name, reason in broken_plugins():
        variable = _VARIABLE_RE.match(reason)
        key, why = (variable.group(1), variable.group(2)) if variable else ("load", reason)
        problems.append(Problem(f"plugin {name}", key, why))
    return problems


# Checks beyond settings, config, playbooks and the database. `config check` reports broken plugins; a
# start does not stop for them: a broken plugin is switched off and reported while socialdesk serves
# (DESIGN.md section 5, Isolation), so START_PROVIDERS is for checks that must hold before a start.
CHECK_PROVIDERS: Sequence[ProblemProvider] = (plugin_problems,)
START_PROVIDERS: Sequence[ProblemProvider] = ()

MODE_HELP = "What to check for: serve (Slack tokens, the database), socket (also SLACK_APP_TOKEN), demo"


def register(cli_group: typer.Typer) -> None:
    config_cli = typer.Typer(help="The configuration: check settings, config and playbooks in one run.")
    config_cli.command("check")(check)
    cli_group.add_typer(config_cli, name="config")


def check(mode: Mode = typer.Option(Mode.SERVE, "--mode", help=MODE_HELP)) -> None:
    """Validate settings, config, playbooks, database and plugins; print each problem as `file: key: reason`.

    Exits 1 if there is any problem; otherwise prints a one-line summary and exits 0.
    """
    report = collect_problems(mode, providers=CHECK_PROVIDERS)
    if not report.ok:
        _print_problems(report, err=False)
        raise typer.Exit(1)
    typer.echo(report.summary())


def preflight(mode: Mode) -> Settings:
    """The checks before a start: the valid settings, or exit 2 with one line per problem (no traceback)."""
    report = collect_problems(mode, providers=START_PROVIDERS)
    if not report.ok or report.settings is None:
        _print_problems(report, err=True)
        raise typer.Exit(2)
    return report.settings


def _print_problems(report: Report, *, err: bool) -> None:
    for problem in report.problems:
        typer.echo(str(problem), err=err)
