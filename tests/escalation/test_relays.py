"""Relay batches name their escalation; no other batch does."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from helpline.escalation.relays import relay_batch, relayed_for
from helpline.queueing import job_id

NOW = datetime(2026, 12, 7, 3, 0, 12, 345678, tzinfo=UTC)


@pytest.mark.parametrize("esc_id", [1, 12, 987654])
def test_a_relay_batch_names_its_escalation(esc_id: int) -> None:
    assert relayed_for(relay_batch(esc_id, NOW)) == esc_id


@pytest.mark.parametrize(
    "batch",
    [
        job_id("esc", 12, "closed"),  # "a person left": the helpline's words, not staff's
        job_id("b429"),
        "relay",
        "relay-",
        "relay-x1-2",
        "relays-12-3",
        "",
    ],
)
def test_no_other_batch_does(batch: str) -> None:
    assert relayed_for(batch) is None
