"""Is this request really from Twilio? X-Twilio-Signature, checked with twilio's RequestValidator.

Twilio signs the URL it was configured with, so the URL is rebuilt from
HELPLINE_PUBLIC_URL plus the raw, undecoded path and query from the ASGI
scope: what the app sees behind a proxy (http, an internal host) would never
match.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from twilio.request_validator import RequestValidator

from helpline.settings import Secret

SHARED_KEY_HEADER = "x-twilio-webhooks-signature-settings"
"""Set when an account signs with a SharedKey (HMAC-SHA256, beta). Not supported: refused."""


def public_url(scope: Mapping[str, Any], base: str) -> str:
    raw: bytes = scope.get("raw_path") or str(scope["path"]).encode()
    root: str = scope.get("root_path", "")
    url = base.rstrip("/") + root + raw.decode("latin-1")
    query: bytes = scope.get("query_string", b"")
    if query:
        url += "?" + query.decode("latin-1")
    return url


class SignatureChecker:
    """Validates against every configured auth token, so a token can rotate without downtime."""

    def __init__(self, tokens: Sequence[Secret]) -> None:
        self._validators = [RequestValidator(t.reveal()) for t in tokens]

    def valid(self, url: str, form: Any, signature: str, headers: Mapping[str, str]) -> bool:
        if not signature or not self._validators or SHARED_KEY_HEADER in headers:
            return False
        return any(v.validate(url, form, signature) for v in self._validators)
