"""A worker SIGKILLed mid-send, the job running in it: another worker finishes the batch.

The send job records each text once Twilio has answered for it (`send_texts`).
The worker dies while Twilio is still answering for the second text, so that
text's outcome is unknown: the fake Twilio accepts it after the worker is gone.
The job is resumed from the last text recorded, so the unknown one goes out
again: Twilio's Messages API has no idempotency key, and a resend is better than
a text that may never have left. Hence the one duplicate allowed, of that text
only, and every other text exactly once, in order.
"""

from __future__ import annotations

import time

import pytest
import redis
from rq import Queue
from rq.job import Job
from rq.serializers import JSONSerializer

from helpline import keys
from helpline.queueing import DEFAULT_QUEUE
from tests.fake_twilio.server import FakeTwilio
from tests.support.processes import Helpline, wait_for

pytestmark = pytest.mark.faults

CALLER = "+12065550131"
TRIAGE = ("hi", "1", "1", "2", "2", "2", "1")
"""For me, alcohol, secular, cut down, online, safe: program and meeting texts follow."""

IN_FLIGHT_SECONDS = 4.0
"""Twilio takes this long over the second text: under the client's 10 s timeout."""

RECOVERY_SECONDS = 40.0
"""A killed worker's batch must be finished by another within this."""


def started_send_job(client: redis.Redis) -> Job:
    queue = Queue(DEFAULT_QUEUE, connection=client, serializer=JSONSerializer)
    ids = [i for i in queue.started_job_registry.get_job_ids(cleanup=False) if i.startswith("send")]
    assert len(ids) == 1, ids
    return Job.fetch(ids[0], connection=client, serializer=JSONSerializer)


def test_a_killed_workers_send_is_finished_by_another_in_order(
    helpline: Helpline, fake_twilio: FakeTwilio, redis_client: redis.Redis
) -> None:
    helpline.serve()
    first = helpline.worker()
    # The first text answers at once, the second only after IN_FLIGHT_SECONDS.
    fake_twilio.inject(status=200, times=1, to=CALLER)
    fake_twilio.inject(status=200, times=1, to=CALLER, delay=IN_FLIGHT_SECONDS)
    caller = helpline.phone(CALLER)
    statuses = [caller.text(body).status for body in TRIAGE]
    wait_for(lambda: len(fake_twilio.messages(to=CALLER)) == 1, timeout=10, what="the first text")
    time.sleep(0.5)  # the second request is at the fake, waiting

    job = started_send_job(redis_client)
    ref, texts, batch = job.args[:3]  # a fourth, the validity period, on meeting lists
    done = int(redis_client.get(keys.outbox_progress(batch)) or 0)
    assert done == 1  # one text recorded as sent, the next in flight
    killed = first.kill()
    killed_at = time.monotonic()
    assert len(killed) >= 2  # the worker (the job ran in it) and its scheduler process
    helpline.worker()

    def all_sent() -> bool:
        bodies = [m.body for m in fake_twilio.messages(to=CALLER)]
        return len(bodies) >= len(texts) and bodies[-1] == texts[-1]

    took = wait_for(all_sent, timeout=RECOVERY_SECONDS, what="the batch to be finished")
    print(f"killed worker's batch finished {took:.1f} s after the kill")
    time.sleep(1.0)  # nothing more arrives
    bodies = [m.body for m in fake_twilio.messages(to=CALLER)]
    in_flight = texts[done]
    resent = texts[: done + 1] + texts[done:]
    print(f"{len(bodies) - len(texts)} duplicate(s) of the text in flight")
    assert bodies in (texts, resent)
    assert statuses == [200] * len(TRIAGE)
    assert time.monotonic() - killed_at < RECOVERY_SECONDS + 2
    assert ref
    assert in_flight in bodies
    # Finished, not failed and waiting for a retry: no stray run can send again.
    queue = Queue(DEFAULT_QUEUE, connection=redis_client, serializer=JSONSerializer)
    assert queue.failed_job_registry.get_job_ids() == []
    assert job.id not in queue.scheduled_job_registry.get_job_ids()  # (reminders are there)
    assert queue.started_job_registry.get_job_ids(cleanup=False) == []
