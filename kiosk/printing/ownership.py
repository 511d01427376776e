"""Whose print job is running on a printer: the one rule, for the equipment controller
(power), the overrun policy and the print service (who may cancel).

The kiosk's own record of the printer's open job (:class:`~kiosk.printing.records.
PrintJobRecord`) comes first: it names the booking the kiosk started the job in. The
file's owner metadata (``JobOwner``, kept by the printer's host) comes next, when this
kiosk wrote it. A job with neither was started outside the kiosk (on OctoPrint itself):
"in use (not booked here)".
"""

from __future__ import annotations

from kiosk.ports import PrinterStatus, PrintJob
from kiosk.printing.records import PrintJobRecord


def record_matches(job: PrintJob, record: PrintJobRecord | None) -> bool:
    """The open record is about this job (the same file)."""
    return record is not None and record.file_name in (job.name, job.path)


def job_booking(job: PrintJob | None, record: PrintJobRecord | None, kiosk_id: str) -> int | None:
    """The booking ``job`` belongs to: the open record's, else the file's owner when this
    kiosk uploaded it; None when neither says (or the job is not the kiosk's)."""
    if job is None:
        return None
    if record_matches(job, record):
        assert record is not None
        return record.booking_id
    if job.owner is not None and job.owner.kiosk_id == kiosk_id:
        return job.owner.booking_id
    return None


def started_elsewhere(status: PrinterStatus, record: PrintJobRecord | None) -> bool:
    """A job is running that no kiosk uploaded and this kiosk has no open record of:
    someone printed on OctoPrint itself. Such a printer is "in use (not booked here)"."""
    job = status.job
    if not (status.printing or status.paused) or job is None:
        return False
    return job.owner is None and not record_matches(job, record)
