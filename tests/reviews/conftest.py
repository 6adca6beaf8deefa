"""The core's review tests: the one-answer "shop" store's stand-in and socialdesk with its plugin."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from socialdesk.testing import Desk, DeskFactory
from tests.reviews.shop import ShopSource, ShopStandIn, shop_plugin


@pytest.fixture
def store() -> Iterator[ShopStandIn]:
    with ShopStandIn() as server:
        yield server


@pytest.fixture
def shop(store: ShopStandIn) -> ShopSource:
    return ShopSource(store.url)


@pytest.fixture
def desk(socialdesk_desk: DeskFactory, shop: ShopSource) -> Desk:
    return socialdesk_desk(plugins=[shop_plugin(shop)])
