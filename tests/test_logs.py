"""Request ids and job ids on every log line; one access line a webhook, without numbers."""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator
from datetime import timedelta

import httpx
import pytest
from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import PlainTextResponse
from starlette.routing import Route

from helpline import logs
from helpline.logs import JsonFormatter
from helpline.outbox import send_texts_later
from helpline.runtime import Runtime, install
from helpline.web.app import RequestIdMiddleware
from tests.fake_twilio.server import FakeTwilio
from tests.support.live_server import LiveServer
from tests.support.phone import Phone

HEX32 = 32
probe = logging.getLogger("tests.probe")


@pytest.fixture
def captured(caplog: pytest.LogCaptureFixture) -> Iterator[pytest.LogCaptureFixture]:
    """caplog, its records stamped by the filter setup_logging puts on its handler."""
    stamp = logs.ContextFilter()
    caplog.handler.addFilter(stamp)
    caplog.set_level(logging.INFO)
    try:
        yield caplog
    finally:
        caplog.handler.removeFilter(stamp)


def ours(captured: pytest.LogCaptureFixture) -> list[logging.LogRecord]:
    """The helpline's records (not the test's own httpx client, which logs its URLs)."""
    return [r for r in captured.records if r.name.startswith("helpline")]


def request_ids(records: list[logging.LogRecord], message: str) -> list[str | None]:
    return [r.__dict__.get("request_id") for r in records if r.getMessage() == message]


# --- the middleware, in isolation -----------------------------------------------------------


async def _threaded(request: Request) -> PlainTextResponse:
    probe.info("on the loop")
    await run_in_threadpool(probe.info, "in the threadpool")
    return PlainTextResponse("ok")


@pytest.fixture
def probe_url() -> Iterator[str]:
    """A tiny app under real uvicorn, with only the request id middleware."""
    app = Starlette(routes=[Route("/t", _threaded)], middleware=[Middleware(RequestIdMiddleware)])
    server = LiveServer(app)
    yield server.url + "/t"
    server.stop()


def test_the_request_id_follows_work_into_the_threadpool(
    probe_url: str, captured: pytest.LogCaptureFixture
) -> None:
    response = httpx.get(probe_url, headers={"X-Request-Id": "abc.DEF-123_x"})
    other = httpx.get(probe_url)
    assert response.headers["x-request-id"] == "abc.DEF-123_x"
    generated = other.headers["x-request-id"]
    assert len(generated) == HEX32
    assert request_ids(captured.records, "on the loop") == ["abc.DEF-123_x", generated]
    assert request_ids(captured.records, "in the threadpool") == ["abc.DEF-123_x", generated]
    probe.info("outside any request")
    assert request_ids(captured.records, "outside any request") == [None]


@pytest.mark.parametrize(
    "given",
    ["has spaces", "x" * 65, "+1 (206) 555-0123", "semi;colon", "", "new\nline"],
)
def test_junk_request_ids_are_refused(given: str) -> None:
    assert logs.valid_request_id(given) is None


def test_twilio_s_idempotency_token_wins_over_x_request_id(probe_url: str) -> None:
    both = httpx.get(probe_url, headers={"I-Twilio-Idempotency-Token": "tw-1", "X-Request-Id": "x"})
    junk_token = httpx.get(
        probe_url, headers={"I-Twilio-Idempotency-Token": "no good", "X-Request-Id": "x-2"}
    )
    junk = httpx.get(probe_url, headers={"X-Request-Id": "<script>"})
    assert both.headers["x-request-id"] == "tw-1"
    assert junk_token.headers["x-request-id"] == "x-2"
    assert len(junk.headers["x-request-id"]) == HEX32


def test_the_json_line_carries_the_request_id() -> None:
    record = logging.LogRecord("helpline.x", logging.INFO, __file__, 1, "hello", (), None)
    token = logs.request_id.set("rid-1")
    try:
        line = json.loads(logs.JsonFormatter().format(record))
    finally:
        logs.request_id.reset(token)
    assert line["request_id"] == "rid-1"
    assert "job_id" not in line
    plain = logging.LogRecord("helpline.x", logging.INFO, __file__, 1, "hello", (), None)
    assert "request_id" not in json.loads(logs.JsonFormatter().format(plain))


