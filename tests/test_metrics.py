"""helpline.metrics against real Redis: what each process records and what a scrape shows."""

from __future__ import annotations

from datetime import timedelta

import pytest
import redis
from starlette.requests import Request

from helpline import keys, metrics
from helpline.errors import DeliveryDeferred
from helpline.outbox import send_texts_later
from helpline.runtime import Runtime
from helpline.settings import Secret
from helpline.web.metrics import MetricsGate
from tests.fake_twilio.server import FakeTwilio
from tests.support.scrape import exposition
from tests.support.worker import run_jobs

NUMBER = "+12065550199"
DEAD_REDIS = "redis://127.0.0.1:1/0"
"""Nothing listens there; from a URL (as runtime.connect_redis does) a client fails at once."""


def test_counters_from_any_process_add_up(redis_client: redis.Redis) -> None:
    metrics.count_send(redis_client, "caller", "sent")
    with redis_client.pipeline() as pipe:
        metrics.count_send(pipe, "caller", "sent")
        metrics.count_send(pipe, "caller", "refused", metrics.refused_reason(21610))
        metrics.count_skipped(pipe, "staff", "off_roster", 3)
        pipe.execute()
    shown = exposition(redis_client)
    assert shown.value("helpline_sends_total", kind="caller", outcome="sent", reason="none") == 2
    refused = {"kind": "caller", "outcome": "refused", "reason": "opted_out"}
    assert shown.value("helpline_sends_total", **refused) == 1
    off = {"kind": "staff", "outcome": "skipped", "reason": "off_roster"}
    assert shown.value("helpline_sends_total", **off) == 3


def test_a_label_that_could_hold_a_number_is_never_shown(redis_client: redis.Redis) -> None:
    metrics.count_delivery(redis_client, "caller", "+12065550123")
    redis_client.hincrby(keys.metrics_counters(), "sends|caller|sent|12065550123", 1)
    redis_client.hincrby(keys.metrics_counters(), "sends|too|few", 1)
    redis_client.hset(keys.metrics_counters(), "delivery|caller|read", "not a number")
    shown = exposition(redis_client)
    assert shown.value("helpline_delivery_status_total", kind="caller", status="other") == 1
    assert shown.value("helpline_delivery_status_total", kind="caller", status="read") == 0
    assert shown.total("helpline_sends_total") == 0
    assert not any("555" in value for value in shown.label_values())
    assert metrics.safe_label("2065550123") == "other"
    assert metrics.safe_label("/twilio/voice/screen/answer") == "/twilio/voice/screen/answer"


def test_histograms_are_cumulated_when_scraped(redis_client: redis.Redis) -> None:
    for seconds in (10, 50, 60, 5000, -3):
        metrics.observe_ack(redis_client, "page", seconds)
    shown = exposition(redis_client)

    def bucket(le: str) -> float:
        return shown.value("helpline_escalation_ack_seconds_bucket", via="page", le=le)

    assert (bucket("15.0"), bucket("30.0"), bucket("60.0"), bucket("3600.0")) == (2, 2, 4, 4)
    assert bucket("+Inf") == 5
    assert shown.value("helpline_escalation_ack_seconds_count", via="page") == 5
    assert shown.value("helpline_escalation_ack_seconds_sum", via="page") == 5120  # -3 is 0


def test_webhook_timings_wait_in_the_process_until_redis_takes_them(
    redis_client: redis.Redis,
) -> None:
    timings = metrics.WebhookTimings()
    timings.observe("/twilio/sms", 200, 0.03)
    timings.observe("/twilio/sms", 200, 0.2)
    dead = redis.Redis.from_url(DEAD_REDIS)
    with pytest.raises(redis.ConnectionError):
        timings.flush(dead)
    assert timings.pending == 2
    timings.observe("/twilio/status", 403, 0.01)
    assert timings.flush(redis_client) == 3
    assert timings.pending == 0
    assert timings.flush(redis_client) == 0
    shown = exposition(redis_client, timings)
    sms = {"route": "/twilio/sms"}
    assert shown.value("helpline_webhook_duration_seconds_count", **sms) == 2
    assert shown.value("helpline_webhook_duration_seconds_bucket", **sms, le="0.05") == 1
    assert shown.value("helpline_webhook_duration_seconds_bucket", **sms, le="0.25") == 2
    assert shown.value("helpline_webhook_duration_seconds_sum", **sms) == pytest.approx(0.23)
    forbidden = {"route": "/twilio/status", "status": "403"}
    assert shown.value("helpline_webhook_responses_total", **forbidden) == 1
    assert shown.value("helpline_webhook_observations_unflushed") == 0


