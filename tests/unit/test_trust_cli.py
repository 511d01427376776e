"""Issue 11 items 2, 4, 8, 13: PINs at the desk, amounts read exactly, and every failure
of every command is one line on stderr with exit 1 or 2 (the walk enumerates the
commands from the argument parser itself, so commands added later are covered)."""

from __future__ import annotations

import argparse
import io
import os
import pty
import resource
import signal
import sqlite3
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from kiosk.cli import build_parser, main

REPO = Path(__file__).resolve().parents[2]


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main([*argv, "--lang", "en"])
    out, err = capsys.readouterr()
    return code, out, err


def kiosk(*argv: str, stdin: str | None = None, **kwargs: object) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "kiosk", *argv],
        input=stdin,
        capture_output=True,
        text=True,
        cwd=REPO,
        timeout=120,
        **kwargs,  # type: ignore[call-overload]
    )


@pytest.fixture(scope="module")
def demo_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("demo") / "kiosk.db"
    assert main(["init", "--demo", "--db", str(path)]) == 0
    return path


@pytest.fixture
def demo(tmp_path: Path, demo_file: Path) -> Path:
    path = tmp_path / "kiosk.db"
    path.write_bytes(demo_file.read_bytes())
    return path


def one_line(err: str) -> str:
    assert "Traceback" not in err, err
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    return lines[0]


