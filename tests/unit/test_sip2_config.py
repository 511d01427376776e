"""``[backend] kind = "sip2"``: the URL, the password, one-line config errors, and the
composition root building the backend (without connecting)."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest

from kiosk import config as config_module
from kiosk.circulation.sip2.backend import Sip2Circulation
from kiosk.circulation.sip2.settings import Sip2Settings
from kiosk.config import Config
from kiosk.credentials import Credentials
from kiosk.domain.errors import ConfigError
from tests.support.kiosks import open_test_kiosk

URL = "sip2://kiosk@ils.example:6001?institution=PALU&location=LOBBY"


def test_url_with_every_key() -> None:
    s = Sip2Settings.from_url(
        "sip2s://self%20check@ils.example:7000?institution=PALU&location=L1&encoding=utf-8"
        "&checksums=off&separator=%5E&terminator=crlf&timeout=3&keepalive=20&retry=5"
        "&pin=required&currency=USD&ca_file=/etc/ssl/ils.pem"
    )
    assert (s.host, s.port, s.tls, s.user) == ("ils.example", 7000, True, "self check")
    assert (s.institution, s.location, s.pin, s.currency) == ("PALU", "L1", "required", "USD")
    assert s.framing.encoding == "utf-8" and s.framing.separator == "^"
    assert not s.framing.checksums and s.framing.terminator == b"\r\n"
    assert (s.timeout, s.keepalive, s.retry, s.ca_file) == (3, 20, 5, "/etc/ssl/ils.pem")


def test_url_defaults() -> None:
    s = Sip2Settings.from_url("sip2://ils.example?institution=PALU&separator=|")
    assert (s.port, s.tls, s.user, s.pin) == (6001, False, "", "ils")
    assert s.framing.encoding == "cp850" and s.framing.checksums


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("http://ils.example?institution=P", "sip2:// or sip2s://"),
        ("sip2://kiosk:pw@ils.example?institution=P", "no password in the URL"),
        ("sip2://ils.example:99999?institution=P", "port number"),
        ("sip2://?institution=P", "a host"),
        ("sip2://ils.example", "institution="),
        ("sip2://ils.example?institution=P&colour=red", "'colour' is unknown"),
        ("sip2://ils.example?institution=P&encoding=klingon", "character set"),
        ("sip2://ils.example?institution=P&encoding=utf-16", "ASCII-compatible"),
        ("sip2://ils.example?institution=P&separator=ab", "one printable"),
        ("sip2://ils.example?institution=P&checksums=maybe", "checksums=on"),
        ("sip2://ils.example?institution=P&terminator=lf", "terminator=cr"),
        ("sip2://ils.example?institution=P&timeout=0", "more than 0"),
        ("sip2://ils.example?institution=P&pin=sometimes", "pin=ils"),
        ("sip2://ils.example?institution=P&currency=rp", "currency code"),
    ],
)
def test_bad_urls_say_what_was_expected(url: str, expected: str) -> None:
    with pytest.raises(ValueError, match=expected):
        Sip2Settings.from_url(url)


def _parse(backend: str) -> Config:
    return config_module.parse(f"[backend]\n{backend}\n", "kiosk.toml")


def test_config_errors_are_one_line_naming_the_key() -> None:
    with pytest.raises(ConfigError) as info:
        _parse('kind = "sip2"')
    assert info.value.key == "backend.url" and "\n" not in str(info.value)
    with pytest.raises(ConfigError) as info:
        _parse('kind = "sip2"\nurl = "sip2://kiosk:pw@ils?institution=P"')
    assert str(info.value).startswith("kiosk.toml: backend.url: expected no password")
    with pytest.raises(ConfigError, match="offline_loan_days"):
        _parse('kind = "sip2"\nurl = "sip2://ils?institution=P"\noffline_loan_days = 0')
    config = _parse(
        f'kind = "sip2"\nurl = "{URL}"\noffline_checkouts = true\noffline_loan_days = 7\n'
        "offline_card_days = 10\noffline_max_items = 3"
    )
    assert config.backend.offline_checkouts and config.backend.offline_max_items == 3


def test_the_composition_root_builds_the_sip2_backend_without_connecting(
    tmp_path: Path, default_config: Config
) -> None:
    config = replace(default_config, backend=replace(default_config.backend, kind="sip2", url=URL))
    path = tmp_path / "k.db"
    with pytest.raises(ConfigError) as info:
        open_test_kiosk(config, path, credentials=Credentials(None, env={}))  # no password
    assert info.value.key == "backend.url" and "KIOSK_SIP2_PASSWORD" in str(info.value)
    with_env = Credentials(None, env={"KIOSK_SIP2_PASSWORD": "pw"})
    services = open_test_kiosk(config, path, credentials=with_env).services
    assert services is not None
    assert isinstance(services.circulation, Sip2Circulation)
    assert services.local is False  # every call goes through the worker
    assert services.circulation.client._password == "pw"
    assert services.circulation.client.status is None  # nothing connected
    secrets = tmp_path / "secrets.toml"
    secrets.write_text('sip2_password = "from-file"\n')
    built = open_test_kiosk(config, path, credentials=Credentials(secrets, env={})).services
    assert built is not None and isinstance(built.circulation, Sip2Circulation)
    assert built.circulation.client._password == "from-file"


def test_a_url_without_a_user_needs_no_password(tmp_path: Path, default_config: Config) -> None:
    url = "sip2://ils.example?institution=PALU"
    config = replace(default_config, backend=replace(default_config.backend, kind="sip2", url=url))
    services = open_test_kiosk(config, tmp_path / "k.db", credentials=Credentials(None, env={}))
    assert services.services is not None
    assert isinstance(services.services.circulation, Sip2Circulation)
