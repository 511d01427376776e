"""What reader hardware this machine has, for ``kiosk readers`` (staff installing it).

Each source is asked separately; one that cannot be asked (library missing, pcscd not
running, no permission) says why instead of failing the whole listing. Blocking, fast.
"""

from __future__ import annotations


def detect() -> dict[str, list[str] | str]:
    """Source name -> one line per device found, or the reason it cannot be asked."""
    found: dict[str, list[str] | str] = {}
    try:
        from devices.pcsc import list_readers

        found["pcsc"] = [f"pcsc://?reader={name}" for name in list_readers()]
    except ImportError:
        found["pcsc"] = "pyscard is not installed (pip install .[pcsc])"
    except OSError as exc:  # pcscd not running
        found["pcsc"] = str(exc)
    try:
        from serial.tools import list_ports

        found["serial"] = [
            f"serial://{port.device}  ({port.description})" for port in list_ports.comports()
        ]
    except ImportError:
        found["serial"] = "pyserial is not installed"
    try:
        from devices.hid import list_input_devices

        found["hid"] = list_input_devices()
    except ImportError:
        found["hid"] = "evdev is not installed (pip install .[hid])"
    except OSError as exc:
        found["hid"] = f"cannot list input devices: {exc.strerror}"
    return found
