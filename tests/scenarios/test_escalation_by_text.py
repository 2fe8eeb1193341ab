"""A person, now: crisis words, the paging ladder, taking it, relaying both ways, closing.

Real Redis, signed webhooks into the live app, the real RQ worker code, the
real twilio client against the fake Twilio, and a clock the test moves.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path

import httpx
import pytest

from helpline.escalation.model import EscalationState
from helpline.escalation.sweeper import sweep
from helpline.runtime import Runtime
from tests.fake_twilio.server import FakeTwilio
from tests.support.clock import FakeClock
from tests.support.phone import HELPLINE_NUMBER, PUBLIC_URL, Phone, new_message_sid
from tests.support.scrape import exposition
from tests.support.worker import run_jobs

CALLER = "+12065550123"
SAM, DANA, LEE = "+15550100002", "+15550100001", "+15550100003"
CRISIS_LINE = "1-800-662-4357"

ROSTER = """\
timezone: America/Los_Angeles
ack_timeout: 3m
repeat: {repeat}
final: crisis_line
staff:
  - name: Sam
    phone: "+15550100002"
    languages: [en]
    voice: {sam_voice}
  - name: Dana
    phone: "+15550100001"
    languages: [en, es]
"""


def write_roster(flows_dir: Path, *, repeat: int = 1, sam_voice: bool = False) -> Path:
    path = flows_dir / "oncall.yaml"
    path.write_text(ROSTER.format(repeat=repeat, sam_voice=str(sam_voice).lower()))
    return path


@pytest.fixture(autouse=True)
def roster_file(flows_dir: Path) -> Path:
    """Sam then Dana on call around the clock; written before the runtime loads it."""
    return write_roster(flows_dir)


@pytest.fixture
def staff(app_url: str, fake_twilio: FakeTwilio) -> Callable[[str], Phone]:
    return lambda number: Phone(app_url, fake_twilio.auth_token, number)


def bodies(fake_twilio: FakeTwilio, to: str) -> list[str]:
    return [m.body or "" for m in fake_twilio.messages(to=to)]


def audit_events(runtime: Runtime) -> list[str]:
    return [entry["event"] for entry in runtime.desk.store.audit()]


def assert_no_number_leaked(fake_twilio: FakeTwilio) -> None:
    """Everything goes out from the helpline number; nobody sees anybody else's number."""
    for message in fake_twilio.messages():
        assert message.from_ == HELPLINE_NUMBER
        body = message.body or ""
        for number in (CALLER, SAM, DANA):
            if number != message.to:
                national = number[2:]
                assert national not in body.replace("-", "").replace(" ", ""), body
                assert national[-7:] not in body.replace("-", ""), body


# --- the safety reply and the first page ---------------------------------------------------


def test_english_crisis_words_get_the_safety_reply_inline_and_page_the_first_person(
    phone: Phone, runtime: Runtime, fake_twilio: FakeTwilio
) -> None:
    reply = phone.text("i want to kill my self")
    assert reply.status == 200
    assert len(reply.texts) == 1
    text = reply.texts[0]
    assert "911" in text
    assert "988" in text
    assert "contacting a person" in text
    assert fake_twilio.messages(to=SAM) == []  # paging is the worker's job
    run_jobs(runtime)
    (page,) = bodies(fake_twilio, SAM)
    assert "#1" in page
    assert "suicide" in page
    assert "…0123" in page
    assert "English" in page
    assert "1a" in page
    assert "1c" in page
    assert fake_twilio.messages(to=DANA) == []
    # Nothing more is promised to the caller until a person has answered.
    assert fake_twilio.messages(to=CALLER) == []
    assert audit_events(runtime)[:3] == ["opened", "paged", "page_sent:r0s0-sms"]
    assert_no_number_leaked(fake_twilio)


def test_spanish_crisis_words_reply_in_spanish_and_page_a_spanish_speaker_first(
    phone: Phone, runtime: Runtime, fake_twilio: FakeTwilio
) -> None:
    reply = phone.text("QUIERO MORIR")
    (text,) = reply.texts
    assert "AYUDA" in text
    assert "988" in text
    assert "911" in text
    run_jobs(runtime)
    assert fake_twilio.messages(to=SAM) == []  # Sam is first on the roster but speaks no Spanish
    (page,) = bodies(fake_twilio, DANA)
    assert "Spanish" in page


