"""Circulation across real processes: one loan per item, nothing half-written."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from kiosk.config import Config
from kiosk.store import Store
from tests.conftest import REPO
from tests.unit.circ_helpers import FakeClock, add_item, add_patron, services


def child(db: Path, patron: str, barcode: str, hold: float = 0.0) -> subprocess.Popen[str]:
    args = [sys.executable, "-m", "tests.unit.circ_child", str(db), patron, barcode]
    if hold:
        args.append(str(hold))
    proc = subprocess.Popen(
        args, cwd=REPO, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True
    )
    assert proc.stdout is not None
    assert proc.stdout.readline().strip() == "ready"
    return proc


def go(proc: subprocess.Popen[str]) -> None:
    assert proc.stdin is not None
    proc.stdin.write("go\n")
    proc.stdin.flush()


def finish(proc: subprocess.Popen[str]) -> str:
    out, _ = proc.communicate(timeout=30)
    assert proc.returncode == 0
    return out.strip().splitlines()[-1]


def open_loans(store: Store) -> list[tuple[int, int]]:
    rows = store.conn.execute(
        "SELECT item_id, patron_id FROM loans WHERE returned_at IS NULL ORDER BY item_id"
    ).fetchall()
    return [(r["item_id"], r["patron_id"]) for r in rows]


def test_two_processes_same_item_same_moment_one_loan(store: Store) -> None:
    one, two = add_patron(store, "M-1"), add_patron(store, "M-2")
    barcodes = [f"I-{n}" for n in range(4)]
    for code in barcodes:
        add_item(store, code)
    db = Path(store.path)
    for code in barcodes:
        procs = [child(db, one, code), child(db, two, code)]
        for proc in procs:  # both are waiting on stdin: release them together
            go(proc)
        outcomes = sorted(finish(p) for p in procs)
        assert outcomes[0].startswith("ok "), outcomes
        assert outcomes[1] == "refused circulation.item_on_loan", outcomes
    assert len(open_loans(store)) == len(barcodes)


def test_second_process_waits_for_the_first_then_is_refused(store: Store) -> None:
    one, two = add_patron(store, "M-1"), add_patron(store, "M-2")
    add_item(store, "I-1")
    db = Path(store.path)
    first = child(db, one, "I-1", hold=1.0)
    second = child(db, two, "I-1")
    go(first)
    assert first.stdout is not None
    assert first.stdout.readline().strip() == "written"  # inside its open transaction
    go(second)  # blocks on BEGIN IMMEDIATE until the first commits
    assert finish(first).startswith("ok")
    assert finish(second) == "refused circulation.item_on_loan"
    assert open_loans(store) == [(1, int(one))]


def test_kill_9_in_the_middle_of_a_checkout_leaves_no_half_written_loan(
    store: Store, default_config: Config
) -> None:
    ref = add_patron(store, "M-1")
    add_item(store, "I-1")
    proc = child(Path(store.path), ref, "I-1", hold=60.0)
    go(proc)
    assert proc.stdout is not None
    assert proc.stdout.readline().strip() == "written"  # loan row and item status written
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait(timeout=10)
    assert proc.returncode == -signal.SIGKILL
    proc.stdout.close()
    proc.stdin.close()  # type: ignore[union-attr]
    # A fresh connection sees the state from before the checkout, and can write.
    fresh = Store(store.path)
    try:
        assert open_loans(fresh) == []
        assert fresh.conn.execute("SELECT status FROM items").fetchone()[0] == "available"
        assert fresh.conn.execute("SELECT count(*) FROM usage_counters").fetchone()[0] == 0
        svc = services(fresh, default_config, FakeClock())
        assert svc.circulation.checkout(ref, "I-1").barcode == "I-1"
        assert len(open_loans(fresh)) == 1
    finally:
        fresh.close()


def test_the_database_refuses_a_second_open_loan_whatever_writes_it(store: Store) -> None:
    ref = add_patron(store, "M-1")
    item = add_item(store, "I-1")
    insert = (
        "INSERT INTO loans (item_id, patron_id, checked_out_at, due_at) VALUES (?, ?, 'x', 'y')"
    )
    store.conn.execute(insert, [item, int(ref)])
    with pytest.raises(sqlite3.IntegrityError):
        store.conn.execute(insert, [item, int(ref)])
