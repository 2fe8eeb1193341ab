"""POST /twilio/fallback: what Twilio fetches when the primary handler fails, even with no Redis."""

from __future__ import annotations

import itertools
import logging
import socket
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from helpline.settings import Settings
from helpline.web.app import create_app
from helpline.web.fallback import STATIC_SMS_TWIML, STATIC_VOICE_TWIML
from tests.fake_twilio.server import FakeTwilio
from tests.support.fixtures import SECRET_KEY
from tests.support.live_server import LiveServer
from tests.support.phone import HELPLINE_NUMBER, PUBLIC_URL, Phone, new_message_sid
from tests.support.twiml import check_twiml

CRISIS_LINE = "+18006624357"  # the default HELPLINE_CRISIS_LINE (SAMHSA)
_calls = itertools.count(1)


def call_fallback(phone: Phone, *, token: str | None = None) -> httpx.Response:
    """What Twilio posts when the Voice URL failed: the call's fields plus ErrorCode, ErrorUrl."""
    sid = f"CA{next(_calls):032x}"
    pairs = [
        ("CallSid", sid),
        ("AccountSid", "AC" + "0" * 32),
        ("From", phone.number),
        ("To", HELPLINE_NUMBER),
        ("CallStatus", "ringing"),
        ("Direction", "inbound"),
        ("ApiVersion", "2010-04-01"),
        ("ErrorCode", "11200"),
        ("ErrorUrl", PUBLIC_URL + "/twilio/voice?lang=es"),
    ]
    return phone.post("/twilio/fallback", pairs, token=token)


def text_fallback(phone: Phone, body: str = "hi") -> httpx.Response:
    sid = new_message_sid()
    pairs = [
        ("MessageSid", sid),
        ("SmsSid", sid),
        ("AccountSid", "AC" + "0" * 32),
        ("From", phone.number),
        ("To", HELPLINE_NUMBER),
        ("Body", body),
        ("NumMedia", "0"),
        ("ErrorCode", "11205"),
        ("ErrorUrl", PUBLIC_URL + "/twilio/sms"),
    ]
    return phone.post("/twilio/fallback", pairs)


def assert_dials_the_crisis_line(twiml: str, caller_id: str | None) -> ET.Element:
    """Sorry in English and Spanish, then the Dial, then 988 and 911 in case it failed."""
    root = check_twiml(twiml)
    tags = [child.tag for child in root]
    assert tags.count("Dial") == 1
    at = tags.index("Dial")
    before, dial, after = root[:at], root[at], root[at + 1 :]
    assert [say.get("language") for say in before] == ["en-US", "es-US"]
    assert "person" in (before[0].text or "")
    assert dial.get("callerId") == caller_id
    assert dial.get("timeout") == "30"
    assert dial.get("action") is None  # so Twilio goes on to the verbs after it
    assert [number.text for number in dial] == [CRISIS_LINE]
    assert after, "nothing after the Dial"
    for say in after:
        assert say.tag == "Say"
        assert "9 8 8" in (say.text or "")
        assert "9 1 1" in (say.text or "")
    return root


def test_a_failed_call_hears_sorry_and_is_put_through_to_the_crisis_line(
    phone: Phone, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.INFO, logger="helpline.web.fallback"):
        reply = call_fallback(phone)
    assert reply.status_code == 200
    assert reply.headers["content-type"].startswith("application/xml")
    assert_dials_the_crisis_line(reply.text, caller_id=HELPLINE_NUMBER)
    (record,) = [r for r in caplog.records if r.name == "helpline.web.fallback"]
    logged = record.__dict__
    assert (logged["kind"], logged["error_code"], logged["error_path"]) == (
        "voice",
        "11200",
        "/twilio/voice",
    )
    assert str(logged["sid"]).startswith("CA")
    digits = phone.number.lstrip("+")
    assert not any(digits in str(value) for value in logged.values())


