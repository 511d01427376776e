"""Benchmarks: each ``bench/bench_*.py`` has ``main(argv) -> None`` that prints figures.

Run them all with ``./setup.sh bench`` (or ``python -m bench``), one with
``python -m bench circulation``. Targets are printed beside the figures; benchmarks
never fail a test run.
"""