def test_crisis_words_mid_triage_escalate_and_the_conversation_waits_where_it_was(
    phone: Phone, runtime: Runtime, fake_twilio: FakeTwilio
) -> None:
    phone.text("hi")
    phone.text("1")
    reply = phone.text("my friend od'd and is not breathing")
    assert "911" in reply.texts[0]
    run_jobs(runtime)
    assert "overdose" in bodies(fake_twilio, SAM)[0]


def test_asking_for_a_person_pages_without_the_crisis_words(
    phone: Phone, runtime: Runtime, fake_twilio: FakeTwilio
) -> None:
    phone.text("hi")
    reply = phone.text("talk to a person")
    assert reply.texts[0].startswith("OK. We're contacting a person")
    run_jobs(runtime)
    assert "asked for a person" in bodies(fake_twilio, SAM)[0]


def test_a_no_to_are_you_safe_pages_a_person(
    phone: Phone, runtime: Runtime, fake_twilio: FakeTwilio
) -> None:
    for answer in ["hi", "1", "1", "1", "1", "2"]:
        phone.text(answer)
    reply = phone.text("2")
    assert "contacting a person" in reply.texts[0]
    run_jobs(runtime)
    assert "not safe" in bodies(fake_twilio, SAM)[0]


# --- the ladder ----------------------------------------------------------------------------


def test_with_nobody_answering_the_ladder_walks_then_ends_at_the_24_7_line(
    phone: Phone, runtime: Runtime, fake_twilio: FakeTwilio, clock: FakeClock
) -> None:
    phone.text("I'm going to end my life")
    run_jobs(runtime, at=clock.now)
    assert len(bodies(fake_twilio, SAM)) == 1
    clock.advance(timedelta(minutes=2, seconds=59))
    run_jobs(runtime, at=clock.now)
    assert fake_twilio.messages(to=DANA) == []  # Sam still has a second
    clock.advance(timedelta(seconds=1))
    run_jobs(runtime, at=clock.now)
    assert len(bodies(fake_twilio, DANA)) == 1
    assert fake_twilio.messages(to=CALLER) == []
    clock.advance(timedelta(minutes=3))
    run_jobs(runtime, at=clock.now)
    # The final step: everyone paged again, the caller given the 24/7 line.
    assert len(bodies(fake_twilio, SAM)) == 2
    assert len(bodies(fake_twilio, DANA)) == 2
    (told,) = bodies(fake_twilio, CALLER)
    assert CRISIS_LINE in told
    assert "couldn't reach our team" in told
    esc = runtime.desk.store.get(1)
    assert esc is not None
    assert esc.state is EscalationState.FINAL
    # Still takeable after the final step: a late answer still connects.
    clock.advance(timedelta(minutes=30))
    run_jobs(runtime, at=clock.now)
    assert len(bodies(fake_twilio, SAM)) == 2  # nothing more is paged
    assert_no_number_leaked(fake_twilio)


def test_repeat_runs_the_whole_ladder_again_before_the_final_step(
    flows_dir: Path, phone: Phone, runtime: Runtime, fake_twilio: FakeTwilio, clock: FakeClock
) -> None:
    write_roster(flows_dir, repeat=2)
    runtime.roster.check_every = 0
    phone.text("suicidal")
    order = []
    for _ in range(5):
        run_jobs(runtime, at=clock.now)
        order.append((len(bodies(fake_twilio, SAM)), len(bodies(fake_twilio, DANA))))
        clock.advance(timedelta(minutes=3))
    assert order == [(1, 0), (1, 1), (2, 1), (2, 2), (3, 3)]
    assert len(bodies(fake_twilio, CALLER)) == 1


