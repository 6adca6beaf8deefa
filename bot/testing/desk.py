"""A socialdesk runtime for a plugin's tests: the real composition root on the Slack stand-in.

    with open_desk(plugins=[plugin], env={"SOCIALDESK_MASTODON_TOKEN": "t"}) as desk:
        desk.accept_page("mastodon", body)
        desk.settle()
        assert "VIP" in desk.cards()[0].text

Everything is real but time: `build_runtime` with the plugin given directly (installed entry points are
left out unless asked for), an SQLite database, the Slack stand-in on a loopback port, the runtime's HTTP
app served on another when a request needs it, and a `ManualClock` that moves only when the test says.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterator, Mapping, Sequence
from contextlib import ExitStack, contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
from pydantic import SecretStr

from socialdesk.app import Runtime, build_runtime
from socialdesk.clock import ManualClock
from socialdesk.config import Config, load_config
from socialdesk.domain.models import Case, InboxItem, PlatformReply
from socialdesk.ingest import inbox as inbox_store
from socialdesk.ingest.by_source import poll_feed
from socialdesk.jobs import Job
from socialdesk.plugins.plugin import Plugin
from socialdesk.plugins.source import Source
from socialdesk.samples import sample_config_path
from socialdesk.settings import Settings
from socialdesk.standin import SlackStandin, StoredMessage
from socialdesk.testing import reading
from socialdesk.testing.jobclock import JobClock
from socialdesk.testing.reading import Card
from socialdesk.testing.signing import AGENT, BOT_TOKEN, SIGNING_SECRET, SUPPORT_CHANNEL
from socialdesk.testing.slack_requests import Answers, SlackRequests, get_webhook, post_webhook
from socialdesk.web.serving import background_server

# A Tuesday morning: business hours in the sample config's time zone, far from any DST change.
START = datetime(2026, 11, 24, 9, 0, tzinfo=UTC)


def desk_settings(database_url: str, slack_api_url: str, **variables: str | SecretStr) -> Settings:
    """socialdesk's settings for a test runtime: the stand-in's URL and token, the test signing secret,
    the shipped sample config; `variables` add any other setting by its environment name."""
    return Settings.model_validate(
        {
            "DATABASE_URL": database_url,
            "SLACK_BOT_TOKEN": SecretStr(BOT_TOKEN),
            "SLACK_SIGNING_SECRET": SecretStr(SIGNING_SECRET),
            "SLACK_API_URL": slack_api_url,
            "SOCIALDESK_CONFIG": str(sample_config_path()),
            **variables,
        }
    )


class Desk:
    """One runtime and what it talks to; build it with `open_desk` (or the `socialdesk_desk` fixture)."""

    def __init__(self, runtime: Runtime, slack: SlackStandin, clock: ManualClock, stack: ExitStack) -> None:
        self.runtime = runtime
        self.slack = slack
        self.clock = clock
        self._stack = stack
        self._url: str | None = None
        self.requests = SlackRequests(lambda: self.url, slack, runtime.wait_for_listeners)
        self.jobs = JobClock(clock, self._scheduled, runtime.config.timezone)

    # --- the served app ---------------------------------------------------------------------------------
    @property
    def url(self) -> str:
        """The origin of the runtime's HTTP app (webhooks, /slack/events, /readyz), served on first use."""
        if self._url is None:
            self._url = self._stack.enter_context(background_server(self.runtime.http))
        return self._url

    # --- in: platforms ----------------------------------------------------------------------------------
    def post_webhook(
        self, name: str, body: bytes | dict[str, Any] | list[Any], *, headers: dict[str, str] | None = None
    ) -> httpx.Response:
        """POST a delivery to `/webhooks/<name>` (sign it as the platform does, in `headers`)."""
        return post_webhook(self.url, name, body, headers=headers)

    def get_webhook(self, name: str, query: dict[str, str]) -> httpx.Response:
        return get_webhook(self.url, name, query)

    def accept_page(self, source: str, body: bytes) -> bool:
        """Store `body` in the inbox as the poller of `source` stores each page it fetched (False: that
        page was stored before). `drain` or `settle` turns it into cases."""
        stored = inbox_store.accept(
            self.runtime.engine,
            source=poll_feed(self.source(source)),
            body=body,
            content_type="application/json",
            now=self.clock.now(),
        )
        return not stored.duplicate

    def poll(self, source: str) -> object:
        """Run the poller of `source` now, as its scheduled job does (the cursor read from and saved to
        the database, `RateLimited` honoured); `settle` then turns what it stored into cases."""
        return self.jobs.run(f"poll-{source}")

    # --- in: Slack --------------------------------------------------------------------------------------
    def command(self, text: str, *, user: str = AGENT, channel: str = SUPPORT_CHANNEL) -> Answers:
        """`/social <text>` typed by `user`: the answers it got (`.private` when only they saw them)."""
        return self.requests.command(text, user=user, channel=channel)

    def click(
        self, action_id: str, value: str, *, user: str = AGENT, channel: str = SUPPORT_CHANNEL
    ) -> Answers:
        return self.requests.click(action_id, value, user=user, channel=channel)

    # --- processing ------------------------------------------------------------------------------------
    def drain(self) -> None:
        """Process the inbox, then send what the outbox holds and is due now."""
        self.runtime.drain()

    def settle(self) -> None:
        """Process and send everything, moving the clock over Slack's pacing and retries as needed."""
        self.runtime.run_until_idle(self.clock)

    # --- time -------------------------------------------------------------------------------------------
    def _scheduled(self) -> list[Job]:
        # What `serve` schedules: socialdesk's own jobs, pollers and the plugins' jobs.
        from socialdesk.services import scheduled_jobs

        return scheduled_jobs(self.runtime)

    def advance(self, delta: timedelta) -> list[str]:
        """Move the clock by `delta` and run the jobs that fell due (ids returned); nothing is sent yet."""
        return self.jobs.advance(delta)

    def run_due_jobs(self) -> list[str]:
        return self.jobs.run_due()

    def run_job(self, job_id: str) -> object:
        """Run one job now: by its scheduler id, or a plugin's job by the id the plugin gave it."""
        return self.jobs.run(job_id)

    # --- reading ----------------------------------------------------------------------------------------
    def cases(self) -> list[Case]:
        return reading.cases(self.runtime.engine)

    def case(self, number: int) -> Case:
        return reading.case(self.runtime.engine, number)

    def cards(self) -> list[Card]:
        """The cards the Slack stand-in shows, by case number (send them first: `settle`)."""
        return reading.cards(self.runtime.engine, self.slack)

    def card(self, number: int) -> Card:
        found = [c for c in self.cards() if c.case == number]
        if not found:
            raise LookupError(f"case #{number} has no card in Slack (yet): call settle() first?")
        return found[0]

    def replies(self, case: int | None = None) -> list[PlatformReply]:
        return reading.replies(self.runtime.engine, case)

    def inbox(self, source: str) -> list[InboxItem]:
        return reading.inbox(self.runtime.engine, source)

    def source(self, name: str) -> Source:
        """The running source `name` (the instance the plugin's `build` returned)."""
        running = self.runtime.plugins.source(name)
        if running is None:
            raise LookupError(f"the runtime runs no source {name!r}: {self.plugin_states()}")
        return running

    def plugin_states(self) -> str:
        """Each plugin's status and problems on one line, for assertion messages."""
        return (
            "; ".join(
                f"{r.name}: {r.status}" + (f" ({', '.join(r.problems)})" if r.problems else "")
                for r in self.runtime.plugins.records
            )
            or "no plugins"
        )

    def duty_messages(self) -> list[StoredMessage]:
        """What was posted to the duty channel (plugin failures, plugin jobs' notices)."""
        return self.slack.messages(self.runtime.config.duty_channel)

    def close(self) -> None:
        self._stack.close()


