"""Property: whatever a signed form to /twilio/sms holds, the answer is 200 TwiML or a
clear 400, never a 500 (Twilio would retry it, and the caller would hear nothing)."""

from __future__ import annotations

import httpx
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.fake_twilio.server import FakeTwilio
from tests.support.phone import HELPLINE_NUMBER, Phone, parse_twiml

TWILIO_FIELDS = [
    "MessageSid", "SmsSid", "AccountSid", "From", "To", "Body", "NumMedia", "NumSegments",
    "SmsStatus", "ApiVersion", "MediaUrl0", "FromCountry", "ToZip",
]  # fmt: skip
texts = st.text(max_size=300)
phoneish = st.one_of(
    st.from_regex(r"\+1[2-9][0-9]{9}", fullmatch=True),
    st.from_regex(r"\+[0-9]{1,15}", fullmatch=True),
    texts,
)
field_names = st.one_of(st.sampled_from(TWILIO_FIELDS), st.text(min_size=1, max_size=20))
pairs = st.lists(st.tuples(field_names, st.one_of(texts, phoneish)), max_size=14)


@settings(
    max_examples=120,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(extra=pairs, body=texts, sender=phoneish, sid=st.one_of(texts, st.just("SM" + "a" * 32)))
def test_any_signed_form_gets_twiml_or_a_clear_400(
    app_url: str,
    fake_twilio: FakeTwilio,
    extra: list[tuple[str, str]],
    body: str,
    sender: str,
    sid: str,
) -> None:
    phone = Phone(app_url, fake_twilio.auth_token, "+12065550123")
    form = [("MessageSid", sid), ("From", sender), ("To", HELPLINE_NUMBER), ("Body", body)]
    response = phone.post("/twilio/sms", form + extra)
    assert response.status_code in (200, 400), response.text
    if response.status_code == 200:
        assert response.headers["content-type"].startswith("application/xml")
        parse_twiml(response.text)
    else:
        assert response.text.strip()  # says what was wrong


@settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(raw=st.binary(max_size=2_000), signature=st.one_of(st.none(), st.text(max_size=40)))
def test_any_raw_body_without_a_valid_signature_is_refused(
    app_url: str, raw: bytes, signature: str | None
) -> None:
    headers = {"Content-Type": "application/x-www-form-urlencoded"}
    if signature is not None and signature.isascii() and signature.isprintable():
        headers["X-Twilio-Signature"] = signature
    response = httpx.post(app_url + "/twilio/sms", content=raw, headers=headers, timeout=10)
    assert response.status_code in (400, 403)
