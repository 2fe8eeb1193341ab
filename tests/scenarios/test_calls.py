"""Phone calls end to end: the menu in two languages, a screened person, the 24/7 line, texts.

Signed voice webhooks into the live app, each TwiML answer checked against
Twilio's vocabulary, real Redis, the real RQ job code and the real twilio
client against the fake Twilio for the texts that follow a call.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta
from pathlib import Path

import pytest

from helpline.escalation.model import Escalation, EscalationState
from helpline.runtime import Runtime, build_runtime
from helpline.settings import Settings
from helpline.web.app import create_app
from tests.fake_twilio.server import FakeTwilio
from tests.scenarios.test_escalation_by_text import DANA, SAM, write_roster
from tests.support.call import Call
from tests.support.clock import FakeClock
from tests.support.live_server import LiveServer
from tests.support.phone import HELPLINE_NUMBER, Phone
from tests.support.worker import run_jobs


@pytest.fixture(autouse=True)
def roster_file(flows_dir: Path) -> Path:
    return write_roster(flows_dir)


def latest_escalation(runtime: Runtime) -> Escalation:
    last = int(runtime.redis.get("helpline:esc:counter") or 0)
    esc = runtime.desk.store.get(last)
    assert esc is not None, "no escalation opened"
    return esc


def test_zero_at_the_first_prompt_reaches_a_screened_person(phone: Phone, runtime: Runtime) -> None:
    call = Call(phone).dial_in()
    assert "Para español, oprima 2" in call.last_said
    assert call.gather is not None
    assert call.gather.get("input") == "dtmf speech"
    call.press("0")
    dialled = call.dialled
    assert dialled is not None
    assert dialled.number == SAM
    assert dialled.caller_id == HELPLINE_NUMBER
    assert dialled.timeout == 20
    assert "connecting you to a person" in call.last_said
    calling = latest_escalation(runtime)
    assert calling.state is EscalationState.CALLING
    # The sweeper's safety net, should the call's end never reach us.
    assert runtime.redis.zscore("helpline:esc:due", str(calling.id)) is not None

    heard = call.staff_picks_up(press="1")
    assert "press 1 to accept" in heard.lower()
    assert "hangup" not in heard
    esc = latest_escalation(runtime)
    assert esc.state is EscalationState.TAKEN
    assert esc.holder == "Sam"

    call.dial_ends("completed")
    assert call.hung_up
    assert "Goodbye" in call.last_said
    assert latest_escalation(runtime).state is EscalationState.CLOSED


def test_spanish_caller_says_persona_and_hears_spanish(phone: Phone, runtime: Runtime) -> None:
    call = Call(phone).dial_in().press("2")
    assert "oprima 1 o diga persona" in call.last_said
    assert call.gather is not None
    assert call.gather.get("language") == "es-US"
    assert "hablar" in (call.gather.get("hints") or "")
    call.say("persona")
    # Dana speaks Spanish, Sam does not: the ladder puts her first for this caller.
    assert call.dialled is not None
    assert call.dialled.number == DANA
    says = call.twiml.findall("Say") if call.twiml is not None else []
    assert says
    assert all(s.get("language") == "es-US" for s in says)
    assert latest_escalation(runtime).language == "es"


def test_declined_then_unanswered_ends_at_the_crisis_line(
    phone: Phone, runtime: Runtime, fake_twilio: FakeTwilio, clock: FakeClock
) -> None:
    call = Call(phone).dial_in().press("1").press("1")
    assert call.dialled is not None
    assert call.dialled.number == SAM
    heard = call.staff_picks_up(press="9")  # a decline: the staff leg hangs up
    assert heard.endswith("hangup")
    call.dial_ends("completed")  # the leg was answered, but nobody accepted
    assert call.dialled is not None
    assert call.dialled.number == DANA
    assert "Still finding someone" in call.last_said
    heard = call.staff_picks_up(press=None)  # a voicemail: silence, then hang up
    assert heard.endswith("hangup") or "hangup" not in heard
    call.dial_ends("no-answer")
    assert call.dialled is not None
    assert call.dialled.number == runtime.settings.crisis_line
    assert "24-hour line" in call.last_said

    esc = latest_escalation(runtime)
    assert esc.reason == "missed_call"
    assert esc.state is EscalationState.PAGING
    run_jobs(runtime, at=clock.now)
    pages = [m.body or "" for m in fake_twilio.messages(to=SAM)]
    assert any("MISSED CALL" in body for body in pages), pages
    call.dial_ends("completed")
    assert call.hung_up
    assert "9 8 8" in call.last_said


def test_busy_staff_are_skipped(
    phone: Phone, runtime: Runtime, app_url: str, fake_twilio: FakeTwilio
) -> None:
    first = Call(phone).dial_in().press("0")
    first.staff_picks_up(press="1")
    other = Phone(app_url, fake_twilio.auth_token, "+12065550199")
    second = Call(other).dial_in().press("0")
    assert second.dialled is not None
    assert second.dialled.number == DANA
    first.dial_ends("completed")
    third = Call(Phone(app_url, fake_twilio.auth_token, "+12065550177")).dial_in().press("0")
    assert third.dialled is not None
    assert third.dialled.number == SAM


def test_meetings_by_text_read_back_and_sent(
    phone: Phone, runtime: Runtime, fake_twilio: FakeTwilio, clock: FakeClock
) -> None:
    call = Call(phone).dial_in().press("1").press("2")
    assert call.gather is not None
    assert call.gather.get("numDigits") == "5"
    call.press("90210")
    assert "9 0 2 1 0" in call.last_said
    call.press("1")
    assert call.hung_up
    assert "text this phone" in call.last_said
    run_jobs(runtime, at=clock.now)
    texts = [m.body or "" for m in fake_twilio.messages(to=phone.number)]
    assert texts, "the meetings were not texted"


def test_landline_is_told_and_never_promised_a_text(
    app_url: str, runtime: Runtime, fake_twilio: FakeTwilio, clock: FakeClock
) -> None:
    landline = Phone(app_url, fake_twilio.auth_token, "+15005550009")
    call = Call(landline).dial_in().press("1").press("2").press("9")
    assert call.hung_up
    run_jobs(runtime, at=clock.now)  # the text fails with 21614 and is not retried
    assert runtime.redis.exists(
        f"helpline:cannot-text:{runtime.conversations.ref(landline.number)}"
    )
    again = Call(landline).dial_in().press("1").press("2")
    assert "can't receive our text messages" in again.last_said
    assert again.dialled is not None  # a person helps instead


def test_silence_reprompts_twice_then_a_person(phone: Phone, runtime: Runtime) -> None:
    call = Call(phone).dial_in().press("1")
    call.silence()
    assert call.gather is not None
    call.silence()
    assert call.gather is not None
    call.silence()
    assert call.dialled is not None
    assert call.dialled.number == SAM


def test_low_confidence_speech_is_read_back(phone: Phone, runtime: Runtime) -> None:
    call = Call(phone).dial_in().press("1")
    call.say("meetings", confidence=0.3)
    assert "I heard: meetings" in call.last_said
    call.press("1")
    assert "ZIP code" in call.last_said


def test_crisis_words_on_a_call_go_straight_to_a_person(phone: Phone, runtime: Runtime) -> None:
    call = Call(phone).dial_in().press("1")
    call.say("I want to kill myself", confidence=0.4)
    assert call.dialled is not None
    assert call.dialled.number == SAM
    assert latest_escalation(runtime).reason.startswith("crisis_")


def test_hang_up_mid_flow_ends_the_call(phone: Phone, runtime: Runtime) -> None:
    call = Call(phone).dial_in().press("1")
    call.hang_up()
    state = runtime.line.calls.get(runtime.line.calls.ref(call.sid))
    assert state is not None
    assert state.phase == "ended"
    assert state.session is None


def test_duplicate_dial_callback_gets_the_same_answer(phone: Phone, runtime: Runtime) -> None:
    call = Call(phone).dial_in().press("0")
    dialled = call.dialled
    assert dialled is not None
    call.dial_ends("busy")
    first = call.last_said, call.dialled
    assert first[1] is not None
    assert first[1].number == DANA
    call._post(dialled.action, [("DialCallStatus", "busy")])
    assert (call.last_said, call.dialled) == first


def test_forged_voice_webhook_is_refused(phone: Phone) -> None:
    response = phone.post(
        "/twilio/voice", [("CallSid", "CA" + "1" * 32), ("From", phone.number)], token="wrong"
    )
    assert response.status_code == 403


def test_wrong_keys_reprompt_then_reach_a_person(phone: Phone, runtime: Runtime) -> None:
    call = Call(phone).dial_in().press("1").press("7")
    assert call.gather is not None
    assert "press 1" in call.last_said
    call.press("8")
    assert call.gather is not None
    call.press("#")
    assert call.dialled is not None


def test_the_hold_has_a_ceiling(phone: Phone, runtime: Runtime, clock: FakeClock) -> None:
    call = Call(phone).dial_in().press("0")
    assert call.dialled is not None
    assert call.dialled.number == SAM
    clock.advance(timedelta(seconds=110))  # Sam's phone rang a long time; Dana would not fit
    call.dial_ends("no-answer")
    assert call.dialled is not None
    assert call.dialled.number == runtime.settings.crisis_line


def test_staff_call_back_a_missed_caller_through_the_helpline(
    phone: Phone, runtime: Runtime, app_url: str, fake_twilio: FakeTwilio, clock: FakeClock
) -> None:
    call = Call(phone).dial_in().press("0")
    call.hang_up()  # gave up on hold: a missed call, paged by text
    esc = latest_escalation(runtime)
    assert esc.reason == "missed_call"
    sam = Phone(app_url, fake_twilio.auth_token, SAM)
    reply = sam.text(f"{esc.code}a")
    assert any("call the helpline number" in text for text in reply.texts), reply.texts
    back = Call(sam).dial_in()
    assert back.dialled is not None
    assert back.dialled.number == phone.number
    assert back.dialled.caller_id == HELPLINE_NUMBER
    assert phone.number[2:] not in back.last_said


def test_a_failing_redis_still_ends_at_the_crisis_line(
    settings: Settings, clock: FakeClock, fake_twilio: FakeTwilio
) -> None:
    broken = build_runtime(replace(settings, redis_url="redis://127.0.0.1:9/0"), clock=clock)
    server = LiveServer(create_app(runtime=broken))
    try:
        call = Call(Phone(server.url, fake_twilio.auth_token, "+12065550123")).dial_in()
        assert call.dialled is not None
        assert call.dialled.number == settings.crisis_line
        assert "24-hour line" in call.last_said
    finally:
        server.stop()


@pytest.mark.parametrize("keys", [["1", "2"], ["1", "3"], ["2", "2", "90210"]])
def test_zero_at_any_prompt_is_a_person(phone: Phone, runtime: Runtime, keys: list[str]) -> None:
    call = Call(phone).dial_in()
    for key in keys:
        call.press(key)
    assert call.gather is not None
    call.press("0")
    assert call.dialled is not None
    assert call.dialled.screen is not None


def test_saying_persona_at_the_first_prompt_is_a_spanish_transfer(
    phone: Phone, runtime: Runtime
) -> None:
    call = Call(phone).dial_in()
    assert "para hablar con una persona, oprima 0" in call.last_said
    call.say("persona")
    assert call.dialled is not None
    assert call.dialled.number == DANA  # the Spanish speaker on call
    assert latest_escalation(runtime).language == "es"
    assert "Le comunico" in call.last_said
