"""Start-up checks (bot/checks.py): every problem of settings, config, playbooks and the database in one run,
as `file: key: reason`; the same checks refuse `serve`, `socket` and `demo` with exit 2 and no traceback."""

from __future__ import annotations

import shutil
import sys
from collections.abc import Iterable, Iterator
from pathlib import Path

import pytest
import yaml
from typer.testing import CliRunner

from socialdesk.checks import Mode, Problem, collect_problems, database_problems
from socialdesk.cli import cli
from socialdesk.cli_config import preflight
from socialdesk.samples import sample_config_path, shipped_playbooks_path
from socialdesk.settings import Settings

SLACK = {"SLACK_BOT_TOKEN": "xoxb-test", "SLACK_SIGNING_SECRET": "s3cr3t-signing"}


@pytest.fixture
def here(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A clean folder with no .env and no socialdesk variables from the machine running the tests."""
    monkeypatch.chdir(tmp_path)
    for name in {info.alias for info in Settings.model_fields.values() if info.alias}:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'socialdesk.db'}")
    return tmp_path


def _env(monkeypatch: pytest.MonkeyPatch, **values: str) -> None:
    for name, value in values.items():
        monkeypatch.setenv(name, value)


def _lines(problems: Iterable[Problem]) -> list[str]:
    return [str(p) for p in problems]


def test_a_clean_folder_passes_on_the_shipped_config_and_playbooks(
    here: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _env(monkeypatch, **SLACK)
    report = collect_problems(Mode.SERVE)
    assert report.problems == []
    assert report.config_path == sample_config_path() and report.config is not None
    assert report.playbooks_path == shipped_playbooks_path()
    assert "service-outage" in report.playbooks
    assert (here / "socialdesk.db").exists() is False  # checking never creates the database


def test_every_problem_is_reported_in_one_run(here: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    config = here / "socialdesk.yaml"
    config.write_text("timezone: UTC\nteams: []\ntimezone: Mars/Olympus\n", encoding="utf-8")
    _env(
        monkeypatch,
        SLACK_SIGNING_SECRET="",  # empty counts as unset
        SLACK_CHANNEL_INTERVAL="often",
        SOCIALDESK_PLAYBOOKS=str(here / "no-such-folder"),
        DATABASE_URL=f"sqlite:///{here / 'missing' / 'socialdesk.db'}",
    )
    lines = _lines(collect_problems(Mode.SERVE).problems)
    missing_db = here / "missing" / "socialdesk.db"
    expected = [
        "environment: SLACK_CHANNEL_INTERVAL: Input should be a valid number",
        "environment: SLACK_BOT_TOKEN: is not set or empty; `socialdesk serve` needs the Bot User OAuth",
        "environment: SLACK_SIGNING_SECRET: is not set or empty",
        "socialdesk.yaml:3: timezone: appears twice in the same mapping",
        "socialdesk.yaml: timezone: unknown time zone 'Mars/Olympus'",
        "socialdesk.yaml: routing: Field required",
        f"environment: SOCIALDESK_PLAYBOOKS: {here / 'no-such-folder'}: no such folder",
        f"environment: DATABASE_URL: the folder of the SQLite file {missing_db} does not exist",
    ]
    assert len(lines) == len(expected), lines
    for line, start in zip(lines, expected, strict=True):
        assert line.startswith(start), (line, start)


def test_an_invalid_playbook_is_named_by_file_line_and_key(
    here: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    folder = here / "playbooks"
    shutil.copytree(shipped_playbooks_path(), folder, ignore=shutil.ignore_patterns("*.py", "*.md", "__*"))
    outage = folder / "service-outage.yaml"
    text = outage.read_text(encoding="utf-8")
    broken = text.replace("update_every_minutes: 30", "update_every_minutes: 1", 1)
    outage.write_text(broken, encoding="utf-8")
    _env(monkeypatch, **SLACK)
    [problem] = collect_problems(Mode.SERVE).problems  # ./playbooks is found without SOCIALDESK_PLAYBOOKS
    assert problem.source == str(Path("playbooks") / "service-outage.yaml")
    assert problem.key.endswith(".update_every_minutes") and "greater than or equal to 5" in problem.reason
    line = text.splitlines()[problem.line - 1] if problem.line else ""
    assert "update_every_minutes: 30" in line


def test_socket_needs_the_app_token_and_the_demo_no_slack_at_all(
    here: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _env(monkeypatch, **SLACK)
    assert _lines(collect_problems(Mode.SOCKET).problems) == [
        "environment: SLACK_APP_TOKEN: is not set or empty; `socialdesk socket` needs an app-level token "
        "(xapp-..., scope connections:write) for Socket Mode"
    ]
    monkeypatch.delenv("SLACK_BOT_TOKEN")
    monkeypatch.setenv("DATABASE_URL", "sqlite:////no/such/folder/x.db")  # the demo has its own database
    (here / "socialdesk.yaml").write_text("not: [a config\n", encoding="utf-8")  # ...and its own config
    assert collect_problems(Mode.DEMO).problems == []


def test_an_unreachable_database_server_is_a_problem_without_its_password() -> None:
    # Port 9 (discard) on localhost: nothing listens, the connection is refused at once.
    [problem] = database_problems("postgresql+psycopg://care:hunter2@127.0.0.1:9/desk", timeout_seconds=2)
    assert (problem.source, problem.key) == ("environment", "DATABASE_URL")
    assert "cannot connect to postgresql+psycopg://care:***@127.0.0.1:9/desk" in problem.reason
    assert "hunter2" not in str(problem)


def test_a_sqlite_path_that_is_a_folder_is_refused(tmp_path: Path) -> None:
    [problem] = database_problems(f"sqlite:///{tmp_path}")
    assert "is a folder, not a SQLite file" in problem.reason
    assert database_problems("sqlite://") == database_problems(f"sqlite:///{tmp_path / 'new.db'}") == []


def test_extra_providers_add_problems_and_a_failing_one_is_reported(
    here: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _env(monkeypatch, **SLACK)

    def plugin_settings(settings: Settings) -> list[Problem]:
        return [Problem("environment", "SOCIALDESK_ACME_TOKEN", "is not set; the acme plugin needs it")]

    def broken(settings: Settings) -> list[Problem]:
        raise RuntimeError("boom")

    lines = _lines(collect_problems(Mode.SERVE, providers=[plugin_settings, broken]).problems)
    assert lines[0] == "environment: SOCIALDESK_ACME_TOKEN: is not set; the acme plugin needs it"
    assert lines[1].endswith("broken: check: failed: RuntimeError: boom")


# --- the commands ------------------------------------------------------------------------------------
def test_config_check_prints_every_problem_and_exits_1(here: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    _env(monkeypatch, SOCIALDESK_PLAYBOOKS="nowhere")
    result = CliRunner().invoke(cli, ["config", "check"])
    assert result.exit_code == 1, result.output
    assert result.stdout.splitlines() == [
        "environment: SLACK_BOT_TOKEN: is not set or empty; `socialdesk serve` needs the Bot User OAuth "
        "Token (xoxb-...) from the Slack app's Install App page",
        "environment: SLACK_SIGNING_SECRET: is not set or empty; `socialdesk serve` needs the Signing Secret "
        "from the Slack app's Basic Information page",
        "environment: SOCIALDESK_PLAYBOOKS: nowhere: no such folder",
    ]


def test_config_check_passes_with_a_one_line_summary(here: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    _env(monkeypatch, **SLACK)
    result = CliRunner().invoke(cli, ["config", "check"])
    assert result.exit_code == 0, result.output
    [line] = result.stdout.splitlines()
    assert line.startswith("no problems: settings, config ") and "4 playbooks" in line


@pytest.mark.parametrize("command", ["serve", "socket", "demo"])
def test_starts_are_refused_with_exit_2_one_line_each_and_no_traceback(
    command: str, here: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _env(monkeypatch, **SLACK, SLACK_APP_TOKEN="xapp-test", SOCIALDESK_PLAYBOOKS=str(here / "gone"))
    result = CliRunner().invoke(cli, [command], input="")
    assert result.exit_code == 2, result.output
    gone = here / "gone"
    assert result.output.splitlines() == [f"environment: SOCIALDESK_PLAYBOOKS: {gone}: no such folder"]
    assert result.exception is None or isinstance(result.exception, SystemExit)


def test_serve_refuses_an_empty_signing_secret(here: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    _env(monkeypatch, SLACK_BOT_TOKEN="xoxb-test", SLACK_SIGNING_SECRET="   ")
    result = CliRunner().invoke(cli, ["serve"])
    assert result.exit_code == 2
    [line] = result.output.splitlines()
    assert line.startswith("environment: SLACK_SIGNING_SECRET: is not set or empty")


def test_a_whole_config_rule_is_named_by_the_key_it_is_about(
    here: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    text = sample_config_path().read_text(encoding="utf-8")
    data = yaml.safe_load(text)
    data["routing"]["rules"][0]["team"] = "legal"
    (here / "socialdesk.yaml").write_text(yaml.safe_dump(data), encoding="utf-8")
    _env(monkeypatch, **SLACK)
    [problem] = collect_problems(Mode.SERVE).problems
    rule = data["routing"]["rules"][0]["name"]
    assert str(problem) == f"socialdesk.yaml: routing.rules[0]: ({rule}) unknown team 'legal'"


def test_a_playbook_key_written_twice_is_named_by_file_line_and_key(
    here: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    folder = here / "books"
    folder.mkdir()
    text = (shipped_playbooks_path() / "service-outage.yaml").read_text(encoding="utf-8")
    lines = text.splitlines()
    title = next(i for i, line in enumerate(lines) if line.startswith("title:"))
    lines.insert(title + 1, "title: A second title")
    (folder / "outage.yaml").write_text("\n".join(lines) + "\n", encoding="utf-8")
    _env(monkeypatch, **SLACK, SOCIALDESK_PLAYBOOKS=str(folder))
    [problem] = collect_problems(Mode.SERVE).problems
    assert (problem.source, problem.line, problem.key) == (str(folder / "outage.yaml"), title + 2, "title")
    assert problem.reason.startswith("appears twice in the same mapping")


@pytest.fixture
def broken_plugin_installed(here: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """A plugin distribution on sys.path, as pip leaves one, whose module fails to import."""
    site = here / "site"
    site.mkdir()
    (site / "sd_checks_broken.py").write_text('raise RuntimeError("missing dependency: crmlib")\n')
    info = site / "sd_checks_broken-1.0.dist-info"
    info.mkdir()
    (info / "METADATA").write_text("Metadata-Version: 2.1\nName: sd_checks_broken\nVersion: 1.0\n")
    (info / "entry_points.txt").write_text("[socialdesk.plugins]\ncrm = sd_checks_broken:plugin\n")
    monkeypatch.syspath_prepend(str(site))
    yield
    sys.modules.pop("sd_checks_broken", None)


def test_config_check_reports_a_broken_plugin_but_a_start_does_not_stop_for_it(
    here: Path, monkeypatch: pytest.MonkeyPatch, broken_plugin_installed: None
) -> None:
    _env(monkeypatch, **SLACK)
    result = CliRunner().invoke(cli, ["config", "check"])
    assert result.exit_code == 1, result.output
    assert result.stdout.splitlines() == [
        "plugin crm: load: import sd_checks_broken:plugin: RuntimeError: missing dependency: crmlib"
    ]
    # serve switches a broken plugin off and reports it while serving (DESIGN.md 5): no refusal here.
    assert preflight(Mode.SERVE).slack_signing_secret is not None
