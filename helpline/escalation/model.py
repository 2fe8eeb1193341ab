"""One escalation as Redis holds it: a caller who needs a person, and how far paging got."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field, replace
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any


class EscalationState(StrEnum):
    OPENING = "opening"
    """A moment only: the webhook takes the first ladder step in the same transaction."""
    PAGING = "paging"
    """Walking the ladder: one person at a time, `ack_timeout` each."""
    FINAL = "final"
    """Nobody answered (or nobody is on call): everyone paged, the caller has the 24/7 line."""
    TAKEN = "taken"
    """A staff member answered; texts are relayed both ways through the helpline number."""
    CALLING = "calling"
    """A caller is on hold while the voice line dials on-call staff itself (no pages)."""
    CLOSED = "closed"


OPEN_STATES = frozenset({EscalationState.OPENING, EscalationState.PAGING, EscalationState.FINAL})
"""States in which a staff member can still take the escalation."""


@dataclass(frozen=True, slots=True, kw_only=True)
class Escalation:
    id: int
    ref: str
    """The caller, as a keyed hash of the number (never the number)."""
    reason: str
    language: str
    masked: str
    """What staff see of the caller's number: "…1234"."""
    opened_at: datetime
    state: EscalationState = EscalationState.OPENING
    ladder: tuple[str, ...] = ()
    """Staff names in paging order, fixed when paging starts."""
    round: int = 0
    step: int = 0
    due_at: datetime | None = None
    holder: str | None = None
    paged: tuple[str, ...] = ()
    """Everyone paged so far, in order; they hear when it is taken or closed."""
    taken_at: datetime | None = None
    closed_at: datetime | None = None
    closed_by: str | None = None
    version: int = 0
    extra: dict[str, str] = field(default_factory=dict)

    @property
    def code(self) -> str:
        return str(self.id)

    @property
    def is_open(self) -> bool:
        return self.state in OPEN_STATES

    def moved(self, **changes: Any) -> Escalation:
        """A copy with `changes` and the version bumped (every transition bumps it once)."""
        return replace(self, version=self.version + 1, **changes)

    def to_json(self) -> str:
        data = asdict(self)
        for name in ("opened_at", "due_at", "taken_at", "closed_at"):
            value = data[name]
            data[name] = value.isoformat() if value is not None else None
        data["ladder"], data["paged"] = list(self.ladder), list(self.paged)
        return json.dumps(data, separators=(",", ":"), ensure_ascii=False)

    @classmethod
    def from_json(cls, raw: str | bytes) -> Escalation:
        data = json.loads(raw)
        for name in ("opened_at", "due_at", "taken_at", "closed_at"):
            if data.get(name) is not None:
                data[name] = datetime.fromisoformat(data[name])
        data["state"] = EscalationState(data["state"])
        data["ladder"], data["paged"] = tuple(data["ladder"]), tuple(data["paged"])
        return cls(**data)


def epoch(moment: datetime) -> float:
    return moment.astimezone(UTC).timestamp()
