"""What the benchmarks that run the helpline for real share: the process stack and a texter.

`Helpline` starts `helpline serve`, `helpline worker` and `helpline worker
--urgent-only` processes on a private Redis and the fake Twilio, from a copy of
`flows/`; `Texter` posts signed `/twilio/sms` webhooks to it, as Twilio would.
"""

from __future__ import annotations

import asyncio
import itertools
import math
import os
import re
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType
from typing import TYPE_CHECKING
from xml.etree import ElementTree

import httpx
import redis
from rq import Queue
from rq.serializers import JSONSerializer

from helpline.queueing import DEFAULT_QUEUE, URGENT_QUEUE
from helpline.redis_server import free_port
from tests.fake_twilio.server import FakeTwilio

if TYPE_CHECKING:
    from bench.fake_process import FakeTwilioProcess
from tests.fake_twilio.signing import signed_form

REPO = Path(__file__).parents[1]
PUBLIC_URL = "https://helpline.example.org"
HELPLINE_NUMBER = "+15550100000"
SECRET_KEY = "bench-secret-key-0123456789abcdef"
START_TIMEOUT_SECONDS = 30.0
STOP_TIMEOUT_SECONDS = 15.0
LOOPBACK_NO_PROXY = "127.0.0.1,localhost"
"""A proxy set in the environment must never see the helpline's or the fake's traffic."""
ON_CALL = "+15550100002"
ROSTER = f"""\
timezone: America/Los_Angeles
ack_timeout: 3m
repeat: 1
final: crisis_line
staff:
  - name: Sam
    phone: "{ON_CALL}"
    languages: [en, es]
"""
"""Someone on call, as in production: the crisis bench pages them, a soak never should."""
RETRY_HORIZON_SECONDS = 300.0
"""Scheduled jobs due sooner than this (send retries) count as work still to do; the
question reminders, hours away, do not."""
QUIET_SECONDS = 1.0
"""How long the queues must stay empty before a synchronous wait calls them idle."""


def percentile(values: Sequence[float], q: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(q / 100 * len(ordered) + 0.5) - 1))
    return ordered[index]


def summary(values: Sequence[float]) -> dict[str, float]:
    return {
        "n": len(values),
        "p50": percentile(values, 50),
        "p90": percentile(values, 90),
        "p99": percentile(values, 99),
        "max": max(values) if values else float("nan"),
        "mean": statistics.fmean(values) if values else float("nan"),
    }


def pick(figures: dict[str, float], *names: str) -> dict[str, float]:
    return {name: figures[name] for name in names}


def redis_version() -> str:
    try:
        out = subprocess.run(
            ["redis-server", "--version"], capture_output=True, text=True, check=False
        ).stdout
    except OSError:
        return "unknown"
    found = re.search(r"v=(\S+)", out)
    return found.group(1) if found else "unknown"


def code_version(*paths: str) -> str:
    """The commit measured, and whether `paths` held uncommitted changes (a work tree with
    them measures something no commit names)."""
    try:
        head = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"],
            capture_output=True,
            text=True,
            check=True,
            cwd=REPO,
        ).stdout.strip()
        dirty = subprocess.run(
            ["git", "status", "--porcelain", "--", *paths],
            capture_output=True,
            text=True,
            check=True,
            cwd=REPO,
        ).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return "unknown"
    return head + (f" with uncommitted changes to {', '.join(paths)}" if dirty else "")


