"""Shared fixtures. Set SOCIALDESK_TEST_DATABASE_URL=postgresql+psycopg://... to run on PostgreSQL."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from hypothesis import settings as hypothesis_settings
from pydantic import SecretStr
from sqlalchemy import Engine

from socialdesk.app import Runtime, build_runtime
from socialdesk.clock import ManualClock
from socialdesk.config import Config, load_config
from socialdesk.samples import sample_config_path
from socialdesk.settings import PROJECT_ROOT, Settings
from socialdesk.standin import SlackStandin
from socialdesk.store.db import make_engine
from socialdesk.store.migrate import upgrade
from tests import support

SAMPLE_CONFIG = sample_config_path()
SHARED_DATA = PROJECT_ROOT.parent / "shared" / "data"
START = datetime(2026, 11, 24, 9, 0, tzinfo=UTC)

# Property tests have no per-example deadline: a deadline is a timing assertion, and on a busy or cold
# machine one slow example (a lexicon or model loading on first use) fails a run that the next run passes.
# Speed is measured in benchmarks/. A failure prints its reproduce blob, for a CI log. `--hypothesis-profile`
# still picks another profile.
hypothesis_settings.register_profile("socialdesk", deadline=None, print_blob=True)
hypothesis_settings.load_profile("socialdesk")


@pytest.hookimpl(trylast=True)
def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """`--dist loadgroup` (our addopts): pytest-xdist 3.8 names a test of an `xdist_group` `<nodeid>@<group>`
    by setting `item._nodeid`, which pytest 9.2 no longer reads (its nodeid comes from `item._id`), so the
    groups were lost and each worker played the demo tour again. Done here when xdist's did not take."""
    if not getattr(config.option, "loadgroup", False):  # set on xdist's workers only
        return
    for item in items:
        marks = item.iter_markers("xdist_group")
        names = sorted({str(m.args[0] if m.args else m.kwargs.get("name", "default")) for m in marks})
        if not names or "@" in item.nodeid:
            continue
        wanted = f"{item.nodeid}@{'_'.join(names)}"
        if hasattr(item, "_id"):
            from _pytest.nodeid import coerce_node_id  # pytest >= 9.2

            item._id = coerce_node_id(wanted)  # type: ignore[attr-defined]
        else:
            item._nodeid = wanted
        assert item.nodeid == wanted, (item.nodeid, wanted)


def pytest_sessionfinish(session: pytest.Session) -> None:
    support.drop_own_databases()  # a worker's private PostgreSQL database, if another run held test_gwN


@pytest.fixture(scope="session")
def _migrated_template(tmp_path_factory: pytest.TempPathFactory) -> str:
    """A migrated database once per session (per pytest-xdist worker): a SQLite file in the worker's own
    temporary folder to copy, or the URL of the worker's own PostgreSQL database (`test_gw0`, ...,
    support.postgres_url), dropped to nothing and migrated."""
    pg = support.postgres_url()
    if pg:
        engine = make_engine(pg)
        from sqlmodel import SQLModel

        import socialdesk.domain.models  # noqa: F401

        with engine.begin() as conn:
            SQLModel.metadata.drop_all(conn)
            conn.exec_driver_sql("DROP TABLE IF EXISTS alembic_version")
        upgrade(engine)
        engine.dispose()
        return pg
    path = tmp_path_factory.mktemp("template") / "template.db"
    engine = make_engine(f"sqlite:///{path}")
    upgrade(engine)
    engine.dispose()
    return str(path)


@pytest.fixture
def database_url(_migrated_template: str, tmp_path: Path) -> Iterator[str]:
    if support.postgres_url():
        engine = make_engine(_migrated_template)
        support.truncate_all(engine)
        engine.dispose()
        yield _migrated_template
        return
    target = tmp_path / "socialdesk.db"
    shutil.copy(_migrated_template, target)
    yield f"sqlite:///{target}"


@pytest.fixture
def engine(database_url: str) -> Iterator[Engine]:
    eng = make_engine(database_url)
    yield eng
    eng.dispose()


@pytest.fixture
def config() -> Config:
    return load_config(SAMPLE_CONFIG)


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock(START)


@pytest.fixture
def standin() -> Iterator[SlackStandin]:
    with SlackStandin(token=support.BOT_TOKEN) as server:
        yield server


def make_settings(database_url: str, slack_api_url: str) -> Settings:
    return Settings.model_validate(
        {
            "DATABASE_URL": database_url,
            "SLACK_BOT_TOKEN": SecretStr(support.BOT_TOKEN),
            "SLACK_SIGNING_SECRET": SecretStr(support.SIGNING_SECRET),
            "SLACK_API_URL": slack_api_url,
            "WEBHOOK_SECRET": SecretStr(support.WEBHOOK_SECRET),
            "META_APP_SECRET": SecretStr(support.META_APP_SECRET),
            "META_VERIFY_TOKEN": SecretStr(support.META_VERIFY_TOKEN),
            "X_CONSUMER_SECRET": SecretStr(support.X_CONSUMER_SECRET),
            "SOCIALDESK_CONFIG": str(SAMPLE_CONFIG),
        }
    )


@pytest.fixture
def runtime(
    database_url: str, standin: SlackStandin, clock: ManualClock, config: Config
) -> Iterator[Runtime]:
    rt = build_runtime(make_settings(database_url, standin.url), clock=clock, config=config, migrate=False)
    yield rt
    rt.close()


@pytest.fixture
def server(runtime: Runtime) -> Iterator[str]:
    with support.live_server(runtime.http) as url:
        yield url
