"""A worker killed mid-ladder: another worker's sweeper finishes the job, and nobody is paged twice.

Real `helpline worker` processes on the real clock (the ladder's shortest
ack_timeout, 10 s), the live app, the fake Twilio. The first worker is
SIGKILLed (with its work horse) after it paged the first person; it dies
holding rq's scheduler lock, so its scheduled "page the next person" job is
not released in time by anyone: only the sweeper can move the ladder on.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from rq.registry import ScheduledJobRegistry

from helpline.runtime import Runtime
from helpline.settings import Settings
from tests.fake_twilio.server import FakeTwilio
from tests.support.fixtures import REPO, SECRET_KEY
from tests.support.phone import HELPLINE_NUMBER, PUBLIC_URL, Phone

SAM, DANA = "+15550100002", "+15550100001"
ACK_SECONDS = 10
ROSTER = f"""\
timezone: America/Los_Angeles
ack_timeout: {ACK_SECONDS}s
repeat: 1
final: crisis_line
staff:
  - name: Sam
    phone: "{SAM}"
    languages: [en]
  - name: Dana
    phone: "{DANA}"
    languages: [en]
"""


class RealClock:
    """The workers here run on real time, so the web side must too."""

    def __call__(self) -> datetime:
        return datetime.now(UTC)


@pytest.fixture
def clock() -> RealClock:
    return RealClock()


@pytest.fixture(autouse=True)
def roster_file(flows_dir: Path) -> None:
    (flows_dir / "oncall.yaml").write_text(ROSTER)


@pytest.fixture
def start_worker(
    settings: Settings, fake_twilio: FakeTwilio
) -> Iterator[Callable[[], subprocess.Popen[bytes]]]:
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "REDIS_URL": settings.redis_url,
        "TWILIO_ACCOUNT_SID": fake_twilio.account_sid,
        "TWILIO_AUTH_TOKEN": fake_twilio.auth_token,
        "TWILIO_API_URL": fake_twilio.url,
        "HELPLINE_NUMBER": HELPLINE_NUMBER,
        "HELPLINE_PUBLIC_URL": PUBLIC_URL,
        "HELPLINE_SECRET_KEY": SECRET_KEY,
        "HELPLINE_FLOWS_DIR": str(settings.flows_dir),
        "NO_PROXY": "127.0.0.1,localhost",
    }
    started: list[subprocess.Popen[bytes]] = []

    def start() -> subprocess.Popen[bytes]:
        process = subprocess.Popen(
            [sys.executable, "-m", "helpline", "worker"],
            env=env,
            cwd=REPO,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,  # its own process group: the work horse dies with it
        )
        started.append(process)
        return process

    yield start
    for process in started:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=10)


def wait_for(check: Callable[[], bool], seconds: float) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if check():
            return True
        time.sleep(0.1)
    return check()


def test_a_worker_killed_mid_ladder_and_the_sweeper_pages_the_next_person(
    phone: Phone,
    runtime: Runtime,
    fake_twilio: FakeTwilio,
    start_worker: Callable[[], subprocess.Popen[bytes]],
) -> None:
    first = start_worker()
    assert "911" in phone.text("i want to kill myself").texts[0]
    assert wait_for(lambda: len(fake_twilio.messages(to=SAM)) == 1, 15), "first page never sent"
    paged_at = time.monotonic()
    os.killpg(first.pid, signal.SIGKILL)
    first.wait(timeout=10)
    # rq's scheduler lock outlives the dead worker: the scheduled next step is stuck.
    assert runtime.redis.keys("rq:scheduler-lock:*"), "the dead worker held no scheduler lock"
    start_worker()
    assert wait_for(lambda: len(fake_twilio.messages(to=DANA)) == 1, ACK_SECONDS + 20), (
        "the ladder never reached the next person"
    )
    waited = time.monotonic() - paged_at
    assert waited >= ACK_SECONDS - 1  # not early: Sam had his ack_timeout
    # Nobody was paged twice, and the ladder's record says so.
    time.sleep(1)
    assert len(fake_twilio.messages(to=SAM)) == 1
    assert len(fake_twilio.messages(to=DANA)) == 1
    sent = [e["event"] for e in runtime.desk.store.audit() if e["event"].startswith("page_sent")]
    assert sent == ["page_sent:r0s0-sms", "page_sent:r0s1-sms"]
    # The next step came from a sweep, not from the stuck scheduled job.
    stuck = ScheduledJobRegistry(queue=runtime.urgent_queue).get_job_ids()  # type: ignore[no-untyped-call]
    assert "drive-1-1" in stuck
