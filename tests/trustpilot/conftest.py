"""Trustpilot tests: the local API stand-in on the test clock, and socialdesk with the trustpilot plugin."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from socialdesk.clock import ManualClock
from socialdesk.sources import trustpilot
from socialdesk.standin.platforms.trustpilot_api import TrustpilotStandIn
from socialdesk.testing import Desk, DeskFactory


@pytest.fixture
def api(socialdesk_clock: ManualClock) -> Iterator[TrustpilotStandIn]:
    with TrustpilotStandIn(now=socialdesk_clock.now) as server:
        yield server


@pytest.fixture
def env(api: TrustpilotStandIn) -> dict[str, str]:
    return {
        "TRUSTPILOT_API_KEY": api.api_key,
        "TRUSTPILOT_API_SECRET": api.api_secret,
        "TRUSTPILOT_BUSINESS_UNIT_ID": api.business_unit_id,
        "TRUSTPILOT_BUSINESS_USER_ID": api.business_user_id,
        "TRUSTPILOT_API_URL": api.url,
        "TRUSTPILOT_TOKEN_URL": api.token_url,
    }


@pytest.fixture
def desk(socialdesk_desk: DeskFactory, env: dict[str, str]) -> Desk:
    return socialdesk_desk(plugins=[trustpilot.plugin], env=env)
