"""docs/architecture.md stays true: the import contracts it names are exactly the
project's and hold, and every core function its traces name exists."""

from __future__ import annotations

import importlib
import re
import subprocess
import sys
import tomllib
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
DOC = (REPO / "docs" / "architecture.md").read_text(encoding="utf-8")


def _named_contracts() -> list[str]:
    section = DOC.split("### Import contracts", 1)[1].split("\n## ", 1)[0]
    return re.findall(r'^- "(.+)"$', section, re.MULTILINE)


def test_the_contracts_named_are_exactly_the_project_s_and_all_hold() -> None:
    project = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))
    configured = [c["name"] for c in project["tool"]["importlinter"]["contracts"]]
    named = _named_contracts()
    assert named and sorted(named) == sorted(configured)
    result = subprocess.run(
        [str(Path(sys.executable).parent / "lint-imports"), "--no-cache"],
        capture_output=True,
        text=True,
        cwd=REPO,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    for name in named:
        # lint-imports may wrap a long name over two lines before "KEPT".
        flat = " ".join(result.stdout.split())
        assert f"{name} KEPT" in flat, name


def _resolve(dotted: str) -> object:
    """The object a dotted name names: the longest importable module, then attributes."""
    parts = dotted.split(".")
    for cut in range(len(parts), 0, -1):
        try:
            found: object = importlib.import_module(".".join(parts[:cut]))
        except ImportError:
            continue
        for attribute in parts[cut:]:
            found = getattr(found, attribute)
        return found
    raise ImportError(dotted)


def test_every_core_function_the_traces_name_exists() -> None:
    """Names in the core and the device adapters (the screens' steps may move with the
    app's own refactoring; their modules are checked by the contracts)."""
    names = set(re.findall(r"`((?:kiosk|devices)(?:\.[A-Za-z_]\w*)+)`", DOC))
    assert len(names) > 20
    for name in sorted(names):
        assert _resolve(name) is not None, name
