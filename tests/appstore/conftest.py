"""App Store tests: a key pair made for the run (its private half as the .p8 file socialdesk reads, its
public half in the App Store Connect stand-in), the stand-in on the test's clock, and socialdesk with the
appstore plugin."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec

from socialdesk.clock import ManualClock
from socialdesk.sources import appstore
from socialdesk.standin.platforms.appstore_api import AppStoreStandIn, new_key_pair
from socialdesk.testing import Desk, DeskFactory

APP = "1488977981"
KEY_ID = "2X9R4HXF34"
ISSUER = "57246542-96fe-1a63-e053-0824d011072a"
KeyPair = tuple[ec.EllipticCurvePrivateKey, ec.EllipticCurvePublicKey]


def write_p8(key: ec.EllipticCurvePrivateKey, path: Path) -> Path:
    path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )
    )
    return path


@pytest.fixture
def key_pair() -> KeyPair:
    return new_key_pair()


@pytest.fixture
def asc(socialdesk_clock: ManualClock, key_pair: KeyPair) -> Iterator[AppStoreStandIn]:
    with AppStoreStandIn(
        now=socialdesk_clock.now, public_key=key_pair[1], key_id=KEY_ID, issuer_id=ISSUER, apps=(APP,)
    ) as server:
        yield server


@pytest.fixture
def env(
    asc: AppStoreStandIn,
    key_pair: KeyPair,
    tmp_path: Path,
) -> dict[str, str]:
    return {
        "APPSTORE_ISSUER_ID": ISSUER,
        "APPSTORE_KEY_ID": KEY_ID,
        "APPSTORE_PRIVATE_KEY_FILE": str(write_p8(key_pair[0], tmp_path / f"AuthKey_{KEY_ID}.p8")),
        "APPSTORE_APP_IDS": APP,
        "APPSTORE_API_URL": asc.url,
    }


@pytest.fixture
def desk(socialdesk_desk: DeskFactory, env: dict[str, str]) -> Desk:
    return socialdesk_desk(plugins=[appstore.plugin], env=env)
