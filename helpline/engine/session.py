"""A conversation's state between inputs: frozen, and JSON primitives only."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any


class SessionStatus(StrEnum):
    WAITING = "waiting"
    COMPLETED = "completed"
    FAILED = "failed"


@dataclass(frozen=True, slots=True, kw_only=True)
class Session:
    flow: str
    flow_version: str
    language: str
    status: SessionStatus
    node: str
    started_at: datetime
    updated_at: datetime
    expires_at: datetime
    variables: Mapping[str, str] = field(default_factory=dict)
    wait_id: int = 0
    """Counts waits; a timeout carries the id of its wait, so a stale one is refused."""
    timeout_at: datetime | None = None
    retries: int = 0
    sprints: int = 0

    @property
    def waiting(self) -> bool:
        return self.status is SessionStatus.WAITING

    def to_dict(self) -> dict[str, Any]:
        return {
            "flow": self.flow,
            "flow_version": self.flow_version,
            "language": self.language,
            "status": self.status.value,
            "node": self.node,
            "started_at": self.started_at.isoformat(),
            "updated_at": self.updated_at.isoformat(),
            "expires_at": self.expires_at.isoformat(),
            "variables": dict(self.variables),
            "wait_id": self.wait_id,
            "timeout_at": self.timeout_at.isoformat() if self.timeout_at else None,
            "retries": self.retries,
            "sprints": self.sprints,
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Session:
        timeout_at = data.get("timeout_at")
        return cls(
            flow=str(data["flow"]),
            flow_version=str(data["flow_version"]),
            language=str(data["language"]),
            status=SessionStatus(data["status"]),
            node=str(data["node"]),
            started_at=datetime.fromisoformat(data["started_at"]),
            updated_at=datetime.fromisoformat(data["updated_at"]),
            expires_at=datetime.fromisoformat(data["expires_at"]),
            variables={str(k): str(v) for k, v in dict(data.get("variables", {})).items()},
            wait_id=int(data.get("wait_id", 0)),
            timeout_at=datetime.fromisoformat(timeout_at) if timeout_at else None,
            retries=int(data.get("retries", 0)),
            sprints=int(data.get("sprints", 0)),
        )
