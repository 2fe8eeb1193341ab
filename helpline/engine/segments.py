"""How many SMS segments a text costs, by the GSM-7 / UCS-2 rules carriers use.

GSM-7: 160 characters in one segment, 153 per segment when split; the
extension characters (`^{}\\[~]|€`) take two septets. One character outside
GSM-7 (for example `á`, a curly quote or an emoji) sends the whole text as
UCS-2: 70 in one segment, 67 per segment when split, counted in UTF-16 units.
"""

from __future__ import annotations

import math

_GSM_BASIC = frozenset(
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?"
    "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
)
_GSM_EXTENDED = frozenset("^{}\\[~]|€\f")

GSM_SINGLE, GSM_PART = 160, 153
UCS2_SINGLE, UCS2_PART = 70, 67


def is_gsm7(text: str) -> bool:
    return all(ch in _GSM_BASIC or ch in _GSM_EXTENDED for ch in text)


def count_segments(text: str) -> int:
    """Segments Twilio will bill for `text` (0 for an empty text)."""
    if not text:
        return 0
    if is_gsm7(text):
        units = sum(2 if ch in _GSM_EXTENDED else 1 for ch in text)
        single, part = GSM_SINGLE, GSM_PART
    else:
        units = len(text.encode("utf-16-le")) // 2
        single, part = UCS2_SINGLE, UCS2_PART
    return 1 if units <= single else math.ceil(units / part)
