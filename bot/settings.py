"""The one place that reads the environment (and `.env`).

Every secret is a `SecretStr` so that it never shows up in a repr, a log line or an error message.
"""

from __future__ import annotations

from pathlib import Path

from pydantic import Field, SecretStr, ValidationInfo, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from socialdesk.samples import sample_config_path, shipped_playbooks_path

# The source checkout (tests, benchmarks and the repository's own files). Installed from a wheel this is
# site-packages: product code finds what it ships through socialdesk.samples (importlib.resources).
PROJECT_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_CONFIG = Path("socialdesk.yaml")
DEFAULT_PLAYBOOKS = Path("./playbooks")


def _text(value: str | SecretStr) -> str:
    return value.get_secret_value() if isinstance(value, SecretStr) else value


class Settings(BaseSettings):
    """Environment contract of DESIGN.md section 3; names are part of the product."""

    model_config = SettingsConfigDict(env_file=".env", env_file_encoding="utf-8", extra="ignore")

    database_url: str = Field(default="sqlite:///./socialdesk.db", alias="DATABASE_URL")
    socialdesk_config: Path | None = Field(default=None, alias="SOCIALDESK_CONFIG")
    socialdesk_playbooks: Path = Field(default=DEFAULT_PLAYBOOKS, alias="SOCIALDESK_PLAYBOOKS")

    slack_bot_token: SecretStr | None = Field(default=None, alias="SLACK_BOT_TOKEN")
    slack_signing_secret: SecretStr | None = Field(default=None, alias="SLACK_SIGNING_SECRET")
    slack_app_token: SecretStr | None = Field(default=None, alias="SLACK_APP_TOKEN")
    slack_api_url: str = Field(default="https://slack.com/api/", alias="SLACK_API_URL")
    # The workspace requests must come from; unset: learnt once from auth.test with the bot token.
    slack_team_id: str | None = Field(default=None, pattern=r"^T[A-Z0-9]{2,}$", alias="SLACK_TEAM_ID")

    meta_app_secret: SecretStr | None = Field(default=None, alias="META_APP_SECRET")
    meta_verify_token: SecretStr | None = Field(default=None, alias="META_VERIFY_TOKEN")
    meta_page_token: SecretStr | None = Field(default=None, alias="META_PAGE_TOKEN")
    meta_graph_url: str = Field(default="https://graph.facebook.com/v21.0/", alias="META_GRAPH_URL")
    # The Page that private replies are sent from; without it they go to `me/messages`, which a Page
    # token resolves to its own Page. A mention's own page id, when ingest saw one, wins.
    meta_page_id: str | None = Field(default=None, alias="META_PAGE_ID")

    x_consumer_secret: SecretStr | None = Field(default=None, alias="X_CONSUMER_SECRET")
    x_access_token: SecretStr | None = Field(default=None, alias="X_ACCESS_TOKEN")
    x_api_url: str = Field(default="https://api.x.com/2/", alias="X_API_URL")

    webhook_secret: SecretStr | None = Field(default=None, alias="WEBHOOK_SECRET")
    # Where replies to generic-source mentions (reddit, review sites, other) are POSTed, signed with
    # WEBHOOK_SECRET; unset means those mentions cannot be answered from Slack.
    generic_reply_url: str | None = Field(default=None, alias="GENERIC_REPLY_URL")

    # The channels whose plugins take webhooks or poll on their own (WhatsApp, Threads, Bluesky), read
    # here too so that a runtime built from a `Settings` (the demo, tests) hands them to their plugins as
    # it does Meta's and X's (socialdesk.sources.preset). Kept loose on purpose: each plugin's own
    # settings check them, so a bad value switches that channel off with the variable named, never the
    # whole app. Unset URLs and intervals leave the plugin's default.
    whatsapp_phone_number_id: str | None = Field(default=None, alias="WHATSAPP_PHONE_NUMBER_ID")
    whatsapp_token: SecretStr | None = Field(default=None, alias="WHATSAPP_TOKEN")
    threads_user_id: str | None = Field(default=None, alias="THREADS_USER_ID")
    threads_token: SecretStr | None = Field(default=None, alias="THREADS_TOKEN")
    threads_api_url: str | None = Field(default=None, alias="THREADS_API_URL")
    threads_poll_seconds: str | None = Field(default=None, alias="THREADS_POLL_SECONDS")
    bluesky_handle: str | None = Field(default=None, alias="BLUESKY_HANDLE")
    bluesky_app_password: SecretStr | None = Field(default=None, alias="BLUESKY_APP_PASSWORD")
    bluesky_service_url: str | None = Field(default=None, alias="BLUESKY_SERVICE_URL")

    # A team triage model adopted with `socialdesk triage adopt` (bot/triage/); unset: the shipped one.
    socialdesk_triage_model: Path | None = Field(default=None, alias="SOCIALDESK_TRIAGE_MODEL")

    log_level: str = Field(default="INFO", alias="SOCIALDESK_LOG_LEVEL")
    # Slack allows about one message per second per channel; lower this only against a stand-in.
    slack_channel_interval: float = Field(default=1.0, ge=0, le=60, alias="SLACK_CHANNEL_INTERVAL")
    # `serve` works slash commands and button clicks in this many separate processes (0: in the web
    # process), so that Slack's acks never wait behind that work (see bot/slack/transport/offload.py).
    slack_listener_processes: int = Field(default=1, ge=0, le=16, alias="SLACK_LISTENER_PROCESSES")
    # `serve` turns stored payloads into cases in a process of its own (bot/ingest/worker_process.py).
    # Off by default: on 2 cores it raised PostgreSQL throughput but worsened the acceptance tail, and on
    # SQLite (one write lock across processes) it worsened both (docs/DESIGN-notes.md).
    ingest_process: bool = Field(default=False, alias="INGEST_PROCESS")
    # Test-only: the failpoint at which this process kills itself (bot/failpoints.py); never set it in
    # production.
    socialdesk_failpoint: str | None = Field(default=None, alias="SOCIALDESK_FAILPOINT")

    @field_validator("*", mode="before")
    @classmethod
    def _empty_is_unset(cls, value: object, info: ValidationInfo) -> object:
        """An empty secret (`SLACK_SIGNING_SECRET=` as `.env.example` has them) is an unset one: never
        a key that signs or verifies anything, and the feature it belongs to is off."""
        annotation = cls.model_fields[info.field_name].annotation if info.field_name else None
        secret = annotation == SecretStr | None
        if secret and isinstance(value, str | SecretStr) and not _text(value).strip():
            return None
        return value

    @field_validator("slack_api_url", "meta_graph_url", "x_api_url")
    @classmethod
    def _base_url_ends_with_slash(cls, value: str) -> str:
        if not value.startswith(("http://", "https://")):
            raise ValueError(f"must be an http(s) URL, got {value!r}")
        return value if value.endswith("/") else value + "/"

    @field_validator("generic_reply_url")
    @classmethod
    def _optional_http_url(cls, value: str | None) -> str | None:
        if value is None or not value.strip():
            return None
        value = value.strip()
        if not value.startswith(("http://", "https://")) or any(c.isspace() for c in value):
            raise ValueError("must be an http(s) URL")
        return value

    @field_validator("meta_page_id")
    @classmethod
    def _numeric_page_id(cls, value: str | None) -> str | None:
        if value is None or not value.strip():
            return None
        if not value.strip().isdigit():  # it goes into the Graph URL path
            raise ValueError("must be the numeric id of the Facebook Page")
        return value.strip()

    @field_validator("database_url")
    @classmethod
    def _known_database(cls, value: str) -> str:
        if not value.startswith(("sqlite", "postgresql")):
            raise ValueError("must be a sqlite:/// or postgresql+psycopg:// SQLAlchemy URL")
        if value.startswith("postgresql://") or value.startswith("postgres://"):
            # psycopg 3 is the driver we ship; SQLAlchemy's bare scheme means psycopg2.
            value = "postgresql+psycopg://" + value.split("://", 1)[1]
        return value

    def playbooks_path(self) -> Path:
        """`SOCIALDESK_PLAYBOOKS` when set (a missing folder is then a start-up error, see
        socialdesk.checks); unset, `./playbooks` if there is one, else the shipped playbooks, so
        `socialdesk demo` run from any folder has them."""
        if "socialdesk_playbooks" in self.model_fields_set or DEFAULT_PLAYBOOKS.is_dir():
            return self.socialdesk_playbooks
        return shipped_playbooks_path()

    def config_path(self) -> Path:
        """`SOCIALDESK_CONFIG` when set, else `./socialdesk.yaml`, else the shipped sample."""
        if self.socialdesk_config is not None:
            return self.socialdesk_config
        return DEFAULT_CONFIG if DEFAULT_CONFIG.is_file() else sample_config_path()
