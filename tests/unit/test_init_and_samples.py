"""`socialdesk init` and what the package ships (bot/samples/): the sample config, .env.example, the
playbooks; and YAML keys repeated in one mapping (bot/yaml_strict.py), which safe_load lets win silently."""

from __future__ import annotations

import re
from importlib.metadata import entry_points
from pathlib import Path

import pytest
import yaml
from typer.testing import CliRunner

from socialdesk.cli import cli
from socialdesk.config import ConfigError, load_config
from socialdesk.samples import env_example, playbook_resources, sample_config, sample_config_path
from socialdesk.settings import Settings
from socialdesk.yaml_strict import DuplicateKey, DuplicateKeysError, load_unique

PLAYBOOKS = {
    "data-breach.yaml",
    "product-recall.yaml",
    "service-outage.yaml",
    "viral-negative-publicity.yaml",
}
TEST_ONLY = {"SOCIALDESK_FAILPOINT"}  # never set in production: not offered in .env.example
ASSIGNMENT = re.compile(r"^#? ?([A-Z][A-Z0-9_]+)=(.*)$")


def test_init_writes_the_config_env_example_and_playbooks(tmp_path: Path) -> None:
    target = tmp_path / "desk"  # created when missing
    result = CliRunner().invoke(cli, ["init", str(target)])
    assert result.exit_code == 0, result.output
    written = {str(p.relative_to(target)) for p in target.rglob("*") if p.is_file()}
    assert written == {"socialdesk.yaml", ".env.example", *(f"playbooks/{name}" for name in PLAYBOOKS)}
    for name in sorted(written):
        assert f"wrote {target / name}" in result.stdout
    assert (target / "socialdesk.yaml").read_bytes() == sample_config().read_bytes()
    load_config(target / "socialdesk.yaml")


def test_init_refuses_to_overwrite_without_force_and_writes_nothing(tmp_path: Path) -> None:
    (tmp_path / "socialdesk.yaml").write_text("# mine\n", encoding="utf-8")
    refused = CliRunner().invoke(cli, ["init", str(tmp_path)])
    assert refused.exit_code == 1
    assert "already there, not overwritten (use --force to replace)" in refused.output
    assert str(tmp_path / "socialdesk.yaml") in refused.output
    assert (tmp_path / "socialdesk.yaml").read_text(encoding="utf-8") == "# mine\n"
    assert not (tmp_path / ".env.example").exists() and not (tmp_path / "playbooks").exists()

    forced = CliRunner().invoke(cli, ["init", str(tmp_path), "--force"])
    assert forced.exit_code == 0, forced.output
    assert (tmp_path / "socialdesk.yaml").read_bytes() == sample_config().read_bytes()


def test_init_into_a_file_is_a_one_line_error(tmp_path: Path) -> None:
    (tmp_path / "file").write_text("x", encoding="utf-8")
    result = CliRunner().invoke(cli, ["init", str(tmp_path / "file")])
    assert result.exit_code == 1
    assert result.output.strip() == f"socialdesk init: {tmp_path / 'file'}: not a folder"


def test_init_defaults_to_here_and_the_defaults_then_find_the_files(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("SOCIALDESK_CONFIG", raising=False)
    monkeypatch.delenv("SOCIALDESK_PLAYBOOKS", raising=False)
    assert Settings().config_path() == sample_config_path()  # nothing here yet: the shipped sample
    assert CliRunner().invoke(cli, ["init"]).exit_code == 0
    settings = Settings()
    assert settings.config_path() == Path("socialdesk.yaml")
    assert settings.playbooks_path() == Path("playbooks")


def builtin_channel_variables() -> tuple[set[str], set[str]]:
    """The environment names the built-in source plugins (socialdesk's own entry points) read, and
    which of them are secrets."""
    names: set[str] = set()
    secrets: set[str] = set()
    for entry in entry_points(group="socialdesk.plugins"):
        if entry.dist is None or entry.dist.metadata["Name"] != "socialdesk":
            continue
        plugin = entry.load()
        if plugin.settings is None:
            continue
        for field_name, info in plugin.settings.model_fields.items():
            name = (info.alias or f"{plugin.prefix}{field_name}").upper()
            names.add(name)
            if "SecretStr" in str(info.annotation):
                secrets.add(name)
    return names, secrets


def test_env_example_offers_every_setting_the_product_reads_with_secrets_empty() -> None:
    offered: dict[str, str] = {}
    for line in env_example().read_text(encoding="utf-8").splitlines():
        found = ASSIGNMENT.match(line)
        if found:
            offered[found.group(1)] = found.group(2)
    reads = {info.alias for info in Settings.model_fields.values() if info.alias} - TEST_ONLY
    channels, channel_secrets = builtin_channel_variables()
    # A new setting, or a built-in channel's, must be added to bot/samples/env.example, and only those.
    assert set(offered) == reads | channels
    secrets = {info.alias for info in Settings.model_fields.values() if "SecretStr" in str(info.annotation)}
    secrets |= channel_secrets
    assert secrets and all(offered[name] == "" for name in secrets)
    # As written, the file is a valid environment: copied to .env it starts the demo.
    values = {k: v for k, v in offered.items() if v}
    Settings.model_validate(values)


def test_the_package_ships_its_playbooks() -> None:
    assert {item.name for item in playbook_resources()} == PLAYBOOKS


# --- repeated keys -------------------------------------------------------------------------------------
def test_load_unique_names_every_repeated_key_with_its_line() -> None:
    text = "a: 1\nb:\n  c: 2\n  c: 3\na: 4\n"
    with pytest.raises(DuplicateKeysError) as caught:
        load_unique(text)
    assert caught.value.duplicates == [DuplicateKey("c", 4), DuplicateKey("a", 5)]
    assert load_unique("a: 1\nb: [1, 2]\n") == yaml.safe_load("a: 1\nb: [1, 2]\n")


def test_merge_keys_may_be_overridden() -> None:
    text = "base: &base {x: 1, y: 2}\nchild:\n  <<: *base\n  x: 5\n"
    assert load_unique(text)["child"] == {"x": 5, "y": 2}


def test_a_config_with_a_repeated_key_fails_naming_file_line_and_key(tmp_path: Path) -> None:
    sample = sample_config().read_text(encoding="utf-8")
    path = tmp_path / "socialdesk.yaml"
    path.write_text(sample + "\nmanagers_channel: '#elsewhere'\n", encoding="utf-8")
    with pytest.raises(ConfigError) as caught:
        load_config(path)
    [issue] = caught.value.issues
    assert issue.key == "managers_channel" and issue.line == len(path.read_text().splitlines())
    assert str(caught.value).startswith(f"{path}: invalid config")
    assert f"line {issue.line}: managers_channel: appears twice in the same mapping" in str(caught.value)
