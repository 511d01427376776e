"""Simulators for every port, chosen with ``sim://NAME?fail=MODE&delay=SECONDS``.

They are scriptable (``tap``, ``scan``, ``place`` ...) for the demo panel and tests, and
misbehave on request, like OctoPrint's virtual printer: ``fail`` is one of
``timeout``, ``offline``, ``garbage`` (and a few device-specific modes), set from the
URL or at run time with :meth:`SimDevice.fail`.
"""

from devices.sim.base import FAILURE_MODES, SimDevice
from devices.sim.card_reader import SimCardReader
from devices.sim.item_pad import SimItemPad
from devices.sim.item_scanner import SimItemScanner
from devices.sim.printer_host import SimPrinterHost
from devices.sim.receipt_printer import SimReceiptPrinter
from devices.sim.speaker import SimSpeaker
from devices.sim.switch import SimSwitch

__all__ = [
    "FAILURE_MODES",
    "SimCardReader",
    "SimDevice",
    "SimItemPad",
    "SimItemScanner",
    "SimPrinterHost",
    "SimReceiptPrinter",
    "SimSpeaker",
    "SimSwitch",
]
