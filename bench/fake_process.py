"""The fake Twilio REST server in a process of its own, for the benchmarks that load it.

In the bench's own process the fake shares one GIL with the texter: at 100 texts a
second, with the workers sending 50-60 texts a second to it (each answer built and
checked against Twilio's OpenAPI spec), the soak's process ran out of CPU, its
requests queued inside httpx's connection pool, and the webhook times it measured
were its own backlog (p99 22-100 s while the helpline's web processes sat idle).
Here the fake runs in a spawned process and answers the bench over a pipe.
"""

from __future__ import annotations

import multiprocessing
import threading
from multiprocessing.connection import Connection
from types import TracebackType
from typing import Any

from tests.fake_twilio.server import FakeTwilio
from tests.fake_twilio.state import RecordedCall, RecordedMessage

START_TIMEOUT_SECONDS = 30.0


def _serve(conn: Connection) -> None:
    from bench.stack import without_delayed_answers

    with FakeTwilio() as fake:
        without_delayed_answers(fake)
        conn.send((fake.url, fake.account_sid, fake.auth_token))
        while True:
            op, to = conn.recv()
            if op == "stop":
                return
            conn.send(fake.messages(to) if op == "messages" else fake.calls(to))


class FakeTwilioProcess:
    """What the benchmarks use of FakeTwilio (url, credentials, messages, calls), served
    from another process."""

    def __init__(self) -> None:
        context = multiprocessing.get_context("spawn")  # no copy of the bench's threads
        self._conn, child = context.Pipe()
        self._lock = threading.Lock()  # the sampler thread asks too
        self._process = context.Process(target=_serve, args=(child,), daemon=True)
        self._process.start()
        if not self._conn.poll(START_TIMEOUT_SECONDS):
            self._process.kill()
            raise RuntimeError("fake Twilio did not start")
        self.url, self.account_sid, self.auth_token = self._conn.recv()

    def _ask(self, op: str, to: str | None) -> Any:
        with self._lock:
            self._conn.send((op, to))
            return self._conn.recv()

    def messages(self, to: str | None = None) -> list[RecordedMessage]:
        found: list[RecordedMessage] = self._ask("messages", to)
        return found

    def calls(self, to: str | None = None) -> list[RecordedCall]:
        found: list[RecordedCall] = self._ask("calls", to)
        return found

    def stop(self) -> None:
        if self._process.is_alive():
            with self._lock:
                self._conn.send(("stop", None))
            self._process.join(timeout=10)
        if self._process.is_alive():
            self._process.kill()

    def __enter__(self) -> FakeTwilioProcess:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()
