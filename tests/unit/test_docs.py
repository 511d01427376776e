"""The docs stay honest: every CLI command is in the README's CLI reference."""

from __future__ import annotations

import argparse
from pathlib import Path

from kiosk.cli import build_parser

REPO = Path(__file__).resolve().parents[2]


def _commands(parser: argparse.ArgumentParser, prefix: str = "kiosk") -> list[str]:
    found: list[str] = []
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for name, sub in action.choices.items():
                found.append(f"{prefix} {name}")
                found.extend(_commands(sub, f"{prefix} {name}"))
    return found


def test_every_command_is_in_the_readme() -> None:
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    reference = readme.split("## CLI reference", 1)[1]
    commands = _commands(build_parser())
    assert "kiosk init" in commands
    missing = [c for c in commands if f"`{c}" not in reference]
    assert missing == []


def test_readme_names_the_two_setup_commands_and_ci_uses_one() -> None:
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    assert "./setup.sh demo" in readme
    assert "./setup.sh test" in readme
    assert "./setup.sh test" in (REPO / ".ci" / "run").read_text(encoding="utf-8")