def test_a_failed_text_gets_one_reply_naming_the_crisis_line_988_and_911(phone: Phone) -> None:
    reply = text_fallback(phone)
    assert reply.status_code == 200
    root = check_twiml(reply.text, document="MessagingResponse")
    (message,) = root
    text = message.text or ""
    assert text.startswith("Recovery Helpline: sorry, we can't answer fully right now.")
    assert "call 1-800-662-4357 (24/7)" in text
    assert "988" in text
    assert "911" in text


def test_a_failed_text_in_spanish_is_answered_in_spanish(phone: Phone) -> None:
    reply = text_fallback(phone, "hola necesito ayuda")
    (message,) = check_twiml(reply.text, document="MessagingResponse")
    assert "llame al 1-800-662-4357 (24/7)" in (message.text or "")


def test_a_forged_signature_gets_403(phone: Phone) -> None:
    reply = call_fallback(phone, token="not-the-token")
    assert (reply.status_code, reply.text) == (403, "forbidden")
    unsigned = httpx.post(phone.app_url + "/twilio/fallback", data={"CallSid": "CA1"}, timeout=10)
    assert unsigned.status_code == 403


def test_a_malformed_body_gets_400(phone: Phone) -> None:
    reply = httpx.post(
        phone.app_url + "/twilio/fallback",
        content=b"CallSid=CA1",
        headers={"Content-Type": "multipart/form-data", "X-Twilio-Signature": "x"},
        timeout=10,
    )
    assert reply.status_code == 400
    assert reply.text.startswith("malformed form body")


def test_the_static_answers_pass_the_twiml_check() -> None:
    # What a surprise error gets: the default crisis line, and the caller's own id.
    assert_dials_the_crisis_line(STATIC_VOICE_TWIML, caller_id=None)
    (message,) = check_twiml(STATIC_SMS_TWIML, document="MessagingResponse")
    assert "1-800-662-4357" in (message.text or "")


@pytest.fixture
def no_redis_url() -> Iterator[str]:
    """A Redis URL whose port is bound but never listened on: every connection is refused."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as held:
        held.bind(("127.0.0.1", 0))
        yield f"redis://127.0.0.1:{held.getsockname()[1]}/0"


@pytest.fixture
def app_without_redis(no_redis_url: str, fake_twilio: FakeTwilio, flows_dir: Path) -> Iterator[str]:
    settings = Settings.from_environ(
        {
            "REDIS_URL": no_redis_url,
            "TWILIO_ACCOUNT_SID": fake_twilio.account_sid,
            "TWILIO_AUTH_TOKEN": fake_twilio.auth_token,
            "TWILIO_API_URL": fake_twilio.url,
            "HELPLINE_NUMBER": HELPLINE_NUMBER,
            "HELPLINE_PUBLIC_URL": PUBLIC_URL,
            "HELPLINE_SECRET_KEY": SECRET_KEY,
            "HELPLINE_FLOWS_DIR": str(flows_dir),
        }
    )
    server = LiveServer(create_app(settings))  # the app builds its own runtime, as in production
    yield server.url
    server.stop()


def test_the_fallback_works_with_no_redis_at_all(
    app_without_redis: str, fake_twilio: FakeTwilio
) -> None:
    phone = Phone(app_without_redis, fake_twilio.auth_token, "+12065550123")
    health = httpx.get(app_without_redis + "/healthz", timeout=10)
    assert health.status_code == 503
    assert health.json()["status"] == "unavailable"
    call = call_fallback(phone)
    assert call.status_code == 200
    assert_dials_the_crisis_line(call.text, caller_id=HELPLINE_NUMBER)
    text = text_fallback(phone)
    assert text.status_code == 200
    (message,) = check_twiml(text.text, document="MessagingResponse")
    assert "1-800-662-4357" in (message.text or "")
    assert call_fallback(phone, token="not-the-token").status_code == 403
