"""The test set-up: a local Mastodon, and socialdesk's runtime with the plugin (socialdesk.testing)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from mastodon_standin import MastodonStandIn
from socialdesk_mastodon import plugin

from socialdesk.testing import Desk, DeskFactory, ManualClock

TOKEN = "mastodon-test-token-0123"
VIP = "dana@mastodon.social"


@pytest.fixture
def mastodon(socialdesk_clock: ManualClock) -> Iterator[MastodonStandIn]:
    with MastodonStandIn(token=TOKEN, now=socialdesk_clock.now) as server:
        yield server


@pytest.fixture
def env(mastodon: MastodonStandIn) -> dict[str, str]:
    return {
        "SOCIALDESK_MASTODON_BASE_URL": mastodon.url,
        "SOCIALDESK_MASTODON_TOKEN": TOKEN,
        "SOCIALDESK_MASTODON_VIP_HANDLES": f"@{VIP}=gold, lee@fosstodon.org",
        "SOCIALDESK_MASTODON_EXPORT_HOUR": "18",
    }


@pytest.fixture
def desk(socialdesk_desk: DeskFactory, env: dict[str, str]) -> Desk:
    return socialdesk_desk(plugins=[plugin], env=env)
