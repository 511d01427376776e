"""Print job records: one row per job, closed once with its outcome and the filament
used; no patron id; the migration keeps what fits of the first schema's rows."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from kiosk import bootstrap
from kiosk.bus import EventBus
from kiosk.config import Config, PrintingSection
from kiosk.domain.events import PrintCancelled, PrintDone
from kiosk.printing.filament import grams
from kiosk.printing.records import PrintJobRecords
from kiosk.store import MIGRATIONS, Store, migrate
from kiosk.timeutil import to_db


class Clock:
    def __init__(self) -> None:
        self.now = datetime(2026, 12, 7, 1, 0, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.now


@pytest.fixture
def records(store: Store) -> PrintJobRecords:
    return PrintJobRecords(store, PrintingSection(), "maker-1", Clock())


def test_filament_grams_from_length_diameter_and_density() -> None:
    # One metre of 1.75 mm PLA: 2405.3 mm3, 1.24 g/cm3 -> 2.98 g.
    assert grams(1000.0, 1.75, 1.24) == pytest.approx(2.983, abs=0.001)


def test_a_job_is_opened_then_closed_once_with_filament(records: PrintJobRecords) -> None:
    clock = records.clock
    assert isinstance(clock, Clock)
    opened = records.started("printer-1", "cube.gcode", None, "usb", 1800, 2000.0)
    assert opened.outcome is None and opened.ended_at is None
    assert opened.filament_g == pytest.approx(round(grams(2000.0, 1.75, 1.24), 2))
    assert records.open_job("printer-1") == opened
    clock.now += timedelta(minutes=31)
    done = records.ended("printer-1", "done", 100.0)
    assert done is not None
    assert (done.outcome, done.filament_mm, done.kiosk_id) == ("done", 2000.0, "maker-1")
    assert done.ended_at == clock.now
    assert records.open_job("printer-1") is None
    assert records.ended("printer-1", "failed") is None  # nothing open: nothing changes
    assert records.recent() == [done]


def test_an_unfinished_job_counts_the_part_printed(records: PrintJobRecords) -> None:
    records.started("printer-1", "benchy.gcode", None, "host", 5400, 5000.0)
    cancelled = records.ended("printer-1", "cancelled", 40.0)
    assert cancelled is not None and cancelled.filament_mm == pytest.approx(2000.0)
    records.started("printer-1", "benchy.gcode", None, "host", 5400, 5000.0)
    failed = records.ended("printer-1", "failed", None)
    assert failed is not None and failed.filament_mm is None and failed.filament_g is None


def test_a_job_left_open_is_closed_as_unknown_by_the_next(records: PrintJobRecords) -> None:
    first = records.started("printer-1", "a.gcode", None, "usb", 600, 1000.0)
    assert first.filament_mm == 1000.0  # the estimate while it runs
    records.started("printer-1", "b.gcode", None, "usb")
    again = records.get(first.id)
    assert again is not None and again.outcome == "unknown"
    # How much printed is not known: no figure, as for a failure of unknown extent.
    assert (again.filament_mm, again.filament_g) == (None, None)
    with pytest.raises(ValueError, match="source"):
        records.started("printer-1", "c.gcode", None, "floppy")


def test_a_start_that_never_happened_is_forgotten(records: PrintJobRecords) -> None:
    row = records.started("printer-1", "a.gcode", None, "usb")
    records.forget(row.id)
    assert records.open_job("printer-1") is None and records.get(row.id) is None
    done = records.started("printer-1", "a.gcode", None, "usb")
    records.ended("printer-1", "done")
    records.forget(done.id)  # an ended job is history: kept
    assert records.get(done.id) is not None


def test_no_patron_id_and_one_open_job_per_printer(store: Store) -> None:
    columns = store.db["print_jobs"].columns_dict
    assert "patron_id" not in columns
    assert {"booking_id", "kiosk_id", "outcome", "filament_mm", "filament_g"} <= set(columns)
    now = to_db(datetime.now(UTC))
    insert = (
        "INSERT INTO print_jobs (resource_id, kiosk_id, file_name, started_at) "
        "VALUES ('printer-1', 'k', 'x.gcode', ?)"
    )
    store.conn.execute(insert, [now])
    with pytest.raises(Exception, match="UNIQUE"):
        store.conn.execute(insert, [now])


def test_end_events_on_the_bus_close_rows(records: PrintJobRecords) -> None:
    bus = EventBus()
    stop = records.listen(bus)
    records.started("printer-1", "cube.gcode", None, "usb", 600, 1000.0)
    bus.publish(PrintCancelled(resource="printer-1", file_name="cube.gcode", completion=25.0))
    row = records.recent()[0]
    assert row.outcome == "cancelled" and row.filament_mm == pytest.approx(250.0)
    stop()
    records.started("printer-1", "cube.gcode", None, "usb")
    bus.publish(PrintDone(resource="printer-1", file_name="cube.gcode"))
    assert records.open_job("printer-1") is not None


def test_bootstrap_keeps_records_from_the_printers(tmp_path: Path, default_config: Config) -> None:
    kiosk = bootstrap.open_kiosk(default_config, tmp_path / "k.db")
    assert kiosk.print_jobs is not None
    kiosk.print_jobs.started("printer-1", "cube.gcode", None, "host")
    kiosk.bus.publish(PrintDone(resource="printer-1", file_name="cube.gcode"))
    assert kiosk.print_jobs.recent()[0].outcome == "done"
    bootstrap.close_kiosk(kiosk)
    assert kiosk.print_jobs is None


def test_migration_keeps_the_first_schemas_rows(tmp_path: Path) -> None:
    store = Store(tmp_path / "old.db", migrate=False)
    before = [m for m in MIGRATIONS if m.name != "0009_print_jobs"]
    migrate(store, before)
    store.conn.execute(
        "INSERT INTO resources (id, kind, name) VALUES ('printer-1', '3d_printer', 'P1')"
    )
    group = store.conn.execute("SELECT code FROM patron_groups LIMIT 1").fetchone()[0]
    store.conn.execute(
        "INSERT INTO patrons (id, name, patron_group, created_at) VALUES (1, 'A', ?, 'x')", [group]
    )
    store.conn.execute(
        """INSERT INTO print_jobs (resource_id, patron_id, file_name, state, created_at,
           started_at, finished_at) VALUES
           ('printer-1', 1, 'a.gcode', 'done', '2026-01-01T00:00:00+00:00',
            '2026-01-01T00:00:00+00:00', '2026-01-01T01:00:00+00:00'),
           ('printer-1', 1, 'b.gcode', 'printing', '2026-01-02T00:00:00+00:00', NULL, NULL)"""
    )
    assert migrate(store) == ["0009_print_jobs"]
    records = PrintJobRecords(store, PrintingSection(), "k")
    rows = {r.file_name: r for r in records.recent()}
    assert rows["a.gcode"].outcome == "done"
    assert rows["b.gcode"].outcome == "unknown" and rows["b.gcode"].ended_at is not None
    store.close()
