"""What every `socialdesk` subcommand group needs first: the settings and the config, or a clear exit."""

from __future__ import annotations

import typer
from pydantic import ValidationError
from rich.console import Console

from socialdesk.config import Config, ConfigError, load_config
from socialdesk.settings import Settings

err = Console(stderr=True)


def load_settings_and_config() -> tuple[Settings, Config]:
    """Exit 2 naming the bad environment variable or config key, rather than a stack trace."""
    try:
        settings = Settings()
        return settings, load_config(settings.config_path())
    except ValidationError as exc:
        for item in exc.errors():
            err.print(f"[red]environment {'.'.join(str(p) for p in item['loc'])}: {item['msg']}[/red]")
        raise typer.Exit(2) from None
    except ConfigError as exc:
        err.print(f"[red]{exc}[/red]")
        raise typer.Exit(2) from None
