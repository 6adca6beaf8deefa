"""The built-in Threads plugin: entry point `socialdesk.sources.threads:plugin`.

Webhooks (Meta's Threads webhooks, fields `replies` and `mentions`) at `/webhooks/threads` and on the
shared `/webhooks/meta`; a poller of the mentions and conversation edges where webhooks are not set up;
replies created and published in Threads' two steps. Settings: see `settings.py`; without
`THREADS_USER_ID` and `THREADS_TOKEN` the plugin is off.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import timedelta

from socialdesk.plugins.plugin import Contribution, Plugin, PluginHost, PluginOff
from socialdesk.sources.settings_base import present
from socialdesk.sources.threads.api import ThreadsApi
from socialdesk.sources.threads.normalize import ThreadsNormalizer
from socialdesk.sources.threads.poller import ThreadsPolling
from socialdesk.sources.threads.replies import ThreadsReplyConnector
from socialdesk.sources.threads.settings import ThreadsSettings
from socialdesk.sources.threads.source import ThreadsSource


def build_threads(settings: ThreadsSettings, host: PluginHost) -> ThreadsSource:
    token = present(settings.threads_token)
    user_id = settings.threads_user_id
    if token is None or user_id is None:
        raise PluginOff("THREADS_USER_ID and THREADS_TOKEN are not set")
    api = ThreadsApi(host.http, api_url=settings.threads_api_url, token=token)
    normalizer = ThreadsNormalizer(user_id)
    every = settings.poll_every()
    poller = (
        ThreadsPolling(api, user_id=user_id, every=timedelta(seconds=every), normalizer=normalizer)
        if every > 0
        else None
    )
    return ThreadsSource(
        settings,
        connector=ThreadsReplyConnector(api, user_id=user_id),
        poller=poller,
        normalizer=normalizer,
        now=host.now,
    )


def _build(settings: ThreadsSettings, host: PluginHost) -> Iterable[Contribution]:
    return [build_threads(settings, host)]


plugin = Plugin(
    name="threads",
    version="1.0",
    build=_build,
    settings=ThreadsSettings,
    env_prefix="",  # THREADS_USER_ID, THREADS_TOKEN, THREADS_API_URL, META_APP_SECRET, META_VERIFY_TOKEN
    description="Threads: replies and mentions by webhook or poller, two-step replies",
)

__all__ = ["ThreadsSettings", "ThreadsSource", "build_threads", "plugin"]
