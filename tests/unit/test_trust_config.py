"""Issue 11: config that cannot disable a safeguard (items 3, 6, 13)."""

from __future__ import annotations

import pytest

from kiosk import config
from kiosk.domain.errors import ConfigError


def parse(text: str) -> config.Config:
    return config.parse(text, "kiosk.toml")


@pytest.mark.parametrize("value", ["nan", "inf", "-inf", "+inf"])
@pytest.mark.parametrize(
    "key",
    [
        "[bookings]\ntick_seconds",
        "[display]\npanel_width_mm",
        "[accessibility]\nspeech_volume",
        "[accessibility]\nsession_timeout_s",
    ],
)
def test_nan_and_infinity_are_config_errors_in_every_float(key: str, value: str) -> None:
    with pytest.raises(ConfigError) as caught:
        parse(f"{key} = {value}\n")
    message = str(caught.value)
    assert "\n" not in message and "finite" in message


@pytest.mark.parametrize("minutes", [0, -1, 10**12, 2**63 - 1, 10**30])
def test_an_absurd_pin_lock_is_a_config_error(minutes: int) -> None:
    text = f"[circulation]\npin_lock_minutes = {minutes}\n"
    if minutes > 2**63 - 1:
        text = f"[circulation]\npin_lock_minutes = {minutes}.0\n"  # TOML ints stop at 2^63
    with pytest.raises(ConfigError) as caught:
        parse(text)
    assert "circulation.pin_lock_minutes" in str(caught.value)


@pytest.mark.parametrize("tries", [0, 1000])
def test_pin_max_tries_is_sane(tries: int) -> None:
    with pytest.raises(ConfigError):
        parse(f"[circulation]\npin_max_tries = {tries}\n")


def test_a_week_of_lock_is_allowed_and_require_pin_defaults_false() -> None:
    cfg = parse("[circulation]\npin_lock_minutes = 10080\n")
    assert cfg.circulation.pin_lock_minutes == 10080
    assert cfg.circulation.require_pin is False
    assert parse("[circulation]\nrequire_pin = true\n").circulation.require_pin is True


def test_slims_member_types_come_from_config() -> None:
    cfg = parse('[import.slims]\nmember_types = { "Pegawai" = "staff", "Umum" = "adult" }\n')
    assert cfg.import_.slims.member_types == {"Pegawai": "staff", "Umum": "adult"}
    assert parse("").import_.slims.member_types == {}
    with pytest.raises(ConfigError) as caught:
        parse('[import.slims]\nmember_types = { "Pegawai" = "Staf Perpus" }\n')
    assert "import.slims.member_types" in str(caught.value)
    with pytest.raises(ConfigError) as caught:
        parse("[import.slims]\nbogus = 1\n")
    assert "import.slims.bogus" in str(caught.value)
