"""The pytest plugin of `socialdesk.testing`, registered with the entry point group `pytest11`.

Every fixture is named `socialdesk_*`, so none shadows a fixture of the project using it; nothing heavy is
imported and nothing is started until a test asks for a fixture. Disable it with `-p no:socialdesk`.

- `socialdesk_clock`: a `ManualClock` at `socialdesk.testing.START`;
- `socialdesk_slack`: the Slack stand-in, started (a real HTTP server on 127.0.0.1);
- `socialdesk_database_url`: an SQLite database in `tmp_path`, migrated (a copy of one per session);
- `socialdesk_desk`: a `DeskFactory`: `socialdesk_desk(plugins=[plugin], env={...})` is a `Desk`.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:
    from socialdesk.clock import ManualClock
    from socialdesk.standin import SlackStandin
    from socialdesk.testing.desk import DeskFactory


@pytest.fixture(scope="session")
def socialdesk_database_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """An SQLite file migrated to socialdesk's current schema, once per session (each test copies it)."""
    from socialdesk.store.db import make_engine
    from socialdesk.store.migrate import upgrade

    path = tmp_path_factory.mktemp("socialdesk-template") / "socialdesk.db"
    engine = make_engine(f"sqlite:///{path}")
    try:
        upgrade(engine)
    finally:
        engine.dispose()
    return path


@pytest.fixture
def socialdesk_database_url(socialdesk_database_template: Path, tmp_path: Path) -> str:
    target = tmp_path / "socialdesk.db"
    shutil.copy(socialdesk_database_template, target)
    return f"sqlite:///{target}"


@pytest.fixture
def socialdesk_clock() -> ManualClock:
    from socialdesk.clock import ManualClock
    from socialdesk.testing.desk import START

    return ManualClock(START)


@pytest.fixture
def socialdesk_slack() -> Iterator[SlackStandin]:
    from socialdesk.standin import SlackStandin
    from socialdesk.testing.signing import BOT_TOKEN

    with SlackStandin(token=BOT_TOKEN) as slack:
        yield slack


@pytest.fixture
def socialdesk_desk(
    socialdesk_database_url: str, socialdesk_slack: SlackStandin, socialdesk_clock: ManualClock
) -> Iterator[DeskFactory]:
    from socialdesk.testing.desk import DeskFactory

    factory = DeskFactory(
        database_url=socialdesk_database_url, slack=socialdesk_slack, clock=socialdesk_clock
    )
    try:
        yield factory
    finally:
        factory.close()
