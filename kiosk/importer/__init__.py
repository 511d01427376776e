"""Importing a library's data: the kiosk's own CSV and SLiMS 9 exports.

See :mod:`kiosk.importer.core` (validation, all-or-nothing writes, the report) and
:mod:`kiosk.importer.reader` (how SLiMS writes delimited text).
"""

from kiosk.importer.core import KINDS, ImportReport, Rejected, run_import

__all__ = ["KINDS", "ImportReport", "Rejected", "run_import"]