# -- item 2 and 4: PINs at the desk ------------------------------------------------------
def test_pin_set_from_stdin_then_clear(demo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    result = kiosk("circ", "pin", "set", "PLU-0001", "--pin-stdin", "--db", str(demo), "--lang",
                   "en", stdin="4826\n")  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert "4826" not in result.stdout + result.stderr
    code, _out, err = run(capsys, "circ", "checkout", "PLU-0001", "B00005", "--db", str(demo))
    assert (code, err.strip()) == (1, "Please enter your PIN.")
    result = kiosk("circ", "checkout", "PLU-0001", "B00005", "--pin-stdin", "--db", str(demo),
                   "--lang", "en", stdin="4826\n")  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert result.stderr == ""
    code, _out, _ = run(capsys, "circ", "pin", "clear", "PLU-0001", "--db", str(demo))
    assert code == 0
    code, _, err = run(capsys, "circ", "checkout", "PLU-0001", "B00009", "--db", str(demo))
    assert code == 0, err  # no PIN asked any more


def test_a_staff_card_gets_its_pin_at_the_desk(demo: Path) -> None:
    """How a library gives its staff PINs (README): an imported staff card has none and
    cannot open staff mode until the desk sets one."""
    common = ["--db", str(demo), "--lang", "en"]
    assert kiosk("circ", "pin", "clear", "PLU-0006", *common).returncode == 0
    refused = kiosk("circ", "checkout", "PLU-0006", "B00005", *common)
    assert refused.returncode == 1
    assert "kiosk circ pin set PLU-0006" in one_line(refused.stderr)
    assert kiosk("circ", "pin", "set", "PLU-0006", "--pin-stdin", *common,
                 stdin="8642\n").returncode == 0  # fmt: skip
    assert kiosk("circ", "checkout", "PLU-0006", "B00005", "--pin-stdin", *common,
                 stdin="8642\n").returncode == 0  # fmt: skip


@pytest.mark.parametrize("stdin", ["12\n", "abcd\n", "\n", "", "²³⁴⁵\n", "123456789\n"])
def test_pin_set_refuses_a_bad_pin_in_one_line(demo: Path, stdin: str) -> None:
    result = kiosk("circ", "pin", "set", "PLU-0001", "--pin-stdin", "--db", str(demo),
                   "--lang", "en", stdin=stdin)  # fmt: skip
    assert result.returncode in (1, 2)
    line = one_line(result.stderr)
    assert "4 to 8 digits" in line or "PIN" in line


def test_pin_set_without_a_terminal_or_stdin_flag_is_refused(demo: Path) -> None:
    result = kiosk("circ", "pin", "set", "PLU-0001", "--db", str(demo), "--lang", "en",
                   stdin="4826\n")  # fmt: skip
    assert result.returncode == 2
    assert "--pin-stdin" in one_line(result.stderr)


def test_pin_is_never_an_argument_of_pin_set(
    demo: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, _, err = run(capsys, "circ", "pin", "set", "PLU-0001", "--pin", "4826",
                       "--db", str(demo))  # fmt: skip
    assert code == 2 and "unrecognized arguments" in one_line(err)


def test_pin_on_the_command_line_still_works_but_warns(
    demo: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, _out, err = run(capsys, "circ", "checkout", "PLU-0005", "B00009", "--pin", "2580",
                         "--db", str(demo))  # fmt: skip
    assert code == 0
    assert "--pin-stdin" in one_line(err) and "2580" not in err


def _on_a_terminal(argv: list[str], answers: list[str]) -> tuple[int, str]:
    """Run the CLI with a pseudo-terminal as its controlling terminal (getpass reads
    /dev/tty), answering each prompt in turn; returns (exit code, everything shown)."""
    pid, fd = pty.fork()
    if pid == 0:  # the child: the terminal is ours
        os.chdir(REPO)
        os.execv(sys.executable, [sys.executable, "-m", "kiosk", *argv])
    shown = b""
    deadline = time.monotonic() + 60
    pending = list(answers)
    while time.monotonic() < deadline:
        try:
            chunk = os.read(fd, 1024)
        except OSError:
            break
        if not chunk:
            break
        shown += chunk
        if pending and shown.rstrip().endswith(b":"):
            time.sleep(0.3)  # let getpass finish turning echo off
            os.write(fd, (pending.pop(0) + "\n").encode())
            shown += b"\n"
    _, status = os.waitpid(pid, 0)
    os.close(fd)
    return os.waitstatus_to_exitcode(status), shown.decode(errors="replace")


def test_pin_set_on_a_terminal_asks_twice_without_echo(demo: Path) -> None:
    argv = ["circ", "pin", "set", "PLU-0002", "--db", str(demo), "--lang", "en"]
    code, shown = _on_a_terminal(argv, ["5937", "5937"])
    assert code == 0, shown
    assert shown.count("PIN") >= 2 and "5937" not in shown
    code, shown = _on_a_terminal(argv, ["5937", "5938"])
    assert code == 1 and "not the same" in shown


# -- item 8: amounts ---------------------------------------------------------------------
@pytest.mark.parametrize("amount", ["5000.5", "5.00", "-5", "²³", "5,0000", "1e3"])
def test_pay_refuses_inexact_amounts(
    demo: Path, capsys: pytest.CaptureFixture[str], amount: str
) -> None:
    code, out, err = run(capsys, "circ", "pay", "PLU-0004", amount, "--db", str(demo))
    assert code in (1, 2)
    assert "whole rupiah" in one_line(err)
    code, out, _ = run(capsys, "circ", "fines", "PLU-0004", "--json", "--db", str(demo))
    assert '"balance": 75000' in out  # nothing was paid


@pytest.mark.parametrize("amount", ["5000", "5.000", "5,000", "Rp 5.000"])
def test_pay_reads_five_thousand(
    demo: Path, capsys: pytest.CaptureFixture[str], amount: str
) -> None:
    code, out, _ = run(capsys, "circ", "pay", "PLU-0004", amount, "--db", str(demo))
    assert code == 0
    assert "Payment of Rp 5,000" in out


# -- item 13: one line for every failure ----------------------------------------------------
#: Values no command may turn into a traceback: not UTF-8, control characters, numbers
#: that are not, dates no library has, text far too long, empty text.
HOSTILE = [
    "\udcff\udcfe",
    "\x1b[31mred\x1b[0m",
    "a\x00b",
    "inf",
    "-inf",
    "nan",
    "1e12",
    "-1",
    "0",
    "99999999999999999999999",
    "0001-01-01",
    "9999-12-31",
    "9999-12-31T23:59",
    "2026-02-30",
    "",
    "x" * 5000,
    "../../../../etc/passwd",
]
#: Values refused whatever the argument is (the rest may be plain text to a command).
UNIVERSAL = HOSTILE[:3]
#: Arguments whose plain value starts long work (the app, screenshots): only the
#: universally refused values are tried there.
LONG_RUNNING = {("run", "screenshot"), ("demo", "screenshot"), ("screenshots", "out")}


def _commands(
    parser: argparse.ArgumentParser, path: tuple[str, ...] = ()
) -> Iterator[tuple[tuple[str, ...], argparse.ArgumentParser]]:
    subs = [a for a in parser._actions if isinstance(a, argparse._SubParsersAction)]
    if not subs and path:
        yield path, parser
    for action in subs:
        for name, child in action.choices.items():
            yield from _commands(child, (*path, name))


def _slots(parser: argparse.ArgumentParser) -> list[argparse.Action]:
    common = {"db", "config", "lang", "help", "verbose"}
    return [
        a
        for a in parser._actions
        if a.dest not in common
        and not isinstance(a, argparse._SubParsersAction)
        and a.nargs != 0  # flags take no value
    ]


def _benign(action: argparse.Action) -> list[str]:
    if action.choices:
        return [str(next(iter(action.choices)))]
    return ["X"]


def _cases() -> list[tuple[str, list[str]]]:
    cases: list[tuple[str, list[str]]] = []
    for path, parser in _commands(build_parser()):
        slots = _slots(parser)
        positionals = [a for a in slots if not a.option_strings]
        plain = [v for a in positionals for v in _benign(a)]
        if not [a for a in slots if a.option_strings]:
            cases.append((" ".join(path), [*path, *plain]))
        for slot in slots:
            long_running = (path[0], slot.dest) in LONG_RUNNING
            for value in UNIVERSAL if long_running else HOSTILE:
                argv = [*path]
                for other in positionals:
                    argv.extend([value] if other is slot else _benign(other))
                if slot.option_strings:
                    argv.extend([slot.option_strings[-1], value])
                cases.append((f"{' '.join(path)} {slot.dest}={value[:12]!r}", argv))
    return cases


def test_the_walk_covers_every_command() -> None:
    names = {" ".join(path) for path, _ in _commands(build_parser())}
    assert {"circ pin set", "circ pay", "bookings create", "doctor", "import"} <= names
    assert len(_cases()) > 300


@pytest.mark.timeout(600)
def test_no_hostile_argument_gives_a_traceback(
    demo: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Every command from the parser, each of its arguments in turn given each hostile
    value, on a demo database: exit 0, 1 or 2, and a failure is one line on stderr,
    never a traceback nor the last-resort "unexpected error" line."""
    monkeypatch.chdir(tmp_path)  # a path argument such as "X" lands here
    monkeypatch.setattr("sys.stdin", io.StringIO(""))  # no terminal, nothing piped in
    failures = []
    for name, argv in _cases():
        try:
            code = main([*argv, "--db", str(demo), "--lang", "en"])
        except BaseException as exc:
            failures.append(f"{name}: raised {type(exc).__name__}: {exc}")
            capsys.readouterr()
            continue
        _, err = capsys.readouterr()
        if code not in (0, 1, 2):
            failures.append(f"{name}: exit {code}")
        elif "Traceback" in err or "unexpected error" in err:
            failures.append(f"{name}: {err.strip()[:200]}")
        elif code != 0 and len(err.strip().splitlines()) > 1:
            failures.append(f"{name}: {len(err.strip().splitlines())} lines: {err[:200]!r}")
    assert failures == []


def test_invalid_utf8_in_an_argument_is_one_line() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "kiosk", "circ", "patron", b"\xff\xfe".decode("latin-1")],
        capture_output=True,
        cwd=REPO,
        timeout=60,
    )
    raw = subprocess.run(
        [sys.executable.encode(), b"-m", b"kiosk", b"circ", b"patron", b"\xff\xfe"],
        capture_output=True,
        cwd=REPO,
        timeout=60,
    )
    assert raw.returncode == 2
    assert b"not valid UTF-8" in raw.stderr and raw.stderr.count(b"\n") == 1
    assert result.returncode in (1, 2)


def test_broken_pipe_into_head_exits_quietly(demo: Path) -> None:
    """``kiosk ... | head``: the reader is gone before the output; no traceback, no
    "Exception ignored" noise."""
    process = subprocess.Popen(
        [sys.executable, "-m", "kiosk", "bookings", "list", "--day", "2026-01-05", "--db",
         str(demo), "--lang", "en"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        cwd=REPO,
    )  # fmt: skip
    assert process.stdout is not None and process.stderr is not None
    process.stdout.close()  # like head after its lines
    err = process.stderr.read()
    process.stderr.close()
    process.wait(timeout=60)
    assert err == b""
    assert process.returncode in (0, 1)
    piped = subprocess.run(
        f"{sys.executable} -m kiosk circ patron PLU-0001 --db {demo} | head -c 1",
        shell=True,
        capture_output=True,
        cwd=REPO,
        timeout=60,
    )
    assert piped.stderr == b""


def test_a_full_disk_is_one_line(demo: Path, tmp_path: Path) -> None:
    """An import that outgrows the disk (a file size limit stands in for it): one
    line, nothing half-written."""
    rows = "".join(f"F{n:06d},{'Judul panjang ' * 20}{n}\n" for n in range(20000))
    items = tmp_path / "items.csv"
    items.write_text("barcode,title\n" + rows, encoding="utf-8")
    size = demo.stat().st_size

    def limit() -> None:
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # EFBIG instead of a kill
        resource.setrlimit(resource.RLIMIT_FSIZE, (size + 64 * 1024, size + 64 * 1024))

    result = kiosk("import", "items", str(items), "--db", str(demo), "--lang", "en",
                   preexec_fn=limit)  # fmt: skip
    assert result.returncode == 1
    assert "full" in one_line(result.stderr) or "disk" in one_line(result.stderr)
    conn = sqlite3.connect(demo)
    assert conn.execute("SELECT count(*) FROM items WHERE barcode LIKE 'F%'").fetchone()[0] == 0
    conn.close()


def test_output_to_a_full_device_is_one_line(demo: Path) -> None:
    with open("/dev/full", "w") as full:
        result = subprocess.run(
            [sys.executable, "-m", "kiosk", "circ", "patron", "PLU-0001", "--db", str(demo)],
            stdout=full,
            stderr=subprocess.PIPE,
            text=True,
            cwd=REPO,
            timeout=60,
        )
    assert result.returncode == 1
    assert "cannot write the output" in one_line(result.stderr)


def test_a_damaged_page_in_the_middle_of_a_return_says_which_items_were_done(
    demo: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    conn = sqlite3.connect(demo)
    conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    on_loan = [r[0] for r in conn.execute(
        """SELECT i.barcode FROM loans l JOIN items i ON i.id = l.item_id
           WHERE l.returned_at IS NULL ORDER BY i.id""")]  # fmt: skip
    page_size = conn.execute("PRAGMA page_size").fetchone()[0]
    item_pages = [r[0] for r in conn.execute(
        "SELECT pageno FROM dbstat WHERE name = 'items' AND pagetype = 'leaf'")]  # fmt: skip
    first_item, last = on_loan[0], on_loan[-1]
    conn.close()
    data = bytearray(demo.read_bytes())

    def page_of(barcode: str) -> int:
        needle = barcode.encode()
        found = [p for p in item_pages if needle in data[(p - 1) * page_size : p * page_size]]
        assert len(found) == 1
        return found[0]

    damaged = page_of(last)
    assert damaged != page_of(first_item)
    start = (damaged - 1) * page_size
    data[start : start + 8] = b"\x42" * 8  # no longer a b-tree page
    demo.write_bytes(bytes(data))
    code, _out, err = run(capsys, "circ", "checkin", first_item, last, "--db", str(demo))
    assert code == 1
    line = one_line(err)
    assert "damaged" in line and last in line
    assert first_item in line  # done before it


def test_a_secrets_file_that_is_a_folder_is_one_line(tmp_path: Path) -> None:
    config = tmp_path / "kiosk.toml"
    config.write_text(
        f'[secrets]\nfile = "{tmp_path}"\n[mqtt]\nurl = "mqtt://127.0.0.1:1"\n'
        '[[resources]]\nid = "p1"\nkind = "tool"\nswitch = "tasmota://plug-1"\n',
        encoding="utf-8",
    )
    result = kiosk("equipment", "status", "p1", "--config", str(config))
    assert result.returncode == 2
    assert "folder" in one_line(result.stderr)


def test_a_missing_ca_file_for_mqtts_is_one_line(tmp_path: Path) -> None:
    config = tmp_path / "kiosk.toml"
    config.write_text(
        f'[mqtt]\nurl = "mqtts://127.0.0.1:8883"\nca_file = "{tmp_path / "nope.pem"}"\n'
        '[[resources]]\nid = "p1"\nkind = "tool"\nswitch = "tasmota://plug-1"\n',
        encoding="utf-8",
    )
    result = kiosk("equipment", "on", "p1", "--config", str(config))
    assert result.returncode == 2
    assert "mqtt.ca_file" in one_line(result.stderr)


@pytest.mark.parametrize(
    "argv",
    [
        ["equipment", "on", "p1", "--timeout", "inf"],
        ["equipment", "on", "p1", "--timeout", "nan"],
        ["equipment", "on", "p1", "--timeout", "1e12"],
        ["run", "--exit-after", "inf"],
        ["bookings", "list", "--day", "0001-01-01"],
        ["bookings", "list", "--day", "9999-12-31"],
        ["bookings", "create", "pc-1", "PLU-0001", "9999-12-31T10:00", "60"],
        ["bookings", "create", "pc-1", "PLU-0001", "0001-01-01T10:00", "60"],
    ],
)
def test_the_issues_own_examples(
    demo: Path, capsys: pytest.CaptureFixture[str], argv: list[str]
) -> None:
    code, _, err = run(capsys, *argv, "--db", str(demo))
    assert code == 2
    one_line(err)
