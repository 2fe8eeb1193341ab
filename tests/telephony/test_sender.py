"""TwilioSender against the fake: what goes on the wire, and how failures are sorted."""

from __future__ import annotations

import socket
import time

import pytest

from helpline.errors import DeliveryDeferred, DeliveryError, DeliveryRefused
from helpline.settings import Settings
from helpline.telephony.client import REST_TIMEOUT_SECONDS, build_twilio_client
from helpline.telephony.sender import SentMessage, SmsSender, TwilioSender, classify_rest_error
from tests.fake_twilio.server import FakeTwilio
from tests.telephony.conftest import HELPLINE_NUMBER, PUBLIC_URL, MakeSettings

TO = "+15551230001"
BODY = "Your meeting reminder: Tuesday 7pm"
STATUS_URL = PUBLIC_URL + "/twilio/status?out=42"


def make_sender(settings: Settings, *, timeout: float = REST_TIMEOUT_SECONDS) -> TwilioSender:
    return TwilioSender(build_twilio_client(settings, timeout=timeout), settings.helpline_number)


def assert_private(exc: DeliveryError, to: str, body: str) -> None:
    """No number, no body: not in the message, the repr, or a chained Twilio exception."""
    for text in (str(exc), repr(exc), str(exc.args)):
        assert to not in text
        assert body not in text
    assert exc.__cause__ is None
    assert exc.__suppress_context__


def test_a_text_goes_out_with_every_field(settings: Settings, fake_twilio: FakeTwilio) -> None:
    sender: SmsSender = make_sender(settings)
    sent = sender.send(TO, BODY, status_callback=STATUS_URL, validity_period=600)
    assert isinstance(sent, SentMessage)
    assert sent.status == "queued"
    (message,) = fake_twilio.messages(to=TO)
    assert message.sid == sent.sid
    assert (message.to, message.from_, message.body) == (TO, HELPLINE_NUMBER, BODY)
    assert message.status_callback == STATUS_URL
    assert message.validity_period == 600
    fake_twilio.assert_no_unknown_params()


def test_unset_options_are_not_sent(settings: Settings, fake_twilio: FakeTwilio) -> None:
    make_sender(settings).send(TO, BODY)
    (message,) = fake_twilio.messages(to=TO)
    assert sorted(k for k, _ in message.form) == ["Body", "From", "To"]


@pytest.mark.parametrize(
    ("to", "code"),
    [
        ("+15005550004", 21610),  # magic: replied STOP
        ("+15005550001", 21211),  # magic: invalid number
        ("+15005550009", 21614),  # magic: not a mobile
        ("+15005550002", 21612),  # magic: cannot route
        ("+15005550003", 21408),  # magic: region not enabled
        ("555-1234", 21211),  # not E.164 (and Twilio's message quotes it)
    ],
)
def test_permanent_errors_are_refused(
    settings: Settings, fake_twilio: FakeTwilio, to: str, code: int
) -> None:
    with pytest.raises(DeliveryRefused) as caught:
        make_sender(settings).send(to, BODY)
    assert (caught.value.code, caught.value.status) == (code, 400)
    assert str(code) in str(caught.value)
    assert_private(caught.value, to, BODY)
    assert fake_twilio.messages() == []


def test_an_opted_out_number_is_refused(settings: Settings, fake_twilio: FakeTwilio) -> None:
    fake_twilio.opt_out(TO)
    with pytest.raises(DeliveryRefused) as caught:
        make_sender(settings).send(TO, BODY)
    assert caught.value.code == 21610
    assert_private(caught.value, TO, BODY)


def test_a_body_over_1600_characters_is_refused(settings: Settings) -> None:
    body = "x" * 1601
    with pytest.raises(DeliveryRefused) as caught:
        make_sender(settings).send(TO, body)
    assert caught.value.code == 21617
    assert_private(caught.value, TO, body)


@pytest.mark.parametrize(("status", "code"), [(429, 20429), (429, None), (500, 20500), (503, None)])
def test_rate_limits_and_server_errors_are_deferred_then_retry_works(
    settings: Settings, fake_twilio: FakeTwilio, status: int, code: int | None
) -> None:
    fake_twilio.inject(status=status, code=code, message=f"Injected for {TO}: {BODY}")
    sender = make_sender(settings)
    with pytest.raises(DeliveryDeferred) as caught:
        sender.send(TO, BODY)
    assert (caught.value.code, caught.value.status) == (code, status)
    assert_private(caught.value, TO, BODY)
    assert sender.send(TO, BODY).status == "queued"  # the fault was for one request only


def test_a_slow_twilio_is_deferred_and_the_outcome_is_unknown(
    settings: Settings, fake_twilio: FakeTwilio
) -> None:
    fake_twilio.inject(status=201, delay=0.6)  # carried out, but answered too late
    with pytest.raises(DeliveryDeferred, match="may have been sent") as caught:
        make_sender(settings, timeout=0.2).send(TO, BODY)
    assert (caught.value.code, caught.value.status) == (None, None)
    assert_private(caught.value, TO, BODY)
    # The text went out anyway: the reason a read timeout must never be blindly resent.
    deadline = time.monotonic() + 5
    while not fake_twilio.requests and time.monotonic() < deadline:
        time.sleep(0.02)
    assert len(fake_twilio.messages(to=TO)) == 1


def test_wrong_credentials_are_deferred_with_20003(
    make_settings: MakeSettings, fake_twilio: FakeTwilio
) -> None:
    settings = make_settings(TWILIO_AUTH_TOKEN="not-the-token")
    with pytest.raises(DeliveryDeferred) as caught:
        make_sender(settings).send(TO, BODY)
    assert (caught.value.code, caught.value.status) == (20003, 401)
    assert_private(caught.value, TO, BODY)
    assert fake_twilio.messages() == []


def test_an_unreachable_twilio_is_deferred(make_settings: MakeSettings) -> None:
    with socket.socket() as sock:  # a port that was free a moment ago and has no listener
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    settings = make_settings(TWILIO_API_URL=f"http://127.0.0.1:{port}")
    with pytest.raises(DeliveryDeferred, match="ConnectionError") as caught:
        make_sender(settings, timeout=2).send(TO, BODY)
    assert_private(caught.value, TO, BODY)


@pytest.mark.parametrize(
    ("status", "code", "kind", "kept_code"),
    [
        (400, 21606, DeliveryRefused, 21606),  # From is not ours for this To
        (400, 21999, DeliveryRefused, 21999),  # any other coded 4xx
        (403, 20003, DeliveryDeferred, 20003),
        (404, 404, DeliveryDeferred, None),  # twilio's fallback code = status: no Twilio code
        (429, 429, DeliveryDeferred, None),
        (502, 502, DeliveryDeferred, None),
    ],
)
def test_classification_table(
    status: int, code: int, kind: type[DeliveryError], kept_code: int | None
) -> None:
    error = classify_rest_error(status, code)
    assert type(error) is kind
    assert (error.code, error.status) == (kept_code, status)
