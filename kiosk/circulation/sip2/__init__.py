"""The SIP2 backend: the kiosk as a self-check (SC) on the library's own ILS (the ACS).

Layers, each testable on its own: :mod:`.codec` turns frames into messages and back
(no I/O), :mod:`.settings` reads the ``sip2://`` URL, :mod:`.transport` moves frames
over TCP or TLS, :mod:`.client` runs one request at a time with sequence numbers,
checksums, resend, reconnect and keep-alive. Above it: :mod:`.sc_messages` builds the
SC's requests and :mod:`.acs_replies` reads the ACS's answers (both without I/O),
:mod:`.lookup` asks the questions that change nothing, :mod:`.sign_in` decides who is
at the kiosk (PINs, staff cards, offline sign-in), :mod:`.accounts` reads a patron's
account, :mod:`.replay` sends the outbox, and :mod:`.backend` is the circulation
interface the screens and the CLI use. See docs/circulation.md (SIP2).
"""
