"""`socialdesk playbooks validate [DIR]`: output and exit codes."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
import typer
from typer.testing import CliRunner

from socialdesk.cli_playbooks import register

SHIPPED = Path(__file__).resolve().parents[2] / "playbooks"
MINIMAL = Path(__file__).resolve().parents[1] / "fixtures" / "playbooks" / "minimal.yaml"


def app() -> typer.Typer:
    cli = typer.Typer()

    @cli.callback()
    def main() -> None:
        """A group, as `socialdesk` is."""

    register(cli)
    return cli


def run(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(app(), ["playbooks", "validate", *args])
    return result.exit_code, result.output


def test_shipped_playbooks_are_valid() -> None:
    code, output = run(str(SHIPPED))
    assert code == 0
    assert output.strip() == (
        "4 playbooks valid: data-breach, product-recall, service-outage, viral-negative-publicity"
    )


def test_default_folder_comes_from_the_environment(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    shutil.copy(MINIMAL, tmp_path / "one.yaml")
    monkeypatch.setenv("SOCIALDESK_PLAYBOOKS", str(tmp_path))
    code, output = run()
    assert (code, output.strip()) == (0, "1 playbook valid: test-outage")


def test_problems_are_listed_one_per_line_and_exit_1(tmp_path: Path) -> None:
    shutil.copy(MINIMAL, tmp_path / "good.yaml")
    bad = (
        MINIMAL.read_text(encoding="utf-8")
        .replace("id: test-outage", "id: other")
        .replace("update_every_minutes: 30", "update_every_minutes: thirty")
    )
    (tmp_path / "bad.yaml").write_text(bad, encoding="utf-8")
    (tmp_path / "broken.yaml").write_text("id: [\n", encoding="utf-8")
    code, output = run(str(tmp_path))
    assert code == 1
    lines = output.strip().splitlines()
    assert lines[0].startswith(f"{tmp_path / 'bad.yaml'}:10: severities.sev1.update_every_minutes: ")
    assert lines[1].startswith(f"{tmp_path / 'broken.yaml'}:2: yaml: not valid YAML")
    assert lines[2] == f"2 problems in {tmp_path}"
    assert "valid:" not in output


def test_missing_folder_exits_1(tmp_path: Path) -> None:
    code, output = run(str(tmp_path / "nowhere"))
    assert (code, output.strip()) == (1, f"{tmp_path / 'nowhere'}: no such folder")


def test_empty_folder_says_so_and_exits_0(tmp_path: Path) -> None:
    code, output = run(str(tmp_path))
    assert code == 0
    assert output.startswith(f"No playbooks in {tmp_path}")
