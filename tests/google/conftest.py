"""Google's tests: the token endpoint, Business Profile and Play stand-ins on the test's clock, a service
account key made for the test, and socialdesk with the google_business and google_play plugins."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from socialdesk.clock import ManualClock
from socialdesk.sources import google_business, google_play
from socialdesk.sources.google_business.samples import LOCATION
from socialdesk.sources.google_play.samples import PACKAGE
from socialdesk.standin.platforms.google_api import GoogleTokenStandIn, KeyFile, service_account_key
from socialdesk.standin.platforms.google_business_api import GoogleBusinessStandIn
from socialdesk.standin.platforms.google_play_api import GooglePlayStandIn
from socialdesk.testing import Desk, DeskFactory

LABEL = "Main Street"


@pytest.fixture
def oauth(socialdesk_clock: ManualClock) -> Iterator[GoogleTokenStandIn]:
    with GoogleTokenStandIn(now=socialdesk_clock.now) as server:
        yield server


@pytest.fixture
def key(oauth: GoogleTokenStandIn, tmp_path: Path) -> KeyFile:
    made = service_account_key(tmp_path, token_url=oauth.token_url)
    oauth.add_account(made.client_email, made.public_pem)
    return made


@pytest.fixture
def business(socialdesk_clock: ManualClock, oauth: GoogleTokenStandIn) -> Iterator[GoogleBusinessStandIn]:
    with GoogleBusinessStandIn(now=socialdesk_clock.now, tokens=oauth) as server:
        server.add_location(LOCATION)
        yield server


@pytest.fixture
def play(socialdesk_clock: ManualClock, oauth: GoogleTokenStandIn) -> Iterator[GooglePlayStandIn]:
    with GooglePlayStandIn(now=socialdesk_clock.now, tokens=oauth) as server:
        server.add_app(PACKAGE)
        yield server


@pytest.fixture
def env(
    key: KeyFile, oauth: GoogleTokenStandIn, business: GoogleBusinessStandIn, play: GooglePlayStandIn
) -> dict[str, str]:
    return {
        "GOOGLE_SERVICE_ACCOUNT_FILE": str(key.path),
        "GOOGLE_TOKEN_URL": oauth.token_url,
        "GOOGLE_BUSINESS_API_URL": business.url,
        "GOOGLE_BUSINESS_LOCATIONS": f"{LOCATION}={LABEL}",
        "GOOGLE_PLAY_API_URL": play.url,
        "GOOGLE_PLAY_PACKAGES": PACKAGE,
    }


@pytest.fixture
def desk(socialdesk_desk: DeskFactory, env: dict[str, str]) -> Desk:
    return socialdesk_desk(plugins=[google_business.plugin, google_play.plugin], env=env)
