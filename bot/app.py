"""Composition root: builds engine, services, Slack client, Bolt app, HTTP app and workers.

Nothing here runs at import time; `build_runtime` is called by the CLI, by `demo` and by tests.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime

import httpx
from slack_bolt import App
from slack_sdk import WebClient
from sqlalchemy import Engine
from starlette.applications import Starlette

from socialdesk import failpoints
from socialdesk.app_outbox import build_outbox
from socialdesk.casework.replies import ReplyDesk
from socialdesk.casework.roles import RoleDirectory
from socialdesk.casework.service import CaseWork
from socialdesk.clock import Clock, ManualClock, SystemClock
from socialdesk.config import Config, load_config
from socialdesk.connectors.replies.router import make_reply_client
from socialdesk.crisis.canned import crisis_reply
from socialdesk.crisis.wiring import CrisisParts, build_crisis
from socialdesk.domain.commands import SOCIAL_USAGE
from socialdesk.handlers import register_all
from socialdesk.handlers.context import HandlerContext
from socialdesk.ingest.by_source import InboxReader
from socialdesk.ingest.inbox_writer import InboxWriter
from socialdesk.ingest.pipeline import IngestPipeline
from socialdesk.ingest.worker_process import IngestProcess
from socialdesk.jobs import Job
from socialdesk.metrics import Metrics
from socialdesk.outbox.sender import OutboxSender
from socialdesk.plugin_host.duty import DutyNotices
from socialdesk.plugin_host.enrichers import EnricherRunner
from socialdesk.plugin_host.events import EventRelay
from socialdesk.plugin_host.jobs import scheduled_plugin_jobs
from socialdesk.plugin_host.polling import SourcePolling
from socialdesk.plugin_host.registry import PluginSet
from socialdesk.plugin_host.replies import SourceReplies
from socialdesk.plugin_host.wiring import report_to_duty, start_plugins
from socialdesk.plugins.plugin import Plugin
from socialdesk.settings import Settings
from socialdesk.slack.transport.bolt_route import ack_first, bolt_route
from socialdesk.slack.transport.channels import ChannelDirectory
from socialdesk.slack.transport.executor import TrackingExecutor
from socialdesk.slack.transport.notifier import OutboxNotifier
from socialdesk.slack.transport.offload import OffloadSlot
from socialdesk.slack.transport.people import display_names_via
from socialdesk.slack.transport.request_checks import (
    SlackRequestChecks,
    WorkspaceGuard,
    install_workspace_check,
)
from socialdesk.slack.transport.slack_health import SlackStatus
from socialdesk.slack.transport.usergroups import group_members_via
from socialdesk.sources.preset import builtin_settings
from socialdesk.store.db import make_engine
from socialdesk.store.migrate import upgrade
from socialdesk.surveys.schedule import SurveyScheduler
from socialdesk.triage.bundle import ModelFileError
from socialdesk.web.limits import body_limits
from socialdesk.web.ops import ops_routes
from socialdesk.web.webhooks import WebhookDeps, WebhookRoutes
from socialdesk.workers import ForegroundFirst, WakeableLoop

log = logging.getLogger(__name__)


class StartupError(Exception):
    """A setting needed for this mode is missing; the message says which."""


@dataclass
class Runtime:
    settings: Settings
    config: Config
    engine: Engine
    clock: Clock
    metrics: Metrics
    slack: WebClient
    channels: ChannelDirectory
    pipeline: IngestPipeline
    outbox: OutboxSender
    bolt: App
    http: Starlette
    listeners: TrackingExecutor
    foreground: ForegroundFirst
    reply_connectors: SourceReplies | None = None  # replies by platform, to the source that answers there
    replies: ReplyDesk | None = None
    slack_offload: OffloadSlot = field(default_factory=OffloadSlot)  # filled by `serve` (see offload.py)
    jobs: dict[str, Job] = field(default_factory=dict)  # scheduled work, registered by bot/services.py
    # Whether this process posts to Slack: only the leader does (see bot/services.py), so that one
    # sender paces each channel and no two replicas post the same outbox row.
    sends_to_slack: Callable[[], bool] = field(default=lambda: True, repr=False)
    loops: list[WakeableLoop] = field(default_factory=list)
    plugins: PluginSet = field(default_factory=lambda: PluginSet([]))  # built-in and installed plugins
    plugin_http: httpx.Client | None = None  # lent to plugins (PluginHost.http); closed with the runtime
    crisis: CrisisParts | None = None  # the playbooks and the crisis desk (bot/crisis/wiring.py)
    inbox_writer: InboxWriter | None = None  # webhook payloads, stored in group commits
    # `serve`'s ingest pipeline in its own process (bot/ingest/worker_process.py); None: in this one.
    ingest_process: IngestProcess | None = None
    # The outbox worker's look for rows nobody woke it for: queued by another replica (a follower's
    # listeners) or fallen due (a retry, a paced channel). Rows queued in this process wake it at once.
    outbox_poll_seconds: float = 1.0
    _ingest_loop: WakeableLoop | None = field(default=None, repr=False)
    _outbox_loop: WakeableLoop | None = field(default=None, repr=False)

    def wake_ingest(self) -> None:
        if self.ingest_process is not None:
            self.ingest_process.wake()
        elif self._ingest_loop is not None:
            self._ingest_loop.wake()

    def wake_outbox(self) -> None:
        self.outbox.wake()

    def wait_for_listeners(self, timeout: float = 10.0) -> None:
        """Wait for Slack listener work that runs after the ack (private answers, modals)."""
        if not self.listeners.wait_idle(timeout):
            raise TimeoutError("Slack listeners still running")

    def drain(self) -> None:
        """Process everything pending now: inbox, then outbox (used by tests, `demo` and the CLI)."""
        self.pipeline.drain()
        self.outbox.drain()
        self.plugins.flush_reports()

    def run_until_idle(self, clock: ManualClock, *, max_rounds: int = 1000) -> None:
        """Process the inbox, then send everything the outbox holds, moving the manual clock to each
        next due time (pacing, Retry-After, backoff) instead of waiting: the demo's simulated time."""
        self.pipeline.drain()
        for _ in range(max_rounds):
            report = self.outbox.drain()
            if report.next_due is None:
                self.plugins.flush_reports()  # a card section that failed while drawing: told now...
                if self.outbox.drain().next_due is None:  # ...and its duty message sent
                    return
                continue
            clock.set(max(report.next_due, clock.now()))
        raise RuntimeError("the outbox did not settle")

    def start_workers(self) -> None:
        def ingest_step() -> datetime | None:
            report = self.pipeline.drain(between_items=self.foreground.yield_if_busy)
            if report.cases_opened or report.followups:
                self.wake_outbox()
            return None

        self._outbox_loop = WakeableLoop(
            "outbox",  # OUTBOX_LOOP: the `outbox-retry` job wakes a running loop (bot/services.py)
            self.outbox_step,
            self.clock,
            idle_seconds=self.outbox_poll_seconds,
            wake_event=self.outbox.woken,  # set by `wake`: the notifier's after-commit, ingest, digests
        )
        self.loops = [self._outbox_loop]
        if self.ingest_process is None:
            # INGEST_LOOP: the `inbox-retry` job wakes a running loop (bot/services.py)
            self._ingest_loop = WakeableLoop("ingest", ingest_step, self.clock, idle_seconds=2.0)
            self.loops.append(self._ingest_loop)
        for loop in self.loops:
            loop.start()

    def outbox_step(self) -> datetime | None:
        """One pass of the outbox worker: send what is due, if this process is the one that sends."""
        if not self.sends_to_slack():
            return None
        due = self.outbox.drain(between_sends=self.foreground.yield_if_busy).next_due
        self.plugins.flush_reports()  # a card section that failed while a card was drawn
        return due

    def stop_workers(self) -> None:
        for loop in self.loops:
            loop.stop()
        self.loops = []

    def close(self) -> None:
        """Stop the workers and release connections (database pool, platform HTTP client)."""
        self.stop_workers()
        if self.ingest_process is not None:
            self.ingest_process.stop()
        if self.inbox_writer is not None:
            self.inbox_writer.close()
        if self.plugin_http is not None:
            self.plugin_http.close()
        self.outbox.close()
        if self.crisis is not None and self.crisis.posters is not None:
            self.crisis.posters.close()
        self.engine.dispose()


