"""`socialdesk plugins list` and `plugins check`: the installed plugins and whether each can run.

Both load every plugin exactly as `serve` does (entry points, settings from the environment and `.env`,
`build`), print one line per plugin and each problem under it, and exit 1 when a plugin is broken. A plugin
that is off (not configured) is not broken: a channel whose settings are absent is off, never an error.
"""

from __future__ import annotations

import json
import logging

import typer

from socialdesk.plugin_host.loading import LoadedPlugin


def register(cli_group: typer.Typer) -> None:
    plugins_cli = typer.Typer(help="Plugins: the built-in channels and what is installed beside socialdesk.")
    plugins_cli.command("list")(list_plugins)
    plugins_cli.command("check")(check_plugins)
    cli_group.add_typer(plugins_cli, name="plugins")


def load_installed() -> list[LoadedPlugin]:
    """Every installed plugin, started as `serve` starts it (then its HTTP client is closed)."""
    from socialdesk.clock import SystemClock
    from socialdesk.connectors.replies.router import make_reply_client
    from socialdesk.plugin_host.loading import load_all
    from socialdesk.plugins.plugin import PluginHost

    # The loader's log lines would interleave with the listing; the problems are in the records.
    quiet = logging.getLogger("socialdesk.plugin_host")
    level = quiet.level
    quiet.setLevel(logging.CRITICAL)
    try:
        with make_reply_client() as http:
            host = PluginHost(http=http, now=SystemClock().now, log=logging.getLogger("socialdesk.plugin"))
            return load_all(host)
    finally:
        quiet.setLevel(level)


def plugin_problems() -> list[tuple[str, str]]:
    """(plugin, reason) for every problem of a broken plugin: what `config check` reports."""
    return [(r.name, p) for r in load_installed() if r.status == "failed" for p in r.problems]


def _line(record: LoadedPlugin) -> str:
    kinds = ", ".join(record.kinds) or "-"
    return f"{record.name:<16} {record.version:<10} {record.status:<7} {kinds:<40} {record.origin}"


def _show(records: list[LoadedPlugin], *, as_json: bool) -> None:
    if as_json:
        rows = [
            {
                "name": r.name,
                "version": r.version,
                "origin": r.origin,
                "status": r.status,
                "kinds": r.kinds,
                "problems": r.problems,
            }
            for r in records
        ]
        typer.echo(json.dumps(rows, indent=2))
        return
    typer.echo(f"{'plugin':<16} {'version':<10} {'status':<7} {'kinds':<40} from")
    for record in records:
        typer.echo(_line(record))
        for problem in record.problems:
            typer.echo(f"  {'!' if record.status == 'failed' else '-'} {problem}")


JSON_HELP = "One JSON array instead of the table"


def list_plugins(as_json: bool = typer.Option(False, "--json", help=JSON_HELP)) -> None:
    """Name, version, status (active, off, failed), kinds and origin of every plugin, with its problems.

    Exits 1 when a plugin is broken (failed to import, its settings are invalid, or `build` raised)."""
    records = load_installed()
    _show(records, as_json=as_json)
    if any(r.status == "failed" for r in records):
        raise typer.Exit(1)


def check_plugins() -> None:
    """Load every plugin as `serve` would; print the problems of each broken one; exit 1 if any."""
    records = load_installed()
    broken = [r for r in records if r.status == "failed"]
    for record in broken:
        for problem in record.problems:
            typer.echo(f"plugin {record.name}: {problem}")
    active = sum(1 for r in records if r.status == "active")
    off = sum(1 for r in records if r.status == "off")
    typer.echo(f"{len(records)} plugins: {active} active, {off} off (not configured), {len(broken)} broken")
    if broken:
        raise typer.Exit(1)
