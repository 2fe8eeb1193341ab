"""What the fake Twilio remembers, and the records tests read back.

uvicorn's thread writes and the test thread reads, so FakeState is always used
under its lock (never held across an await).
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from typing import Any

Pairs = tuple[tuple[str, str], ...]


class TwilioError(Exception):
    """An error answer in Twilio's legacy JSON shape: {code, message, more_info, status}."""

    def __init__(self, status: int, code: int | None, message: str) -> None:
        super().__init__(message)
        self.status, self.code, self.message = status, code, message

    def body(self) -> dict[str, Any]:
        body: dict[str, Any] = {"message": self.message, "status": self.status}
        if self.code is not None:
            body |= {
                "code": self.code,
                "more_info": f"https://www.twilio.com/docs/errors/{self.code}",
            }
        return body


@dataclass(frozen=True, slots=True)
class RecordedRequest:
    method: str
    path: str
    query: str
    form: Pairs
    headers: dict[str, str]  # lower-case names, Authorization left out
    status: int


@dataclass(frozen=True, slots=True)
class RecordedMessage:
    sid: str
    to: str
    from_: str | None
    body: str | None
    status_callback: str | None
    validity_period: int | None
    form: Pairs
    received_at: float = 0.0
    """time.time() when the request arrived: benchmarks measure latency up to here."""


@dataclass(frozen=True, slots=True)
class RecordedCall:
    sid: str
    to: str
    from_: str
    url: str | None
    twiml: str | None
    status_callback: str | None
    form: Pairs
    updates: tuple[Pairs, ...] = ()  # each POST Calls/{Sid}.json (redirects, hang-ups)


@dataclass(slots=True)
class Fault:
    """Answer `status` (with `code`) `times` times, after `delay` seconds.

    A status below 400 answers normally after the delay: the request is carried out
    but the client may have given up (the "sent, outcome unknown" case).
    """

    status: int
    code: int | None
    message: str
    times: int
    to: str | None
    path_contains: str
    delay: float

    def matches(self, path: str, form: Pairs) -> bool:
        return (
            self.times > 0
            and self.path_contains in path
            and (self.to is None or (("To", self.to) in form))
        )


@dataclass(frozen=True, slots=True)
class Incoming:
    account: str
    sid: str | None
    form: Pairs
    query: Pairs
    received_at: float = 0.0

    def first(self, key: str, *, query: bool = False) -> str | None:
        return next((v for k, v in (self.query if query else self.form) if k == key), None)

    def all(self, key: str) -> list[str]:
        return [v for k, v in self.form if k == key]


@dataclass
class FakeState:
    """Everything the fake remembers; every access goes through `lock`."""

    account_sid: str
    auth_token: str
    lock: threading.Lock = field(default_factory=threading.Lock, repr=False)
    requests: list[RecordedRequest] = field(default_factory=list)
    messages: dict[str, RecordedMessage] = field(default_factory=dict)
    message_resources: dict[str, dict[str, Any]] = field(default_factory=dict)
    calls: dict[str, RecordedCall] = field(default_factory=dict)
    call_resources: dict[str, dict[str, Any]] = field(default_factory=dict)
    unknown_params: list[str] = field(default_factory=list)
    schema_errors: list[str] = field(default_factory=list)
    faults: list[Fault] = field(default_factory=list)
    opted_out: set[str] = field(default_factory=set)

    def reset(self) -> None:
        with self.lock:
            for store in (self.requests, self.unknown_params, self.schema_errors, self.faults):
                store.clear()
            for table in (self.messages, self.message_resources, self.calls, self.call_resources):
                table.clear()
            self.opted_out.clear()

    def take_fault(self, path: str, form: Pairs) -> Fault | None:
        with self.lock:
            fault = next((f for f in self.faults if f.matches(path, form)), None)
            if fault is not None:
                fault.times -= 1
            return fault