def test_a_scrape_without_redis_shows_only_that_redis_is_down() -> None:
    dead = redis.Redis.from_url(DEAD_REDIS)
    timings = metrics.WebhookTimings()
    timings.observe("/twilio/sms", 200, 0.03)
    shown = exposition(dead, timings)
    assert shown.value("helpline_redis_up") == 0
    assert shown.value("helpline_webhook_observations_unflushed") == 1
    assert shown.families == {"helpline_redis_up", "helpline_webhook_observations_unflushed"}


@pytest.mark.parametrize(
    ("status", "code", "reason"),
    [
        (None, None, "network"),
        (429, 20429, "rate_limited"),
        (401, 20003, "credentials"),
        (503, None, "twilio_error"),
        (404, None, "unexpected"),
    ],
)
def test_deferrals_are_named_by_their_cause(
    status: int | None, code: int | None, reason: str
) -> None:
    assert metrics.deferred_reason(DeliveryDeferred("x", code=code, status=status)) == reason


def test_refusals_and_skips_are_counted_by_the_send_job(
    runtime: Runtime, fake_twilio: FakeTwilio
) -> None:
    ref = runtime.conversations.ref(NUMBER)
    runtime.store.hold_number(runtime.redis, ref, NUMBER, timedelta(hours=1))
    fake_twilio.opt_out(NUMBER)
    send_texts_later(runtime.queue, None, ref, ["one", "two"], batch="stopped")
    run_jobs(runtime)
    send_texts_later(runtime.queue, None, ref, ["three", "four"], batch="after")
    run_jobs(runtime)
    shown = exposition(runtime.redis)
    refused = {"kind": "caller", "outcome": "refused", "reason": "opted_out"}
    skipped = {"kind": "caller", "outcome": "skipped", "reason": "opted_out"}
    assert shown.value("helpline_sends_total", **refused) == 1
    assert shown.value("helpline_sends_total", **skipped) == 2
    assert shown.value("helpline_sends_total", kind="caller", outcome="sent", reason="none") == 0


# --- who may scrape ----------------------------------------------------------------------


def request(host: str | None, headers: dict[str, str] | None = None) -> Request:
    return Request(
        {
            "type": "http",
            "method": "GET",
            "path": "/metrics",
            "headers": [(k.lower().encode(), v.encode()) for k, v in (headers or {}).items()],
            "client": (host, 50000) if host else None,
        }
    )


def status(gate: MetricsGate, conn: Request) -> int:
    refused = gate.refusal(conn)
    return 200 if refused is None else refused.status_code


def test_without_a_token_only_this_machine_may_scrape() -> None:
    gate = MetricsGate(None)
    assert status(gate, request("127.0.0.1")) == 200
    assert status(gate, request("::1")) == 200
    assert status(gate, request("10.0.0.7")) == 403
    assert status(gate, request(None)) == 403
    assert status(gate, request("127.0.0.1", {"X-Forwarded-For": "198.51.100.4"})) == 403
    assert status(gate, request("127.0.0.1", {"Forwarded": "for=198.51.100.4"})) == 403


def test_with_a_token_every_scrape_needs_it_even_from_loopback() -> None:
    gate = MetricsGate("t" * 32)
    assert status(gate, request("127.0.0.1")) == 401
    assert status(gate, request("10.0.0.7", {"Authorization": "Bearer " + "t" * 31})) == 403
    assert status(gate, request("10.0.0.7", {"Authorization": "Bearer " + "t" * 32})) == 200
    assert status(gate, request("10.0.0.7", {"Authorization": "bearer " + "t" * 32})) == 200


class _WithToken:
    metrics_token = Secret("s" * 32)


def test_the_gate_reads_the_token_from_settings_when_they_have_one(runtime: Runtime) -> None:
    from_secret = MetricsGate.from_settings(_WithToken())
    assert status(from_secret, request("127.0.0.1")) == 401
    assert status(from_secret, request("::1", {"Authorization": "Bearer " + "s" * 32})) == 200
    # Settings without a token (or without the field yet): the loopback rule.
    plain = MetricsGate.from_settings(runtime.settings)
    assert status(plain, request("127.0.0.1")) == 200
    assert status(plain, request("192.0.2.1")) == 403
