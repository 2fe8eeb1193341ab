"""What a sprint asks the world to do. The edges act on these; the engine does not."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any


@dataclass(frozen=True, slots=True, kw_only=True)
class TextQueued:
    """Send this text to the caller."""

    text: str


@dataclass(frozen=True, slots=True, kw_only=True)
class WaitStarted:
    """The session waits for a reply. Resume with TimedOut(wait_id) at `timeout_at`, if set."""

    wait_id: int
    timeout_at: datetime | None
    expires_at: datetime


@dataclass(frozen=True, slots=True, kw_only=True)
class JobRequested:
    """Run a background job (send_programs, send_meetings) with the caller's answers."""

    job: str
    language: str
    variables: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True, slots=True, kw_only=True)
class EscalationRequested:
    """Get a person to this caller."""

    reason: str
    language: str


@dataclass(frozen=True, slots=True, kw_only=True)
class OptedOut:
    """The caller sent STOP or a word like it: send nothing more until START."""


@dataclass(frozen=True, slots=True, kw_only=True)
class LanguageChanged:
    language: str


@dataclass(frozen=True, slots=True, kw_only=True)
class SessionEnded:
    reason: str


@dataclass(frozen=True, slots=True, kw_only=True)
class Failed:
    """A limit was hit or the flow broke; the caller has been sent the `failed` text."""

    reason: str


Event = (
    TextQueued
    | WaitStarted
    | JobRequested
    | EscalationRequested
    | OptedOut
    | LanguageChanged
    | SessionEnded
    | Failed
)

EVENT_NAMES: dict[type[Event], str] = {
    TextQueued: "text",
    WaitStarted: "wait",
    JobRequested: "job",
    EscalationRequested: "escalate",
    OptedOut: "opted_out",
    LanguageChanged: "language",
    SessionEnded: "ended",
    Failed: "failed",
}


def event_to_dict(event: Event) -> dict[str, Any]:
    """JSON-ready form, for case files, logs of event types and the simulator."""
    out: dict[str, Any] = {"type": EVENT_NAMES[type(event)]}
    for name in event.__dataclass_fields__:
        value = getattr(event, name)
        if isinstance(value, datetime):
            value = value.isoformat()
        elif isinstance(value, Mapping):
            value = dict(value)
        out[name] = value
    return out