class Drain:
    """Waits until no job is queued, running or due soon (send retries) on either queue."""

    def __init__(self, url: str, timeout: float) -> None:
        self.client = redis.Redis.from_url(url)
        self.timeout = timeout
        self.queues = [
            Queue(name, connection=self.client, serializer=JSONSerializer)
            for name in (DEFAULT_QUEUE, URGENT_QUEUE)
        ]

    def busy(self) -> int:
        soon = time.time() + RETRY_HORIZON_SECONDS
        count = 0
        for queue in self.queues:
            count += queue.count + queue.started_job_registry.count
            count += int(self.client.zcount(queue.scheduled_job_registry.key, "-inf", soon))
        return count

    def failed(self) -> int:
        return sum(q.failed_job_registry.count for q in self.queues)

    async def wait(self) -> float:
        """Seconds it took; TimeoutError after `timeout` seconds without a job done.

        A backlog the workers are working through is waited for, however long: texts
        that arrive late are late, not lost, and the report says how late."""
        started = progress = time.perf_counter()
        quiet, least = 0, math.inf
        while time.perf_counter() - progress < self.timeout:
            busy = await asyncio.to_thread(self.busy)
            if busy < least:
                least, progress = busy, time.perf_counter()
            # Twice empty in a row: a job that just finished may enqueue the next.
            quiet = quiet + 1 if busy == 0 else 0
            if quiet >= 2:
                return time.perf_counter() - started
            await asyncio.sleep(0.25)
        raise TimeoutError("the queues stopped draining")

    def wait_quiet(self) -> None:
        """The same wait for synchronous callers: until the queues stay empty for
        QUIET_SECONDS; TimeoutError after `timeout` seconds without a job done."""
        progress = time.monotonic()
        quiet_since: float | None = None
        least = math.inf
        while time.monotonic() - progress < self.timeout:
            busy = self.busy()
            now = time.monotonic()
            if busy < least:
                least, progress = busy, now
            if busy:
                quiet_since = None
            elif quiet_since is None:
                quiet_since = now
            elif now - quiet_since >= QUIET_SECONDS:
                return
            time.sleep(0.1)
        raise TimeoutError("the queues stopped draining")


def without_delayed_answers(fake: FakeTwilio) -> None:
    """Make the fake answer a kept-alive connection at once instead of ~40 ms late.

    Its listening socket lacks TCP_NODELAY, so each answer after a connection's first
    waits out the client's delayed ACK: a worker's texts went out one per 44 ms, a stall
    of the fake's socket rather than anything the helpline does. Accepted sockets take the
    option from the listening one (Linux), so setting it after start-up is enough.
    """
    fake._socket.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)


@dataclass(frozen=True, slots=True)
class Process:
    role: str
    """web, worker or urgent: what the soak groups memory figures by."""
    popen: subprocess.Popen[bytes]


