"""POST /twilio/status: delivery receipts, repeated and out of order, as Twilio sends them."""

from __future__ import annotations

import redis

from helpline import keys
from helpline.runtime import Runtime
from helpline.store import as_text
from tests.fake_twilio.server import FakeTwilio
from tests.support.phone import PUBLIC_URL, Phone
from tests.support.worker import run_jobs


def sent_after_triage(phone: Phone, runtime: Runtime, fake_twilio: FakeTwilio) -> list[str]:
    for answer in ("hi", "1", "1", "2", "2", "2", "1"):
        phone.text(answer)
    run_jobs(runtime)
    return [m.sid for m in fake_twilio.messages(to=phone.number)]


def status_of(client: redis.Redis, sid: str) -> dict[str, str]:
    raw = client.hgetall(keys.outbound(sid))
    return {str(as_text(k)): str(as_text(v)) for k, v in raw.items()}


def test_statuses_are_recorded_once_and_never_move_backwards(
    phone: Phone,
    runtime: Runtime,
    fake_twilio: FakeTwilio,
    app_url: str,
    redis_client: redis.Redis,
) -> None:
    sid = sent_after_triage(phone, runtime, fake_twilio)[0]
    local = {PUBLIC_URL: app_url}
    ref = runtime.conversations.ref(phone.number)
    assert status_of(redis_client, sid)["ref"] == ref
    assert fake_twilio.send_status_callback(sid, "delivered", base_url_map=local) == 200
    assert fake_twilio.send_status_callback(sid, "sent", base_url_map=local) == 200  # late
    assert fake_twilio.send_status_callback(sid, "delivered", base_url_map=local) == 200  # again
    assert status_of(redis_client, sid)["status"] == "delivered"


def test_an_undelivered_21610_records_the_opt_out(
    phone: Phone,
    runtime: Runtime,
    fake_twilio: FakeTwilio,
    app_url: str,
    redis_client: redis.Redis,
) -> None:
    sid = sent_after_triage(phone, runtime, fake_twilio)[0]
    code = fake_twilio.send_status_callback(
        sid, "undelivered", error_code=21610, base_url_map={PUBLIC_URL: app_url}
    )
    assert code == 200
    record = status_of(redis_client, sid)
    assert (record["status"], record["error_code"]) == ("undelivered", "21610")
    assert runtime.store.load(runtime.conversations.ref(phone.number)).opted_out
    assert phone.text("hi").texts == []


def test_a_forged_status_callback_changes_nothing(
    phone: Phone, runtime: Runtime, fake_twilio: FakeTwilio, redis_client: redis.Redis
) -> None:
    sid = sent_after_triage(phone, runtime, fake_twilio)[0]
    before = status_of(redis_client, sid)
    reply = phone.post(
        "/twilio/status", [("MessageSid", sid), ("MessageStatus", "failed")], token="not-the-token"
    )
    assert reply.status_code == 403
    assert status_of(redis_client, sid) == before
