"""3D printing: reading G-code (thumbnails, estimates, an outline), the files on USB
sticks, and the records of print jobs. The printers themselves are behind the
:class:`~kiosk.ports.PrinterHost` port (OctoPrint in ``devices/octoprint``)."""
