"""Send one text through Twilio and sort every failure into refused or deferred.

Refused means Twilio looked at the request and will never accept it for this
recipient (opted out, bad number, landline, body too long): the job ends.
Deferred means a later attempt may succeed (rate limit, Twilio outage, timeout,
credentials being fixed): the job retries. A read timeout or a 5xx is also an
unknown outcome, since the text may have gone out (twilio.md §4.3).

Exception messages carry the Twilio error code and HTTP status only. Twilio's
own messages can quote the phone number, and the body may describe substance
use, so neither may reach a log line or a traceback (hence `from None`).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Protocol

import requests
from twilio.base.exceptions import TwilioRestException, TwilioServiceException

from helpline.errors import DeliveryDeferred, DeliveryError, DeliveryRefused

OPTED_OUT_CODE = 21610
"""Twilio's "recipient replied STOP": the helpline records it as its own opt-out."""

LANDLINE_CODE = 21614
"""Twilio's "To is not a mobile number": a landline, which a call is told about."""

# Permanent per-recipient errors (twilio.md §4.4): retrying cannot help.
PERMANENT_ERROR_CODES = frozenset(
    {
        21211,  # invalid To number
        21408,  # sending to this region is not enabled
        21606,  # From is not a message-capable number of ours for this To
        OPTED_OUT_CODE,
        21612,  # Twilio cannot route to this number
        LANDLINE_CODE,
        21617,  # body over 1600 characters
    }
)
# "Too many requests": never processed, always safe to retry (twilio.md §4.3).
RATE_LIMIT_CODES = frozenset({429, 20429})
# Bad credentials: not the recipient's fault, and fixing the token makes a retry work.
AUTH_ERROR_CODES = frozenset({20003})


@dataclass(frozen=True, slots=True)
class SentMessage:
    sid: str
    status: str


class SmsSender(Protocol):
    def send(
        self,
        to: str,
        body: str,
        *,
        status_callback: str | None = None,
        validity_period: int | None = None,
    ) -> SentMessage: ...


class TwilioSender:
    """SmsSender over the official twilio Client (see helpline.telephony.client)."""

    def __init__(self, client: Any, from_number: str) -> None:
        self._client = client
        self._from = from_number

    def send(
        self,
        to: str,
        body: str,
        *,
        status_callback: str | None = None,
        validity_period: int | None = None,
    ) -> SentMessage:
        optional: dict[str, Any] = {
            "status_callback": status_callback,
            "validity_period": validity_period,
        }
        kwargs = {name: value for name, value in optional.items() if value is not None}
        try:
            message = self._client.messages.create(to=to, from_=self._from, body=body, **kwargs)
        except (TwilioRestException, TwilioServiceException) as exc:
            raise classify_rest_error(exc.status, exc.code) from None
        except requests.exceptions.Timeout as exc:
            # Covers ConnectTimeout too; the read case is the ambiguous one.
            raise DeliveryDeferred(
                f"Twilio did not answer in time ({type(exc).__name__}); the text may have been sent"
            ) from None
        except requests.exceptions.RequestException as exc:
            # ConnectionError (refused, reset, DNS) and the rest of the requests family.
            raise DeliveryDeferred(f"could not reach Twilio ({type(exc).__name__})") from None
        return SentMessage(sid=str(message.sid), status=str(message.status))


def classify_rest_error(status: int, code: int | None) -> DeliveryError:
    """Map an HTTP status and Twilio error code to DeliveryRefused or DeliveryDeferred."""
    # twilio falls back to the HTTP status when the body has no code; that is no code.
    twilio_code = code if code is not None and code != status else None
    detail = f"Twilio error {twilio_code} (HTTP {status})" if twilio_code else f"HTTP {status}"
    if status == 429 or code in RATE_LIMIT_CODES:
        return DeliveryDeferred(f"rate limited: {detail}", code=twilio_code, status=status)
    if status == 401 or code in AUTH_ERROR_CODES:
        return DeliveryDeferred(f"credentials rejected: {detail}", code=twilio_code, status=status)
    if status >= 500:
        return DeliveryDeferred(
            f"Twilio failed: {detail}; the text may have been sent", code=twilio_code, status=status
        )
    if twilio_code in PERMANENT_ERROR_CODES or (twilio_code and 400 <= status < 500):
        return DeliveryRefused(f"refused: {detail}", code=twilio_code, status=status)
    # A 4xx without a Twilio code came from something in between (a proxy, a wrong
    # base URL), not from Twilio judging this recipient: fix it and retry.
    return DeliveryDeferred(f"unexpected response: {detail}", code=twilio_code, status=status)
