"""One call as Redis holds it: where its flow is, and how far the transfer to a person got.

JSON primitives only. Nothing here is a phone number: the caller is `ref` (a keyed
hash of the number) and staff are roster names.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, replace
from enum import StrEnum
from typing import Any


class Phase(StrEnum):
    MENU = "menu"
    """The voice flow is talking with the caller."""
    TRANSFER = "transfer"
    """On hold while on-call staff are dialled one at a time."""
    CONNECTED = "connected"
    """A staff member accepted; the two are talking."""
    CRISIS_LINE = "crisis_line"
    """Nobody accepted in time (or nobody is on call): put through to the 24/7 line."""
    ENDED = "ended"


@dataclass(frozen=True, slots=True, kw_only=True)
class CallState:
    ref: str
    language: str
    phase: Phase = Phase.MENU
    session: dict[str, Any] | None = None
    """The engine's Session.to_dict(), while the flow runs."""
    pending: str = ""
    """Speech heard with low confidence, waiting for the caller to confirm it with a key."""
    esc: int | None = None
    tried: tuple[str, ...] = ()
    """Staff dialled so far, in order; the last is the one ringing now."""
    accepted_by: str = ""
    transfer_started: str = ""
    """ISO time the caller went on hold: the hold ceiling counts from here."""

    @property
    def attempt(self) -> int:
        """Dial attempts so far; attempt N's callbacks carry n=N, so a stale one is ignored."""
        return len(self.tried)

    @property
    def dialing(self) -> str:
        return self.tried[-1] if self.tried else ""

    def moved(self, **changes: Any) -> CallState:
        return replace(self, **changes)

    def to_json(self) -> str:
        data = asdict(self)
        data["tried"] = list(self.tried)
        return json.dumps(data, separators=(",", ":"), ensure_ascii=False)

    @classmethod
    def from_json(cls, raw: str | bytes) -> CallState:
        data = json.loads(raw)
        data["phase"] = Phase(data["phase"])
        data["tried"] = tuple(data.get("tried", ()))
        return cls(**data)
