"""The voice routes' edges: forged and malformed requests, repeats, calls we do not know."""

from __future__ import annotations

from pathlib import Path

import pytest

from helpline.runtime import Runtime
from tests.scenarios.test_escalation_by_text import write_roster
from tests.support.call import Call, new_call_sid
from tests.support.phone import Phone
from tests.support.twiml import check_twiml

ROUTES = [
    "/twilio/voice",
    "/twilio/voice/gather",
    "/twilio/voice/dial?n=1",
    "/twilio/voice/screen?n=1",
    "/twilio/voice/screen/answer?n=1",
]


@pytest.fixture(autouse=True)
def roster_file(flows_dir: Path) -> Path:
    return write_roster(flows_dir)


@pytest.mark.parametrize("path", ROUTES)
def test_forged_requests_get_403(phone: Phone, path: str) -> None:
    pairs = [("CallSid", new_call_sid()), ("From", phone.number), ("ParentCallSid", "CA1")]
    assert phone.post(path, pairs, token="not-the-token").status_code == 403


@pytest.mark.parametrize(
    ("path", "missing"), [("/twilio/voice", "From"), ("/twilio/voice/screen?n=1", "ParentCallSid")]
)
def test_a_missing_field_is_named(phone: Phone, path: str, missing: str) -> None:
    response = phone.post(path, [("CallSid", new_call_sid())])
    assert response.status_code == 400
    assert missing in response.text


def test_a_repeated_incoming_request_carries_on_where_the_call_is(phone: Phone) -> None:
    call = Call(phone).dial_in().press("1")
    again = call.sid
    response = phone.post("/twilio/voice", [("CallSid", again), ("From", phone.number)])
    root = check_twiml(response.text)
    gather = root.find("Gather")
    assert gather is not None  # the menu again, not a new call from the top
    said = " ".join(s.text or "" for s in gather.iter("Say"))
    assert "Sorry" in said


def test_a_gather_for_an_unknown_call_says_goodbye_not_500(phone: Phone) -> None:
    response = phone.post("/twilio/voice/gather", [("CallSid", new_call_sid()), ("Digits", "1")])
    root = check_twiml(response.text)
    assert root.find("Hangup") is not None


def test_a_screen_for_a_call_no_longer_on_hold_hangs_up_the_staff_leg(phone: Phone) -> None:
    call = Call(phone).dial_in().press("1")  # at the menu, not on hold
    pairs = [("CallSid", new_call_sid()), ("ParentCallSid", call.sid)]
    root = check_twiml(phone.post("/twilio/voice/screen?n=1", pairs).text)
    assert root.find("Gather") is None
    assert root.find("Hangup") is not None


def test_a_blocked_number_s_call_goes_to_the_24_7_line_never_to_staff(
    phone: Phone, runtime: Runtime
) -> None:
    runtime.blocklist.add(phone.number, "calls staff to abuse them", runtime.clock())
    call = Call(phone).dial_in()
    dialled = call.dialled
    assert dialled is not None
    assert dialled.number == runtime.settings.crisis_line
    assert dialled.screen is None  # no staff leg to screen
    assert call.gather is None  # no menu: the flow does not run
    assert "24-hour line" in call.last_said
    assert "9 8 8" in call.last_said
    assert "call you back" not in call.last_said  # nobody will
    assert call.hung_up  # after </Dial>, the 988 and 911 words, then goodbye
    assert runtime.line.calls.get(runtime.line.calls.ref(call.sid)) is None
    assert runtime.desk.store.open_ids() == []
