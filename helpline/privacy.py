"""Phone numbers are personal data, and with an addiction they are a protected record.

The helpline refers to a caller by `contact_ref`, a keyed hash of the number:
stable (the same caller finds their conversation) but useless to anyone
without the key. Logs, keys and job ids carry the ref, never the number.
"""

from __future__ import annotations

import hashlib
import hmac

from helpline.settings import Secret

REF_HEX_CHARS = 32
"""128 bits of HMAC-SHA256: no collisions at helpline scale, and short keys."""


def contact_ref(number: str, key: Secret) -> str:
    digest = hmac.new(key.reveal().encode(), number.encode(), hashlib.sha256).hexdigest()
    return digest[:REF_HEX_CHARS]


def mask_number(number: str) -> str:
    """What staff may see of a number: its last four digits."""
    digits = [c for c in number if c.isdigit()]
    return "…" + "".join(digits[-4:]) if len(digits) >= 4 else "…"
