"""The config and playbook loaders over random YAML and mutated shipped files: ConfigError or
PlaybookError with a message, never another exception."""

from __future__ import annotations

import contextlib
import tempfile
from pathlib import Path
from typing import Any

import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from socialdesk.config import ConfigError, load_config, parse_config
from socialdesk.domain.playbooks.loader import PlaybookError, load_playbook
from socialdesk.samples import sample_config_path
from socialdesk.settings import PROJECT_ROOT
from tests.fuzz.strategies import json_values, mutated

CONFIG = yaml.safe_load(sample_config_path().read_text(encoding="utf-8"))
PLAYBOOK_FILES = sorted((PROJECT_ROOT / "playbooks").glob("*.yaml"))
PLAYBOOKS = [yaml.safe_load(p.read_text(encoding="utf-8")) for p in PLAYBOOK_FILES]
yaml_text = st.text(alphabet=st.sampled_from(list("ab:- \n\t'\"{}[]&*!|>#%@`,?0123456789")), max_size=120)


def _load_config_text(text: str) -> None:
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "config.yaml"
        path.write_text(text, encoding="utf-8")
        try:
            load_config(path)
        except ConfigError as exc:
            assert str(exc).startswith(str(path))


def _load_playbook_text(text: str) -> None:
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "playbook.yaml"
        path.write_text(text, encoding="utf-8")
        try:
            load_playbook(path)
        except PlaybookError as exc:
            assert exc.problems and all(p.startswith(str(path)) for p in exc.problems)


@settings(max_examples=80, deadline=None)
@given(text=yaml_text | st.text(max_size=80))
def test_random_yaml_text(text: str) -> None:
    _load_config_text(text)
    _load_playbook_text(text)


@settings(max_examples=60, deadline=None)
@given(data=mutated([CONFIG]))
def test_mutated_shipped_config(data: Any) -> None:
    try:
        parse_config(data, Path("socialdesk.yaml"))
    except ConfigError as exc:
        assert "socialdesk.yaml" in str(exc)
    _load_config_text(yaml.safe_dump(data, allow_unicode=True))


@settings(max_examples=40, deadline=None)
@given(data=mutated(PLAYBOOKS))
def test_mutated_shipped_playbooks(data: Any) -> None:
    _load_playbook_text(yaml.safe_dump(data, allow_unicode=True))


@settings(max_examples=30, deadline=None)
@given(value=json_values)
def test_arbitrary_top_level_values(value: Any) -> None:
    with contextlib.suppress(ConfigError):
        parse_config(value, Path("c.yaml"))