class Helpline:
    """`helpline serve` and N `helpline worker` processes, on a private Redis and the fake.

    Stops what it started if start-up fails; otherwise call stop() (or use `with`).
    """

    def __init__(
        self,
        redis_url: str,
        fake: FakeTwilio | FakeTwilioProcess,
        workers: int,
        urgent: int,
        web: int,
        *,
        roster: str | None = None,
        env: dict[str, str] | None = None,
    ) -> None:
        self.folder = Path(tempfile.mkdtemp(prefix="helpline-bench-"))
        self.processes: list[Process] = []
        try:
            self._start(redis_url, fake, workers, urgent, web, roster, env or {})
        except BaseException:
            self.stop()
            raise

    def _start(
        self,
        redis_url: str,
        fake: FakeTwilio | FakeTwilioProcess,
        workers: int,
        urgent: int,
        web: int,
        roster: str | None,
        extra: dict[str, str],
    ) -> None:
        flows = Path(shutil.copytree(REPO / "flows", self.folder / "flows"))
        if roster is not None:
            (flows / "oncall.yaml").write_text(roster)
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        env = {
            "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
            "REDIS_URL": redis_url,
            "TWILIO_ACCOUNT_SID": fake.account_sid,
            "TWILIO_AUTH_TOKEN": fake.auth_token,
            "TWILIO_API_URL": fake.url,
            "HELPLINE_NUMBER": HELPLINE_NUMBER,
            "HELPLINE_PUBLIC_URL": PUBLIC_URL,
            "HELPLINE_SECRET_KEY": SECRET_KEY,
            "HELPLINE_FLOWS_DIR": str(flows),
            "NO_PROXY": LOOPBACK_NO_PROXY,
            "no_proxy": LOOPBACK_NO_PROXY,
            **extra,
        }
        python = [sys.executable, "-m", "helpline"]
        commands = [("web", ["serve", "--port", str(self.port), "--workers", str(web)])]
        commands += [("worker", ["worker"])] * workers
        commands += [("urgent", ["worker", "--urgent-only"])] * urgent
        for role, command in commands:
            popen = subprocess.Popen(
                [*python, *command],
                env=env,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
                cwd=REPO,
                # Its own process group: a Ctrl-C reaches the bench alone, which then
                # stops each process in order instead of all of them racing to exit.
                start_new_session=True,
            )
            self.processes.append(Process(role, popen))
        self._wait_ready()

    def _wait_ready(self) -> None:
        deadline = time.monotonic() + START_TIMEOUT_SECONDS
        while time.monotonic() < deadline:
            if any(p.popen.poll() is not None for p in self.processes):
                raise RuntimeError("a helpline process exited during start-up")
            try:
                if httpx.get(f"{self.url}/healthz", timeout=1).status_code == 200:
                    time.sleep(1.0)  # the workers finish starting too
                    return
            except httpx.HTTPError:
                pass
            time.sleep(0.1)
        raise RuntimeError("helpline serve did not start")

    def exited(self) -> list[str]:
        """Roles of processes that have exited: a soak that lost one has not held."""
        return [p.role for p in self.processes if p.popen.poll() is not None]

    def stop(self) -> None:
        for process in self.processes:
            if process.popen.poll() is None:
                process.popen.terminate()
        for process in self.processes:
            try:
                process.popen.wait(timeout=STOP_TIMEOUT_SECONDS)
            except subprocess.TimeoutExpired:
                process.popen.kill()
                process.popen.wait()
        self.processes = []
        shutil.rmtree(self.folder, ignore_errors=True)

    def __enter__(self) -> Helpline:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()


@dataclass(frozen=True, slots=True)
class Reply:
    status: int
    """The HTTP status; 0 when the request failed or timed out."""
    seconds: float
    messages: tuple[str, ...]
    """The TwiML <Message> texts of a 200, in order."""
    timed_out: bool = False


def twiml_messages(body: bytes) -> tuple[str, ...]:
    try:
        root = ElementTree.fromstring(body)
    except ElementTree.ParseError:
        return ()
    return tuple(m.text or "" for m in root.iter("Message"))


class Texter:
    """Signed `/twilio/sms` webhooks, as Twilio sends them, each with a new MessageSid."""

    def __init__(self, client: httpx.AsyncClient, url: str, token: str) -> None:
        self.client, self.url, self.token = client, url, token
        self._sids = itertools.count(1)

    async def send(self, number: str, body: str) -> Reply:
        sid = f"SM{next(self._sids):032x}"
        pairs = [
            ("MessageSid", sid),
            ("SmsSid", sid),
            ("AccountSid", "AC" + "0" * 32),
            ("From", number),
            ("To", HELPLINE_NUMBER),
            ("Body", body),
            ("NumMedia", "0"),
            ("NumSegments", "1"),
            ("SmsStatus", "received"),
            ("ApiVersion", "2010-04-01"),
        ]
        content, headers = signed_form(f"{PUBLIC_URL}/twilio/sms", pairs, self.token)
        started = time.perf_counter()
        try:
            response = await self.client.post(
                f"{self.url}/twilio/sms", content=content, headers=headers
            )
        except httpx.TimeoutException:
            return Reply(0, time.perf_counter() - started, (), timed_out=True)
        except httpx.HTTPError:
            return Reply(0, time.perf_counter() - started, ())
        seconds = time.perf_counter() - started
        if response.status_code != 200:
            return Reply(response.status_code, seconds, ())
        return Reply(200, seconds, twiml_messages(response.content))

    async def text(self, number: str, body: str) -> tuple[int, float]:
        reply = await self.send(number, body)
        return reply.status, reply.seconds
