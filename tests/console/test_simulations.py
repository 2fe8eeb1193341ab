"""The studio's simulated phones: kept an hour, and only for the operator who started them."""

from __future__ import annotations

from datetime import UTC, datetime

import redis

from helpline import keys
from helpline.console.simulations import Simulations
from helpline.engine.session import Session, SessionStatus

NOW = datetime(2026, 12, 7, 3, 0, tzinfo=UTC)


def session() -> Session:
    return Session(
        flow="triage",
        flow_version="abc123",
        language="es",
        status=SessionStatus.WAITING,
        node="substance",
        started_at=NOW,
        updated_at=NOW,
        expires_at=NOW,
        variables={"who": "self"},
    )


def test_a_simulation_round_trips_for_its_owner_only(redis_client: redis.Redis) -> None:
    store = Simulations(redis_client)
    started = store.start("Olive", "triage", NOW, None)
    saved = started.__class__(started.id, "Olive", "triage", session(), NOW, "es")
    store.save(saved)
    assert store.find(started.id, "Olive", "triage") == saved
    assert store.find(started.id, "Omar", "triage") is None
    assert store.find(started.id, "Olive", "call") is None
    assert store.find("", "Olive", "triage") is None
    assert store.find("x" * 500, "Olive", "triage") is None
    ttl = redis_client.ttl(keys.studio_simulation(started.id))
    limit = int(keys.STUDIO_SIMULATION_TTL.total_seconds())
    assert limit - 2 <= ttl <= limit
    store.forget(started.id)
    assert store.find(started.id, "Olive", "triage") is None


def test_a_damaged_record_starts_afresh(redis_client: redis.Redis) -> None:
    redis_client.set(keys.studio_simulation("abc"), "{not json")
    assert Simulations(redis_client).find("abc", "Olive", "triage") is None
