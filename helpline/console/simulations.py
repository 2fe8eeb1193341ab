"""The studio's simulated phones: one per operator tab, kept in Redis between messages.

The engine is pure, so a simulation is only its session, its clock and its
language; every message rebuilds a Simulator around them. A simulation
belongs to the account that started it; another account's id starts afresh.
"""

from __future__ import annotations

import json
import secrets
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from redis import Redis

from helpline import keys
from helpline.engine.session import Session
from helpline.simulator import Simulator
from helpline.store import as_text

MAX_SIMULATION_ID_CHARS = 64


@dataclass(frozen=True, slots=True)
class Simulation:
    id: str
    owner: str
    flow: str
    session: Session | None
    now: datetime
    language: str | None

    def to_json(self) -> str:
        data: dict[str, Any] = {
            "owner": self.owner,
            "flow": self.flow,
            "session": self.session.to_dict() if self.session else None,
            "now": self.now.isoformat(),
            "language": self.language,
        }
        return json.dumps(data, separators=(",", ":"))

    @classmethod
    def from_json(cls, simulation_id: str, raw: str) -> Simulation:
        data = json.loads(raw)
        return cls(
            id=simulation_id,
            owner=data["owner"],
            flow=data["flow"],
            session=Session.from_dict(data["session"]) if data.get("session") else None,
            now=datetime.fromisoformat(data["now"]),
            language=data.get("language"),
        )

    def restore(self, simulator: Simulator) -> Simulator:
        simulator.session, simulator.now = self.session, max(simulator.now, self.now)
        if self.language is not None:
            simulator.language = self.language
        return simulator

    def after(self, simulator: Simulator) -> Simulation:
        return Simulation(
            self.id, self.owner, self.flow, simulator.session, simulator.now, simulator.language
        )


class Simulations:
    def __init__(self, redis: Redis) -> None:
        self.redis = redis

    def find(self, simulation_id: str, owner: str, flow: str) -> Simulation | None:
        """The owner's simulation of `flow`; None for anyone else's, or one that expired."""
        if not simulation_id or len(simulation_id) > MAX_SIMULATION_ID_CHARS:
            return None
        raw = as_text(self.redis.get(keys.studio_simulation(simulation_id)))
        if raw is None:
            return None
        try:
            found = Simulation.from_json(simulation_id, raw)
        except (ValueError, KeyError, TypeError):
            return None
        if not secrets.compare_digest(found.owner, owner) or found.flow != flow:
            return None
        return found

    def start(self, owner: str, flow: str, now: datetime, language: str | None) -> Simulation:
        return Simulation(secrets.token_urlsafe(16), owner, flow, None, now, language)

    def save(self, simulation: Simulation) -> None:
        self.redis.set(
            keys.studio_simulation(simulation.id),
            simulation.to_json(),
            ex=keys.STUDIO_SIMULATION_TTL,
        )

    def forget(self, simulation_id: str) -> None:
        if simulation_id and len(simulation_id) <= MAX_SIMULATION_ID_CHARS:
            self.redis.delete(keys.studio_simulation(simulation_id))
