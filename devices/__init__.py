"""Adapters for real hardware and services, and a simulator beside each.

Adapters implement the ports in :mod:`kiosk.ports`, own their threads and publish
events on the bus. They import only ``kiosk.ports``, ``kiosk.domain`` and ``kiosk.bus``.
"""
