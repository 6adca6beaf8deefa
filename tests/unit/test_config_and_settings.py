"""A bad config or setting stops the start with the file, the key and the reason."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from pydantic import ValidationError

from socialdesk.config import ConfigError, load_config
from socialdesk.domain.enums import Platform, Priority
from socialdesk.settings import Settings
from tests.conftest import SAMPLE_CONFIG


def _write(tmp_path: Path, data: object) -> Path:
    path = tmp_path / "socialdesk.yaml"
    path.write_text(yaml.safe_dump(data), encoding="utf-8")
    return path


def _sample() -> dict:
    return yaml.safe_load(SAMPLE_CONFIG.read_text(encoding="utf-8"))


def test_shipped_sample_is_valid_and_has_the_domain_defaults() -> None:
    config = load_config(SAMPLE_CONFIG)
    assert config.sla.first_response_minutes(Platform.X, Priority.P3) == 15
    assert config.sla.first_response_minutes(Platform.FACEBOOK, Priority.P3) == 60
    assert config.sla.first_response_minutes(Platform.INSTAGRAM, Priority.P4) == 60
    assert config.sla.first_response_minutes(Platform.MESSENGER, Priority.P2) == 60
    assert config.sla.first_response_minutes(Platform.REVIEW, Priority.P2) == 24 * 60


def test_unknown_team_in_a_rule_names_the_rule(tmp_path: Path) -> None:
    data = _sample()
    data["routing"]["rules"][0]["team"] = "legal"
    with pytest.raises(ConfigError) as err:
        load_config(_write(tmp_path, data))
    message = str(err.value)
    assert str(tmp_path / "socialdesk.yaml") in message
    assert "routing.rules[0]" in message and "'legal'" in message


def test_wrong_type_names_the_key_path(tmp_path: Path) -> None:
    data = _sample()
    data["sla"]["first_response"]["x"]["default"] = "soon"
    with pytest.raises(ConfigError) as err:
        load_config(_write(tmp_path, data))
    assert "sla.first_response.x.default" in str(err.value)


def test_bad_priority_key_and_unknown_key_are_refused(tmp_path: Path) -> None:
    data = _sample()
    data["sla"]["first_response"]["x"]["P9"] = 5
    data["surprise"] = True
    with pytest.raises(ConfigError) as err:
        load_config(_write(tmp_path, data))
    text = str(err.value)
    assert "P9" in text and "surprise" in text


def test_bad_regex_and_bad_time_zone(tmp_path: Path) -> None:
    data = _sample()
    data["masking"]["order_patterns"] = ["(unclosed"]
    data["timezone"] = "Mars/Olympus"
    with pytest.raises(ConfigError) as err:
        load_config(_write(tmp_path, data))
    text = str(err.value)
    assert "masking.order_patterns" in text and "timezone" in text


def test_yaml_syntax_error_gives_the_line(tmp_path: Path) -> None:
    path = tmp_path / "socialdesk.yaml"
    path.write_text("teams:\n  - name: a\n    channel: [unclosed\n", encoding="utf-8")
    with pytest.raises(ConfigError) as err:
        load_config(path)
    assert "line" in str(err.value) and "not valid YAML" in str(err.value)


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="cannot read config"):
        load_config(tmp_path / "nope.yaml")


def test_settings_reject_bad_urls_and_keep_secrets_out_of_repr(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SLACK_API_URL", "slack.com/api")
    with pytest.raises(ValidationError):
        Settings()
    monkeypatch.setenv("SLACK_API_URL", "http://127.0.0.1:9/api")
    monkeypatch.setenv("SLACK_BOT_TOKEN", "xoxb-very-secret-token")
    monkeypatch.setenv("DATABASE_URL", "postgresql://u:pw@db/socialdesk")
    settings = Settings()
    assert settings.slack_api_url.endswith("/")
    assert settings.database_url.startswith("postgresql+psycopg://")
    assert "xoxb-very-secret-token" not in repr(settings)
    assert settings.slack_bot_token is not None
    assert settings.slack_bot_token.get_secret_value() == "xoxb-very-secret-token"