# --- the live app -----------------------------------------------------------------------------


def test_a_webhook_s_lines_carry_its_request_id_and_one_access_line(
    phone: Phone, captured: pytest.LogCaptureFixture
) -> None:
    reply = phone.post(
        "/twilio/sms",
        [
            ("MessageSid", "SM" + "a" * 32),
            ("From", phone.number),
            ("To", "+15550100000"),
            ("Body", "i want to kill my self"),
        ],
        headers={"X-Request-Id": "junk id; +12065550123"},
    )
    assert reply.status_code == 200
    rid = reply.headers["x-request-id"]
    assert len(rid) == HEX32  # the junk was replaced
    # "escalation opened" is logged in the threadpool, the access line on the event loop.
    assert request_ids(captured.records, "escalation opened") == [rid]
    (access,) = [r for r in captured.records if r.name == "helpline.access"]
    fields = access.__dict__
    assert (fields["method"], fields["route"], fields["status"]) == ("POST", "/twilio/sms", 200)
    # What the handler did is on the same line, not one of its own.
    assert (fields["sid"], fields["replies"], fields["duplicate"]) == ("SM" + "a" * 32, 1, False)
    assert [r for r in captured.records if r.name == "helpline.web.sms"] == []
    assert fields["request_id"] == rid
    assert fields["duration_ms"] >= 0
    national = phone.number[2:]
    for record in ours(captured):
        assert national not in json.dumps(record.__dict__, default=str)


def test_the_access_line_never_holds_the_query_string_or_an_unknown_path(
    phone: Phone, captured: pytest.LogCaptureFixture
) -> None:
    signed = phone.post("/twilio/status?to=%2B12065550123", [("MessageSid", "SM1")])
    unknown = phone.post("/twilio/%2B12065550123", [])
    assert signed.status_code == 400  # no MessageStatus
    assert unknown.status_code == 404
    lines = [r.__dict__ for r in captured.records if r.name == "helpline.access"]
    assert [(f["route"], f["status"]) for f in lines] == [
        ("/twilio/status", 400),
        ("unmatched", 404),
    ]
    for record in ours(captured):
        assert "2065550123" not in json.dumps(record.__dict__, default=str)


def test_lines_logged_in_a_job_carry_its_job_id(
    runtime: Runtime, fake_twilio: FakeTwilio, captured: pytest.LogCaptureFixture
) -> None:
    number = "+12065550199"
    ref = runtime.conversations.ref(number)
    runtime.store.hold_number(runtime.redis, ref, number, timedelta(hours=1))
    send_texts_later(runtime.queue, None, ref, ["one"], batch="logged")
    (job,) = runtime.queue.get_jobs()
    # What the worker does for each job (without run_jobs' worker, whose pubsub thread can
    # stall its teardown for a minute: rq 3.0 with redis-py 8).
    install(runtime)
    try:
        assert job.perform() == 1
    finally:
        install(None)
    (sent,) = [r for r in captured.records if r.getMessage() == "text sent"]
    assert sent.__dict__["job_id"] == "send-logged"
    assert "request_id" not in sent.__dict__
    probe.info("after the job")
    (after,) = [r for r in captured.records if r.getMessage() == "after the job"]
    assert "job_id" not in after.__dict__


def test_job_arguments_in_extra_are_never_written() -> None:
    record = logging.LogRecord("rq.worker", logging.ERROR, __file__, 1, "job failed", (), None)
    record.arguments = ["ref", ["i drink every night"]]
    record.kwargs = {"body": "i drink every night"}
    record.job = "send-batch-1"
    line = JsonFormatter().format(record)
    assert "drink" not in line
    assert json.loads(line)["job"] == "send-batch-1"
