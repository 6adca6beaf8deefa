"""`socialdesk init [DIR]`: a starter folder, written from what the wheel ships (bot/samples/).

It writes `socialdesk.yaml` (the sample config), `.env.example` and `playbooks/*.yaml`; the defaults
(`./socialdesk.yaml`, `./playbooks`) then find them when socialdesk runs in DIR. Files already there
are someone's edits: they are never replaced without `--force`.
"""

from __future__ import annotations

from dataclasses import dataclass
from importlib.resources.abc import Traversable
from pathlib import Path

import typer

from socialdesk.samples import env_example, playbook_resources, sample_config


@dataclass(frozen=True)
class Planned:
    source: Traversable
    target: Path  # relative to DIR


def plan() -> list[Planned]:
    """What `init` writes, relative to DIR."""
    return [
        Planned(sample_config(), Path("socialdesk.yaml")),
        Planned(env_example(), Path(".env.example")),
        *(Planned(item, Path("playbooks") / item.name) for item in playbook_resources()),
    ]


class InitRefused(Exception):
    """Some target files exist already (and `force` was not given), or DIR is not a folder."""


def write_starter(folder: Path, *, force: bool = False) -> list[Path]:
    """Write the starter files into `folder` (created if missing) and return what was written.

    Nothing is written if any target exists and `force` is false: a half-written starter mixing the
    user's files with fresh ones would be worse than none."""
    if folder.exists() and not folder.is_dir():
        raise InitRefused(f"{folder}: not a folder")
    files = plan()
    existing = [folder / f.target for f in files if (folder / f.target).exists()]
    if existing and not force:
        names = ", ".join(str(path) for path in existing)
        raise InitRefused(f"already there, not overwritten (use --force to replace): {names}")
    written = []
    for planned in files:
        target = folder / planned.target
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(planned.source.read_bytes())
        written.append(target)
    return written


def register(cli_group: typer.Typer) -> None:
    cli_group.command("init")(init)


def init(
    folder: Path = typer.Argument(Path("."), metavar="[DIR]", help="Where to write them (default: here)"),
    force: bool = typer.Option(False, "--force", help="Replace files that are already there"),
) -> None:
    """Write a starter config (socialdesk.yaml), .env.example and the crisis playbooks into DIR."""
    try:
        written = write_starter(folder, force=force)
    except InitRefused as exc:
        typer.echo(f"socialdesk init: {exc}", err=True)
        raise typer.Exit(1) from None
    except OSError as exc:
        typer.echo(f"socialdesk init: cannot write into {folder}: {exc.strerror or exc}", err=True)
        raise typer.Exit(1) from None
    for path in written:
        typer.echo(f"wrote {path}")
    typer.echo(
        f"next: edit {folder / 'socialdesk.yaml'}, copy .env.example to .env and fill in the secrets, "
        "then run `socialdesk config check`"
    )
