"""The SIP2 client against a raw-socket peer that misbehaves on purpose: bad checksums,
resend requests, garbage, partial frames, a connection dropped mid-message, a stall past
the timeout, a close after login, answers out of step, and two callers at once."""

from __future__ import annotations

import contextlib
import threading
import time
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kiosk.circulation.sip2.backend import Sip2Circulation
from kiosk.circulation.sip2.client import Sip2LoginRefusedError, Sip2UnreachableError
from kiosk.circulation.sip2.codec import Sip2ProtocolError
from kiosk.config import Config
from kiosk.domain.errors import KioskError
from tests.support.kiosks import open_test_kiosk, store_of
from tests.support.sip2_rawpeer import ACS_STATUS, RawPeer, Script, Step, frame, normal, seq_of

pytestmark = [pytest.mark.integration, pytest.mark.timeout(30)]

ITEM = "18030201{date}AB{code}|AJBuku {code}|AQLantai 1|"
DATE = "20261123    090203"


def item_reply(request: bytes, *, bad: bool = False) -> bytes:
    code = request.split(b"AB", 1)[1].split(b"|", 1)[0].decode()
    return frame(ITEM.format(date=DATE, code=code), seq_of(request), bad_checksum=bad)


@pytest.fixture
def make(tmp_path: Path, default_config: Config) -> Iterator[object]:
    made: list[Sip2Circulation] = []

    def build(peer: RawPeer, **params: object) -> Sip2Circulation:
        section = replace(default_config.backend, kind="sip2", url=peer.url(**params))
        config = replace(default_config, backend=section)
        store = store_of(open_test_kiosk(default_config, tmp_path / f"k{len(made)}.db"))
        backend = Sip2Circulation(store, config, "pw")
        made.append(backend)
        return backend

    yield build
    for backend in made:
        backend.close()


def scripted(answer: object) -> Script:
    """Login and status answered normally; other frames by ``answer``."""

    def script(request: bytes, connection: int, count: int) -> list[Step]:
        return normal(request) or answer(request, connection, count)  # type: ignore[operator]

    return script


def test_a_bad_checksum_from_the_acs_gets_a_97_and_the_repeat_is_used(make) -> None:  # type: ignore[no-untyped-def]
    def answer(request: bytes, connection: int, count: int) -> list[Step]:
        if request.startswith(b"97"):
            return [item_reply(last[0])]
        last[0] = request
        return [item_reply(request, bad=True)]

    last = [b""]
    with RawPeer(scripted(answer)) as peer:
        assert make(peer).item("I-1").title == "Buku I-1"
        assert peer.frames(b"97") == [b"97AZFEF5"]


def test_endless_bad_checksums_end_in_a_protocol_error(make) -> None:  # type: ignore[no-untyped-def]
    last = [b""]

    def answer(request: bytes, connection: int, count: int) -> list[Step]:
        if not request.startswith(b"97"):
            last[0] = request
        return [item_reply(last[0], bad=True)]

    with RawPeer(scripted(answer)) as peer:
        with pytest.raises(Sip2ProtocolError, match="checksum"):
            make(peer).item("I-1")
        assert len(peer.frames(b"97")) == 2 * 3  # retries per attempt, two attempts


def test_the_acs_asking_for_a_resend_gets_the_same_frame(make) -> None:  # type: ignore[no-untyped-def]
    def answer(request: bytes, connection: int, count: int) -> list[Step]:
        if len(peer.frames(b"17")) == 1:
            return [frame("96")]
        return [item_reply(request)]

    with RawPeer(scripted(answer)) as peer:
        assert make(peer).item("I-1").title == "Buku I-1"
        first, second = peer.frames(b"17")
        assert first == second  # byte for byte, same AY


def test_garbage_is_a_protocol_error_not_a_crash(make) -> None:  # type: ignore[no-untyped-def]
    with RawPeer(scripted(lambda r, c, n: [b"HTTP/1.1 400 Bad Request\r"])) as peer:
        backend = make(peer)
        with pytest.raises(Sip2ProtocolError):
            backend.sign_in(number="P1")
        assert peer.connections == 2  # a read-only request is tried once more, fresh


def test_partial_frames_are_put_together(make) -> None:  # type: ignore[no-untyped-def]
    def answer(request: bytes, connection: int, count: int) -> list[Step]:
        whole = item_reply(request)
        return [whole[:5], ("sleep", 0.05), whole[5:20], ("sleep", 0.05), whole[20:]]

    with RawPeer(scripted(answer)) as peer:
        assert make(peer).item("I-1").title == "Buku I-1"


def test_a_connection_dropped_mid_message(make) -> None:  # type: ignore[no-untyped-def]
    def answer(request: bytes, connection: int, count: int) -> list[Step]:
        if connection == 0:
            return [item_reply(request)[:10], "close"]
        return [item_reply(request)]

    with RawPeer(scripted(answer)) as peer:
        assert make(peer).item("I-1").title == "Buku I-1"  # read-only: asked again
    checkout = "120NNN" + DATE + "AOPALU|AAP1|ABI-1|AJBuku|AH|"
    with RawPeer(scripted(lambda r, c, n: [frame(checkout, seq_of(r))[:12], "close"])) as peer:
        backend = make(peer)
        with pytest.raises(Sip2UnreachableError) as info:
            backend.checkout("P1", "I-1")
        assert info.value.maybe_done  # it went out: the ILS may have lent it
        assert len(peer.frames(b"11")) == 1  # never sent twice


