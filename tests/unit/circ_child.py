"""A separate kiosk process for the cross-process tests: checks out one item.

Usage: ``python -m tests.unit.circ_child DB PATRON BARCODE [HOLD_SECONDS]``. It prints
``ready``, waits for a line on stdin (so that the test can start several at the same
moment), checks out, and prints ``ok <due>`` or ``refused <key>``. With HOLD_SECONDS it
prints ``written`` after the loan is written and sleeps that long before the
transaction commits (the test kills it there or lets another process wait on it).
"""

from __future__ import annotations

import sys
import time

from kiosk import config as config_module
from kiosk.circulation.local import LocalCirculation
from kiosk.domain.errors import DomainError
from kiosk.store import Store


class HoldingCirculation(LocalCirculation):
    hold_seconds = 0.0

    def _checkout_written(self) -> None:
        if self.hold_seconds:
            print("written", flush=True)
            time.sleep(self.hold_seconds)


def main(argv: list[str]) -> int:
    path, patron, barcode = argv[:3]
    config = config_module.parse(config_module.default_config_text(), "<child>")
    store = Store(path)
    circulation = HoldingCirculation(store, config)
    circulation.hold_seconds = float(argv[3]) if len(argv) > 3 else 0.0
    print("ready", flush=True)
    sys.stdin.readline()
    try:
        result = circulation.checkout(patron, barcode)
    except DomainError as exc:
        print(f"refused {exc.key}", flush=True)
    else:
        print(f"ok {result.due_at.isoformat()}", flush=True)
    store.close()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
