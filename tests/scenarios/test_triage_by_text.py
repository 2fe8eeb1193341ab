"""Whole conversations, as a caller lives them: signed webhooks in, the real worker, texts out
through the real twilio client to the fake Twilio."""

from __future__ import annotations

from datetime import timedelta

from helpline import keys
from helpline.runtime import Runtime
from tests.fake_twilio.server import FakeTwilio
from tests.support.clock import FakeClock
from tests.support.phone import HELPLINE_NUMBER, PUBLIC_URL, Phone
from tests.support.worker import run_jobs

CRISIS_LINE = "1-800-662-4357"


def bodies(fake_twilio: FakeTwilio, to: str) -> list[str]:
    return [m.body or "" for m in fake_twilio.messages(to=to)]


def answer_all(phone: Phone, answers: list[str]) -> list[list[str]]:
    replies = []
    for answer in answers:
        reply = phone.text(answer)
        assert reply.status == 200, reply.body
        replies.append(reply.texts)
    return replies


def test_english_triage_from_first_text_to_program_texts(
    phone: Phone, runtime: Runtime, fake_twilio: FakeTwilio
) -> None:
    replies = answer_all(phone, ["hi", "1", "1", "2", "2", "2", "1"])
    welcome = replies[0][0]
    assert welcome.startswith("Hi, you've reached Recovery Helpline.")
    assert "Reply STOP to opt out" in welcome
    assert "Para español, responda ESPAÑOL" in welcome
    assert replies[1][0].startswith("What is it about?")
    assert replies[2][0].startswith("What kind of support sounds right?")
    assert replies[3][0].startswith("What's your goal right now?")
    assert replies[4][0].startswith("Would you like meetings in person or online?")
    assert replies[5][0].startswith("One last question: are you safe right now?")
    assert replies[6][0].startswith("Thank you. Here are programs that could fit")
    # Every inline text says how to reach a person.
    assert all(CRISIS_LINE in text for texts in replies for text in texts)

    assert fake_twilio.messages(to=phone.number) == []  # program texts are the worker's job
    run_jobs(runtime)
    everything = fake_twilio.messages(to=phone.number)
    # Program texts first, then the meetings answer (the directory here is empty).
    cut = next(i for i, m in enumerate(everything) if (m.body or "").startswith("I could not"))
    sent = everything[:cut]
    names = [(m.body or "").splitlines()[0] for m in sent]
    # Cutting down, secular, online: SMART Recovery leads (it does not require stopping).
    assert names[0] == "SMART Recovery"
    assert 2 <= len(sent) <= 3
    assert all(CRISIS_LINE in (m.body or "") for m in everything[cut:])
    for message in sent:
        assert message.from_ == HELPLINE_NUMBER
        assert message.status_callback == f"{PUBLIC_URL}/twilio/status"
        assert CRISIS_LINE in (message.body or "")
        assert "https://" in (message.body or "")
    fake_twilio.assert_no_unknown_params()


def test_spanish_triage_for_a_family_member(
    phone: Phone, runtime: Runtime, fake_twilio: FakeTwilio
) -> None:
    replies = answer_all(phone, ["Hola", "2", "dos", "1", "en persona", "92660", "sí"])
    assert replies[0][0].startswith("Hola, se ha comunicado con Recovery Helpline.")
    assert "Responda STOP" in replies[0][0]
    assert replies[1][0].startswith("Gracias por preocuparse")  # family path
    assert replies[3][0].startswith("¿Prefiere reuniones en persona o en línea?")  # no goal
    assert replies[4][0].startswith("¿Cuál es su código postal")
    assert replies[5][0].startswith("Una última pregunta: ¿está a salvo ahora?")
    assert replies[6][0].startswith("Gracias. Le envío programas")
    run_jobs(runtime)
    everything = bodies(fake_twilio, phone.number)
    sent = everything[: next(i for i, b in enumerate(everything) if b.startswith("No encontré"))]
    names = [body.splitlines()[0] for body in sent]
    assert names[0] == "Nar-Anon"  # family of someone using drugs, 12-step chosen
    assert any("Familia" in n or "Family" in n for n in names)  # plus the secular family option
    assert all(CRISIS_LINE in body for body in sent)
    assert all("Hable con una persona" in body for body in sent)  # the footer is in Spanish


