"""Self-service kiosk for public libraries (Perpustakaan Kota Palu).

The core package: domain types, services, the store, ports, the event bus, config,
the composition root and the CLI. It never imports Kivy or ``screens`` (the CLI's
``run``/``demo`` commands are the one exception, see DESIGN.md).
"""

__version__ = "0.1.0"
