"""The in-process SQLite write gate: one write transaction at a time, urgent ones first, released by the
commit or rollback itself, and never a hang (a timeout lets the transaction go on to SQLite's lock)."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.exc import OperationalError

from socialdesk.store.db import make_engine, write_gate, writer
from socialdesk.store.write_gate import WriteGate


def _waiter(
    gate: WriteGate, key: int, urgent: bool, order: list[int], started: threading.Event
) -> threading.Thread:
    def run() -> None:
        started.set()
        if gate.enter(key, urgent=urgent):
            order.append(key)
            gate.leave(key)

    thread = threading.Thread(target=run)
    thread.start()
    return thread


def test_an_urgent_writer_goes_before_background_work_already_waiting() -> None:
    gate = WriteGate(timeout=5)
    assert gate.enter(1, urgent=False)
    order: list[int] = []
    background_started, urgent_started = threading.Event(), threading.Event()
    background = _waiter(gate, 2, False, order, background_started)
    background_started.wait(5)
    urgent = _waiter(gate, 3, True, order, urgent_started)
    urgent_started.wait(5)
    # Both are queued once the urgent one counts as waiting; then the holder leaves.
    while not gate._urgent_waiting:  # sleep-ok: a busy wait on another thread's state, bounded below
        threading.Event().wait(0.001)  # sleep-ok: polling another thread
    gate.leave(1)
    background.join(5)
    urgent.join(5)
    assert order == [3, 2]


def test_a_gate_not_freed_in_time_lets_the_caller_go_on() -> None:
    gate = WriteGate(timeout=0.05)
    assert gate.enter(1, urgent=False)
    assert gate.enter(2, urgent=True) is False  # the same as SQLite's busy timeout: no hang
    gate.leave(2)  # a key that does not hold the gate changes nothing
    assert gate.held


@pytest.mark.parametrize("ending", ["commit", "rollback", "error"])
def test_a_write_transaction_holds_the_gate_until_it_ends(tmp_path: Path, ending: str) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'gate.db'}")
    gate = write_gate(engine)
    assert gate is not None
    with engine.begin() as conn:
        conn.execute(text("CREATE TABLE t (x INTEGER)"))
    try:
        with writer(engine).connect() as conn:
            conn.begin()
            conn.execute(text("INSERT INTO t VALUES (1)"))
            assert gate.held
            if ending == "commit":
                conn.commit()
            elif ending == "rollback":
                conn.rollback()
            else:
                with pytest.raises(OperationalError):
                    conn.execute(text("INSERT INTO missing VALUES (1)"))
                conn.rollback()
            assert not gate.held
        with engine.connect() as conn:  # a read takes no gate
            conn.execute(text("SELECT count(*) FROM t")).scalar_one()
            assert not gate.held
    finally:
        engine.dispose()


def test_postgresql_engines_have_no_gate() -> None:
    engine = make_engine("postgresql+psycopg://postgres@127.0.0.1:5432/none")
    assert write_gate(engine) is None
