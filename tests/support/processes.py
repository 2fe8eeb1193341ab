"""The helpline as real processes: `helpline serve` and `helpline worker`, for fault tests.

Each process gets an environment built for the test (its private Redis, the fake
Twilio, a copy of the flows), runs in its own session so a test can kill it and
everything it started, and writes stdout and stderr to a file the test reads
back line by line: the logs are JSON lines (helpline.logs), one object a line.

    with Helpline(redis_url=..., fake=fake_twilio, flows_dir=..., folder=tmp_path) as line:
        web = line.serve()
        line.worker()
        line.phone("+12065550123").text("hi")
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from types import TracebackType

import httpx
import redis
from rq import Queue, Worker
from rq.serializers import JSONSerializer

from helpline.queueing import QUEUES
from helpline.redis_server import free_port
from tests.fake_twilio.server import FakeTwilio
from tests.support.phone import HELPLINE_NUMBER, PUBLIC_URL, Phone

REPO = Path(__file__).parents[2]
SECRET_KEY = "test-secret-key-0123456789abcdef"
START_TIMEOUT_SECONDS = 30.0
STOP_TIMEOUT_SECONDS = 10.0


def wait_for(
    check: Callable[[], bool], *, timeout: float, every: float = 0.1, what: str = "condition"
) -> float:
    """Poll `check` until it is true; return the seconds it took, or fail naming `what`."""
    started = time.monotonic()
    while True:
        if check():
            return time.monotonic() - started
        if time.monotonic() - started > timeout:
            raise AssertionError(f"timed out after {timeout:g} s waiting for {what}")
        time.sleep(every)


def children(pid: int) -> list[int]:
    """Direct children of `pid` (Linux /proc): an RQ work-horse, its scheduler process."""
    found: list[int] = []
    for task in Path(f"/proc/{pid}/task").glob("*/children"):
        with contextlib.suppress(OSError):
            found += [int(child) for child in task.read_text().split()]
    return found


def descendants(pid: int) -> list[int]:
    out: list[int] = []
    for child in children(pid):
        out += [child, *descendants(child)]
    return out


def _signal(pid: int, sig: signal.Signals) -> None:
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.kill(pid, sig)


@dataclass
class Process:
    """One helpline process and the file its output goes to."""

    name: str
    popen: subprocess.Popen[bytes]
    log_path: Path

    @property
    def pid(self) -> int:
        return self.popen.pid

    @property
    def alive(self) -> bool:
        return self.popen.poll() is None

    def lines(self) -> list[str]:
        """Every line the process wrote so far (stdout and stderr)."""
        try:
            text = self.log_path.read_text(encoding="utf-8", errors="replace")
        except OSError:
            return []
        return [line for line in text.splitlines() if line.strip()]

    def kill(self) -> list[int]:
        """SIGKILL the process, everything in its session and every descendant.

        RQ's work-horse puts itself in a process group of its own, so killing
        the group alone would leave the job running: as a machine dying would
        not. Returns the pids killed.
        """
        victims = [self.pid, *descendants(self.pid)]
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(self.pid, signal.SIGKILL)
        for pid in victims:
            _signal(pid, signal.SIGKILL)
        self.popen.wait(timeout=STOP_TIMEOUT_SECONDS)
        return victims

    def stop(self) -> None:
        """SIGTERM (a warm shutdown), then SIGKILL for whatever is left."""
        if self.alive:
            leftovers = descendants(self.pid)
            self.popen.terminate()
            try:
                self.popen.wait(timeout=STOP_TIMEOUT_SECONDS)
            except subprocess.TimeoutExpired:
                self.kill()
            for pid in leftovers:
                _signal(pid, signal.SIGKILL)


@dataclass
class Helpline:
    """`helpline serve` and `helpline worker` processes on the test's Redis and fake Twilio."""

    redis_url: str
    fake: FakeTwilio
    flows_dir: Path
    folder: Path
    extra_env: dict[str, str] = field(default_factory=dict)
    processes: list[Process] = field(default_factory=list)
    url: str | None = None

    @property
    def env(self) -> dict[str, str]:
        """Built explicitly: nothing of the developer's environment but PATH reaches the app."""
        return {
            "PATH": os.environ.get("PATH", os.defpath),
            "REDIS_URL": self.redis_url,
            "TWILIO_ACCOUNT_SID": self.fake.account_sid,
            "TWILIO_AUTH_TOKEN": self.fake.auth_token,
            "TWILIO_API_URL": self.fake.url,
            "HELPLINE_NUMBER": HELPLINE_NUMBER,
            "HELPLINE_PUBLIC_URL": PUBLIC_URL,
            "HELPLINE_SECRET_KEY": SECRET_KEY,
            "HELPLINE_FLOWS_DIR": str(self.flows_dir),
            "HELPLINE_ACCOUNTS": str(self.folder / "accounts.yaml"),
            "NO_PROXY": "127.0.0.1,localhost",
            "PYTHONUNBUFFERED": "1",
            **self.extra_env,
        }

    def start(self, name: str, *args: str) -> Process:
        log_path = self.folder / f"{name}.log"
        with log_path.open("wb") as log:
            popen = subprocess.Popen(
                [sys.executable, "-m", "helpline", *args],
                env=self.env,
                cwd=REPO,
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,  # its own process group, for kill()
            )
        process = Process(name, popen, log_path)
        self.processes.append(process)
        return process

    def serve(self) -> Process:
        """`helpline serve` on a free port; returns once /healthz answers 200."""
        port = free_port()
        process = self.start("serve", "serve", "--port", str(port))
        self.url = f"http://127.0.0.1:{port}"

        def healthy() -> bool:
            self._check_alive(process)
            try:
                return httpx.get(f"{self.url}/healthz", timeout=1).status_code == 200
            except httpx.HTTPError:
                return False

        wait_for(healthy, timeout=START_TIMEOUT_SECONDS, what="helpline serve's /healthz")
        return process

    def worker(self, *args: str, name: str | None = None) -> Process:
        """`helpline worker`; returns once it has registered in Redis (listening)."""
        number = sum(p.name.startswith("worker") for p in self.processes) + 1
        process = self.start(name or f"worker{number}", "worker", *args)
        client = redis.Redis.from_url(self.redis_url)
        try:

            def registered() -> bool:
                self._check_alive(process)
                return any(w.pid == process.pid for w in Worker.all(connection=client))

            wait_for(registered, timeout=START_TIMEOUT_SECONDS, what=f"{process.name} to register")
        finally:
            client.close()
        return process

    def idle(self) -> bool:
        """No job waiting on a queue or running (scheduled ones, like reminders, may wait)."""
        client = redis.Redis.from_url(self.redis_url)
        try:
            queues = [Queue(n, connection=client, serializer=JSONSerializer) for n in QUEUES]
            return not any(
                q.count or q.started_job_registry.get_job_ids(cleanup=False) for q in queues
            )
        finally:
            client.close()

    def phone(self, number: str) -> Phone:
        if self.url is None:
            raise RuntimeError("serve() first")
        return Phone(self.url, self.fake.auth_token, number)

    def health(self) -> httpx.Response:
        return httpx.get(f"{self.url}/healthz", timeout=10)

    def lines(self) -> dict[str, list[str]]:
        """Every line of every process, by process name."""
        return {p.name: p.lines() for p in self.processes}

    def lines_of(self, prefix: str) -> list[str]:
        """Every line of the processes whose name starts with `prefix` ("worker", "serve")."""
        return [line for p in self.processes if p.name.startswith(prefix) for line in p.lines()]

    def stop(self) -> None:
        for process in reversed(self.processes):
            process.stop()

    def __enter__(self) -> Helpline:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    @staticmethod
    def _check_alive(process: Process) -> None:
        if not process.alive:
            tail = "\n".join(process.lines()[-20:])
            raise AssertionError(f"{process.name} exited with {process.popen.returncode}:\n{tail}")
