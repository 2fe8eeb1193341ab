"""bench/webhook.py's own parts: the requests it replays, wrk's report, the bare baseline."""

from __future__ import annotations

import itertools
from collections import Counter, defaultdict
from urllib.parse import parse_qsl

import httpx
import pytest
from twilio.request_validator import RequestValidator

from bench import bare
from bench.stack import PUBLIC_URL
from bench.webhook import MAX_TEXTS_PER_NUMBER, SMS_PATH, Requests, Stream, parse_wrk
from tests.support.live_server import LiveServer

TOKEN = "bench-token"

WRK_OUTPUT = """\
Running 10s test @ http://127.0.0.1:4242/twilio/sms
  2 threads and 32 connections
  Thread Stats   Avg      Stdev     Max   +/- Stdev
    Latency     9.87ms    4.21ms 112.40ms   88.12%
    Req/Sec     1.64k   180.22     2.01k    71.50%
  Latency Distribution
     50%  850.00us
     75%   11.02ms
     90%   14.60ms
     99%    1.20s
  32712 requests in 10.01s, 19.33MB read
  Socket errors: connect 0, read 2, write 0, timeout 3
  Non-2xx or 3xx responses: 7
Requests/sec:   3268.04
Transfer/sec:      1.93MB
webhook-bench thread=0 sent=16370 bad=4 empty=20 wrapped=0
webhook-bench thread=1 sent=16358 bad=3 empty=11 wrapped=0
"""


def test_wrk_report_is_parsed_in_every_unit() -> None:
    run = parse_wrk(WRK_OUTPUT, connections=32)
    assert run.rps == pytest.approx(3268.04)
    assert run.requests == 32712
    assert run.seconds == pytest.approx(10.01)
    assert run.percentiles_ms == pytest.approx({"50": 0.85, "75": 11.02, "90": 14.6, "99": 1200})
    assert run.socket_errors == {"connect": 0, "read": 2, "write": 0, "timeout": 3}
    assert run.non_2xx == 7
    assert (run.not_200, run.no_message, run.repeated_sids) == (7, 31, 0)
    assert run.sent == {0: 16370, 1: 16358}


def test_wrk2_style_percentiles_and_a_clean_run() -> None:
    output = "  50.000%    2.00ms\n  99.000%   1.50m\nRequests/sec:     12.50\n"
    run = parse_wrk(output, connections=1)
    assert run.percentiles_ms == pytest.approx({"50": 2.0, "99": 90_000.0})
    assert run.non_2xx == 0
    assert run.socket_errors == {"connect": 0, "read": 0, "write": 0, "timeout": 0}
    assert run.sent == {}


def test_a_report_without_a_rate_is_refused() -> None:
    with pytest.raises(ValueError, match="Requests/sec"):
        parse_wrk("unable to connect to 127.0.0.1:1 Connection refused\n", connections=1)


def decode(line: str) -> tuple[str, dict[str, str]]:
    signature, body = line.split("\t")
    return signature, dict(parse_qsl(body, keep_blank_values=True))


def test_requests_are_signed_distinct_in_order_and_under_the_inbound_limit() -> None:
    requests = Requests(TOKEN, seed=7)
    streams = [s.take(4000) for s in requests.streams]
    validator = RequestValidator(TOKEN)
    sids: set[str] = set()
    texts: dict[str, list[str]] = defaultdict(list)
    positions: dict[str, list[int]] = defaultdict(list)
    owner: dict[str, int] = {}
    for thread, lines in enumerate(streams):
        for position, line in enumerate(lines):
            signature, form = decode(line)
            assert validator.validate(PUBLIC_URL + SMS_PATH, form, signature)
            sids.add(form["MessageSid"])
            number = form["From"]
            assert number[5:8] == "555"
            assert owner.setdefault(number, thread) == thread  # one thread per number
            texts[number].append(form["Body"])
            positions[number].append(position)
    assert len(sids) == sum(len(lines) for lines in streams)
    assert max(len(t) for t in texts.values()) <= MAX_TEXTS_PER_NUMBER
    first = Counter(t[0] for t in texts.values())
    assert set(first) <= {"hi", "hello", "hola"}
    said = Counter(body for t in texts.values() for body in t)
    assert said["MORE"]
    assert said["HELP"] + said["help"] + said["info"]
    gaps = [b - a for p in positions.values() for a, b in itertools.pairwise(p)]
    assert min(gaps) >= 32  # far more requests apart than wrk keeps in flight per thread


def test_take_shows_and_consume_uses_up() -> None:
    stream = Requests(TOKEN, seed=1).streams[0]
    assert isinstance(stream, Stream)
    ahead = stream.take(10)
    assert stream.take(10) == ahead
    stream.consume(4)
    assert stream.take(6) == ahead[4:]


def test_the_bare_baseline_answers_twiml_once_per_sid(redis_url: str) -> None:
    form = {"MessageSid": "SM" + "1" * 32, "From": "+12065550100", "Body": "hi"}
    server = LiveServer(bare.create_app(redis_url))
    try:
        with httpx.Client(base_url=server.url, timeout=10) as client:
            first = client.post("/twilio/sms", data=form)
            again = client.post("/twilio/sms", data=form)
            missing = client.post("/twilio/sms", data={"Body": "hi"})
            health = client.get("/healthz")
    finally:
        server.stop()
    assert first.status_code == 200
    assert first.headers["content-type"].startswith("text/xml")
    assert "<Message>" in first.text
    assert again.status_code == 200
    assert "<Message>" not in again.text
    assert missing.status_code == 400
    assert health.status_code == 200
