"""Imports point one way: screens -> kiosk <- devices (DESIGN.md)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import grimp

REPO = Path(__file__).resolve().parents[2]
#: The only parts of the core a device adapter may use.
DEVICE_MAY_USE = ("kiosk.ports", "kiosk.domain", "kiosk.bus")


def test_import_linter_contracts_hold() -> None:
    result = subprocess.run(
        [str(Path(sys.executable).parent / "lint-imports"), "--no-cache"],
        capture_output=True,
        text=True,
        cwd=REPO,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "0 broken" in result.stdout


def test_the_contract_names_exactly_two_exemptions() -> None:
    import tomllib

    project = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))
    contracts = project["tool"]["importlinter"]["contracts"]
    core = next(c for c in contracts if c["source_modules"] == ["kiosk"])
    assert sorted(core["ignore_imports"]) == [
        "kiosk.bootstrap -> devices.**",
        "kiosk.cli -> screens.**",
    ]
    assert {"kivy", "screens", "devices"} <= set(core["forbidden_modules"])


def test_devices_use_only_ports_domain_and_bus() -> None:
    graph = grimp.build_graph("kiosk", "devices", "screens", "accessibility")
    bad = []
    for module in graph.find_descendants("devices") | {"devices"}:
        for imported in graph.find_modules_directly_imported_by(module):
            if imported.split(".")[0] != "kiosk":
                continue
            if not any(imported == m or imported.startswith(m + ".") for m in DEVICE_MAY_USE):
                bad.append(f"{module} -> {imported}")
    assert bad == []


#: Modules nothing in the product imports, on purpose: entry points (``python -m``, the
#: CLI's command modules it loads by name) and the documented plug simulator.
ENTRY_POINTS = {"kiosk.__main__", "devices.mqtt.plugsim"}


def test_no_module_of_the_core_or_the_devices_lives_only_for_its_tests() -> None:
    """A module only its own tests use is wired into the product or deleted."""
    from kiosk.cli import COMMAND_MODULES

    graph = grimp.build_graph("kiosk", "devices", "screens", "accessibility", cache_dir=None)
    product = ("kiosk", "devices", "screens", "accessibility")
    packages = {m for m in graph.modules if graph.find_children(m)}
    unused = [
        module
        for module in sorted(graph.modules)
        if module.split(".")[0] in ("kiosk", "devices")
        and module not in packages
        and module not in ENTRY_POINTS
        and module not in COMMAND_MODULES
        and not any(
            m.split(".")[0] in product and m != module
            for m in graph.find_modules_that_directly_import(module)
        )
    ]
    assert unused == []
