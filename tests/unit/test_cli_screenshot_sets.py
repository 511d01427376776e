"""``kiosk screenshots --sets``: which looks are rendered (the rendering itself is
checked by the UI tests and by looking at docs/screenshots)."""

from __future__ import annotations

from pathlib import Path

import pytest

from kiosk.cli import build_parser, main


def test_both_sets_are_rendered_by_default() -> None:
    args = build_parser().parse_args(["screenshots", "--out", "shots"])
    assert args.sets.split(",") == ["standard", "high-contrast-2.0"]


def test_an_unknown_set_is_refused_before_anything_starts(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["screenshots", "--out", str(tmp_path), "--sets", "sepia"]) == 2
    assert "high-contrast-2.0" in capsys.readouterr().err
    assert list(tmp_path.iterdir()) == []
