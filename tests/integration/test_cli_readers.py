"""``kiosk readers`` and ``kiosk receipt`` with real adapters on socat ptys."""

from __future__ import annotations

import json
import threading
import time
from pathlib import Path

import pytest

from devices.serial_reader import em4100_frame
from kiosk.cli import main
from tests.support.socat import PtyPair

pytestmark = pytest.mark.integration


def test_watch_prints_one_line_per_read(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    cards, wedge, items = (PtyPair(tmp_path / n) for n in "abc")
    for pair in (cards, wedge, items):
        pair.device.parent.mkdir()
        pair.start()
    config = tmp_path / "kiosk.toml"
    config.write_text(
        "[devices]\n"
        f'card_readers = ["serial://{cards.device}?format=em4100&name=desk",'
        f' "serial://{wedge.device}?convert=number&name=wedge"]\n'
        f'item_scanners = ["serial://{items.device}?name=scanner"]\n'
        'receipt_printer = ""\n'
        'speaker = ""\n',
        encoding="utf-8",
    )

    def reads() -> None:
        time.sleep(0.5)
        cards.write(em4100_frame("62E3086CED") + b"noise")
        wedge.write(b"PLU-0001\r\n")
        items.write(b"B0001234\r\n")

    writer = threading.Thread(target=reads)
    writer.start()
    try:
        assert main(["readers", "--watch", "--exit-after", "1.5", "--config", str(config)]) == 0
    finally:
        writer.join()
        for pair in (cards, wedge, items):
            pair.stop()
    out, err = capsys.readouterr()
    assert sorted(out.splitlines()) == ["card 62E3086CED", "card-number PLU-0001", "item B0001234"]
    assert "status desk ok" in err
    assert "counts desk: 1 reads, 0 dropped" in err  # (trailing noise is no frame yet)


def test_readers_lists_configured_and_detected(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    config = tmp_path / "kiosk.toml"
    config.write_text(
        '[devices]\ncard_readers = ["serial:///dev/ttyNOPE0?format=em4100", "sim://desk"]\n'
        "item_scanners = []\n",
        encoding="utf-8",
    )
    assert main(["readers", "--json", "--config", str(config)]) == 1  # a reader fails
    data = json.loads(capsys.readouterr().out)
    (serial_reader, sim) = data["configured"]
    assert serial_reader["ok"] is False
    assert "/dev/ttyNOPE0" in serial_reader["reason"]
    assert sim["ok"] is True
    assert set(data["detected"]) == {"pcsc", "serial", "hid"}
    assert main(["readers", "--lang", "en", "--config", str(config)]) == 1
    out = capsys.readouterr().out
    assert "Configured readers:" in out
    assert "FAIL devices.card_readers[0]" in out


def test_receipt_test_page(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["receipt", "--test", "--lang", "en"]) == 0
    out = capsys.readouterr().out
    assert "Test receipt" in out
    assert "Test receipt sent to receipt-printer." in out
    config = tmp_path / "kiosk.toml"
    config.write_text('[devices]\nreceipt_printer = "sim://p?fail=paper_out"\n', encoding="utf-8")
    assert main(["receipt", "--test", "--lang", "en", "--config", str(config)]) == 1
    assert "out of paper" in capsys.readouterr().err
    config.write_text('[devices]\nreceipt_printer = ""\n', encoding="utf-8")
    assert main(["receipt", "--test", "--config", str(config)]) == 1
    assert "devices.receipt_printer" in capsys.readouterr().err


def test_watch_json_lines(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    cards = PtyPair(tmp_path)
    cards.start()
    config = tmp_path / "kiosk.toml"
    config.write_text(
        f'[devices]\ncard_readers = ["serial://{cards.device}?format=em4100&name=desk"]\n'
        "item_scanners = []\n",
        encoding="utf-8",
    )
    timer = threading.Timer(0.5, cards.write, [em4100_frame("62E3086CED")])
    timer.start()
    try:
        args = ["readers", "--watch", "--json", "--exit-after", "1.2", "--config", str(config)]
        assert main(args) == 0
    finally:
        timer.join()
        cards.stop()
    (line,) = capsys.readouterr().out.splitlines()
    assert json.loads(line) == {"read": "card", "reader": "desk", "card_key": "62E3086CED"}


def test_watch_says_why_a_reader_is_offline_once_per_outage(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], caplog: pytest.LogCaptureFixture
) -> None:
    cards = PtyPair(tmp_path)  # not there yet: the reader's cable is unplugged
    config = tmp_path / "kiosk.toml"
    config.write_text(
        f'[devices]\ncard_readers = ["serial://{cards.device}?format=em4100&name=desk"]\n'
        "item_scanners = []\n",
        encoding="utf-8",
    )

    def plug_in() -> None:
        time.sleep(1.6)  # retries at 0.2, 0.6 and 1.4 s go by first; the next is at 3.0 s
        cards.start()
        time.sleep(2.0)
        cards.write(em4100_frame("62E3086CED"))

    writer = threading.Thread(target=plug_in)
    writer.start()
    try:
        args = ["readers", "--watch", "--exit-after", "4.5", "--config", str(config)]
        assert main(args) == 0
    finally:
        writer.join()
        cards.stop()
    out, err = capsys.readouterr()
    assert out.splitlines() == ["card 62E3086CED"]
    statuses = [line for line in err.splitlines() if line.startswith("status ")]
    assert len(statuses) == 2, err
    assert statuses[0].startswith("status desk offline: ")
    assert str(cards.device) in statuses[0]  # the reason: the port that is not there
    assert statuses[1] == "status desk ok"
    retries = [r for r in caplog.records if r.levelname == "WARNING" and "desk" in r.getMessage()]
    assert len(retries) == 1, [r.getMessage() for r in retries]
    assert "counts desk: 1 reads, 0 dropped" in err
