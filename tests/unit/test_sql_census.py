"""The opt-in SQL census (socialdesk.store.sql_census): counts by stage, written where a reader sums them."""

from __future__ import annotations

import os
import threading
from pathlib import Path

import pytest
from sqlalchemy import text

from socialdesk.store import sql_census
from socialdesk.store.db import make_engine
from socialdesk.store.sql_census import Census, read_folder


def test_counts_statements_and_commits_by_the_stage_that_ran_them(tmp_path: Path) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'c.db'}")
    census = Census(tmp_path, dump_seconds=None)
    census.watch(engine)
    with engine.begin() as conn:
        conn.execute(text("CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT)"))

    def ingest() -> None:  # a thread named like the ingest worker's loop (bot/workers.py)
        with engine.begin() as conn:
            conn.execute(text("INSERT INTO t (v) VALUES ('a')"))
            conn.execute(text("SELECT v FROM t"))

    worker = threading.Thread(target=ingest, name="ingest")
    worker.start()
    worker.join()
    with census.stage("outbox"), engine.begin() as conn:
        conn.execute(text("UPDATE t SET v = 'b'"))
    engine.dispose()

    assert census.totals["ingest"] == {"statements": 2, "commits": 1, "begins": 1}
    assert census.statements["ingest"] == {"INSERT t": 1, "SELECT t": 1}
    assert census.totals["outbox"] == {"statements": 1, "commits": 1, "begins": 1}
    assert census.statements["other"] == {"CREATE -": 1}  # this thread, no stage declared


def test_a_reader_sums_the_files_of_every_process(tmp_path: Path) -> None:
    first, second = Census(tmp_path, dump_seconds=None), Census(tmp_path, dump_seconds=None)
    first.count("statements", "SELECT inbox")
    first.dump()
    (tmp_path / f"census-{os.getpid()}.json").rename(tmp_path / "census-1.json")  # as another process's
    second.count("statements", "SELECT inbox")
    second.count("commits")
    second.dump()

    totals, statements = read_folder(tmp_path)

    assert totals["other"] == {"statements": 2, "commits": 1}
    assert statements["other"] == {"SELECT inbox": 2}


def test_off_without_the_variable(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(sql_census.ENV, raising=False)

    def job() -> int:
        return 7

    assert sql_census.census() is None
    assert sql_census.tagged("job:x", job) is job  # the scheduler calls the job itself, nothing around it
