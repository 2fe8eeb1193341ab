from __future__ import annotations

from helpline.settings import Secret
from helpline.telephony.signature import SHARED_KEY_HEADER, SignatureChecker, public_url

# Twilio's own test vector (twilio-python tests/unit/test_request_validator.py).
URL = "https://mycompany.com/myapp.php?foo=1&bar=2"
PARAMS = {
    "CallSid": "CA1234567890ABCDE",
    "Digits": "1234",
    "From": "+14158675309",
    "To": "+18005551212",
    "Caller": "+14158675309",
}
SIGNATURE = "RSOYDt4T1cUTdK1PDd93/VVr8B8="


def test_twilios_own_vector_validates() -> None:
    checker = SignatureChecker([Secret("12345")])
    assert checker.valid(URL, PARAMS, SIGNATURE, {})
    assert not checker.valid(URL, {**PARAMS, "Digits": "1235"}, SIGNATURE, {})
    assert not checker.valid(URL, PARAMS, "", {})


def test_a_second_token_allows_rotation_without_downtime() -> None:
    checker = SignatureChecker([Secret("new-token"), Secret("12345")])
    assert checker.valid(URL, PARAMS, SIGNATURE, {})
    assert not SignatureChecker([Secret("new-token")]).valid(URL, PARAMS, SIGNATURE, {})


def test_shared_key_requests_and_no_tokens_are_refused() -> None:
    assert not SignatureChecker([Secret("12345")]).valid(
        URL, PARAMS, SIGNATURE, {SHARED_KEY_HEADER: "key=k,algorithm=HMAC_SHA256"}
    )
    assert not SignatureChecker([]).valid(URL, PARAMS, SIGNATURE, {})


def test_the_public_url_uses_the_raw_path_and_query() -> None:
    scope = {
        "path": "/twilio/sms",
        "raw_path": b"/twilio/sms",
        "root_path": "",
        "query_string": b"line=en%20US&x=1+2",
    }
    assert public_url(scope, "https://hooks.example.org/") == (
        "https://hooks.example.org/twilio/sms?line=en%20US&x=1+2"
    )
    assert public_url({"path": "/a b", "query_string": b""}, "https://h") == "https://h/a b"
