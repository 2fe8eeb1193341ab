"""GET /metrics from the live server: sends, queues, delivery, escalations, who may scrape.

Real Redis, signed webhooks, the real RQ worker code; the exposition is read with
prometheus_client's parser, never by matching strings.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import timedelta
from pathlib import Path

import httpx
import pytest

from helpline.redis_server import PrivateRedis
from helpline.runtime import Runtime
from helpline.web.app import create_app
from helpline.web.metrics import MetricsGate
from tests.fake_twilio.server import FakeTwilio
from tests.scenarios.test_escalation_by_text import SAM, write_roster
from tests.support.clock import FakeClock
from tests.support.live_server import LiveServer
from tests.support.phone import PUBLIC_URL, Phone
from tests.support.scrape import Scrape
from tests.support.worker import run_jobs


def scrape(app_url: str, *, headers: dict[str, str] | None = None) -> Scrape:
    response = httpx.get(app_url + "/metrics", headers=headers, timeout=10)
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("text/plain")
    return Scrape.parse(response.text)


TRIAGE = ("hi", "1", "1", "2", "2", "2", "1")
"""A conversation that ends with program texts sent by a worker."""


@pytest.fixture(autouse=True)
def roster_file(flows_dir: Path) -> Path:
    """Sam then Dana on call, written before the runtime loads the flows folder."""
    return write_roster(flows_dir)


@pytest.fixture
def staff(app_url: str, fake_twilio: FakeTwilio) -> Callable[[str], Phone]:
    return lambda number: Phone(app_url, fake_twilio.auth_token, number)


def test_program_texts_are_counted_and_the_queue_drains(
    phone: Phone, runtime: Runtime, fake_twilio: FakeTwilio, app_url: str
) -> None:
    before = scrape(app_url)
    assert before.value("helpline_redis_up") == 1
    assert before.total("helpline_sends_total") == 0
    for answer in TRIAGE:
        assert phone.text(answer).status == 200
    queued = scrape(app_url)
    depth = queued.value("helpline_queue_jobs", queue="helpline", state="queued")
    assert depth == runtime.queue.count
    assert depth >= 1
    assert queued.value("helpline_queue_jobs", queue="helpline-urgent", state="queued") == 0
    run_jobs(runtime)
    after = scrape(app_url)
    sent = len(fake_twilio.messages(to=phone.number))
    assert sent >= 2
    assert after.value("helpline_sends_total", kind="caller", outcome="sent", reason="none") == sent
    assert after.total("helpline_sends_total") == sent
    for queue in ("helpline", "helpline-urgent"):
        for state in ("queued", "started", "failed"):
            assert after.value("helpline_queue_jobs", queue=queue, state=state) == 0
    # What stays scheduled: the conversation's timeouts, waiting for their time.
    scheduled = runtime.queue.scheduled_job_registry.get_job_count(cleanup=False)
    assert after.value("helpline_queue_jobs", queue="helpline", state="scheduled") == scheduled
    # Every webhook was timed, by route (this process's timings are flushed for the scrape).
    assert after.value("helpline_webhook_duration_seconds_count", route="/twilio/sms") == len(
        TRIAGE
    )
    assert after.value(
        "helpline_webhook_responses_total", route="/twilio/sms", status="200"
    ) == len(TRIAGE)
    inf = after.value("helpline_webhook_duration_seconds_bucket", route="/twilio/sms", le="+Inf")
    assert inf == len(TRIAGE)
    assert after.value("helpline_webhook_duration_seconds_sum", route="/twilio/sms") > 0


def test_a_retried_send_counts_the_deferral_then_the_send(
    phone: Phone, runtime: Runtime, fake_twilio: FakeTwilio, app_url: str, clock: FakeClock
) -> None:
    fake_twilio.inject(status=429, code=20429, message="Too Many Requests", times=1)
    for answer in TRIAGE:
        phone.text(answer)
    run_jobs(runtime)
    waiting = scrape(app_url)
    deferred = {"kind": "caller", "outcome": "deferred", "reason": "rate_limited"}
    assert waiting.value("helpline_sends_total", **deferred) == 1
    assert fake_twilio.messages(to=phone.number) == []
    scheduled = waiting.value("helpline_queue_jobs", queue="helpline", state="scheduled")
    run_jobs(runtime, at=clock.advance(timedelta(minutes=5)))
    done = scrape(app_url)
    sent = len(fake_twilio.messages(to=phone.number))
    assert sent >= 2
    assert done.value("helpline_sends_total", kind="caller", outcome="sent", reason="none") == sent
    assert done.value("helpline_sends_total", **deferred) == 1
    # The retry left the scheduled registry (timeouts due by then ran too).
    assert done.value("helpline_queue_jobs", queue="helpline", state="scheduled") < scheduled


def test_delivery_statuses_from_signed_callbacks_are_counted_once(
    phone: Phone, runtime: Runtime, fake_twilio: FakeTwilio, app_url: str
) -> None:
    for answer in TRIAGE:
        phone.text(answer)
    run_jobs(runtime)
    first, second, *_ = [m.sid for m in fake_twilio.messages(to=phone.number)]
    local = {PUBLIC_URL: app_url}
    assert fake_twilio.send_status_callback(first, "delivered", base_url_map=local) == 200
    assert fake_twilio.send_status_callback(first, "delivered", base_url_map=local) == 200  # again
    assert (
        fake_twilio.send_status_callback(
            second, "undelivered", error_code=30003, base_url_map=local
        )
        == 200
    )
    metrics = scrape(app_url)
    delivered = metrics.value("helpline_delivery_status_total", kind="caller", status="delivered")
    undelivered = metrics.value(
        "helpline_delivery_status_total", kind="caller", status="undelivered"
    )
    assert (delivered, undelivered) == (1, 1)
    assert metrics.value("helpline_delivery_status_total", kind="caller", status="failed") == 0
    assert metrics.value("helpline_webhook_duration_seconds_count", route="/twilio/status") == 3


def test_open_escalations_and_the_time_to_acknowledge(
    phone: Phone,
    runtime: Runtime,
    fake_twilio: FakeTwilio,
    app_url: str,
    clock: FakeClock,
    staff: Callable[[str], Phone],
) -> None:
    assert scrape(app_url).value("helpline_escalations_open") == 0
    phone.text("i want to kill my self")
    opened = scrape(app_url)
    assert opened.value("helpline_escalations_open") == 1
    assert opened.value("helpline_queue_jobs", queue="helpline-urgent", state="queued") >= 1
    run_jobs(runtime)
    paged = scrape(app_url)
    assert paged.value("helpline_sends_total", kind="page_sms", outcome="sent", reason="none") == 1
    assert paged.value("helpline_escalation_ack_seconds_count", via="page") == 0

    clock.advance(timedelta(seconds=90))
    sam = staff(SAM)
    assert sam.text("1a").status == 200
    taken = scrape(app_url)
    assert taken.value("helpline_escalation_ack_seconds_count", via="page") == 1
    assert taken.value("helpline_escalation_ack_seconds_sum", via="page") == 90
    assert taken.value("helpline_escalation_ack_seconds_bucket", via="page", le="60.0") == 0
    assert taken.value("helpline_escalation_ack_seconds_bucket", via="page", le="120.0") == 1
    assert taken.value("helpline_escalation_ack_seconds_bucket", via="page", le="+Inf") == 1
    assert taken.value("helpline_escalations_open") == 1  # taken is still open

    sam.text("1a")  # already Sam's: not a second acknowledgement
    sam.text("1c")
    closed = scrape(app_url)
    assert closed.value("helpline_escalations_open") == 0
    assert closed.value("helpline_escalation_ack_seconds_count", via="page") == 1
    run_jobs(runtime)
    final = scrape(app_url)
    # The caller heard a person joined and left; no label anywhere holds a number.
    assert final.value("helpline_sends_total", kind="caller", outcome="sent", reason="none") == 2
    for value in final.label_values():
        for number in (phone.number, SAM):
            assert number[2:] not in value


# --- who may scrape ----------------------------------------------------------------------

TOKEN = "metrics-token-0123456789abcdef"


@pytest.fixture
def guarded_url(runtime: Runtime) -> Iterator[str]:
    """The app with a metrics token configured (Settings.metrics_token's seam)."""
    app = create_app(runtime=runtime)
    app.state.metrics_gate = MetricsGate(TOKEN)
    server = LiveServer(app)
    yield server.url
    server.stop()


def test_with_a_token_a_scrape_needs_the_bearer_token(guarded_url: str) -> None:
    url = guarded_url + "/metrics"
    missing = httpx.get(url, timeout=10)
    assert missing.status_code == 401
    assert missing.headers["www-authenticate"] == "Bearer"
    assert (
        httpx.get(url, headers={"Authorization": "Basic " + TOKEN}, timeout=10).status_code == 401
    )
    wrong = httpx.get(url, headers={"Authorization": "Bearer not-the-token"}, timeout=10)
    assert wrong.status_code == 403
    assert "helpline_" not in wrong.text
    metrics = scrape(guarded_url, headers={"Authorization": f"Bearer {TOKEN}"})
    assert metrics.value("helpline_redis_up") == 1


def test_without_a_token_loopback_may_scrape_but_not_through_a_proxy(app_url: str) -> None:
    assert scrape(app_url).value("helpline_redis_up") == 1
    proxied = httpx.get(
        app_url + "/metrics", headers={"X-Forwarded-For": "203.0.113.9"}, timeout=10
    )
    assert proxied.status_code == 403


# --- Redis down ----------------------------------------------------------------------------


def test_with_redis_stopped_metrics_still_answer(
    phone: Phone, app_url: str, redis_server: PrivateRedis
) -> None:
    phone.text("hi")
    assert scrape(app_url).value("helpline_redis_up") == 1
    redis_server.stop()  # the next test's redis_url fixture starts it again
    phone.text("hi")  # answered with the safe reply; its timing waits in this process
    metrics = scrape(app_url)
    assert metrics.value("helpline_redis_up") == 0
    assert metrics.value("helpline_webhook_observations_unflushed") == 1
    assert "helpline_sends" not in metrics.families
    assert "process_cpu_seconds" in metrics.families
    assert httpx.get(app_url + "/healthz", timeout=10).status_code == 503
