"""Privacy on import: what never enters the directory, and free text made safe to repeat.

Feeds are public, but they still carry contact names, e-mail addresses, phone
numbers and payment handles that were meant for a web page, not for a stranger's
text message. The helpline keeps only what a caller needs to attend: these fields
are dropped whole, and free text (notes, conference notes) loses its e-mail
addresses and phone numbers. A meeting's own dial-in number is kept, and so are
meeting ids and passcodes, which look like phone numbers but are public.
"""

from __future__ import annotations

import html
import re
from functools import lru_cache

DROPPED_FIELDS = frozenset(
    {
        # Meeting Guide / TSML: contacts, payments, editors (research notes §7.5)
        "email",
        "phone",
        "website",
        "website_2",
        "mailing_address",
        "contact_1_name",
        "contact_1_email",
        "contact_1_phone",
        "contact_2_name",
        "contact_2_email",
        "contact_2_phone",
        "contact_3_name",
        "contact_3_email",
        "contact_3_phone",
        "last_contact",
        "venmo",
        "square",
        "paypal",
        "homegroup_online",
        "edit_url",
        "author",
        "feedback_emails",
        "feedback_url",
        "entity_email",
        "entity_phone",
        "entity_logo",
        # BMLT
        "email_contact",
        "comments",
        "published",
    }
)
"""Fields no importer reads. Importers copy named fields only; this set is the audit list."""

MAX_TEXT_CHARS = 2000
"""Free text longer than this is cut: notes are for a detail page, never a whole text."""

_TAG = re.compile(r"<[^>]*>")
# `name@example.org`, and the spelled-out `name [at] example [dot] org`.
_EMAIL = re.compile(
    r"(?:mailto:)?[\w.+-]+(?:@|\s*[\[(]at[\])]\s*)[\w-]+(?:(?:\.|\s*[\[(]dot[\])]\s*)[\w-]+)+",
    re.IGNORECASE,
)
# North American numbers with or without separators (`(302) 715-8592`, `1-587-328-1099`),
# `+` international numbers, and seven-digit local numbers written with a separator.
_PHONE = re.compile(
    r"(?<![\w/=?&.-])"
    r"(?:\+\d{1,3}[\s.-]?\(?\d{1,4}\)?(?:[\s.-]?\d{2,4}){2,4}"
    r"|(?:1[\s.-]?)?\(?\d{3}\)?[\s.-]?\d{3}[\s.-]?\d{4}"
    r"|\d{3}[.-]\d{4})"
    r"(?![\w/])"
)
# A number right after one of these labels is a meeting id or passcode, not a phone.
_ID_LABEL = re.compile(r"(?:\bid|code|word|pin|pwd|#)\W{0,3}$", re.IGNORECASE)
_URL = re.compile(r"https?://\S+", re.IGNORECASE)
_SPACE = re.compile(r"\s+")
_NOT_DIGIT = re.compile(r"\D")
_PAUSE = re.compile(r"[,;#*]")
_THREE_DIGITS = re.compile(r"\d{3}")
_LOOKBEHIND_CHARS = 16
_MIN_PHONE_DIGITS = 7
_SEVEN_DIGITS = re.compile(r"\d(?:\D*\d){6}")


def scrub_text(text: str | None, keep: str | None = None) -> str | None:
    """Plain text without HTML, e-mail addresses or phone numbers; None when nothing is left.

    `keep` is the meeting's own dial-in: a number in the text with the same digits
    (with or without the country code) stays. Whitespace is collapsed to one space.
    """
    if not text or not isinstance(text, str):
        return None
    return _scrub(text, _digits(keep) if keep else "")


@lru_cache(maxsize=8192)  # location notes and conference notes repeat across a feed
def _scrub(text: str, keep_digits: str) -> str | None:
    if "<" in text:
        text = _TAG.sub(" ", text)
    if "&" in text:
        text = html.unescape(text)
        if "<" in text:  # an escaped tag, now a real one
            text = _TAG.sub(" ", text)
    if "@" in text or "at]" in text or "at)" in text:
        text = _EMAIL.sub("", text)
    # A phone number has at least seven digits: a street number alone skips the regex work.
    if _THREE_DIGITS.search(text) and _SEVEN_DIGITS.search(text):
        text = _without_phones(text, keep_digits)
    text = _SPACE.sub(" ", text).strip()
    if len(text) > MAX_TEXT_CHARS:
        text = text[: MAX_TEXT_CHARS - 1].rstrip() + "…"
    return text or None


def _without_phones(text: str, keep_digits: str) -> str:
    # Links stay whole (a Zoom link's meeting id is not a phone number).
    pieces: list[str] = []
    last = 0
    for url in _URL.finditer(text):
        pieces.append(_PHONE.sub(lambda m: _phone_or_id(m, keep_digits), text[last : url.start()]))
        pieces.append(url.group())
        last = url.end()
    pieces.append(_PHONE.sub(lambda m: _phone_or_id(m, keep_digits), text[last:]))
    return "".join(pieces)


def _phone_or_id(match: re.Match[str], keep_digits: str) -> str:
    number = match.group()
    digits = _digits(number)
    if len(digits) < _MIN_PHONE_DIGITS:
        return number
    before = match.string[max(0, match.start() - _LOOKBEHIND_CHARS) : match.start()]
    if _ID_LABEL.search(before):
        return number
    if keep_digits and (keep_digits.endswith(digits) or digits.endswith(keep_digits[-10:])):
        return number
    return ""


def _digits(text: str) -> str:
    """The dialable number's digits: up to the first pause, so `+1301...,,857#` → 1301..."""
    head = _PAUSE.split(text, maxsplit=1)[0]
    return _NOT_DIGIT.sub("", head)
