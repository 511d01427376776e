"""``kiosk printers status|files`` on simulated printers and a folder standing in for a
USB stick (the same commands against a real OctoPrint: tests/integration)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from kiosk.cli import main
from tests.support import gcode as samples


def write_config(tmp_path: Path, mounts: str = "/nonexistent/usb") -> Path:
    path = tmp_path / "kiosk.toml"
    path.write_text(
        f"""
[kiosk]
language = "en"

[printing]
usb_mounts = ["{mounts}"]

[[resources]]
id = "printer-1"
kind = "3d_printer"
name = "Printer 3D 1"
printer = "sim://"

[[resources]]
id = "printer-2"
kind = "3d_printer"
printer = "sim://?fail=offline"
"""
    )
    return path


def test_status_human_and_json(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    config = str(write_config(tmp_path))
    assert main(["printers", "status", "--config", config]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[0].startswith("printer-1 (Printer 3D 1): ready, hotend 25 °C")
    assert out[1] == (
        "printer-2 (printer-2): offline: printer-2 does not answer. Please ask a member of staff."
    )
    assert main(["printers", "status", "--json", "--config", config, "--lang", "id"]) == 0
    data = json.loads(capsys.readouterr().out)["printers"]
    assert [(p["resource"], p["online"], p["state"]) for p in data] == [
        ("printer-1", True, "idle"),
        ("printer-2", False, "offline"),
    ]
    assert data[1]["problem"] == "printer.unreachable" and data[1]["busy"] is False


def test_files_on_a_printer(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    config = str(write_config(tmp_path))
    assert main(["printers", "files", "printer-1", "--config", config]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].startswith("calibration-cube.gcode") or lines[0].startswith("benchy.gcode")
    assert any("about 1:30:00" in line for line in lines)  # benchy: 5400 s
    assert main(["printers", "files", "printer-1", "--json", "--config", config]) == 0
    files = json.loads(capsys.readouterr().out)["files"]
    assert {f["path"] for f in files} == {"calibration-cube.gcode", "benchy.gcode"}
    assert all(f["estimate_source"] == "host" for f in files)
    assert main(["printers", "files", "printer-9", "--config", config, "--lang", "en"]) == 1
    assert "no 3D printer called printer-9" in capsys.readouterr().err
    assert main(["printers", "files", "--config", config]) == 2
    assert main(["printers", "files", "printer-2", "--config", config, "--lang", "en"]) == 1
    assert "does not answer" in capsys.readouterr().err


def test_files_on_usb_sticks(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    stick = tmp_path / "usb"
    stick.mkdir()
    thumb = samples.thumbnail_block(samples.png(16, 16), 16, 16)
    (stick / "cube.gcode").write_text(samples.prusaslicer(thumb))
    config = str(write_config(tmp_path, str(stick)))
    assert main(["printers", "files", "--usb", "--config", config]) == 0
    line = capsys.readouterr().out.strip()
    assert line.startswith(str(stick / "cube.gcode"))
    assert "about 1:02:03, 4 g" in line and line.endswith("with picture")
    assert main(["printers", "files", "--usb", "--json", "--config", config]) == 0
    (entry,) = json.loads(capsys.readouterr().out)["files"]
    assert (entry["estimate_seconds"], entry["estimate_source"], entry["thumbnail"]) == (
        3723,
        "slicer",
        True,
    )
    (tmp_path / "other").mkdir()
    empty = str(write_config(tmp_path / "other"))
    assert main(["printers", "files", "--usb", "--config", empty]) == 0
    assert "No G-code files on a USB stick" in capsys.readouterr().out


def test_preview_writes_the_thumbnail_or_the_outline(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from PIL import Image

    config = str(write_config(tmp_path))
    with_picture = tmp_path / "cube.gcode"
    thumb = samples.thumbnail_block(samples.qoi(12, 10), 12, 10, "_QOI")
    with_picture.write_text(samples.orcaslicer(thumb))
    out = tmp_path / "cube.png"
    assert main(["printers", "preview", str(with_picture), str(out), "--config", config]) == 0
    assert "slicer's picture" in capsys.readouterr().out
    with Image.open(out) as image:
        assert image.size == (12, 10)
    plain = tmp_path / "plain.gcode"
    plain.write_text(samples.cura())
    assert (
        main(["printers", "preview", str(plain), str(out), "--size", "64", "--config", config]) == 0
    )
    assert "outline" in capsys.readouterr().out
    with Image.open(out) as image:
        assert image.size == (64, 64)
    empty = tmp_path / "travel.gcode"
    empty.write_text("G28\nG1 X10 Y10\n")
    argv = ["printers", "preview", str(empty), str(out), "--config", config, "--lang", "en"]
    assert main(argv) == 1
    assert "no picture" in capsys.readouterr().err
    missing = ["printers", "preview", str(tmp_path / "gone.gcode"), str(out), "--config", config]
    assert main(missing) == 1
