"""The SIP2 backend: the kiosk as a self-check (SC) on the library's own ILS (the ACS).

Layers, each testable on its own: :mod:`.codec` turns frames into messages and back
(no I/O), :mod:`.settings` reads the ``sip2://`` URL, :mod:`.transport` moves frames
over TCP or TLS, :mod:`.client` runs one request at a time with sequence numbers,
checksums, resend, reconnect and keep-alive, and :mod:`.backend` maps the messages to
the circulation interface the screens use. See docs/circulation.md (SIP2).
"""