def test_nobody_on_call_goes_straight_to_the_24_7_line(
    roster_file: Path, phone: Phone, runtime: Runtime, fake_twilio: FakeTwilio
) -> None:
    roster_file.unlink()
    runtime.roster.check_every = 0
    reply = phone.text("sobredosis")
    assert "911" in reply.texts[0]
    run_jobs(runtime)
    (told,) = bodies(fake_twilio, CALLER)
    assert "1-800-662-4357" in told  # Spanish: "Aún no encontramos a nadie…"
    assert "Aún no encontramos" in told
    assert [m.to for m in fake_twilio.messages()] == [CALLER]


def test_a_page_twilio_reports_undelivered_moves_to_the_next_person_at_once(
    phone: Phone, runtime: Runtime, fake_twilio: FakeTwilio, app_url: str
) -> None:
    phone.text("I want to die")
    run_jobs(runtime)
    (page,) = fake_twilio.messages(to=SAM)
    assert page.status_callback == f"{PUBLIC_URL}/twilio/status"
    status = fake_twilio.send_status_callback(
        page.sid, "undelivered", error_code=30003, base_url_map={PUBLIC_URL: app_url}
    )
    assert status == 200
    run_jobs(runtime)  # no time has passed
    assert len(bodies(fake_twilio, DANA)) == 1
    assert "page_undelivered:r0s0-sms" in audit_events(runtime)


def test_a_page_twilio_refuses_moves_on_at_once_and_is_counted_by_its_code(
    phone: Phone, runtime: Runtime, fake_twilio: FakeTwilio
) -> None:
    fake_twilio.opt_out(SAM)  # Sam's phone once texted STOP to the helpline number: 21610
    phone.text("I want to die")
    run_jobs(runtime)
    assert bodies(fake_twilio, SAM) == []
    assert len(bodies(fake_twilio, DANA)) == 1  # no ack_timeout waited out
    shown = exposition(runtime.redis)
    refused = {"kind": "page_sms", "outcome": "refused", "reason": "opted_out"}
    assert shown.value("helpline_sends_total", **refused) == 1
    assert shown.value("helpline_sends_total", kind="page_sms", outcome="sent", reason="none") == 1


def test_a_lost_job_is_driven_by_the_sweeper_and_a_retried_page_is_never_sent_twice(
    phone: Phone, runtime: Runtime, fake_twilio: FakeTwilio, clock: FakeClock
) -> None:
    phone.text("i want to die")
    run_jobs(runtime)
    # Every queued and scheduled job is lost (a Redis restart without persistence, say).
    for key in runtime.redis.scan_iter(match="rq:*"):
        runtime.redis.delete(key)
    clock.advance(timedelta(minutes=3))
    assert run_jobs(runtime, at=clock.now) == 0
    assert fake_twilio.messages(to=DANA) == []
    swept = sweep(runtime.desk, runtime.pager, runtime.urgent_queue, clock.now)
    assert swept.driven == 1
    run_jobs(runtime, at=clock.now)
    assert len(bodies(fake_twilio, DANA)) == 1
    # The same page job run again (rq retrying it, a duplicate) sends nothing.
    assert runtime.pager.send(1, "r0s1-sms", "Dana", "sms").outcome == "done"
    assert runtime.pager.send(1, "r0s0-sms", "Sam", "sms").outcome == "done"
    assert len(bodies(fake_twilio, SAM)) == 1
    assert len(bodies(fake_twilio, DANA)) == 1


# --- taking it, relaying, closing ----------------------------------------------------------


