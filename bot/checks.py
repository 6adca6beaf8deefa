"""Everything that must hold before socialdesk starts, checked in one run: settings, config, playbooks,
the database, and whatever extra providers add (the plugins' settings).

`socialdesk config check` prints every problem found; `serve`, `socket` and `demo` run the same checks
first and stop with exit 2 and one line per problem, so a bad deploy never gets as far as a traceback
or, worse, a start that silently ignores a setting (a SOCIALDESK_PLAYBOOKS folder that does not exist).
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path

from pydantic import ValidationError
from pydantic_core import PydanticUndefined

from socialdesk.config import Config, ConfigError, load_config
from socialdesk.samples import sample_config_path
from socialdesk.settings import Settings

ENVIRONMENT = "environment"  # the source of a problem in a setting (environment variable or .env)
_PLAYBOOK_PROBLEM_RE = re.compile(r"^(?P<source>.+?):(?P<line>\d+): (?P<key>[^:]+): (?P<reason>.*)$", re.S)


@dataclass(frozen=True)
class Problem:
    """One reason socialdesk cannot start as configured: where (a file, or "environment"), which key, why."""

    source: str
    key: str
    reason: str
    line: int | None = None

    def __str__(self) -> str:
        where = self.source if self.line is None else f"{self.source}:{self.line}"
        return f"{where}: {self.key}: {self.reason}"


class Mode(StrEnum):
    """What is about to start: each needs its own settings (serve and socket talk to Slack and the
    database; the demo brings its own database and Slack stand-in)."""

    SERVE = "serve"
    SOCKET = "socket"
    DEMO = "demo"


# A check beyond settings, config and playbooks: given the valid settings, the problems it finds. The
# plugin API (socialdesk.plugins) plugs its settings and loading checks in here, through `providers`.
ProblemProvider = Callable[[Settings], Iterable[Problem]]


@dataclass
class Report:
    """What the checks found. `settings` and `config` are usable only when `problems` is empty."""

    problems: list[Problem] = field(default_factory=list)
    settings: Settings | None = None
    config: Config | None = None
    config_path: Path | None = None
    playbooks_path: Path | None = None
    playbooks: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems

    def summary(self) -> str:
        """One line for a clean run: what was checked."""
        playbooks = ", ".join(self.playbooks) if self.playbooks else "none"
        return (
            f"no problems: settings, config {self.config_path}, "
            f"{len(self.playbooks)} playbooks in {self.playbooks_path} ({playbooks})"
        )


def collect_problems(mode: Mode, *, providers: Sequence[ProblemProvider] = ()) -> Report:
    """Run every check for `mode` and return all problems found (none found: the start can go ahead)."""
    report = Report()
    settings = _settings(report)
    report.settings = settings
    report.problems += _mode_settings_problems(settings, mode)
    report.config_path = sample_config_path() if mode is Mode.DEMO else settings.config_path()
    report.config = _config(report, report.config_path)
    _playbooks(report, settings)
    report.problems += model_file_problems(settings)
    if mode is not Mode.DEMO:  # the demo runs on a SQLite file of its own
        report.problems += database_problems(settings.database_url)
    for provider in providers:
        try:
            report.problems += list(provider(settings))
        except Exception as exc:  # a broken provider is a problem to report, not a reason to stop checking
            name = getattr(provider, "__qualname__", repr(provider))
            report.problems.append(Problem(name, "check", f"failed: {type(exc).__name__}: {exc}"))
    return report


# --- settings ---------------------------------------------------------------------------------------
def _settings(report: Report) -> Settings:
    """The settings from the environment. A bad value is a problem, and the checks go on with that one
    setting at its default, so the config and playbooks the rest of the environment names are checked too."""
    try:
        return Settings()
    except ValidationError as exc:
        report.problems += settings_problems(exc)
        fallback = {}
        for item in exc.errors():
            name = str(item["loc"][0]) if item["loc"] else ""
            for field_name, info in Settings.model_fields.items():
                if name in (info.alias, field_name) and info.default is not PydanticUndefined:
                    fallback[info.alias or field_name] = info.default
        try:
            return Settings(**fallback)
        except ValidationError:
            return Settings.model_construct()


def settings_problems(exc: ValidationError) -> list[Problem]:
    """One problem per invalid setting, named by its environment variable."""
    problems = []
    for item in exc.errors():
        key = ".".join(str(part) for part in item["loc"]) or "settings"
        problems.append(Problem(ENVIRONMENT, key, item["msg"].removeprefix("Value error, ")))
    return problems


# What each Slack credential is and where it comes from, for the one-line refusal.
_SLACK_NEEDS = {
    "SLACK_BOT_TOKEN": "the Bot User OAuth Token (xoxb-...) from the Slack app's Install App page",
    "SLACK_SIGNING_SECRET": "the Signing Secret from the Slack app's Basic Information page",
    "SLACK_APP_TOKEN": "an app-level token (xapp-..., scope connections:write) for Socket Mode",
}


def _mode_settings_problems(settings: Settings, mode: Mode) -> list[Problem]:
    needed: list[tuple[str, object]] = []
    if mode in (Mode.SERVE, Mode.SOCKET):
        needed += [
            ("SLACK_BOT_TOKEN", settings.slack_bot_token),
            ("SLACK_SIGNING_SECRET", settings.slack_signing_secret),
        ]
    if mode is Mode.SOCKET:
        needed.append(("SLACK_APP_TOKEN", settings.slack_app_token))
    return [
        Problem(ENVIRONMENT, name, f"is not set or empty; `socialdesk {mode}` needs {_SLACK_NEEDS[name]}")
        for name, value in needed
        if value is None
    ]


def model_file_problems(settings: Settings) -> list[Problem]:
    """A team triage model (SOCIALDESK_TRIAGE_MODEL) that is not there (its contents: when it loads)."""
    path = settings.socialdesk_triage_model
    if path is not None and not path.is_file():
        return [Problem(ENVIRONMENT, "SOCIALDESK_TRIAGE_MODEL", f"{path}: no such model file")]
    return []


# --- config -----------------------------------------------------------------------------------------
def _config(report: Report, path: Path) -> Config | None:
    try:
        return load_config(path)
    except ConfigError as exc:
        report.problems += [
            Problem(str(exc.path), i.key, i.reason.removeprefix("Value error, "), i.line) for i in exc.issues
        ]
        return None


# --- playbooks --------------------------------------------------------------------------------------
def _playbooks(report: Report, settings: Settings) -> None:
    from socialdesk.domain.playbooks.loader import PlaybookError, load_playbooks

    folder = settings.playbooks_path()
    report.playbooks_path = folder
    if not folder.is_dir():
        reason = f"{folder}: no such folder" if not folder.exists() else f"{folder}: not a folder"
        report.problems.append(Problem(ENVIRONMENT, "SOCIALDESK_PLAYBOOKS", reason))
        return
    try:
        report.playbooks = sorted(load_playbooks(folder))
    except PlaybookError as exc:
        report.problems += [playbook_problem(text, folder) for text in exc.problems]


def playbook_problem(text: str, folder: Path) -> Problem:
    """The playbook loader's "file:line: key: reason" as a `Problem`."""
    match = _PLAYBOOK_PROBLEM_RE.match(text)
    if match is None:
        return Problem(str(folder), "playbooks", text)
    return Problem(match["source"], match["key"], match["reason"], int(match["line"]))


