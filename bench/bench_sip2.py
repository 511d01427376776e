"""The SIP2 backend against a real SIP2 server (pysip2's ACS, the tests' in-memory
library) on 127.0.0.1.

Figures: the checkout round trip through the kiosk's backend vs a raw socket round trip
(one prepared 11 frame, read to its CR) to the same server in the same run, alternating
so both see the same server; the difference is the kiosk's overhead (target <= 1 ms at
p95). Sign-in (63 patron information) p50/p95, without and with a PIN (a verified PIN
is also hashed into the offline card cache when offline circulation is on: scrypt, on
purpose). Options: ``--quick`` (fewer rounds).
"""

from __future__ import annotations

import socket
import statistics
import tempfile
import time
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

from kiosk import bootstrap
from kiosk import config as config_module
from kiosk.circulation.sip2.backend import Sip2Circulation
from kiosk.circulation.sip2.codec import checksum, timestamp
from tests.support.sip2_library import INSTITUTION, PASSWORD, USER, ZONE, Library, Sip2TestServer


class RawClient:
    """The floor: a socket, a login, then one checkout frame and a read to CR."""

    def __init__(self, port: int) -> None:
        self.sock = socket.create_connection(("127.0.0.1", port))
        self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.seq = 0
        self.call(f"9300CN{USER}|CO{PASSWORD}|")

    def call(self, text: str) -> bytes:
        body = text.encode("cp850") + b"AY%dAZ" % self.seq
        self.seq = (self.seq + 1) % 10
        self.sock.sendall(body + checksum(body).encode() + b"\r")
        reply = b""
        while not reply.endswith(b"\r"):
            reply += self.sock.recv(65536)
        return reply

    def checkout(self, patron: str, barcode: str) -> bytes:
        now = timestamp(datetime.now(UTC), ZONE)
        return self.call(f"11NN{now}{now}AO{INSTITUTION}|AA{patron}|AB{barcode}|AC|")


def _stats(times: list[float]) -> tuple[float, float]:
    ordered = sorted(times)
    return statistics.median(ordered), ordered[int(len(ordered) * 0.95)]


def main(argv: list[str]) -> None:
    rounds = 200 if "--quick" in argv else 1000
    library = Library()
    library.patron("P1", "Siti Aminah", pin="1234")
    library.patron("P2", "Budi Santoso")
    for n in range(2 * rounds):
        library.item(f"B{n:06d}", f"Title {n}")
    with Sip2TestServer(library) as server, tempfile.TemporaryDirectory() as folder:
        base = config_module.parse(config_module.default_config_text(), "<bench>")
        section = replace(base.backend, kind="sip2", url=server.url(), offline_checkouts=True)
        config = replace(base, backend=section)
        # The kiosk's database from the composition root (local backend); the SIP2
        # backend under measurement built by hand with the test server's password.
        local = bootstrap.open_kiosk(base, Path(folder) / "kiosk.db", devices=False)
        assert local.store is not None
        kiosk = Sip2Circulation(local.store, config, PASSWORD)
        raw = RawClient(server.port)
        kiosk.sign_in(number="P2")  # connect, log in, status: not measured
        via_kiosk: list[float] = []
        via_raw: list[float] = []
        for n in range(rounds):
            t0 = time.perf_counter()
            kiosk.checkout("P2", f"B{2 * n:06d}")
            via_kiosk.append((time.perf_counter() - t0) * 1e3)
            t0 = time.perf_counter()
            assert raw.checkout("P2", f"B{2 * n + 1:06d}")[2:3] == b"1"
            via_raw.append((time.perf_counter() - t0) * 1e3)
        k50, k95 = _stats(via_kiosk)
        r50, r95 = _stats(via_raw)
        print(f"   checkout via the kiosk backend: p50 {k50:.2f} ms, p95 {k95:.2f} ms ({rounds})")
        print(f"   checkout via a raw socket:      p50 {r50:.2f} ms, p95 {r95:.2f} ms ({rounds})")
        overhead = k95 - r95
        print(
            f"   kiosk overhead: p50 {k50 - r50:.2f} ms, p95 {overhead:.2f} ms "
            f"[target p95 <= 1 ms] {'ok' if overhead <= 1 else 'MISSED'}"
        )
        for label, kwargs in (
            ("without PIN", {"number": "P2"}),
            ("with PIN (+ offline card cache)", {"number": "P1", "pin": "1234"}),
        ):
            times = []
            for _ in range(max(50, rounds // 4)):
                t0 = time.perf_counter()
                kiosk.sign_in(**kwargs)  # type: ignore[arg-type]
                times.append((time.perf_counter() - t0) * 1e3)
            p50, p95 = _stats(times)
            print(f"   sign-in {label}: p50 {p50:.2f} ms, p95 {p95:.2f} ms ({len(times)})")
        raw.sock.close()
        kiosk.close()
        bootstrap.close_kiosk(local)
