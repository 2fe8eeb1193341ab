"""Place one outbound call through Twilio (voice pages), sorting failures like texts.

The call's own TwiML comes from our /twilio/page routes; no phone number is
ever in those URLs, only the escalation and page keys.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Protocol

import requests
from twilio.base.exceptions import TwilioRestException, TwilioServiceException

from helpline.errors import DeliveryDeferred
from helpline.telephony.sender import classify_rest_error

RING_SECONDS = 25
"""How long a page call rings before Twilio gives up (and reports no-answer)."""


@dataclass(frozen=True, slots=True)
class PlacedCall:
    sid: str
    status: str


class Dialer(Protocol):
    def call(self, to: str, *, url: str, status_callback: str | None) -> PlacedCall: ...


class TwilioDialer:
    def __init__(self, client: Any, from_number: str) -> None:
        self._client = client
        self._from = from_number

    def call(self, to: str, *, url: str, status_callback: str | None) -> PlacedCall:
        optional = {"status_callback": status_callback} if status_callback else {}
        try:
            call = self._client.calls.create(
                to=to, from_=self._from, url=url, timeout=RING_SECONDS, **optional
            )
        except (TwilioRestException, TwilioServiceException) as exc:
            raise classify_rest_error(exc.status, exc.code) from None
        except requests.exceptions.RequestException as exc:
            raise DeliveryDeferred(f"could not reach Twilio ({type(exc).__name__})") from None
        return PlacedCall(sid=str(call.sid), status=str(call.status))
