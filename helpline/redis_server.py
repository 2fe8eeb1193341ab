"""A throwaway redis-server for the tests and `helpline dev`.

Tests must never touch a Redis they did not start, and `helpline dev` must
work on a laptop with nothing running, so both start their own server on a
free loopback port, with nothing kept on disk, and remove every trace of it
on stop.

    with PrivateRedis() as server:
        client = redis.Redis.from_url(server.url)
"""

from __future__ import annotations

import contextlib
import shutil
import socket
import subprocess
import tempfile
import time
import weakref
from collections import deque
from pathlib import Path
from types import TracebackType

import redis
from redis.backoff import NoBackoff
from redis.retry import Retry

from helpline.errors import ConfigError, HelplineError

MISSING_BINARY_HINT = (
    "redis-server is not installed; run scripts/ensure-system-deps or set REDIS_URL"
)
LOG_TAIL_LINES = 15
# A free port is only free when we look: another process can take it before
# redis-server binds it. Picking again a couple of times makes that race harmless.
PORT_ATTEMPTS = 3


class RedisServerFailed(HelplineError):
    """The private redis-server exited or did not answer in time; carries its log's tail."""

    def __init__(self, message: str, *, log_tail: list[str]) -> None:
        self.log_tail = log_tail
        tail = "\n".join("    " + line for line in log_tail) or "    (its log is empty)"
        super().__init__(f"{message}; its log ends:\n{tail}")


class PrivateRedis:
    """One redis-server process on 127.0.0.1, owned by this object."""

    def __init__(self, *, port: int | None = None, startup_timeout: float = 10.0) -> None:
        self._requested_port = port
        self._port: int | None = port
        self._startup_timeout = startup_timeout
        self._proc: subprocess.Popen[bytes] | None = None
        self._tempdir: Path | None = None
        # Stops the server even if the owner forgets to (a test that crashed,
        # an interpreter exiting), so no redis-server outlives its parent by design.
        self._finalizer: weakref.finalize[[subprocess.Popen[bytes], Path], PrivateRedis] | None = (
            None
        )

    # -- what callers use ------------------------------------------------

    @property
    def port(self) -> int:
        if self._port is None:
            raise RuntimeError("PrivateRedis has not been started")
        return self._port

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    @property
    def running(self) -> bool:
        return self._proc is not None and self._proc.poll() is None

    def start(self) -> PrivateRedis:
        """Start the server and return once it answers PING. Does nothing if running."""
        if self.running:
            return self
        binary = shutil.which("redis-server")
        if binary is None:
            raise ConfigError(MISSING_BINARY_HINT, variable="REDIS_URL")
        # A fixed port (asked for, or kept by restart()) gets one try: moving
        # it would break clients that hold the URL.
        fixed = self._port is not None
        attempt = 1
        while True:
            try:
                self._launch(binary, self._port or free_port())
                return self
            except RedisServerFailed as exc:
                in_use = any("Address already in use" in line for line in exc.log_tail)
                if fixed or not in_use or attempt >= PORT_ATTEMPTS:
                    raise
                attempt += 1

    def stop(self) -> None:
        """Stop the server (politely, then not) and delete its directory. Safe to repeat."""
        if self._finalizer is not None:
            self._finalizer()
        self._finalizer = None
        self._proc = None
        self._tempdir = None

    def restart(self) -> None:
        """Stop and start again on the same port, as a crashed Redis would come back.

        Nothing is kept on disk, so the data is gone too: fault tests see what
        a real restart without persistence looks like.
        """
        port = self.port
        self.stop()
        self._port = port
        self.start()

    def log_tail(self, lines: int = LOG_TAIL_LINES) -> list[str]:
        if self._tempdir is None:
            return []
        return _tail(self._tempdir / "redis.log", lines)

    def __enter__(self) -> PrivateRedis:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    def __repr__(self) -> str:
        state = "running" if self.running else "stopped"
        return f"<PrivateRedis port={self._port} {state}>"

    # -- how -------------------------------------------------------------

    def _launch(self, binary: str, port: int) -> None:
        tempdir = Path(tempfile.mkdtemp(prefix="helpline-redis-"))
        log_path = tempdir / "redis.log"
        argv = [
            binary,
            "--port", str(port),
            "--bind", "127.0.0.1",
            "--save", "",  # no RDB snapshots: the data is throwaway
            "--appendonly", "no",
            "--dir", str(tempdir),  # anything it writes anyway lands where stop() deletes
            "--daemonize", "no",  # we must own the process to stop it
            "--protected-mode", "yes",
            # A retired meeting directory generation expires as one large hash; freeing it
            # in the background keeps searches from stalling behind it.
            "--lazyfree-lazy-expire", "yes",
        ]  # fmt: skip
        with log_path.open("wb") as log:
            proc = subprocess.Popen(
                argv,
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                # Its own session, so a Ctrl-C in `helpline dev`'s terminal reaches
                # only helpline, which then stops the worker before its Redis.
                start_new_session=True,
            )
        self._proc, self._tempdir, self._port = proc, tempdir, port
        self._finalizer = weakref.finalize(self, _shutdown, proc, tempdir)
        try:
            self._wait_until_ready(proc, port)
        except RedisServerFailed:
            # The error already holds the log's tail, so its directory can go.
            # Forget the port only if it was ours to pick: a retry picks anew.
            self.stop()
            self._port = self._requested_port
            raise

    def _wait_until_ready(self, proc: subprocess.Popen[bytes], port: int) -> None:
        deadline = time.monotonic() + self._startup_timeout
        # No retries inside redis-py: this loop is the retry, and redis-py's
        # default backoff would make one failed PING take seconds.
        client = redis.Redis(
            host="127.0.0.1",
            port=port,
            socket_connect_timeout=0.5,
            socket_timeout=0.5,
            retry=Retry(NoBackoff(), 0),
        )
        try:
            while True:
                code = proc.poll()
                if code is not None:
                    raise RedisServerFailed(
                        f"redis-server exited with code {code} before answering PING "
                        f"on 127.0.0.1:{port}",
                        log_tail=self.log_tail(),
                    )
                try:
                    if client.ping():
                        return
                except redis.RedisError:
                    pass  # not listening yet, or still loading
                if time.monotonic() > deadline:
                    raise RedisServerFailed(
                        f"redis-server did not answer PING on 127.0.0.1:{port} "
                        f"within {self._startup_timeout:g} s",
                        log_tail=self.log_tail(),
                    )
                time.sleep(0.05)
        finally:
            client.close()


def free_port() -> int:
    # Port 0 makes the kernel choose an unused one; we release it straight away
    # for redis-server to bind (see PORT_ATTEMPTS for the race).
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def _tail(path: Path, lines: int) -> list[str]:
    try:
        with path.open("r", encoding="utf-8", errors="replace") as fh:
            return [line.rstrip("\n") for line in deque(fh, maxlen=lines)]
    except OSError:
        return []


def _shutdown(proc: subprocess.Popen[bytes], tempdir: Path) -> None:
    # A module-level function, not a method: weakref.finalize must not hold
    # a reference to the PrivateRedis it cleans up after.
    if proc.poll() is None:
        proc.terminate()  # SIGTERM: redis-server shuts down cleanly and fast
        try:
            proc.wait(timeout=5)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
    with contextlib.suppress(OSError):
        shutil.rmtree(tempdir)
