"""A non-editable install finds the default config, demo data, catalogues and kv files."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]


def test_wheel_carries_package_data_and_works_from_anywhere(tmp_path: Path) -> None:
    source = tmp_path / "src"
    shutil.copytree(
        REPO,
        source,
        ignore=shutil.ignore_patterns(
            ".venv",
            ".git",
            "build",
            "*.egg-info",
            "__pycache__",
            ".mypy_cache",
            ".ruff_cache",
            ".pytest_cache",
            "docs",
        ),
    )
    wheels = tmp_path / "wheels"
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "wheel",
            "-q",
            "--no-deps",
            "--no-build-isolation",
            "-w",
            str(wheels),
            str(source),
        ],
        check=True,
        capture_output=True,
        timeout=300,
    )
    (wheel,) = wheels.glob("palu_kiosk-*.whl")
    names = set(zipfile.ZipFile(wheel).namelist())
    for required in (
        "kiosk/defaults/default.toml",
        "kiosk/defaults/kiosk.example.toml",
        "kiosk/defaults/demo_patrons.csv",
        "kiosk/defaults/demo_titles.csv",
        "kiosk/locale/id/core.po",
        "kiosk/locale/en/core.po",
        "kiosk/report/report.html.j2",
        "screens/attract.kv",
    ):
        assert required in names, required
    assert not any(n.startswith("tests/") for n in names)
    # Every source folder of the four packages is in the wheel.
    for top in ("kiosk", "devices", "screens", "accessibility"):
        for folder in [REPO / top, *(p for p in (REPO / top).rglob("*") if p.is_dir())]:
            if folder.name == "__pycache__" or not any(
                f.suffix in (".py", ".po", ".kv") for f in folder.iterdir()
            ):
                continue
            relative = folder.relative_to(REPO).as_posix()
            assert any(n.startswith(relative + "/") for n in names), f"{relative} not packaged"

    # Unpacked away from the source tree, the installed package must find its data.
    site = tmp_path / "site"
    zipfile.ZipFile(wheel).extractall(site)
    env = {**os.environ, "PYTHONPATH": str(site)}
    code = (
        "import kiosk, sys; from kiosk.cli import main;"
        f"assert kiosk.__file__.startswith({str(site)!r}), kiosk.__file__;"
        "sys.exit(main(sys.argv[1:]))"
    )
    result = subprocess.run(
        [sys.executable, "-c", code, "init", "--demo", "--json", "--db", str(tmp_path / "d.db")],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        env=env,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    assert len(json.loads(result.stdout)["demo_cards"]) >= 5
