"""The send jobs, against the fake Twilio: retries, permanent refusals, resuming a batch."""

from __future__ import annotations

from datetime import timedelta

from rq.job import Job, JobStatus

from helpline import keys
from helpline.outbox import send_texts_later
from helpline.queueing import job_id
from helpline.runtime import Runtime
from tests.fake_twilio.server import FakeTwilio
from tests.support.clock import FakeClock
from tests.support.worker import run_jobs

NUMBER = "+12065550199"


def known_caller(runtime: Runtime) -> str:
    ref = runtime.conversations.ref(NUMBER)
    runtime.store.hold_number(runtime.redis, ref, NUMBER, timedelta(hours=1))
    return ref


def test_a_429_is_retried_later_and_sent_once(
    runtime: Runtime, fake_twilio: FakeTwilio, clock: FakeClock
) -> None:
    ref = known_caller(runtime)
    fake_twilio.inject(status=429, code=20429, message="Too Many Requests", times=1)
    send_texts_later(runtime.queue, None, ref, ["one", "two"], batch="b429")
    run_jobs(runtime)
    assert fake_twilio.messages(to=NUMBER) == []  # refused, retry scheduled with backoff
    later = clock.advance(timedelta(minutes=5))
    run_jobs(runtime, at=later)
    assert [m.body for m in fake_twilio.messages(to=NUMBER)] == ["one", "two"]


def test_a_500_mid_batch_resumes_after_the_last_text_sent(
    runtime: Runtime, fake_twilio: FakeTwilio, clock: FakeClock
) -> None:
    ref = known_caller(runtime)
    runtime.redis.set(keys.outbox_progress("half"), 1)  # "one" already went out before a crash
    fake_twilio.inject(status=500, code=20500, message="Internal error", times=1)
    send_texts_later(runtime.queue, None, ref, ["one", "two", "three"], batch="half")
    run_jobs(runtime)
    run_jobs(runtime, at=clock.advance(timedelta(minutes=5)))
    assert [m.body for m in fake_twilio.messages(to=NUMBER)] == ["two", "three"]


def test_21610_records_an_opt_out_and_is_never_retried(
    runtime: Runtime, fake_twilio: FakeTwilio, clock: FakeClock
) -> None:
    ref = known_caller(runtime)
    fake_twilio.opt_out(NUMBER)
    send_texts_later(runtime.queue, None, ref, ["one", "two"], batch="stopped")
    run_jobs(runtime)
    run_jobs(runtime, at=clock.advance(timedelta(hours=1)))
    attempts = [r for r in fake_twilio.requests if r.path.endswith("Messages.json")]
    assert len(attempts) == 1
    assert runtime.store.load(ref).opted_out
    send_texts_later(runtime.queue, None, ref, ["three"], batch="after")
    run_jobs(runtime)
    assert len([r for r in fake_twilio.requests if r.path.endswith("Messages.json")]) == 1


def test_a_landline_is_not_retried(runtime: Runtime, fake_twilio: FakeTwilio) -> None:
    ref = runtime.conversations.ref("+15005550009")
    runtime.store.hold_number(runtime.redis, ref, "+15005550009", timedelta(hours=1))
    send_texts_later(runtime.queue, None, ref, ["one"], batch="landline")
    run_jobs(runtime)
    assert not runtime.store.load(ref).opted_out
    assert runtime.queue.scheduled_job_registry.count == 0


def test_nothing_is_sent_when_the_number_is_no_longer_held(
    runtime: Runtime, fake_twilio: FakeTwilio
) -> None:
    ref = runtime.conversations.ref(NUMBER)
    send_texts_later(runtime.queue, None, ref, ["one"], batch="gone")
    run_jobs(runtime)
    assert fake_twilio.requests == []


def test_one_batch_to_a_caller_at_a_time_the_next_waits_its_turn(
    runtime: Runtime, fake_twilio: FakeTwilio
) -> None:
    ref = known_caller(runtime)
    send_texts_later(runtime.queue, None, ref, ["one", "two"], batch="first")
    send_texts_later(runtime.queue, None, ref, ["three"], batch="second")
    other = runtime.conversations.ref("+12065550198")
    send_texts_later(runtime.queue, None, other, ["elsewhere"], batch="other")
    statuses = {
        batch: Job.fetch(job_id("send", batch), connection=runtime.redis).get_status()
        for batch in ("first", "second", "other")
    }
    # rq's rate limit holds the caller's second batch back; another caller is not held.
    assert statuses == {
        "first": JobStatus.QUEUED,
        "second": JobStatus.RATE_LIMITED,
        "other": JobStatus.QUEUED,
    }
    run_jobs(runtime)
    assert [m.body for m in fake_twilio.messages(to=NUMBER)] == ["one", "two", "three"]


def test_time_sensitive_texts_carry_a_validity_period_others_do_not(
    runtime: Runtime, fake_twilio: FakeTwilio
) -> None:
    ref = known_caller(runtime)
    send_texts_later(runtime.queue, None, ref, ["meetings"], batch="timely", validity=3600)
    send_texts_later(runtime.queue, None, ref, ["programs"], batch="plain")
    run_jobs(runtime)
    sent = {m.body: m.validity_period for m in fake_twilio.messages(to=NUMBER)}
    assert sent == {"meetings": 3600, "programs": None}
