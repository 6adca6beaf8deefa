"""The plugin's settings, read by socialdesk from the environment (and `.env`) with the prefix
`SOCIALDESK_MASTODON_`:

| variable                          | what                                                              |
| --------------------------------- | ----------------------------------------------------------------- |
| `SOCIALDESK_MASTODON_BASE_URL`    | the instance, e.g. `https://mastodon.social`                      |
| `SOCIALDESK_MASTODON_TOKEN`       | an access token with `read:notifications write:statuses read:accounts` |
| `SOCIALDESK_MASTODON_VIP_HANDLES` | `dana@mastodon.social=gold, @lee@fosstodon.org` (tier `vip` when none) |
| `SOCIALDESK_MASTODON_EXPORT_HOUR` | the UTC hour from which the day's export is posted (default 23)  |

Without a base URL and a token the plugin is off (listed as such, not an error).
"""

from __future__ import annotations

from typing import Annotated
from urllib.parse import urlsplit

from pydantic import Field, SecretStr, field_validator
from pydantic_settings import NoDecode

from socialdesk.plugins import PluginSettings

DEFAULT_TIER = "vip"


def clean_handle(handle: str) -> str:
    """`@Dana@Mastodon.Social` -> `dana@mastodon.social`: how handles are compared."""
    return handle.strip().lstrip("@").casefold()


class MastodonSettings(PluginSettings):
    base_url: str | None = None
    token: SecretStr | None = None
    # handle -> tier; NoDecode: the variable is a comma-separated list, not JSON.
    vip_handles: Annotated[dict[str, str], NoDecode] = Field(default_factory=dict)
    export_hour: int = Field(default=23, ge=0, le=23)
    poll_seconds: int = Field(default=60, ge=10, le=3600)

    @field_validator("base_url", mode="before")
    @classmethod
    def _base_url(cls, value: object) -> object:
        if value is None or (isinstance(value, str) and not value.strip()):
            return None
        if not isinstance(value, str):
            return value
        parts = urlsplit(value.strip())
        if parts.scheme not in ("http", "https") or not parts.netloc:
            raise ValueError(f"must be the instance's http(s) URL, got {value!r}")
        return value.strip().rstrip("/")

    @field_validator("token", mode="before")
    @classmethod
    def _token(cls, value: object) -> object:
        # `SOCIALDESK_MASTODON_TOKEN=` (as an .env template has it) is an unset token, not an empty one.
        text = value.get_secret_value() if isinstance(value, SecretStr) else value
        return None if isinstance(text, str) and not text.strip() else value

    @field_validator("vip_handles", mode="before")
    @classmethod
    def _vips(cls, value: object) -> object:
        if not isinstance(value, str):
            return value
        found: dict[str, str] = {}
        for entry in value.split(","):
            handle, _, tier = entry.partition("=")
            if clean_handle(handle):
                found[clean_handle(handle)] = tier.strip() or DEFAULT_TIER
        return found

    @property
    def host(self) -> str:
        """The instance's host name: local accounts' handles are qualified with it."""
        return urlsplit(self.base_url or "").netloc.casefold()