def test_a_stall_past_the_timeout_and_then_failing_fast(make) -> None:  # type: ignore[no-untyped-def]
    with RawPeer(scripted(lambda r, c, n: [("sleep", 3.0)])) as peer:
        backend = make(peer, timeout=0.3, retry=5)
        started = time.monotonic()
        with pytest.raises(Sip2UnreachableError):
            backend.item("I-1")
        assert time.monotonic() - started < 1.5  # two tries of 0.3 s, not the stall
        started = time.monotonic()
        with pytest.raises(Sip2UnreachableError):
            backend.item("I-1")  # the ILS counts as down: no waiting at all
        assert time.monotonic() - started < 0.1
        assert not backend.capabilities().online


def test_a_close_after_login_is_noticed_before_the_next_request(make) -> None:  # type: ignore[no-untyped-def]
    def script(request: bytes, connection: int, count: int) -> list[Step]:
        if connection == 0 and request.startswith(b"99"):
            return [*normal(request), ("sleep", 0.05), "close"]
        return normal(request) or [frame("121NNY" + DATE + "AOPALU|AAP1|ABI-1|AJBuku|AH|")]

    with RawPeer(script) as peer:
        backend = make(peer)
        backend.client.refresh_status()
        time.sleep(0.2)
        result = backend.checkout("P1", "I-1")
        assert not result.offline
        assert len(peer.frames(b"11")) == 1 and peer.connections == 2
        assert len(peer.frames(b"93")) == 2  # logged in again


def test_an_answer_out_of_step_drops_the_connection(make) -> None:  # type: ignore[no-untyped-def]
    def answer(request: bytes, connection: int, count: int) -> list[Step]:
        seq = seq_of(request)
        assert seq is not None
        return [frame(ITEM.format(date=DATE, code="X"), (seq + 5) % 10)]

    with RawPeer(scripted(answer)) as peer, pytest.raises(Sip2ProtocolError, match="AY"):
        make(peer).item("I-1")
    wrong = scripted(lambda r, c, n: [frame("941", seq_of(r))])
    with RawPeer(wrong) as peer, pytest.raises(Sip2ProtocolError, match="a 94 in answer to a 17"):
        make(peer).item("I-1")


def test_strictly_one_request_in_flight(make) -> None:  # type: ignore[no-untyped-def]
    with RawPeer(scripted(lambda r, c, n: [("sleep", 0.03), item_reply(r)])) as peer:
        backend = make(peer)
        titles: list[str] = []
        threads = [
            threading.Thread(target=lambda n=n: titles.append(backend.item(f"I-{n}").title))
            for n in range(6)
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(10)
        assert sorted(titles) == sorted(f"Buku I-{n}" for n in range(6))
        # On the one connection, every frame is answered before the next one arrives.
        kinds = [kind for kind, connection, _ in peer.events if connection == 0]
        assert kinds == ["in", "out"] * (len(kinds) // 2)
        assert peer.connections == 1


def test_crlf_both_ways_and_a_hold_shelf_alert(make) -> None:  # type: ignore[no-untyped-def]
    checkin = "101YNY" + DATE + "AOPALU|ABI-1|AQLantai 1|AJBuku|CLRAK 3|CV01|AGCetak|"

    def script(request: bytes, connection: int, count: int) -> list[Step]:
        answers = normal(request) or [frame(checkin, seq_of(request))]
        return [a.replace(b"\r", b"\r\n") for a in answers if isinstance(a, bytes)]

    with RawPeer(script) as peer:
        result = make(peer, terminator="crlf").checkin("I-1")
        assert (result.to_hold_shelf, result.hold_shelf_location) == (True, "RAK 3")
        assert result.print_lines == ("Cetak",) and result.resensitize
        assert len(peer.frames(b"09")) == 1


def test_a_refused_login_and_bx_read_loosely(make) -> None:  # type: ignore[no-untyped-def]
    with RawPeer(lambda r, c, n: [frame("940", seq_of(r))]) as peer:
        with pytest.raises(Sip2LoginRefusedError) as info:
            make(peer).item("I-1")
        assert info.value.key == "sip2.login_refused"
    short = ACS_STATUS.replace("BXYYYYYYYYYYYYYYYY", "BX" + "Y" * 12)  # no hold/renew
    bare = ACS_STATUS.replace("BXYYYYYYYYYYYYYYYY|", "")  # SIP 1.0: no BX at all

    def status(text: str) -> Script:
        def script(request: bytes, connection: int, count: int) -> list[Step]:
            if request.startswith(b"99"):
                return [frame(text, seq_of(request))]
            return normal(request) or [item_reply(request)]

        return script

    with RawPeer(status(short)) as peer:
        backend = make(peer)
        backend.item("I-1")
        caps = backend.capabilities()
        assert (caps.renew, caps.place_hold, caps.item_info, caps.pay) == (False, False, True, True)
    with RawPeer(status(bare)) as peer:
        backend = make(peer)
        backend.item("I-1")
        assert backend.acs_status().supported is None  # type: ignore[union-attr]
        assert backend.capabilities().renew  # unknown: offered, the ILS decides


@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(st.binary(max_size=120))
def test_whatever_the_acs_answers_only_a_kiosk_error_escapes(make, answer: bytes) -> None:  # type: ignore[no-untyped-def]
    with RawPeer(scripted(lambda r, c, n: [answer + b"\r"])) as peer:
        backend = make(peer, retry=0.01)
        # A clear error (device or domain) at most, never anything else.
        with contextlib.suppress(KioskError):
            backend.item("I-1")
