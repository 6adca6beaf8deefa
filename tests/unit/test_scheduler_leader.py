"""`socialdesk.leader` without PostgreSQL: SQLite is one process and always the leader, and an unreachable
database leaves the process a follower rather than crashing it. The PostgreSQL election itself is
tested in tests/integration/test_scheduler_replicas.py."""

from __future__ import annotations

from pathlib import Path

import pytest

from socialdesk.leader import LOCK_KEY, LeaderElector
from socialdesk.metrics import Metrics


def gauge(metrics: Metrics) -> float | None:
    return metrics.registry.get_sample_value("socialdesk_leader")


def test_on_sqlite_the_process_is_the_leader_from_start_to_stop(tmp_path: Path) -> None:
    metrics = Metrics()
    changes: list[bool] = []
    elector = LeaderElector(f"sqlite:///{tmp_path / 'x.db'}", metrics=metrics, on_change=changes.append)
    assert elector.single_process
    assert elector.is_leader() is False and gauge(metrics) == 0
    elector.start()
    assert elector.is_leader() is True and gauge(metrics) == 1
    assert elector.step() is True
    elector.stop()
    assert elector.is_leader() is False and gauge(metrics) == 0
    assert changes == [True, False]  # one call per change, not per step


def test_an_unreachable_postgres_leaves_the_process_a_follower() -> None:
    metrics = Metrics()
    # Port 1 on localhost refuses at once: no server, no waiting.
    elector = LeaderElector("postgresql+psycopg://nobody@127.0.0.1:1/none", metrics=metrics)
    assert elector.single_process is False
    assert elector.step() is False
    assert elector.step() is False  # and again on the next retry, still without raising
    assert gauge(metrics) == 0
    elector.stop()


def test_the_lock_key_is_fixed_and_fits_a_bigint() -> None:
    # Every replica must agree on it; changing it splits old and new versions into two leaders.
    assert LOCK_KEY == 8317976341033804907  # "socialdk"
    assert 0 < LOCK_KEY < 2**63
    with pytest.raises(ValueError, match="bigint"):
        LeaderElector("sqlite://", lock_key=2**63)