@contextmanager
def _environment(env: Mapping[str, str]) -> Iterator[None]:
    """Set `env` for the desk's lifetime (plugins read their settings from the environment)."""
    saved = {name: os.environ.get(name) for name in env}
    os.environ.update(env)
    try:
        yield
    finally:
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value


@contextmanager
def open_desk(
    plugins: Sequence[Plugin] = (),
    *,
    env: Mapping[str, str] | None = None,
    database_url: str | None = None,
    migrate: bool = True,
    slack: SlackStandin | None = None,
    clock: ManualClock | None = None,
    config: Config | None = None,
    settings: Settings | None = None,
    use_entry_points: bool = False,
) -> Iterator[Desk]:
    """A `Desk` for `plugins`, closed on exit. Without a `database_url` an SQLite file in a temporary
    folder; without `slack` a stand-in of its own; `env` is set while the desk is open."""
    with ExitStack() as stack:
        stack.enter_context(_environment(env or {}))
        if database_url is None:
            folder = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="socialdesk-")))
            database_url = f"sqlite:///{folder / 'socialdesk.db'}"
            migrate = True
        if slack is None:
            slack = stack.enter_context(SlackStandin(token=BOT_TOKEN))
        clock = clock or ManualClock(START)
        settings = settings or desk_settings(database_url, slack.url)
        runtime = build_runtime(
            settings,
            clock=clock,
            config=config or load_config(settings.config_path()),
            migrate=migrate,
            plugins=plugins,
            use_entry_points=use_entry_points,
        )
        stack.callback(runtime.close)
        served = ExitStack()  # the served app: stopped before the runtime closes (callbacks run last first)
        stack.callback(served.close)
        yield Desk(runtime, slack, clock, served)


class DeskFactory:
    """What the `socialdesk_desk` fixture gives: call it with your plugins to get a `Desk` on the test's
    database, Slack stand-in and clock; every desk it made is closed when the test ends."""

    def __init__(self, *, database_url: str, slack: SlackStandin, clock: ManualClock) -> None:
        self.database_url = database_url
        self.slack = slack
        self.clock = clock
        self._stack = ExitStack()

    def __call__(
        self,
        plugins: Sequence[Plugin] = (),
        *,
        env: Mapping[str, str] | None = None,
        config: Config | None = None,
        use_entry_points: bool = False,
        **variables: str | SecretStr,
    ) -> Desk:
        """`variables` are socialdesk settings by their environment names (`SLACK_CHANNEL_INTERVAL`)."""
        settings = desk_settings(self.database_url, self.slack.url, **variables)
        return self._stack.enter_context(
            open_desk(
                plugins,
                env=env,
                database_url=self.database_url,
                migrate=False,  # the fixture's database is a copy of one migrated per session
                slack=self.slack,
                clock=self.clock,
                config=config,
                settings=settings,
                use_entry_points=use_entry_points,
            )
        )

    def close(self) -> None:
        self._stack.close()
