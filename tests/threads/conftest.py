"""Threads' tests: the local Threads API on the test's clock, and socialdesk with the threads plugin."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest

from socialdesk.clock import ManualClock
from socialdesk.sources import meta, threads
from socialdesk.sources.meta.verify import sign_meta
from socialdesk.standin.platforms.threads_api import ThreadsApiStandIn
from socialdesk.testing import Desk, DeskFactory

USER_ID = "27000000000000001"  # the brand's Threads account (the samples' root_post.owner_id)
TOKEN = "threads-test-token-0123"
APP_SECRET = "meta-app-secret-for-threads"
VERIFY_TOKEN = "verify-me"


def signed(payload: dict[str, Any], secret: str = APP_SECRET) -> tuple[bytes, dict[str, str]]:
    body = json.dumps(payload).encode()
    return body, {"Content-Type": "application/json", **sign_meta(body, secret)}


@pytest.fixture
def api(socialdesk_clock: ManualClock) -> Iterator[ThreadsApiStandIn]:
    now = socialdesk_clock.now
    with ThreadsApiStandIn(now=lambda: now().timestamp(), user_id=USER_ID, access_token=TOKEN) as server:
        yield server


@pytest.fixture
def env(api: ThreadsApiStandIn) -> dict[str, str]:
    return {
        "THREADS_USER_ID": USER_ID,
        "THREADS_TOKEN": TOKEN,
        "THREADS_API_URL": api.base_url,
        "META_APP_SECRET": APP_SECRET,
        "META_VERIFY_TOKEN": VERIFY_TOKEN,
        "THREADS_POLL_SECONDS": "60",
    }


@pytest.fixture
def desk(socialdesk_desk: DeskFactory, env: dict[str, str]) -> Desk:
    return socialdesk_desk(plugins=[threads.plugin], env=env)


@pytest.fixture
def meta_desk(socialdesk_desk: DeskFactory, env: dict[str, str]) -> Desk:
    """The Meta source too, with the same app secret: it owns `/webhooks/meta`."""
    return socialdesk_desk(
        plugins=[meta.plugin, threads.plugin],
        env=env,
        META_APP_SECRET=APP_SECRET,
        META_VERIFY_TOKEN=VERIFY_TOKEN,
    )
