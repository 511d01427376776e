"""Staff cards and the card lock on the SIP2 backend, against the real pysip2 server
(issue 16 item 5): a listed staff card never reaches staff mode without the kiosk's own
PIN; the PIN is set into the kiosk's database and checked with the same count-first
lock as the local backend; parallel wrong PINs never reach the ILS more than
pin_max_tries times."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import pytest

from kiosk.circulation.sip2.backend import Sip2Circulation
from kiosk.config import Config
from kiosk.domain.errors import DomainError
from tests.support import peers

peers.module("pysip2", "pip install .[test]")  # the SIP2 test server's codec

from tests.support.sip2_library import (  # noqa: E402
    Library,
    Sip2TestServer,
    make,
    populate,
    refused,
)

pytestmark = [pytest.mark.integration, pytest.mark.timeout(60)]


@pytest.fixture
def library(sip2_server: Sip2TestServer) -> Library:
    lib = populate(sip2_server.library)
    lib.patron("S-1", "Ibu Kartini", pin="1111")  # staff, and a patron of the ILS
    return lib


@pytest.fixture
def staff_config(default_config: Config) -> Config:
    backend = replace(default_config.backend, staff_cards=["S-1", "04:aa:bb:cc", "S-9"])
    return replace(default_config, backend=backend)


@pytest.fixture
def sip2(
    sip2_server: Sip2TestServer, library: Library, tmp_path: Path, staff_config: Config
) -> Iterator[Sip2Circulation]:
    backend = make(tmp_path, staff_config, sip2_server.url())
    yield backend
    backend.close()
    backend.outbox.store.close()


def test_a_staff_card_needs_the_kiosks_own_pin(sip2: Sip2Circulation, library: Library) -> None:
    # No PIN set yet: never staff mode, whatever the ILS says of the card.
    error = refused("circulation.staff_pin_missing", sip2.sign_in, number="S-1", pin="1111")
    assert error.params == {"card": "S-1"}
    sip2.set_pin("S-1", "2468", by_staff=True)  # kiosk circ pin set
    refused("circulation.pin_required", sip2.sign_in, number="S-1")
    refused("circulation.pin_wrong", sip2.sign_in, number="S-1", pin="1111")  # the ILS's PIN
    patron = sip2.sign_in(number="S-1", pin="2468")
    assert (patron.is_staff, patron.pin_verified, patron.ref) == (True, True, "S-1")
    assert patron.name == "Ibu Kartini"  # the ILS knows the person
    # The PIN is the kiosk's: never sent to the ILS.
    assert all(getattr(r, "patron_password", None) != "2468" for _, r in library.requests)
    row = sip2.outbox.store.conn.execute(
        "SELECT p.pin_hash FROM patrons p JOIN cards c ON c.patron_id = p.id "
        "WHERE c.card_number = 'S-1'"
    ).fetchone()
    assert row[0].startswith("scrypt$")


def test_a_staff_card_the_ils_does_not_know_tapped_by_its_key(sip2: Sip2Circulation) -> None:
    sip2.set_pin("04:aa:bb:cc", "9753", by_staff=True)
    patron = sip2.sign_in(uid="04aabbcc", pin="9753")
    assert patron.is_staff and patron.pin_verified and patron.ref == "04:aa:bb:cc"
    sip2.clear_pin("04:aa:bb:cc")
    refused("circulation.staff_pin_missing", sip2.sign_in, uid="04AABBCC", pin="9753")


def test_staff_pins_lock_with_the_count_first_rule(sip2: Sip2Circulation) -> None:
    sip2.set_pin("S-9", "1357", by_staff=True)
    for left in (4, 3, 2, 1):
        error = refused("circulation.pin_wrong", sip2.sign_in, number="S-9", pin="0000")
        assert error.params == {"tries_left": left}
    refused("circulation.card_locked", sip2.sign_in, number="S-9", pin="0000")
    refused("circulation.card_locked", sip2.sign_in, number="S-9", pin="1357")
    sip2.clear_pin("S-9")  # the desk lifts the lock; a new PIN then works
    sip2.set_pin("S-9", "8642", by_staff=True)
    assert sip2.sign_in(number="S-9", pin="8642").is_staff


def test_patrons_pins_stay_the_ils_own(sip2: Sip2Circulation) -> None:
    refused("sip2.pin_change_unsupported", sip2.set_pin, "P1", "2222", "1234")  # a patron
    refused("sip2.pin_not_staff_card", sip2.set_pin, "P1", "2222", by_staff=True)  # the desk
    refused("sip2.pin_not_staff_card", sip2.clear_pin, "P1")
    assert not sip2.capabilities().pin_change


def test_parallel_wrong_pins_reach_the_ils_at_most_pin_max_tries_times(
    sip2: Sip2Circulation, library: Library
) -> None:
    barrier = threading.Barrier(12)
    keys: list[str] = []

    def attempt() -> None:
        barrier.wait()
        try:
            sip2.sign_in(number="P1", pin="0000")
        except DomainError as exc:
            keys.append(exc.key)

    threads = [threading.Thread(target=attempt) for _ in range(12)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(20)
    tried = [r for code, r in library.requests if code == "63" and r.patron_password == "0000"]
    assert len(tried) == 5
    assert sorted(set(keys)) == ["circulation.card_locked", "circulation.pin_wrong"]
    assert keys.count("circulation.pin_wrong") == 4
    refused("circulation.card_locked", sip2.sign_in, number="P1", pin="1234")
