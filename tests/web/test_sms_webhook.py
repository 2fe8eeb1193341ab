"""POST /twilio/sms with real signed HTTP requests: what Twilio and callers can throw at it."""

from __future__ import annotations

import threading

import httpx
import redis

from helpline.redis_server import PrivateRedis
from helpline.runtime import Runtime
from tests.fake_twilio.server import FakeTwilio
from tests.fake_twilio.signing import signed_form
from tests.support.phone import PUBLIC_URL, Phone, new_message_sid, parse_twiml
from tests.support.worker import run_jobs


def helpline_keys(client: redis.Redis) -> list[bytes]:
    return sorted(client.scan_iter("helpline:*"))


def test_a_forged_signature_gets_403_and_stores_nothing(
    phone: Phone, redis_client: redis.Redis
) -> None:
    reply = phone.post(
        "/twilio/sms",
        [("From", phone.number), ("Body", "hi"), ("MessageSid", new_message_sid())],
        token="wrong-token",
    )
    assert reply.status_code == 403
    assert helpline_keys(redis_client) == []


def test_an_unsigned_or_tampered_request_gets_403(phone: Phone, app_url: str) -> None:
    pairs = [("From", phone.number), ("Body", "hi"), ("MessageSid", new_message_sid())]
    assert httpx.post(app_url + "/twilio/sms", data=dict(pairs)).status_code == 403
    body, headers = signed_form(PUBLIC_URL + "/twilio/sms", pairs, phone.token)
    tampered = body.replace(b"Body=hi", b"Body=yo")
    assert httpx.post(app_url + "/twilio/sms", content=tampered, headers=headers).status_code == 403
    # signed for another URL (http instead of https): still refused
    body, headers = signed_form(
        PUBLIC_URL.replace("https", "http") + "/twilio/sms", pairs, phone.token
    )
    assert httpx.post(app_url + "/twilio/sms", content=body, headers=headers).status_code == 403


def test_shared_key_signatures_are_not_trusted_yet(phone: Phone) -> None:
    reply = phone.post(
        "/twilio/sms",
        [("From", phone.number), ("Body", "hi"), ("MessageSid", new_message_sid())],
        headers={"X-Twilio-Webhooks-Signature-Settings": "key=k,algorithm=SHA256"},
    )
    assert reply.status_code == 403


def test_missing_fields_get_400_with_the_reason(phone: Phone) -> None:
    no_from = phone.post("/twilio/sms", [("Body", "hi"), ("MessageSid", new_message_sid())])
    assert (no_from.status_code, no_from.text) == (400, "missing From")
    no_body = phone.post("/twilio/sms", [("From", phone.number), ("MessageSid", "SM1")])
    assert (no_body.status_code, no_body.text) == (400, "missing Body")


def test_an_oversized_body_is_refused_cleanly(phone: Phone) -> None:
    reply = phone.post(
        "/twilio/sms",
        [("From", phone.number), ("Body", "x" * 70_000), ("MessageSid", new_message_sid())],
    )
    assert reply.status_code == 413


def test_answers_are_twiml_with_the_right_content_type(phone: Phone) -> None:
    reply = phone.post(
        "/twilio/sms", [("From", phone.number), ("Body", "hi"), ("MessageSid", new_message_sid())]
    )
    assert reply.status_code == 200
    assert reply.headers["content-type"].startswith("application/xml")
    assert reply.text.startswith('<?xml version="1.0" encoding="UTF-8"?><Response><Message>')


def test_a_redelivered_webhook_never_advances_the_conversation_twice(phone: Phone) -> None:
    phone.text("hi")
    sid = new_message_sid()
    first = phone.text("1", sid=sid)
    again = phone.text("1", sid=sid)
    assert first.texts[0].startswith("What is it about?")
    assert again.texts == []  # an empty <Response/>: Twilio sends nothing more
    assert phone.text("1").texts[0].startswith("What kind of support")  # still on question 2