def test_taking_connects_staff_and_caller_through_the_helpline_number_both_ways(
    phone: Phone,
    runtime: Runtime,
    fake_twilio: FakeTwilio,
    clock: FakeClock,
    staff: Callable[[str], Phone],
) -> None:
    sam, dana = staff(SAM), staff(DANA)
    phone.text("i want to kill myself")
    run_jobs(runtime, at=clock.now)
    clock.advance(timedelta(minutes=3))
    run_jobs(runtime, at=clock.now)  # Dana paged too
    phone.text("please someone")  # while nobody has answered: the holding reply
    taken = sam.text("1A")
    assert taken.texts[0].startswith("You have #1")
    assert "please someone" in taken.texts[0]  # what they said so far
    run_jobs(runtime, at=clock.now)
    assert "A person from Recovery Helpline is here now" in bodies(fake_twilio, CALLER)[-1]
    assert bodies(fake_twilio, DANA)[-1] == "#1 was taken by Sam. No need to reply."
    # The caller's words reach Sam; Sam's reach the caller; neither sees a number.
    assert phone.text("im scared").texts == []
    run_jobs(runtime, at=clock.now)
    assert bodies(fake_twilio, SAM)[-1] == "#1 …0123: im scared"
    assert sam.text("I'm here with you. Are you safe right now?").texts == []
    run_jobs(runtime, at=clock.now)
    assert bodies(fake_twilio, CALLER)[-1] == "I'm here with you. Are you safe right now?"
    # Dana's "a" is too late: she hears who has it, and the ladder does not move on.
    late = dana.text("a")
    assert late.texts == ["#1 is already taken by Sam. Thank you."]
    clock.advance(timedelta(hours=1))
    run_jobs(runtime, at=clock.now)
    assert len(bodies(fake_twilio, DANA)) == 2
    # Closing hands the caller back to the bot.
    closed = sam.text("1c")
    assert closed.texts == ["#1 is closed. The caller is back with the automatic texts."]
    run_jobs(runtime, at=clock.now)
    assert "closed" in bodies(fake_twilio, CALLER)[-1]
    assert "MENU" in bodies(fake_twilio, CALLER)[-1]
    assert phone.text("menu").texts[0].startswith("Hi, you've reached Recovery Helpline.")
    # Staff words after closing are not sent anywhere.
    assert sam.text("are you still there?").texts[0].startswith("You are not talking")
    events = audit_events(runtime)
    assert events.count("taken") == 1
    assert events.count("closed") == 1
    assert_no_number_leaked(fake_twilio)


def taken_by_sam(phone: Phone, runtime: Runtime, sam: Phone) -> None:
    phone.text("i want to kill myself")
    run_jobs(runtime)
    assert sam.text("1A").texts[0].startswith("You have #1")
    run_jobs(runtime)


def test_staff_hear_when_their_words_did_not_reach_the_caller(
    phone: Phone,
    runtime: Runtime,
    fake_twilio: FakeTwilio,
    staff: Callable[[str], Phone],
    app_url: str,
    clock: FakeClock,
) -> None:
    sam = staff(SAM)
    taken_by_sam(phone, runtime, sam)
    assert sam.text("Are you somewhere safe?").texts == []
    run_jobs(runtime)
    (relayed,) = [m for m in fake_twilio.messages(to=CALLER) if m.body == "Are you somewhere safe?"]
    status = fake_twilio.send_status_callback(
        relayed.sid, "undelivered", error_code=30003, base_url_map={PUBLIC_URL: app_url}
    )
    assert status == 200
    run_jobs(runtime)
    told = "#1: your last text did not reach the caller (their phone is off or out of reach)."
    assert bodies(fake_twilio, SAM)[-1] == told
    (note,) = [e for e in runtime.desk.store.conversation(1) if e["who"] == "helpline"]
    assert note["body"] == told
    # A repeat of the callback tells nobody twice; a delivered text tells nobody at all.
    fake_twilio.send_status_callback(
        relayed.sid, "undelivered", error_code=30003, base_url_map={PUBLIC_URL: app_url}
    )
    clock.advance(timedelta(seconds=30))  # a relay's batch is named by its moment
    assert sam.text("Still here.").texts == []
    run_jobs(runtime, at=clock.now)
    (later,) = [m for m in fake_twilio.messages(to=CALLER) if m.body == "Still here."]
    fake_twilio.send_status_callback(later.sid, "delivered", base_url_map={PUBLIC_URL: app_url})
    run_jobs(runtime)
    assert bodies(fake_twilio, SAM).count(told) == 1
    assert [b for b in bodies(fake_twilio, SAM) if "did not reach" in b] == [told]


def test_staff_hear_when_twilio_refuses_their_words_at_once(
    phone: Phone, runtime: Runtime, fake_twilio: FakeTwilio, staff: Callable[[str], Phone]
) -> None:
    sam = staff(SAM)
    taken_by_sam(phone, runtime, sam)
    fake_twilio.opt_out(CALLER)  # the caller texted STOP to the carrier: 21610 from now on
    assert sam.text("Are you there?").texts == []
    run_jobs(runtime)
    assert bodies(fake_twilio, SAM)[-1] == (
        "#1: your last text did not reach the caller (they have opted out with STOP)."
    )


