"""Console passwords, stored only as scrypt hashes (the standard library's, memory-hard).

A stored hash reads `scrypt$<n>$<r>$<p>$<salt>$<hash>` (base64), so the cost
can be raised later: `needs_rehash` says when a login should store a new one.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets

from helpline.errors import HelplineError

SCRYPT_N = 2**15
SCRYPT_R = 8
SCRYPT_P = 1
"""OWASP's scrypt minimum (N=2^15... 2^17, r=8, p=1): about 50 ms and 32 MiB a login."""
SCRYPT_MAXMEM = 64 * 1024 * 1024
SALT_BYTES = 16
HASH_BYTES = 32
MIN_PASSWORD_CHARS = 12
"""Long beats clever: a passphrase of a few words is fine."""
MAX_PASSWORD_CHARS = 1024
"""scrypt reads all of it; a megabyte "password" is an attack, not a login."""
SCHEME = "scrypt"


class PasswordRejected(HelplineError):
    """A new password that does not meet the rules; the message says which."""


def hash_password(password: str) -> str:
    check_new_password(password)
    salt = secrets.token_bytes(SALT_BYTES)
    digest = _scrypt(password, salt, SCRYPT_N, SCRYPT_R, SCRYPT_P)
    return "$".join([SCHEME, str(SCRYPT_N), str(SCRYPT_R), str(SCRYPT_P), _b64(salt), _b64(digest)])


def verify_password(password: str, stored: str) -> bool:
    """Whether `password` matches; a malformed stored hash never matches (and never raises)."""
    if len(password) > MAX_PASSWORD_CHARS:
        return False
    try:
        scheme, n, r, p, salt, digest = stored.split("$")
        if scheme != SCHEME:
            return False
        expected = base64.b64decode(digest, validate=True)
        actual = _scrypt(password, base64.b64decode(salt, validate=True), int(n), int(r), int(p))
    except (ValueError, TypeError):
        return False
    return hmac.compare_digest(actual, expected)


def needs_rehash(stored: str) -> bool:
    parts = stored.split("$")
    return len(parts) != 6 or parts[:4] != [SCHEME, str(SCRYPT_N), str(SCRYPT_R), str(SCRYPT_P)]


def check_new_password(password: str) -> None:
    if len(password) < MIN_PASSWORD_CHARS:
        raise PasswordRejected(f"a password needs at least {MIN_PASSWORD_CHARS} characters")
    if len(password) > MAX_PASSWORD_CHARS:
        raise PasswordRejected(f"a password has at most {MAX_PASSWORD_CHARS} characters")
    if not password.strip():
        raise PasswordRejected("a password cannot be only spaces")


def _scrypt(password: str, salt: bytes, n: int, r: int, p: int) -> bytes:
    return hashlib.scrypt(
        password.encode(), salt=salt, n=n, r=r, p=p, maxmem=SCRYPT_MAXMEM, dklen=HASH_BYTES
    )


def _b64(raw: bytes) -> str:
    return base64.b64encode(raw).decode()
