"""Sign a webhook the way Twilio does, for tests that play Twilio (twilio.md §3.1, §3.6).

The signature covers the PUBLIC url (what is configured in Twilio, e.g.
https://helpline.example.org/twilio/sms?lang=es), not the address the test
actually posts to, exactly as behind a reverse proxy.
"""

from __future__ import annotations

from urllib.parse import urlencode

from twilio.request_validator import RequestValidator


class _MultiDict(dict[str, list[str]]):
    """RequestValidator reads repeated keys through getlist(); a plain dict loses them."""

    def getlist(self, key: str) -> list[str]:
        return self[key]


def signed_form(
    public_url: str, pairs: list[tuple[str, str]], token: str
) -> tuple[bytes, dict[str, str]]:
    """The urlencoded body and the headers (signature, form Content-Type) for a webhook."""
    grouped = _MultiDict()
    for key, value in pairs:
        grouped.setdefault(key, []).append(value)
    signature: str = RequestValidator(token).compute_signature(public_url, grouped)
    headers = {
        "X-Twilio-Signature": signature,
        "Content-Type": "application/x-www-form-urlencoded",
    }
    return urlencode(pairs).encode("ascii"), headers
