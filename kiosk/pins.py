"""PIN hashing with scrypt (stdlib): slow on purpose, salted, self-describing.

Stored form: ``scrypt$<n>$<r>$<p>$<salt hex>$<hash hex>``. A 4-6 digit PIN has few
possible values, so the hash must be slow; the card lock after failed tries (in the
circulation service) does the rest.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets

# ~50 ms on a Raspberry Pi 4, ~15 ms on a 2-core x86-64 machine; 16 MiB of memory.
N, R, P = 2**14, 8, 1


def valid_pin(pin: str) -> bool:
    """4 to 8 ASCII digits (``²³`` and other Unicode digits are not typed on a pad)."""
    return pin.isascii() and pin.isdigit() and 4 <= len(pin) <= 8


def hash_pin(pin: str) -> str:
    if not valid_pin(pin):
        raise ValueError("a PIN is 4 to 8 digits")
    salt = secrets.token_bytes(16)
    digest = hashlib.scrypt(pin.encode(), salt=salt, n=N, r=R, p=P, dklen=32)
    return f"scrypt${N}${R}${P}${salt.hex()}${digest.hex()}"


def verify_pin(pin: str, stored: str) -> bool:
    try:
        algo, n, r, p, salt, digest = stored.split("$")
        if algo != "scrypt":
            return False
        computed = hashlib.scrypt(
            pin.encode(), salt=bytes.fromhex(salt), n=int(n), r=int(r), p=int(p), dklen=32
        )
    except (ValueError, TypeError):
        return False
    return hmac.compare_digest(computed, bytes.fromhex(digest))
