"""G-code files on USB sticks: newest first, hidden litter skipped, never out of the
mount through a symbolic link."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from kiosk.domain.errors import DomainError
from kiosk.printing.usb import list_gcode, mount_points, on_stick


def _touch(path: Path, mtime: float, text: str = "G28\n") -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    os.utime(path, (mtime, mtime))
    return path


@pytest.fixture
def stick(tmp_path: Path) -> Path:
    mount = tmp_path / "media" / "usb"
    _touch(mount / "old.gcode", 1_000_000)
    _touch(mount / "prints" / "new.GCODE", 3_000_000)
    _touch(mount / "prints" / "deep" / "a" / "b" / "c" / "too-deep.gcode", 4_000_000)
    _touch(mount / "middle.gco", 2_000_000)
    _touch(mount / "notes.txt", 5_000_000)
    _touch(mount / "._new.gcode", 5_000_000)  # macOS AppleDouble litter
    _touch(mount / ".Trashes" / "deleted.gcode", 5_000_000)
    return mount


def test_newest_first_hidden_and_other_files_skipped(stick: Path) -> None:
    files = list_gcode([str(stick)])
    assert [f.name for f in files] == ["new.GCODE", "middle.gco", "old.gcode"]
    assert files[0].path == stick / "prints" / "new.GCODE"
    assert files[0].size_bytes == 4 and files[0].mount == stick.resolve()
    assert files[0].modified_at.timestamp() == 3_000_000
    assert list_gcode([str(stick)], limit=1)[0].name == "new.GCODE"


def test_symbolic_links_never_lead_out_of_the_stick(stick: Path, tmp_path: Path) -> None:
    outside = _touch(tmp_path / "home" / "secret.gcode", 9_000_000)
    (tmp_path / "home" / "more").mkdir()
    _touch(tmp_path / "home" / "more" / "other.gcode", 9_000_000)
    (stick / "escape.gcode").symlink_to(outside)
    (stick / "escape-dir").symlink_to(tmp_path / "home" / "more")
    (stick / "loop").symlink_to(stick)
    (stick / "alias.gcode").symlink_to(stick / "old.gcode")
    names = [f.name for f in list_gcode([str(stick)])]
    assert "secret.gcode" not in names and "escape.gcode" not in names
    assert "other.gcode" not in names
    assert "alias.gcode" in names  # a link to a file on the same stick is fine
    with pytest.raises(DomainError) as err:
        on_stick([str(stick)], stick / "escape.gcode")
    assert err.value.key == "printing.not_on_usb"
    assert on_stick([str(stick)], stick / "alias.gcode") == (stick / "old.gcode").resolve()


def test_on_stick_refuses_other_paths(stick: Path, tmp_path: Path) -> None:
    assert on_stick([str(stick)], stick / "prints" / "new.GCODE").name == "new.GCODE"
    for path in (
        stick / "notes.txt",
        stick / "missing.gcode",
        stick / "._new.gcode",
        stick / ".." / ".." / "media" / "usb" / ".Trashes" / "deleted.gcode",
        _touch(tmp_path / "elsewhere.gcode", 1),
    ):
        with pytest.raises(DomainError, match=r"printing\.not_on_usb"):
            on_stick([str(stick)], path)


def test_mount_points_may_be_globs_and_may_be_missing(tmp_path: Path) -> None:
    (tmp_path / "usb-sda1").mkdir()
    (tmp_path / "usb-sdb1").mkdir()
    found = mount_points([str(tmp_path / "usb-*"), str(tmp_path / "absent")])
    assert [p.name for p in found] == ["usb-sda1", "usb-sdb1"]
    assert list_gcode([str(tmp_path / "absent")]) == []


def test_a_stick_pulled_out_while_listed_lists_nothing_more(stick: Path) -> None:
    # The folder vanishes between the mount check and the listing (EIO, ENOENT ...).
    from kiosk.printing.usb import _walk

    assert list(_walk(stick / "pulled-out", stick, 0)) == []
