"""Prometheus metrics, one registry per runtime, so tests and several apps in one process never collide."""

from __future__ import annotations

from dataclasses import dataclass, field

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram


@dataclass
class Metrics:
    registry: CollectorRegistry = field(default_factory=CollectorRegistry)

    def __post_init__(self) -> None:
        r = self.registry
        self.webhook_requests = Counter(
            "socialdesk_webhook_requests_total",
            "Inbound webhook requests by source and outcome",
            ["source", "outcome"],  # accepted, duplicate, malformed, forged, stale, challenge
            registry=r,
        )
        self.mentions = Counter(
            "socialdesk_mentions_total",
            "Mentions normalized, by platform and result",
            ["platform", "result"],
            registry=r,
        )
        self.inbox_processed = Counter(
            "socialdesk_inbox_processed_total", "Inbox items processed by outcome", ["status"], registry=r
        )
        self.worker_restarts = Counter(
            "socialdesk_worker_process_restarts_total",
            "Worker processes of serve that died and were replaced",
            ["process"],  # ingest
            registry=r,
        )
        self.outbox_sent = Counter(
            "socialdesk_outbox_sent_total", "Slack calls made through the outbox", ["method"], registry=r
        )
        self.outbox_retries = Counter(
            "socialdesk_outbox_retries_total", "Slack calls retried, by reason", ["reason"], registry=r
        )
        self.outbox_dead = Counter(
            "socialdesk_outbox_dead_total",
            "Slack calls given up with a permanent error",
            ["error"],
            registry=r,
        )
        self.outbox_pending = Gauge(
            "socialdesk_outbox_pending", "Slack calls waiting in the outbox", registry=r
        )
        self.outbox_oldest_pending_seconds = Gauge(
            "socialdesk_outbox_oldest_pending_seconds",
            "Age of the oldest Slack post waiting for nothing but Slack (0 when none)",
            registry=r,
        )
        self.slack_state = Gauge(
            "socialdesk_slack_state", "Slack as the outbox sees it: 0 ok, 1 degraded, -1 unknown", registry=r
        )
        self.slack_errors = Counter(
            "socialdesk_slack_errors_total",
            "Errors answered by the Slack Web API",
            ["method", "error"],
            registry=r,
        )
        self.ingest_latency = Histogram(
            "socialdesk_webhook_seconds",
            "Time to accept a webhook request",
            ["source"],
            registry=r,
            buckets=(0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1.0),
        )
        self.leader = Gauge(
            "socialdesk_leader",
            "1 while this process is the scheduler leader and runs the leader-only jobs, else 0",
            registry=r,
        )
        self.requests_refused = Counter(
            "socialdesk_requests_refused_total",
            "Requests refused before any listener or route ran, by route and reason",
            ["route", "reason"],  # too_large, forged, replayed, retry, other_workspace, workspace_unknown
            registry=r,
        )
        self.plugin_errors = Counter(
            "socialdesk_plugin_errors_total",
            "Plugin hooks that raised (the plugin is switched off), by plugin and hook",
            ["plugin", "hook"],
            registry=r,
        )
        self.plugins = Gauge(
            "socialdesk_plugins", "Installed plugins by status (active, off, failed)", ["status"], registry=r
        )
        self.poller_runs = Counter(
            "socialdesk_poller_runs_total",
            "Poller runs by source and outcome",
            ["source", "outcome"],
            registry=r,
        )