def test_switching_language_mid_conversation(phone: Phone) -> None:
    answer_all(phone, ["hi", "1"])
    reply = phone.text("ESPAÑOL")
    assert reply.texts == [reply.texts[0]]
    assert reply.texts[0].startswith("¿De qué se trata?")
    assert phone.text("ENGLISH").texts[0].startswith("What is it about?")


def test_no_reply_gets_a_reminder_by_text(
    phone: Phone, runtime: Runtime, fake_twilio: FakeTwilio, clock: FakeClock
) -> None:
    phone.text("hi")
    run_jobs(runtime, at=clock.now)  # the timeout job is scheduled, not due
    assert fake_twilio.messages(to=phone.number) == []
    clock.advance(timedelta(hours=4, seconds=1))
    run_jobs(runtime, at=clock.now)
    (reminder,) = bodies(fake_twilio, phone.number)
    assert reminder.startswith("Still there? No rush.")
    # one reminder only, even if time goes on
    clock.advance(timedelta(hours=8))
    run_jobs(runtime, at=clock.now)
    assert len(fake_twilio.messages(to=phone.number)) == 1
    # and the conversation carries on where it was
    assert phone.text("1").texts[0].startswith("What is it about?")


def test_an_answer_before_the_timeout_cancels_its_effect(
    phone: Phone, runtime: Runtime, fake_twilio: FakeTwilio, clock: FakeClock
) -> None:
    phone.text("hi")
    clock.advance(timedelta(minutes=5))
    phone.text("1")
    clock.advance(timedelta(hours=3, minutes=56))  # the first wait's timer is due, not the second
    run_jobs(runtime, at=clock.now)
    assert fake_twilio.messages(to=phone.number) == []


def test_each_answer_leaves_only_its_own_reminder_scheduled(
    phone: Phone, runtime: Runtime, fake_twilio: FakeTwilio, clock: FakeClock
) -> None:
    """A reminder per answered question, kept until it fired, was a million idle timers a
    surge would leave in Redis for four hours."""
    answer_all(phone, ["hi", "1", "alcohol", "banana"])
    ref = runtime.conversations.ref(phone.number)
    session = runtime.store.load(ref).session
    assert session is not None
    assert session.timeout_at is not None
    timers = runtime.redis.zrange(keys.timeouts(), 0, -1, withscores=True)
    assert timers == [(f"{ref}:{session.wait_id}".encode(), session.timeout_at.timestamp())]
    assert runtime.queue.scheduled_job_registry.get_job_ids() == []  # a timer is not an rq job
    clock.advance(timedelta(hours=4, seconds=1))
    run_jobs(runtime, at=clock.now)
    (reminder,) = bodies(fake_twilio, phone.number)
    assert reminder.startswith("Still there? No rush.")
    assert runtime.redis.zcard(keys.timeouts()) == 0


def test_three_unclear_replies_offer_a_person_and_yes_escalates(
    phone: Phone, runtime: Runtime, fake_twilio: FakeTwilio
) -> None:
    replies = answer_all(phone, ["hi", "banana", "banana", "banana"])
    assert replies[1][0].startswith("Please reply 1 if this is for you")
    assert replies[3][0].startswith("Sorry, I'm having trouble understanding.")
    reply = phone.text("yes")
    assert reply.texts[0].startswith("OK. We're contacting a person from our team")
    assert "1-800-662-4357" in reply.texts[0]
    run_jobs(runtime)
    esc = runtime.desk.store.get(1)
    assert esc is not None
    assert esc.reason == "asked_for_person"
    assert esc.ref == runtime.conversations.ref(phone.number)
    audit = runtime.desk.store.audit()
    assert [entry["event"] for entry in audit][:1] == ["opened"]
    assert phone.number not in str(audit)
    assert phone.number[2:] not in str(audit)
