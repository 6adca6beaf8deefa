"""What the built-in sources' settings share: an empty secret is an unset one, base URLs end with `/`."""

from __future__ import annotations

from pydantic import SecretStr, ValidationInfo, field_validator

from socialdesk.plugins.plugin import PluginSettings


def present(value: SecretStr | None) -> SecretStr | None:
    """The secret, or None when it is unset or blank (a blank key must never sign or verify anything)."""
    return value if value is not None and value.get_secret_value().strip() else None


def secret_text(value: SecretStr | None) -> str | None:
    found = present(value)
    return found.get_secret_value() if found is not None else None


def base_url(value: str) -> str:
    if not value.startswith(("http://", "https://")):
        raise ValueError(f"must be an http(s) URL, got {value!r}")
    return value if value.endswith("/") else value + "/"


class BuiltinSettings(PluginSettings):
    """Read with `Plugin.env_prefix=""`: the field `meta_app_secret` is the variable `META_APP_SECRET`."""

    @field_validator("*", mode="before")
    @classmethod
    def _empty_is_unset(cls, value: object, info: ValidationInfo) -> object:
        # `META_APP_SECRET=` as `.env.example` has it means "not set", as in socialdesk.settings.Settings.
        annotation = cls.model_fields[info.field_name].annotation if info.field_name else None
        if annotation == SecretStr | None and isinstance(value, str | SecretStr):
            text = value.get_secret_value() if isinstance(value, SecretStr) else value
            return None if not text.strip() else value
        return value
