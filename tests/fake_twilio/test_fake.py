"""The fake's own behaviour: validation, errors, faults, recording, signing, callbacks."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl, urlencode

import httpx
import pytest
from twilio.request_validator import RequestValidator

from tests.fake_twilio import spec
from tests.fake_twilio.server import FakeTwilio, local_address
from tests.fake_twilio.signing import signed_form

TO, FROM = "+15551230001", "+15005550006"
PUBLIC = "https://helpline.example.org"


def post(
    fake: FakeTwilio,
    resource: str,
    pairs: list[tuple[str, str]],
    *,
    token: str | None = None,
    timeout: float = 5.0,
) -> httpx.Response:
    """POST a form the way the twilio client does (repeated keys kept, in order)."""
    return httpx.post(
        f"{fake.url}/2010-04-01/Accounts/{fake.account_sid}/{resource}",
        content=urlencode(pairs),
        auth=(fake.account_sid, token or fake.auth_token),
        headers={"Content-Type": "application/x-www-form-urlencoded"},
        timeout=timeout,
    )


def get(fake: FakeTwilio, resource: str, params: dict[str, str] | None = None) -> httpx.Response:
    url = f"{fake.url}/2010-04-01/Accounts/{fake.account_sid}/{resource}"
    return httpx.get(url, params=params, auth=(fake.account_sid, fake.auth_token))


def text(fake: FakeTwilio, **fields: str) -> httpx.Response:
    return post(
        fake, "Messages.json", list(({"To": TO, "From": FROM, "Body": "hi"} | fields).items())
    )


# Validation and errors -----------------------------------------------------------------


def test_unknown_keys_are_recorded_not_rejected(fake_twilio: FakeTwilio) -> None:
    assert text(fake_twilio, StatusCallBack=PUBLIC + "/s").status_code == 201
    with pytest.raises(AssertionError, match="StatusCallBack"):
        fake_twilio.assert_no_unknown_params()
    fake_twilio.reset()
    fake_twilio.assert_no_unknown_params()


def test_bad_credentials_get_20003_in_the_legacy_shape(fake_twilio: FakeTwilio) -> None:
    response = post(
        fake_twilio, "Messages.json", [("To", TO), ("From", FROM), ("Body", "hi")], token="wrong"
    )
    assert response.status_code == 401
    assert response.json() == {
        "code": 20003,
        "message": "Authenticate",
        "status": 401,
        "more_info": "https://www.twilio.com/docs/errors/20003",
    }


@pytest.mark.parametrize(
    ("fields", "code"),
    [
        ({"From": ""}, 21603),
        ({"Body": ""}, 21602),
        ({"Body": "x" * 1601}, 21617),
        ({"To": "5551230001"}, 21211),
        ({"From": "helpline"}, 21212),
        ({"ValidityPeriod": "0"}, 90007),
        ({"ValidityPeriod": "36001"}, 90007),
        ({"To": "+15005550004"}, 21610),
        ({"To": "+15005550009"}, 21614),
    ],
)
def test_message_validation(fake_twilio: FakeTwilio, fields: dict[str, str], code: int) -> None:
    response = text(fake_twilio, **fields)
    assert (response.status_code, response.json()["code"]) == (400, code)
    assert fake_twilio.messages() == []


def test_a_messaging_service_stands_in_for_from(fake_twilio: FakeTwilio) -> None:
    response = post(
        fake_twilio,
        "Messages.json",
        [
            ("To", TO),
            ("MessagingServiceSid", "MG" + "0" * 32),
            ("MediaUrl", "https://e.org/a.png"),
            ("MediaUrl", "https://e.org/b.png"),
        ],
    )
    assert response.status_code == 201
    assert response.json()["num_media"] == "2"
    assert response.json()["from"] is None


def test_1600_characters_is_fine_and_segments_are_counted(fake_twilio: FakeTwilio) -> None:
    assert text(fake_twilio, Body="x" * 1600).json()["num_segments"] == "11"
    assert text(fake_twilio, Body="información " * 10).json()["num_segments"] == "2"  # UCS-2


def test_call_validation(fake_twilio: FakeTwilio) -> None:
    base = [("To", TO), ("From", FROM)]
    assert post(fake_twilio, "Calls.json", base).json()["code"] == 21200
    too_long = "<Response>" + "x" * 4000 + "</Response>"
    assert post(fake_twilio, "Calls.json", [*base, ("Twiml", too_long)]).json()["code"] == 21200
    assert (
        post(
            fake_twilio,
            "Calls.json",
            [("To", "+15005550004"), ("From", FROM), ("Url", PUBLIC + "/v")],
        ).json()["code"]
        == 21216
    )


# Responses match the spec --------------------------------------------------------------


def test_success_responses_validate_against_the_spec(fake_twilio: FakeTwilio) -> None:
    created = text(fake_twilio)
    assert created.status_code == 201
    assert spec.schema_problems(spec.MESSAGE_SCHEMA, created.json()) == []
    fetched = get(fake_twilio, f"Messages/{created.json()['sid']}.json")
    assert fetched.json() == created.json()
    call = post(fake_twilio, "Calls.json", [("To", TO), ("From", FROM), ("Url", PUBLIC + "/v")])
    assert spec.schema_problems(spec.CALL_SCHEMA, call.json()) == []
    assert fake_twilio.schema_errors == []


def test_the_schema_check_catches_drift() -> None:
    example = spec.spec()["paths"][spec.ACCOUNT + "/Messages.json"]["post"]["responses"]["201"]
    good = example["content"]["application/json"]["examples"]["create"]["value"]
    assert spec.schema_problems(spec.MESSAGE_SCHEMA, good) == []
    bad = good | {"status": "posted", "num_segments": 1, "date_sent": "2024-01-01", "extra": 1}
    problems = "\n".join(spec.schema_problems(spec.MESSAGE_SCHEMA, bad))
    for expected in ("status", "num_segments", "date_sent", "extra"):
        assert expected in problems


def test_listing_filters_and_pages(fake_twilio: FakeTwilio) -> None:
    for n in range(3):
        text(fake_twilio, Body=f"n{n}")
    text(fake_twilio, To="+15551230009")
    first = get(fake_twilio, "Messages.json", {"To": TO, "PageSize": "2"}).json()
    assert [m["body"] for m in first["messages"]] == ["n2", "n1"]  # newest first
    assert first["next_page_uri"].endswith("PageSize=2&Page=1")
    assert spec.schema_problems(spec.MESSAGE_SCHEMA, first["messages"][0]) == []


# Faults --------------------------------------------------------------------------------


def test_inject_answers_times_times_then_stops(fake_twilio: FakeTwilio) -> None:
    fake_twilio.inject(status=429, code=20429, message="Too Many Requests", times=2)
    statuses = [text(fake_twilio).status_code for _ in range(3)]
    assert statuses == [429, 429, 201]
    assert [r.status for r in fake_twilio.requests] == statuses


def test_inject_can_target_one_recipient_and_path(fake_twilio: FakeTwilio) -> None:
    fake_twilio.inject(status=500, code=20500, to="+15551230009")
    fake_twilio.inject(status=503, path_contains="Calls.json")
    assert text(fake_twilio).status_code == 201
    assert text(fake_twilio, To="+15551230009").status_code == 500
    call = post(fake_twilio, "Calls.json", [("To", TO), ("From", FROM), ("Url", PUBLIC + "/v")])
    assert call.status_code == 503
    assert "code" not in call.json()


def test_a_delay_makes_a_client_time_out(fake_twilio: FakeTwilio) -> None:
    fake_twilio.inject(status=500, delay=0.5)
    with pytest.raises(httpx.ReadTimeout):
        post(
            fake_twilio, "Messages.json", [("To", TO), ("From", FROM), ("Body", "hi")], timeout=0.1
        )
    wait_for_requests(fake_twilio, 1)  # let the late answer land before the next test resets


def wait_for_requests(fake: FakeTwilio, count: int) -> None:
    deadline = time.monotonic() + 5
    while len(fake.requests) < count and time.monotonic() < deadline:
        time.sleep(0.02)
    assert len(fake.requests) == count


# Signing and status callbacks ----------------------------------------------------------


class _MultiDict(dict[str, list[str]]):
    def getlist(self, key: str) -> list[str]:
        return self[key]


def form_of(body: bytes) -> _MultiDict:
    grouped = _MultiDict()
    for key, value in parse_qsl(body.decode(), keep_blank_values=True):
        grouped.setdefault(key, []).append(value)
    return grouped


def test_signed_form_validates_and_tampering_does_not() -> None:
    url = PUBLIC + "/twilio/sms?lang=es"
    pairs = [("Body", "hola"), ("From", TO), ("MediaUrl", "b"), ("MediaUrl", "a")]
    body, headers = signed_form(url, pairs, "token")
    validator = RequestValidator("token")
    assert headers["Content-Type"] == "application/x-www-form-urlencoded"
    assert validator.validate(url, form_of(body), headers["X-Twilio-Signature"])
    tampered = body.replace(b"hola", b"adios")
    assert not validator.validate(url, form_of(tampered), headers["X-Twilio-Signature"])
    assert not validator.validate(
        url.replace("es", "en"), form_of(body), headers["X-Twilio-Signature"]
    )


@pytest.fixture
def receiver(fake_twilio: FakeTwilio) -> Iterator[tuple[str, list[dict[str, Any]]]]:
    """A tiny web app that checks signatures over the PUBLIC url, as the router will."""
    seen: list[dict[str, Any]] = []
    validator = RequestValidator(fake_twilio.auth_token)

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers["Content-Length"]))
            valid = validator.validate(
                PUBLIC + self.path, form_of(body), self.headers.get("X-Twilio-Signature", "")
            )
            seen.append({"path": self.path, "form": dict(parse_qsl(body.decode())), "valid": valid})
            self.send_response(204 if valid else 403)
            self.end_headers()

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}", seen
    server.shutdown()
    server.server_close()
    thread.join()


def test_status_callbacks_are_signed_for_the_public_url(
    fake_twilio: FakeTwilio, receiver: tuple[str, list[dict[str, Any]]]
) -> None:
    local, seen = receiver
    sid = text(fake_twilio, StatusCallback=PUBLIC + "/twilio/status?out=7").json()["sid"]
    assert fake_twilio.send_status_callback(sid, "sent", base_url_map={PUBLIC: local}) == 204
    status = fake_twilio.send_status_callback(
        sid, "undelivered", error_code=30003, base_url_map={PUBLIC: local}
    )
    assert status == 204
    assert [s["path"] for s in seen] == ["/twilio/status?out=7"] * 2
    assert all(s["valid"] for s in seen)
    assert seen[1]["form"] == {
        "MessageSid": sid,
        "MessageStatus": "undelivered",
        "SmsSid": sid,
        "SmsStatus": "undelivered",
        "AccountSid": fake_twilio.account_sid,
        "From": FROM,
        "To": TO,
        "ApiVersion": "2010-04-01",
        "ErrorCode": "30003",
    }
    fetched = get(fake_twilio, f"Messages/{sid}.json").json()
    assert (fetched["status"], fetched["error_code"]) == ("undelivered", 30003)
    assert [w.status for w in fake_twilio.webhooks] == [204, 204]


def test_local_address_maps_the_public_base() -> None:
    mapping = {PUBLIC: "http://127.0.0.1:9000", PUBLIC + "/admin": "http://127.0.0.1:9001"}
    assert (
        local_address(PUBLIC + "/twilio/status?x=1", mapping)
        == "http://127.0.0.1:9000/twilio/status?x=1"
    )
    assert local_address(PUBLIC + "/admin/x", mapping) == "http://127.0.0.1:9001/x"
    with pytest.raises(ValueError, match="no base_url_map"):
        local_address("https://helpline.example.org.evil.com/x", mapping)