def test_odd_messages_get_sensible_replies(phone: Phone) -> None:
    mms = phone.text("", extra=(("NumMedia", "1"), ("MediaUrl0", "https://api.twilio.com/m/1")))
    assert mms.status == 200
    assert mms.texts[0].startswith("Hi, you've reached")  # an empty MMS starts the conversation
    emoji = phone.text("🙏🙏")
    assert emoji.texts[0].startswith("Please reply 1 if this is for you")
    longest = phone.text("I am not sure what to say " * 61 + "ok")  # 1,600+ characters
    assert longest.status == 200
    assert longest.texts


def test_stop_means_silence_until_start(
    phone: Phone, runtime: Runtime, fake_twilio: FakeTwilio
) -> None:
    phone.text("hi")
    stop = phone.text("STOP")
    assert len(stop.texts) == 1
    assert stop.texts[0].startswith("You won't get more texts from us.")
    for anything in ("hi", "1", "HELP", "menu"):
        assert phone.text(anything).texts == []
    run_jobs(runtime)
    assert fake_twilio.messages(to=phone.number) == []
    start = phone.text("START")
    assert start.texts[0].startswith("Hi, you've reached")
    assert phone.text("1").texts[0].startswith("What is it about?")


def test_yes_also_ends_an_opt_out(phone: Phone) -> None:
    phone.text("unsubscribe")
    assert phone.text("yes").texts[0].startswith("Hi, you've reached")


def test_help_answers_and_offers_to_continue(phone: Phone) -> None:
    phone.text("hi")
    phone.text("1")
    reply = phone.text("help")
    assert reply.texts[0].startswith("You've reached Recovery Helpline, free and private.")
    assert "988" in reply.texts[0]
    assert "1-800-662-4357" in reply.texts[0]
    assert "STOP" in reply.texts[0]
    assert reply.texts[1].startswith("What is it about?")  # the question again
    ayuda = phone.text("AYUDA")
    assert ayuda.texts[0].startswith("Se ha comunicado con Recovery Helpline")


def test_two_texts_at_once_from_one_caller_are_handled_one_after_the_other(
    phone: Phone, runtime: Runtime
) -> None:
    phone.text("hi")
    results: list[list[str]] = []

    def send(body: str) -> None:
        results.append(phone.text(body).texts)

    threads = [threading.Thread(target=send, args=(b,)) for b in ("1", "1")]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    firsts = sorted(texts[0].split("?")[0] for texts in results)
    # one answered question 1, the other question 2: no lost update, no double answer
    assert firsts == ["What is it about", "What kind of support sounds right"]
    session = runtime.store.load(runtime.conversations.ref(phone.number)).session
    assert session is not None
    assert session.variables == {"who": "self", "substance": "alcohol"}


def test_with_redis_down_the_caller_still_gets_the_safe_reply(
    phone: Phone, redis_server: PrivateRedis, app_url: str
) -> None:
    phone.text("hi")
    redis_server.stop()
    try:
        reply = phone.text("1")
        health = httpx.get(app_url + "/healthz", timeout=10)
    finally:
        redis_server.start()
    assert reply.status == 200
    (text,) = reply.texts
    assert "1-800-662-4357" in text
    assert "988" in text
    assert "911" in text
    assert health.status_code == 503
    assert health.json()["status"] == "unavailable"


def test_healthz_says_ok_with_redis_and_flows(app_url: str) -> None:
    reply = httpx.get(app_url + "/healthz")
    assert reply.status_code == 200
    assert reply.json()["status"] == "ok"
    assert reply.json()["flows"] == ["call", "triage"]


def test_twiml_from_the_app_parses(phone: Phone) -> None:
    body = phone.post(
        "/twilio/sms",
        [("From", phone.number), ("Body", "hi & <b>"), ("MessageSid", new_message_sid())],
    ).text
    assert parse_twiml(body)
