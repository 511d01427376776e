"""OctoPrint printer hosts: REST commands, push updates, polling as the fallback."""

from devices.octoprint.host import OctoPrintHost

__all__ = ["OctoPrintHost"]
