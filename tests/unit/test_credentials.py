"""Secrets come from the environment or a secrets file and never show."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest

from kiosk.credentials import Credentials, Secret, env_name
from kiosk.domain.errors import ConfigError


def test_secret_never_prints(caplog: pytest.LogCaptureFixture) -> None:
    secret = Secret("hunter2")
    assert "hunter2" not in repr(secret)
    assert "hunter2" not in str(secret)
    assert "hunter2" not in f"{secret} {secret!r} {[secret]}"
    with caplog.at_level(logging.INFO):
        logging.getLogger("t").info("password is %s", secret)
    assert "hunter2" not in caplog.text
    assert secret.reveal() == "hunter2"


def test_environment_wins_over_the_file(tmp_path: Path) -> None:
    file = tmp_path / "secrets.toml"
    file.write_text('mqtt_password = "from-file"\n[octoprint_keys]\nprinter-1 = "ABC"\n')
    file.chmod(0o600)
    creds = Credentials(file, env={"KIOSK_MQTT_PASSWORD": "from-env"})
    assert creds.get("mqtt_password") == Secret("from-env")
    assert creds.get("octoprint_keys", "printer-1") == Secret("ABC")
    assert creds.get("sip2_password") is None
    assert creds.file_warning() is None
    assert env_name("octoprint_keys", "printer-1") == "KIOSK_OCTOPRINT_KEYS_PRINTER_1"


def test_world_readable_file_is_warned_about(tmp_path: Path) -> None:
    file = tmp_path / "secrets.toml"
    file.write_text('mqtt_password = "x"\n')
    file.chmod(0o644)
    warning = Credentials(file, env={}).file_warning()
    assert warning is not None and "chmod 600" in warning


def test_broken_secrets_file_does_not_leak_its_content(tmp_path: Path) -> None:
    file = tmp_path / "secrets.toml"
    file.write_text('mqtt_password = "s3cr3t\n')
    with pytest.raises(ConfigError) as caught:
        Credentials(file, env={}).get("mqtt_password")
    assert "s3cr3t" not in str(caught.value)
    assert str(file) in str(caught.value)


def test_missing_file_means_no_secrets(tmp_path: Path) -> None:
    assert Credentials(tmp_path / "none.toml", env={}).get("mqtt_password") is None
