"""build_twilio_client: the real twilio Client, pointed at the fake through TWILIO_API_URL."""

from __future__ import annotations

import pytest
from twilio.http.http_client import TwilioHttpClient

from helpline.errors import ConfigError
from helpline.settings import Settings
from helpline.telephony.client import (
    REST_TIMEOUT_SECONDS,
    LocalTwilioHttpClient,
    build_twilio_client,
    is_twilio_host,
)
from tests.fake_twilio.server import FakeTwilio
from tests.telephony.conftest import HELPLINE_NUMBER, MakeSettings

TO = "+15551230001"


def test_local_client_has_timeout_no_retries_and_no_edge(settings: Settings) -> None:
    client = build_twilio_client(settings)
    assert isinstance(client.http_client, LocalTwilioHttpClient)
    assert client.http_client.timeout == REST_TIMEOUT_SECONDS
    assert client.edge is None
    assert client.region is None
    # No max_retries: the https adapter keeps requests' default of zero retries.
    assert client.http_client.session.adapters["https://"].max_retries.total == 0


def test_timeout_is_a_parameter(settings: Settings) -> None:
    assert build_twilio_client(settings, timeout=0.5).http_client.timeout == 0.5


def test_without_api_url_uses_the_plain_http_client(make_settings: MakeSettings) -> None:
    client = build_twilio_client(make_settings(TWILIO_API_URL=""))
    assert type(client.http_client) is TwilioHttpClient
    assert client.http_client.timeout == REST_TIMEOUT_SECONDS


def test_sandbox_settings_are_refused() -> None:
    sandbox = Settings.from_environ({}, sandbox_allowed=True)
    with pytest.raises(ConfigError, match="TWILIO_ACCOUNT_SID"):
        build_twilio_client(sandbox)


def test_a_text_reaches_the_fake(settings: Settings, fake_twilio: FakeTwilio) -> None:
    client = build_twilio_client(settings)
    message = client.messages.create(to=TO, from_=HELPLINE_NUMBER, body="hello")
    assert message.sid.startswith("SM")
    assert message.status == "queued"
    assert [m.sid for m in fake_twilio.messages(to=TO)] == [message.sid]
    (request,) = fake_twilio.requests
    assert "authorization" not in request.headers
    assert request.headers["user-agent"].startswith("twilio-python/")


@pytest.mark.parametrize(("edge", "region"), [("sydney", None), ("sydney", "au1"), (None, "ie1")])
def test_edge_or_region_still_reaches_the_fake(
    settings: Settings, fake_twilio: FakeTwilio, edge: str | None, region: str | None
) -> None:
    # As if TWILIO_EDGE / TWILIO_REGION were set: the host becomes api.sydney.us1.twilio.com,
    # which the local client still rewrites (twilio.md §6.2).
    client = build_twilio_client(settings)
    client.edge, client.region = edge, region
    client.messages.create(to=TO, from_=HELPLINE_NUMBER, body="hello")
    assert len(fake_twilio.messages(to=TO)) == 1


def test_listing_follows_next_page_through_the_fake(
    settings: Settings, fake_twilio: FakeTwilio
) -> None:
    client = build_twilio_client(settings)
    for n in range(3):
        client.messages.create(to=TO, from_=HELPLINE_NUMBER, body=f"text {n}")
    client.messages.create(to="+15551230002", from_=HELPLINE_NUMBER, body="other")
    listed = client.messages.list(to=TO, page_size=2)
    assert sorted(m.body for m in listed) == ["text 0", "text 1", "text 2"]
    assert sum(r.method == "GET" for r in fake_twilio.requests) == 2


def test_calls_are_recorded_and_can_be_redirected_and_ended(
    settings: Settings, fake_twilio: FakeTwilio
) -> None:
    client = build_twilio_client(settings)
    call = client.calls.create(
        to=TO, from_=HELPLINE_NUMBER, twiml="<Response><Say>Hi</Say></Response>"
    )
    client.calls(call.sid).update(twiml="<Response><Hangup/></Response>")
    ended = client.calls(call.sid).update(status="completed")
    assert ended.status == "completed"
    (recorded,) = fake_twilio.calls(to=TO)
    assert recorded.twiml == "<Response><Say>Hi</Say></Response>"
    assert recorded.updates == (
        (("Twiml", "<Response><Hangup/></Response>"),),
        (("Status", "completed"),),
    )
    assert client.calls(call.sid).fetch().status == "completed"
    fake_twilio.assert_no_unknown_params()


@pytest.mark.parametrize(
    ("host", "rewritten"),
    [
        ("api.twilio.com", True),
        ("api.sydney.us1.twilio.com", True),
        ("twilio.com", True),
        ("eviltwilio.com", False),
        ("twilio.com.example.org", False),
        (None, False),
    ],
)
def test_only_twilio_hosts_are_rewritten(host: str | None, rewritten: bool) -> None:
    assert is_twilio_host(host) is rewritten