def test_two_staff_answering_at_once_one_wins(
    phone: Phone,
    runtime: Runtime,
    fake_twilio: FakeTwilio,
    clock: FakeClock,
    staff: Callable[[str], Phone],
) -> None:
    phone.text("i want to die")
    run_jobs(runtime, at=clock.now)
    clock.advance(timedelta(minutes=3))
    run_jobs(runtime, at=clock.now)
    barrier = threading.Barrier(2)
    replies: dict[str, list[str]] = {}

    def answer(number: str) -> None:
        barrier.wait()
        replies[number] = staff(number).text("1a").texts

    threads = [threading.Thread(target=answer, args=(n,)) for n in (SAM, DANA)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    winners = [n for n, texts in replies.items() if texts[0].startswith("You have #1")]
    losers = [n for n, texts in replies.items() if "already taken by" in texts[0]]
    assert len(winners) == 1
    assert len(losers) == 1
    esc = runtime.desk.store.get(1)
    assert esc is not None
    assert esc.state is EscalationState.TAKEN
    assert esc.holder == ("Sam" if winners == [SAM] else "Dana")
    assert audit_events(runtime).count("taken") == 1
    run_jobs(runtime, at=clock.now)
    joined = [b for b in bodies(fake_twilio, CALLER) if "is here now" in b]
    assert len(joined) == 1


def test_a_caller_who_texts_stop_closes_the_escalation_and_staff_hear_it(
    phone: Phone,
    runtime: Runtime,
    fake_twilio: FakeTwilio,
    staff: Callable[[str], Phone],
) -> None:
    phone.text("i want to die")
    run_jobs(runtime)
    staff(SAM).text("1a")
    run_jobs(runtime)
    before = len(bodies(fake_twilio, CALLER))
    assert phone.text("STOP").texts[0].startswith("You won't get more texts")
    run_jobs(runtime)
    assert "texted STOP" in bodies(fake_twilio, SAM)[-1]
    assert len(bodies(fake_twilio, CALLER)) == before
    esc = runtime.desk.store.get(1)
    assert esc is not None
    assert esc.state is EscalationState.CLOSED


# --- voice pages ---------------------------------------------------------------------------


def test_a_voice_page_reads_the_alert_and_pressing_1_takes_it(
    flows_dir: Path,
    phone: Phone,
    runtime: Runtime,
    fake_twilio: FakeTwilio,
    app_url: str,
    staff: Callable[[str], Phone],
) -> None:
    write_roster(flows_dir, sam_voice=True)
    runtime.roster.check_every = 0
    phone.text("i want to die")
    run_jobs(runtime)
    (call,) = fake_twilio.calls(to=SAM)
    assert call.from_ == HELPLINE_NUMBER
    assert call.url is not None
    assert call.url.startswith(f"{PUBLIC_URL}/twilio/page/call?")
    assert SAM[2:] not in call.url
    assert CALLER[2:] not in call.url
    sam = staff(SAM)
    path = call.url.removeprefix(PUBLIC_URL)
    answered = sam.post(path, [("CallSid", call.sid), ("CallStatus", "in-progress")])
    assert answered.status_code == 200
    assert "<Gather" in answered.text
    assert "Press 1 to take it" in answered.text
    action = path.replace("/twilio/page/call", "/twilio/page/answer")
    pressed = sam.post(action, [("CallSid", call.sid), ("Digits", "1")])
    assert "You have escalation 1" in pressed.text
    esc = runtime.desk.store.get(1)
    assert esc is not None
    assert esc.holder == "Sam"
    run_jobs(runtime)
    assert "is here now" in bodies(fake_twilio, CALLER)[-1]
    assert bodies(fake_twilio, SAM)[-1].startswith("You have #1")


def test_a_voice_page_nobody_presses_1_on_moves_to_the_next_person(
    flows_dir: Path,
    phone: Phone,
    runtime: Runtime,
    fake_twilio: FakeTwilio,
    staff: Callable[[str], Phone],
) -> None:
    write_roster(flows_dir, sam_voice=True)
    runtime.roster.check_every = 0
    phone.text("i want to die")
    run_jobs(runtime)
    (call,) = fake_twilio.calls(to=SAM)
    assert call.url is not None
    action = call.url.removeprefix(PUBLIC_URL).replace("/twilio/page/call", "/twilio/page/answer")
    # A voicemail greeting plays and the gather ends with no digits.
    reply = staff(SAM).post(action, [("CallSid", call.sid), ("Digits", "")])
    assert "next person" in reply.text
    run_jobs(runtime)
    assert len(bodies(fake_twilio, DANA)) == 1


def test_a_forged_page_answer_is_refused(app_url: str, fake_twilio: FakeTwilio) -> None:
    forged = Phone(app_url, "not-the-token", SAM)
    reply = forged.post("/twilio/page/answer?esc=1&page=r0s0-voice", [("Digits", "1")])
    assert reply.status_code == 403
    unsigned = httpx.post(f"{app_url}/twilio/page/call?esc=1&page=r0s0-voice", data={"a": "1"})
    assert unsigned.status_code == 403


# --- bad input -----------------------------------------------------------------------------


def test_unknown_and_closed_codes_get_a_clear_answer(
    phone: Phone, runtime: Runtime, staff: Callable[[str], Phone]
) -> None:
    sam = staff(SAM)
    assert sam.text("99a").texts == [
        "There is no escalation #99. Codes look like 12a (take) or 12c (close)."
    ]
    assert sam.text("a").texts == ["There is no escalation for you to answer right now."]
    phone.text("i want to die")
    run_jobs(runtime)
    sam.text("1a")
    sam.text("1c")
    assert sam.text("1a").texts == ["#1 is already closed. Nothing to do."]
    assert sam.text("1c").texts == ["#1 is already closed. Nothing to do."]


def test_a_number_taken_off_the_roster_cannot_take_an_escalation(
    flows_dir: Path,
    phone: Phone,
    runtime: Runtime,
    fake_twilio: FakeTwilio,
    staff: Callable[[str], Phone],
) -> None:
    phone.text("i want to die")
    run_jobs(runtime)
    assert len(bodies(fake_twilio, SAM)) == 1
    (flows_dir / "oncall.yaml").write_text(
        ROSTER.format(repeat=1, sam_voice="false").replace("+15550100002", "+15550100003")
    )
    runtime.roster.check_every = 0
    reply = staff(SAM).text("1a")
    assert reply.texts == [
        "This phone is not on the on-call roster now, so it can't take escalations."
    ]
    esc = runtime.desk.store.get(1)
    assert esc is not None
    assert esc.state is EscalationState.PAGING
    # A stranger texting a code is just a caller: the bot answers, nothing is taken.
    stranger = staff("+12065550199").text("1a")
    assert stranger.texts
    assert "Recovery Helpline" in stranger.texts[0]


def test_a_broken_roster_edit_keeps_the_previous_roster_paging(
    flows_dir: Path, phone: Phone, runtime: Runtime, fake_twilio: FakeTwilio
) -> None:
    (flows_dir / "oncall.yaml").write_text(
        ROSTER.format(repeat=1, sam_voice="false").replace("America/Los_Angeles", "Mars/Olympus")
    )
    runtime.roster.check_every = 0
    phone.text("i want to die")
    run_jobs(runtime)
    assert len(bodies(fake_twilio, SAM)) == 1
    error = runtime.roster.last_error
    assert error is not None
    assert f"{flows_dir / 'oncall.yaml'}:1:" in str(error.problems[0])


def test_a_duplicate_webhook_for_the_crisis_text_opens_one_escalation(
    phone: Phone, runtime: Runtime, fake_twilio: FakeTwilio
) -> None:
    sid = new_message_sid()
    phone.text("i want to die", sid=sid)
    phone.text("i want to die", sid=sid)
    run_jobs(runtime)
    assert len(bodies(fake_twilio, SAM)) == 1
    assert audit_events(runtime).count("opened") == 1
