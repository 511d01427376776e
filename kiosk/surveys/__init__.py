"""Short anonymous surveys offered at sign-out: defined in config (``[[surveys]]``),
answered on the kiosk, read in ``kiosk survey results`` and ``kiosk report``.

See :mod:`kiosk.surveys.api` for the interface the screens use and
:mod:`kiosk.surveys.service` for how anonymity is kept.
"""
