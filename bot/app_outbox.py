"""Composition of the outbox: its table of renderers, filled by the features that queue Slack messages,
and the sender over Slack's WebClient. Called by `build_runtime` (bot/app.py)."""

from __future__ import annotations

from typing import Any

from slack_sdk import WebClient
from sqlalchemy import Engine

from socialdesk.clock import Clock
from socialdesk.crisis.review_chart import png_from_json
from socialdesk.crisis.review_post import CHART_RENDERER
from socialdesk.metrics import Metrics
from socialdesk.outbox.queue import RENDER_DIGEST_CHART
from socialdesk.outbox.renderers import RenderTable
from socialdesk.outbox.sender import OutboxSender
from socialdesk.outbox.upload import FileUploads
from socialdesk.plugin_host.registry import PluginSet
from socialdesk.plugin_host.sections import with_sections
from socialdesk.slack.blocks.digest_chart import chart_from_json, render_png
from socialdesk.slack.renderers import register_slack_renderers
from socialdesk.slack.transport.channels import ChannelDirectory
from socialdesk.slack.transport.outbox_api import SlackCalls


def _digest_png(data: Any) -> bytes:
    return render_png(chart_from_json(data))


def build_render_table(*, engine: Engine, api: SlackCalls, plugins: PluginSet) -> RenderTable:
    """Every kind the features queue: the case card family (its view decorated with the plugins' card
    sections before the pure renderer draws it), SLA alerts, roll-ups, and the chart uploads."""
    table = RenderTable()
    register_slack_renderers(table, decorate_card=lambda view, case: with_sections(plugins, view, case))
    uploads = FileUploads(engine=engine, api=api)
    uploads.register_chart("digest", _digest_png)
    uploads.register_chart(CHART_RENDERER, png_from_json)
    table.register_delivery(RENDER_DIGEST_CHART, uploads)
    return table


def build_outbox(
    *,
    engine: Engine,
    client: WebClient,
    channels: ChannelDirectory,
    clock: Clock,
    metrics: Metrics,
    plugins: PluginSet,
    per_channel_interval: float = 1.0,
) -> OutboxSender:
    api = SlackCalls(client, channels)
    return OutboxSender(
        engine=engine,
        api=api,
        renderers=build_render_table(engine=engine, api=api, plugins=plugins),
        clock=clock,
        metrics=metrics,
        per_channel_interval=per_channel_interval,
    )
