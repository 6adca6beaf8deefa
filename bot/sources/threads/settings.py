"""The Threads source's settings, read with `env_prefix=""` (the names of issue 14's configuration list).

| variable                | what                                                                        |
| ----------------------- | --------------------------------------------------------------------------- |
| `THREADS_USER_ID`       | the brand's Threads user id (numeric): whose replies and mentions are ours  |
| `THREADS_TOKEN`         | a long-lived Threads user token (`threads_basic`, `threads_read_replies`,   |
|                         | `threads_manage_replies`, `threads_manage_mentions`, `threads_content_publish`) |
| `THREADS_API_URL`       | default `https://graph.threads.net/` (the stand-in's URL in tests and demo)  |
| `META_APP_SECRET`       | signs every webhook delivery (`X-Hub-Signature-256`), as for all Meta webhooks |
| `META_VERIFY_TOKEN`     | the subscription check's `hub.verify_token`                                 |
| `THREADS_POLL_SECONDS`  | unset: poll every 120 s only when `META_APP_SECRET` is unset (no webhooks); |
|                         | `0`: never poll; `N` (30-3600): poll every N seconds                         |

Without a user id and a token the plugin is off.
"""

from __future__ import annotations

from pydantic import SecretStr, field_validator

from socialdesk.sources.settings_base import BuiltinSettings, base_url

DEFAULT_POLL_SECONDS = 120


class ThreadsSettings(BuiltinSettings):
    threads_user_id: str | None = None
    threads_token: SecretStr | None = None
    threads_api_url: str = "https://graph.threads.net/"
    meta_app_secret: SecretStr | None = None
    meta_verify_token: SecretStr | None = None
    threads_poll_seconds: int | None = None

    @field_validator("threads_api_url")
    @classmethod
    def _base_url(cls, value: str) -> str:
        return base_url(value)

    @field_validator("threads_user_id")
    @classmethod
    def _numeric(cls, value: str | None) -> str | None:
        if value is None or not value.strip():
            return None
        if not value.strip().isdigit():  # it goes into the URL path
            raise ValueError("must be the numeric id of the brand's Threads account")
        return value.strip()

    @field_validator("threads_poll_seconds")
    @classmethod
    def _poll(cls, value: int | None) -> int | None:
        if value is not None and value != 0 and not 30 <= value <= 3600:
            raise ValueError("must be 0 (never poll) or between 30 and 3600 seconds")
        return value

    def poll_every(self) -> int:
        """Seconds between polls; 0 when the source does not poll."""
        if self.threads_poll_seconds is not None:
            return self.threads_poll_seconds
        secret = self.meta_app_secret
        webhooks_possible = secret is not None and bool(secret.get_secret_value().strip())
        return 0 if webhooks_possible else DEFAULT_POLL_SECONDS
