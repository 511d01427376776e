"""A kiosk process for the store-and-forward tests: the SIP2 backend built by the
composition root, driven line by line on stdin so that the test can kill -9 it at any
point and start another on the same database.

Usage: ``KIOSK_SIP2_PASSWORD=... python -m tests.integration.sip2_child DB URL``.
Commands (one per line): ``signin NUMBER [PIN]``, ``checkout PATRON BARCODE``,
``checkin BARCODE``, ``start`` (the monitor: reconnect and replay), ``replay``,
``outbox``. Each answer is one JSON line.
"""

from __future__ import annotations

import json
import sys
from dataclasses import replace

from kiosk import bootstrap
from kiosk import config as config_module
from kiosk.circulation.sip2.backend import Sip2Circulation
from kiosk.domain.errors import KioskError


def main(argv: list[str]) -> int:
    path, url = argv[:2]
    config = config_module.parse(config_module.default_config_text(), "<child>")
    backend = replace(
        config.backend, kind="sip2", url=url, offline_checkouts=True, offline_loan_days=7
    )
    config = replace(config, backend=backend)
    kiosk = bootstrap.open_kiosk(config, path, devices=False)
    assert kiosk.services is not None
    circulation = kiosk.services.circulation
    assert isinstance(circulation, Sip2Circulation)
    print(json.dumps({"ready": True}), flush=True)
    for line in sys.stdin:
        command, *args = line.split()
        try:
            if command == "signin":
                patron = circulation.sign_in(number=args[0], pin=args[1] if len(args) > 1 else None)
                answer: dict[str, object] = {"ok": patron.ref, "name": patron.name}
            elif command == "checkout":
                result = circulation.checkout(args[0], args[1])
                answer = {"ok": result.barcode, "offline": result.offline,
                          "due": result.due_at.isoformat()}  # fmt: skip
            elif command == "checkin":
                back = circulation.checkin(args[0])
                answer = {"ok": back.barcode, "offline": back.offline}
            elif command == "start":
                circulation.start()
                answer = {"ok": "started"}
            elif command == "replay":
                report = circulation.replay()
                answer = {"ok": "replayed", "sent": report.sent, "left": report.left}
            elif command == "outbox":
                answer = {
                    "open": len(circulation.outbox.open_entries()),
                    "refused": circulation.refused_entries(),
                }
            else:
                answer = {"error": f"unknown command {command}"}
        except KioskError as exc:
            answer = {"refused": exc.key, "params": {k: str(v) for k, v in exc.params.items()}}
        print(json.dumps(answer), flush=True)
    bootstrap.close_kiosk(kiosk)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
