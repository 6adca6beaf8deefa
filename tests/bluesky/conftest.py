"""Bluesky's tests: the local PDS stand-in on the test's clock, and socialdesk with the bluesky plugin."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from socialdesk.clock import ManualClock
from socialdesk.sources import bluesky
from socialdesk.standin.platforms.bluesky_api import BlueskyStandIn
from socialdesk.testing import Desk, DeskFactory

HANDLE = "acme.bsky.social"
APP_PASSWORD = "abcd-efgh-ijkl-mnop"


@pytest.fixture
def pds(socialdesk_clock: ManualClock) -> Iterator[BlueskyStandIn]:
    with BlueskyStandIn(now=socialdesk_clock.now, handle=HANDLE, app_password=APP_PASSWORD) as server:
        yield server


@pytest.fixture
def env(pds: BlueskyStandIn) -> dict[str, str]:
    return {
        "BLUESKY_HANDLE": HANDLE,
        "BLUESKY_APP_PASSWORD": APP_PASSWORD,
        "BLUESKY_SERVICE_URL": pds.url,
    }


@pytest.fixture
def desk(socialdesk_desk: DeskFactory, env: dict[str, str]) -> Desk:
    return socialdesk_desk(plugins=[bluesky.plugin], env=env)
