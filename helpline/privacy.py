"""Phone numbers are personal data, and with an addiction they are a protected record.

The helpline refers to a caller by `contact_ref`, a keyed hash of the number:
stable (the same caller finds their conversation) but useless to anyone
without the key. Logs, keys and job ids carry the ref, never the number.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from collections.abc import Sequence

from cryptography.fernet import Fernet, InvalidToken, MultiFernet

from helpline.settings import DERIVED_NUMBER_KEY, Secret

REF_HEX_CHARS = 32
"""128 bits of HMAC-SHA256: no collisions at helpline scale, and short keys."""


def contact_ref(number: str, key: Secret) -> str:
    digest = hmac.new(key.reveal().encode(), number.encode(), hashlib.sha256).hexdigest()
    return digest[:REF_HEX_CHARS]


def mask_number(number: str) -> str:
    """What staff may see of a number: its last four digits."""
    digits = [c for c in number if c.isdigit()]
    return "…" + "".join(digits[-4:]) if len(digits) >= 4 else "…"


NUMBER_KEY_CONTEXT = b"helpline number at rest v1"
"""Separates the derived Fernet key from every other use of the secret key."""


class NumberVault:
    """Encrypts callers' numbers at rest (Fernet: AES-128-CBC with HMAC-SHA256).

    Redis holds only the token; a dump of Redis without the key reveals nobody.
    Keys rotate without downtime: with `HELPLINE_NUMBER_KEYS=new,old` new
    numbers are sealed with `new`, numbers sealed with `old` still open, and
    `helpline privacy rotate` re-seals them all so `old` can be dropped.
    """

    def __init__(self, keys: Sequence[Secret], secret_key: Secret) -> None:
        digest = hmac.new(secret_key.reveal().encode(), NUMBER_KEY_CONTEXT, hashlib.sha256)
        derived = base64.urlsafe_b64encode(digest.digest()).decode()
        chosen = [derived if k.reveal() == DERIVED_NUMBER_KEY else k.reveal() for k in keys]
        self._fernet = MultiFernet([Fernet(k) for k in chosen or [derived]])

    def seal(self, number: str) -> str:
        return self._fernet.encrypt(number.encode()).decode()

    def open(self, token: str | bytes) -> str | None:
        """The number, or None when no configured key opens the token (a dropped key)."""
        raw = token.encode() if isinstance(token, str) else token
        try:
            return self._fernet.decrypt(raw).decode()
        except InvalidToken:
            return None

    def reseal(self, token: str | bytes) -> str | None:
        """The token sealed again with the newest key; None when no key opens it."""
        raw = token.encode() if isinstance(token, str) else token
        try:
            return self._fernet.rotate(raw).decode()
        except InvalidToken:
            return None
