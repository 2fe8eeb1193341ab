"""A caller's phone, as Twilio would deliver its texts: signed form posts to the live app."""

from __future__ import annotations

import itertools
import xml.etree.ElementTree as ET
from dataclasses import dataclass

import httpx

from tests.fake_twilio.signing import signed_form

PUBLIC_URL = "https://helpline.example.org"
HELPLINE_NUMBER = "+15550100000"
_sids = itertools.count(1)


def new_message_sid() -> str:
    return f"SM{next(_sids):032x}"


@dataclass
class Reply:
    status: int
    texts: list[str]
    body: str


def parse_twiml(body: str) -> list[str]:
    root = ET.fromstring(body)
    assert root.tag == "Response"
    for element in root:
        assert element.tag == "Message", element.tag
    return [element.text or "" for element in root]


class Phone:
    def __init__(self, app_url: str, token: str, number: str) -> None:
        self.app_url, self.token, self.number = app_url, token, number

    def post(
        self,
        path: str,
        pairs: list[tuple[str, str]],
        *,
        token: str | None = None,
        headers: dict[str, str] | None = None,
    ) -> httpx.Response:
        body, signed = signed_form(PUBLIC_URL + path, pairs, token or self.token)
        return httpx.post(
            self.app_url + path, content=body, headers={**signed, **(headers or {})}, timeout=10
        )

    def text(
        self, body: str, *, sid: str | None = None, extra: tuple[tuple[str, str], ...] = ()
    ) -> Reply:
        sid = sid or new_message_sid()
        pairs = [
            ("MessageSid", sid),
            ("SmsSid", sid),
            ("AccountSid", "AC" + "0" * 32),
            ("From", self.number),
            ("To", HELPLINE_NUMBER),
            ("Body", body),
            ("NumMedia", "0"),
            ("NumSegments", "1"),
            ("SmsStatus", "received"),
            ("ApiVersion", "2010-04-01"),
            *extra,
        ]
        response = self.post("/twilio/sms", pairs)
        texts = parse_twiml(response.text) if response.status_code == 200 else []
        return Reply(response.status_code, texts, response.text)
