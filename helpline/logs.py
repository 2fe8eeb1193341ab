"""Structured logs: one JSON object a line, with refs and sids, never numbers or bodies.

Substance-use records are protected by law (42 CFR Part 2): code passes only
refs (keyed hashes), message sids, reasons and counts in `extra=`.

Every line logged while the web tier handles a request carries its
`request_id` (set by the middleware in helpline/web/app.py, kept across
`run_in_threadpool`, which copies the context), and every line logged inside
an RQ job carries the job's `job_id`.
"""

from __future__ import annotations

import json
import logging
import os
import random
import re
import secrets
import sys
from contextvars import ContextVar
from datetime import UTC, datetime
from typing import Any

from rq.job import get_current_job

_STANDARD = set(logging.LogRecord("", 0, "", 0, "", (), None).__dict__) | {"message", "asctime"}

NEVER_LOGGED = frozenset({"arguments", "args_repr", "kwargs"})
"""`extra` fields libraries fill with job arguments (texts, answers): dropped, whoever sets them."""

QUIET_LOGGERS = ("twilio.http_client", "httpx", "urllib3")
"""Libraries that log request URLs and query strings, which can hold a phone number."""


request_id: ContextVar[str | None] = ContextVar("helpline_request_id", default=None)
"""The id of the web request being handled, for every line logged while handling it."""

_REQUEST_ID = re.compile(r"[A-Za-z0-9._-]{1,64}")


def valid_request_id(value: str | None) -> str | None:
    """A request id from outside (Twilio's idempotency token, X-Request-Id) if it is sane."""
    return value if value is not None and _REQUEST_ID.fullmatch(value) else None


class _RequestIds:
    """32 hex digits from a generator seeded once per process from the OS: unique without
    a system call per request (uuid4's urandom showed up in the web tier's profile), and,
    unlike a counter, they say nothing of how many calls the line is taking."""

    def __init__(self) -> None:
        self.reset()

    def reset(self) -> None:
        self.random = random.Random(secrets.randbits(128))

    def next(self) -> str:
        return f"{self.random.getrandbits(128):032x}"


_request_ids = _RequestIds()
os.register_at_fork(after_in_child=_request_ids.reset)  # a forked child gets its own seed


def new_request_id() -> str:
    return _request_ids.next()


def add_context(record: logging.LogRecord) -> None:
    """Stamp the request id and the RQ job id on a record (a context var read each: cheap)."""
    if "request_id" not in record.__dict__ and (rid := request_id.get()) is not None:
        record.__dict__["request_id"] = rid
    if "job_id" not in record.__dict__ and (job := get_current_job()) is not None:
        record.__dict__["job_id"] = job.id


class ContextFilter(logging.Filter):
    """A handler filter that adds `request_id` / `job_id` to every record passing through."""

    def filter(self, record: logging.LogRecord) -> bool:
        add_context(record)
        return True


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        add_context(record)
        out: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname.lower(),
            "logger": record.name,
            "message": record.getMessage(),
        }
        for key, value in record.__dict__.items():
            if key not in _STANDARD and key not in NEVER_LOGGED and not key.startswith("_"):
                out[key] = value
        if record.exc_info and record.exc_info[0] is not None:
            out["error"] = record.exc_info[0].__name__
            out["traceback"] = self.formatException(record.exc_info)
        return json.dumps(out, default=str, ensure_ascii=False)


def setup_logging(level: str = "INFO") -> None:
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(JsonFormatter())
    handler.addFilter(ContextFilter())
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    for name in QUIET_LOGGERS:
        logging.getLogger(name).setLevel(logging.WARNING)
