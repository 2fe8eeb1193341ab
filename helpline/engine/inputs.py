"""What can resume a session: a reply, or a wait that ran out."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True, kw_only=True)
class TextReceived:
    """The caller sent a text (or, on voice, said or keyed something)."""

    text: str


@dataclass(frozen=True, slots=True, kw_only=True)
class TimedOut:
    """The wait numbered `wait_id` passed its timeout with no reply."""

    wait_id: int


Input = TextReceived | TimedOut
