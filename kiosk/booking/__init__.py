"""The makerspace booking engine: rules, availability, the service and the scheduler.

No Kivy, no devices: equipment is reached through :mod:`kiosk.ports` only.
"""