# --- database ---------------------------------------------------------------------------------------
def database_problems(url: str, *, timeout_seconds: int = 5) -> list[Problem]:
    """DATABASE_URL can be used: a SQLite file's folder exists and is writable (the file itself is
    created on start), a PostgreSQL server answers. Nothing is created or written here."""
    from sqlalchemy.engine import make_url
    from sqlalchemy.exc import ArgumentError

    try:
        parsed = make_url(url)
    except ArgumentError as exc:
        return [Problem(ENVIRONMENT, "DATABASE_URL", f"not a database URL: {exc}")]
    if parsed.get_backend_name() == "sqlite":
        return _sqlite_problems(parsed.database)
    return _server_problems(url, timeout_seconds)


def _sqlite_problems(database: str | None) -> list[Problem]:
    if not database or database == ":memory:" or database.startswith("file:"):
        return []
    path = Path(database)
    if path.is_dir():
        return [Problem(ENVIRONMENT, "DATABASE_URL", f"{path} is a folder, not a SQLite file")]
    folder = path.parent
    if not folder.is_dir():
        return [Problem(ENVIRONMENT, "DATABASE_URL", f"the folder of the SQLite file {path} does not exist")]
    target = path if path.exists() else folder
    if not os.access(target, os.W_OK):
        return [Problem(ENVIRONMENT, "DATABASE_URL", f"{target} is not writable by this user")]
    return []


def _server_problems(url: str, timeout_seconds: int) -> list[Problem]:
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url
    from sqlalchemy.exc import SQLAlchemyError
    from sqlalchemy.pool import NullPool

    shown = make_url(url).render_as_string(hide_password=True)  # the password never reaches a terminal
    try:
        engine = create_engine(url, poolclass=NullPool, connect_args={"connect_timeout": timeout_seconds})
    except (SQLAlchemyError, ImportError) as exc:
        return [Problem(ENVIRONMENT, "DATABASE_URL", f"cannot use {shown}: {_first_line(exc)}")]
    try:
        with engine.connect() as connection:
            connection.execute(text("SELECT 1"))
    except (SQLAlchemyError, OSError) as exc:
        reason = _first_line(getattr(exc, "orig", None) or exc)
        return [Problem(ENVIRONMENT, "DATABASE_URL", f"cannot connect to {shown}: {reason}")]
    finally:
        engine.dispose()
    return []


def _first_line(exc: BaseException) -> str:
    lines = [line.strip() for line in str(exc).splitlines() if line.strip()]
    return lines[0] if lines else type(exc).__name__