def _require(value: object, name: str) -> None:
    if value is None:
        raise StartupError(f"{name} is not set; socialdesk needs it to run (see README, 'Configuration')")


def build_runtime(
    settings: Settings,
    *,
    clock: Clock | None = None,
    config: Config | None = None,
    migrate: bool = True,
    plugins: Sequence[Plugin] = (),
    use_entry_points: bool = True,
    load_triage: bool = True,
) -> Runtime:
    """Everything socialdesk runs, wired. `plugins` are started beside the installed ones (entry points
    of the group `socialdesk.plugins`, unless `use_entry_points` is False: tests that want only theirs).
    `load_triage=False`: the triage model is read at the first mention (a Slack listener process,
    which never ingests, then never holds it); by default a broken model file stops the start."""
    _require(settings.slack_bot_token, "SLACK_BOT_TOKEN")
    _require(settings.slack_signing_secret, "SLACK_SIGNING_SECRET")
    assert settings.slack_bot_token is not None and settings.slack_signing_secret is not None
    failpoints.arm(settings.socialdesk_failpoint)  # test-only crash spots; unset: nothing armed
    config = config or load_config(settings.config_path())
    clock = clock or SystemClock()
    engine = make_engine(settings.database_url)
    if migrate:
        upgrade(engine)
    metrics = Metrics()
    plugin_http = make_reply_client()
    plugin_set = start_plugins(
        clock=clock,
        http=plugin_http,
        metrics=metrics,
        plugins=plugins,
        use_entry_points=use_entry_points,
        # The built-in sources take their secrets from `settings` (one seam: socialdesk/sources/preset.py).
        presets=builtin_settings(settings, config),
    )
    # Retries are the outbox's job (it knows Retry-After and pacing); the client must not retry alone.
    slack = WebClient(
        token=settings.slack_bot_token.get_secret_value(),
        base_url=settings.slack_api_url,
        timeout=10,
        retry_handlers=[],
    )
    channels = ChannelDirectory(client=slack, engine=engine)
    outbox = build_outbox(
        engine=engine,
        client=slack,
        channels=channels,
        clock=clock,
        metrics=metrics,
        plugins=plugin_set,
        per_channel_interval=settings.slack_channel_interval,
    )
    # Every transaction that queues through the notifier (claims, replies, the SLA scan...) wakes the
    # sender when it commits: the card update goes out now, not at the worker's next poll.
    notifier = OutboxNotifier(config, on_queued=outbox.wake)
    try:
        pipeline = IngestPipeline(
            engine=engine,
            config=config,
            notifier=notifier,
            clock=clock,
            metrics=metrics,
            triage_model=settings.socialdesk_triage_model,
            lazy_triage=not load_triage,
        )
    except ModelFileError as exc:
        raise StartupError(f"SOCIALDESK_TRIAGE_MODEL: {exc}") from None
    listeners = TrackingExecutor()
    bolt = App(
        client=slack,
        listener_executor=listeners,
        signing_secret=settings.slack_signing_secret.get_secret_value(),
        token_verification_enabled=False,
        process_before_response=False,
        raise_error_for_unhandled_request=False,
    )
    workspace = WorkspaceGuard(client=slack, configured=settings.slack_team_id)
    install_workspace_check(bolt, workspace, metrics)  # before ack_first: a refused request is not acked
    ack_first(bolt)  # HTTP and Socket Mode alike: Slack's ack never waits for a listener thread
    runtime = Runtime(
        settings=settings,
        config=config,
        engine=engine,
        clock=clock,
        metrics=metrics,
        slack=slack,
        channels=channels,
        pipeline=pipeline,
        outbox=outbox,
        bolt=bolt,
        http=Starlette(),
        listeners=listeners,
        foreground=ForegroundFirst(),
        plugins=plugin_set,
        plugin_http=plugin_http,
    )
    plugin_set.refuse_command_names(SOCIAL_USAGE)  # a built-in /social name always means the built-in
    duty = DutyNotices(engine=engine, channel=config.duty_channel, clock=clock, on_queued=runtime.wake_outbox)
    report_to_duty(plugin_set, duty)
    runtime.jobs.update({job.id: job for job in scheduled_plugin_jobs(plugin_set, clock=clock, duty=duty)})
    if plugin_set.observers():
        relay = EventRelay(engine=engine, plugins=plugin_set, clock=clock)
        relay.start()  # observers hear of what happens from now on, not of the whole history
        runtime.jobs["plugin-events"] = Job("plugin-events", relay.run, every_seconds=5)
    work = CaseWork(
        engine=engine,
        config=config,
        clock=clock,
        notifier=notifier,
        schedule_survey=SurveyScheduler(config.surveys),
    )
    roles = RoleDirectory(config.roles, group_members=group_members_via(slack), clock=clock)
    connectors = SourceReplies(plugin_set)
    runtime.reply_connectors = connectors
    replies = ReplyDesk(
        engine=engine,
        config=config,
        clock=clock,
        notifier=notifier,
        connector=connectors,
        agent_name=display_names_via(slack),
        capabilities=connectors.capabilities,
    )
    runtime.replies = replies
    runtime.jobs["reply-recovery"] = Job(
        "reply-recovery", replies.recover, every_seconds=60, leader_only=False
    )
    from socialdesk.sla.scanner import SlaScanner

    scanner = SlaScanner(engine=engine, config=config, clock=clock, notifier=notifier)
    runtime.jobs["sla-scan"] = Job("sla-scan", scanner.scan, every_seconds=60, misfire_grace_seconds=30)
    from socialdesk.digest.service import (
        DigestService,  # imported here: this block is the digest's one anchor
    )
    from socialdesk.periodic import period_job

    # With the workers running (serve), the digest goes out now rather than at the outbox's next pass.
    digests = DigestService(engine=engine, config=config, clock=clock, on_queued=outbox.wake)
    runtime.jobs["digest"] = period_job("digest", digests.send_if_due, clock)
    # wiring: surveys
    from socialdesk.surveys.wiring import (
        build_surveys,  # imported here: this block is the surveys' one anchor
    )

    surveys = build_surveys(
        settings=settings,
        engine=engine,
        config=config,
        clock=clock,
        metrics=metrics,
        notifier=notifier,
        replies=replies,
        reachable=connectors.reachable,
    )
    runtime.jobs.update({job.id: job for job in surveys.jobs})  # sends due surveys; leader-only
    # wiring: crisis playbooks
    crisis = build_crisis(
        settings=settings, engine=engine, config=config, clock=clock, directory=roles, cards=notifier
    )
    runtime.crisis = crisis
    pipeline.crisis_intake = crisis.intake
    if plugin_set.enrichers():
        pipeline.enrichers = EnricherRunner(plugin_set)
    if crisis.desk is not None:
        surveys.service.paused_by = crisis.desk.pausing_crisis
        replies.form.crisis_reply = crisis_reply(lambda: crisis.playbooks, config.timezone)
    runtime.jobs.update({job.id: job for job in crisis.jobs})  # reminders and early warning; leader-only
    # wiring: privacy
    from socialdesk.privacy.wiring import build_privacy  # imported here: this block is privacy's one anchor

    privacy = build_privacy(engine=engine, config=config, clock=clock)
    runtime.jobs.update({job.id: job for job in privacy.jobs})  # the retention purge, nightly; leader-only
    register_all(
        bolt,
        HandlerContext(
            engine=engine,
            config=config,
            clock=clock,
            notifier=notifier,
            work=work,
            roles=roles,
            replies=replies,
            crisis=crisis.desk,
            plugins=plugin_set,
        ),
    )
    runtime.inbox_writer = InboxWriter(engine)
    runtime.foreground.under_pressure(runtime.inbox_writer.backlogged)  # workers step aside harder then
    pipeline.sources = InboxReader(plugin_set)  # inbox rows are read by their source's plugin
    polling = SourcePolling(
        plugins=plugin_set, engine=engine, clock=clock, metrics=metrics, on_stored=runtime.wake_ingest
    )
    runtime.jobs.update({job.id: job for job in polling.jobs()})  # each source's poller; leader-only
    webhooks = WebhookRoutes(
        WebhookDeps(
            plugins=plugin_set,
            engine=engine,
            clock=clock,
            metrics=metrics,
            brand=pipeline.brand,
            on_accepted=runtime.wake_ingest,
            foreground=runtime.foreground,
            inbox_writer=runtime.inbox_writer,
        )
    )
    slack_checks = SlackRequestChecks(settings.slack_signing_secret.get_secret_value(), workspace, metrics)
    # Slack's state on every replica: the leader's own calls, and what the outbox table shows (followers).
    status = SlackStatus(
        engine=engine,
        health=outbox.health,
        clock=clock,
        metrics=metrics,
        is_leader=lambda: runtime.sends_to_slack(),
    )
    runtime.http = Starlette(
        middleware=[body_limits(metrics)],  # every route: bodies over its limit are refused with 413
        routes=[
            bolt_route(bolt, offload=runtime.slack_offload, checks=slack_checks),
            *webhooks.routes(),
            *surveys.routes,
            *ops_routes(
                engine=engine,
                metrics=metrics,
                refresh_gauges=status.snapshot,
                slack_status=status.snapshot,
                plugin_status=lambda: polling.readiness(plugin_set.readiness()),
            ),
        ],
    )
    return runtime
