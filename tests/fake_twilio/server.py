"""FakeTwilio: the fake REST API under uvicorn on 127.0.0.1, plus the test-side controls.

Real HTTP on a real port, so RQ workers and the real `twilio` client talk to it
unchanged (point TWILIO_API_URL at `.url`). State lives in a FakeState behind a
lock; the helpers here read it from the test thread.
"""

from __future__ import annotations

import socket
import threading
import time
import uuid
from dataclasses import dataclass
from types import TracebackType

import httpx
import uvicorn

from tests.fake_twilio import spec
from tests.fake_twilio.app import create_app, now_rfc2822
from tests.fake_twilio.signing import signed_form
from tests.fake_twilio.state import (
    FakeState,
    Fault,
    Pairs,
    RecordedCall,
    RecordedMessage,
    RecordedRequest,
)

DEFAULT_ACCOUNT_SID = "AC" + "fa4e" * 8
DEFAULT_AUTH_TOKEN = "fake-twilio-auth-token-0123456789"
START_TIMEOUT_SECONDS = 10.0
WEBHOOK_TIMEOUT_SECONDS = 15.0  # Twilio's own read timeout for webhooks (twilio.md §4.1)


@dataclass(frozen=True, slots=True)
class RecordedWebhook:
    url: str  # the public URL that was signed
    delivered_to: str  # where it really went
    form: Pairs
    status: int


class FakeTwilio:
    """Starts serving on construction; use as a context manager or call stop()."""

    def __init__(
        self, *, account_sid: str = DEFAULT_ACCOUNT_SID, auth_token: str = DEFAULT_AUTH_TOKEN
    ) -> None:
        self.account_sid, self.auth_token = account_sid, auth_token
        self._state = FakeState(account_sid, auth_token)
        self.webhooks: list[RecordedWebhook] = []
        # Bind first so the port is known and taken before uvicorn starts.
        self._socket = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self._socket.bind(("127.0.0.1", 0))
        self.url = f"http://127.0.0.1:{self._socket.getsockname()[1]}"
        config = uvicorn.Config(
            create_app(self._state),
            log_level="warning",
            lifespan="off",
            ws="none",
            timeout_graceful_shutdown=1,  # don't wait out a delayed (fault) answer
        )
        self._server = uvicorn.Server(config)
        self._thread = threading.Thread(
            target=self._server.run,
            kwargs={"sockets": [self._socket]},
            daemon=True,
            name="fake-twilio",
        )
        self._thread.start()
        deadline = time.monotonic() + START_TIMEOUT_SECONDS
        while not self._server.started:
            if not self._thread.is_alive() or time.monotonic() > deadline:
                self.stop()
                raise RuntimeError("fake Twilio did not start")
            time.sleep(0.01)

    def __enter__(self) -> FakeTwilio:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    def stop(self) -> None:
        self._server.should_exit = True
        self._thread.join(timeout=START_TIMEOUT_SECONDS)
        self._socket.close()

    def reset(self) -> None:
        """Forget messages, calls, requests, faults, opt-outs and recorded failures."""
        self._state.reset()
        self.webhooks.clear()

    # Recording -------------------------------------------------------------------------

    def messages(self, to: str | None = None) -> list[RecordedMessage]:
        with self._state.lock:
            return [m for m in self._state.messages.values() if to is None or m.to == to]

    def calls(self, to: str | None = None) -> list[RecordedCall]:
        with self._state.lock:
            return [c for c in self._state.calls.values() if to is None or c.to == to]

    @property
    def requests(self) -> list[RecordedRequest]:
        with self._state.lock:
            return list(self._state.requests)

    @property
    def schema_errors(self) -> list[str]:
        with self._state.lock:
            return list(self._state.schema_errors)

    def assert_no_unknown_params(self) -> None:
        with self._state.lock:
            unknown = list(self._state.unknown_params)
        assert not unknown, "form keys the Twilio spec does not know:\n" + "\n".join(unknown)

    def assert_conforms(self) -> None:
        """Every answer the fake built matched the spec (checked after each test)."""
        problems = self.schema_errors
        assert not problems, "fake Twilio drifted from the spec:\n" + "\n".join(problems)

    # Controls --------------------------------------------------------------------------

    def inject(
        self,
        *,
        status: int,
        code: int | None = None,
        message: str = "Injected failure",
        times: int = 1,
        to: str | None = None,
        path_contains: str = "Messages.json",
        delay: float = 0.0,
    ) -> None:
        """Answer the next `times` matching requests with this error (after `delay` s).

        A status below 400 with a delay answers normally, late: the request is
        carried out even if the client has timed out.
        """
        fault = Fault(
            status=status,
            code=code,
            message=message,
            times=times,
            to=to,
            path_contains=path_contains,
            delay=delay,
        )
        with self._state.lock:
            self._state.faults.append(fault)

    def opt_out(self, number: str) -> None:
        """Texts to `number` now fail with 21610, as after the recipient texted STOP."""
        with self._state.lock:
            self._state.opted_out.add(number)

    def send_status_callback(
        self,
        message_sid: str,
        status: str,
        *,
        error_code: int | None = None,
        base_url_map: dict[str, str],
    ) -> int:
        """POST a signed status callback for a recorded message; return the HTTP status.

        Signed over the message's public StatusCallback URL and delivered to the
        local address `base_url_map` maps its base to, like a reverse proxy.
        """
        if status not in spec.enum("message_enum_status"):
            raise ValueError(f"{status!r} is not a Twilio message status")
        with self._state.lock:
            message = self._state.messages[message_sid]
            resource = self._state.message_resources[message_sid]
            resource.update(status=status, error_code=error_code, date_updated=now_rfc2822())
        if message.status_callback is None:
            raise ValueError(f"message {message_sid} was sent without a StatusCallback")
        pairs = [
            ("MessageSid", message_sid),
            ("MessageStatus", status),
            ("SmsSid", message_sid),
            ("SmsStatus", status),
            ("AccountSid", self.account_sid),
            ("From", message.from_ or ""),
            ("To", message.to),
            ("ApiVersion", "2010-04-01"),
        ]
        if error_code is not None:
            pairs.append(("ErrorCode", str(error_code)))
        body, headers = signed_form(message.status_callback, pairs, self.auth_token)
        headers["I-Twilio-Idempotency-Token"] = str(uuid.uuid4())
        target = local_address(message.status_callback, base_url_map)
        response = httpx.post(
            target, content=body, headers=headers, timeout=WEBHOOK_TIMEOUT_SECONDS
        )
        self.webhooks.append(
            RecordedWebhook(
                url=message.status_callback,
                delivered_to=target,
                form=tuple(pairs),
                status=response.status_code,
            )
        )
        return response.status_code


def local_address(public_url: str, base_url_map: dict[str, str]) -> str:
    """Swap the public base of `public_url` for its local one (longest match wins)."""
    for public in sorted(base_url_map, key=len, reverse=True):
        base = public.rstrip("/")
        if public_url == base or public_url.startswith((base + "/", base + "?")):
            return base_url_map[public].rstrip("/") + public_url[len(base) :]
    raise ValueError(f"no base_url_map entry covers {public_url}")
