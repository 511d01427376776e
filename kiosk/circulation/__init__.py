"""Circulation: sign-in, checkout, return, renew, holds, fines.

:mod:`kiosk.circulation.api` is the interface the screens and the CLI call; backends
implement it (``local`` on SQLite, later ``sip2`` to the library's ILS). Refusals are
:class:`~kiosk.domain.errors.DomainError` with ``circulation.*`` message keys.
"""
