"""How a conversation is kept in Redis: compact, exact, and readable from the older form."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta, timezone

from hypothesis import given
from hypothesis import strategies as st

from helpline.engine.session import Session, SessionStatus
from helpline.store import dump_session, parse_session

STARTED = datetime(2026, 12, 7, 11, 52, 56, 289730, tzinfo=UTC)


def session(**changes: object) -> Session:
    fields: dict[str, object] = {
        "flow": "triage",
        "flow_version": "ca09f08a16ad",
        "language": "es",
        "status": SessionStatus.WAITING,
        "node": "goal",
        "started_at": STARTED,
        "updated_at": STARTED + timedelta(minutes=3),
        "expires_at": STARTED + timedelta(days=7),
        "variables": {"who": "self", "substance": "alcohol", "approach": "secular"},
        "wait_id": 4,
        "timeout_at": STARTED + timedelta(hours=4),
        "retries": 1,
        "sprints": 4,
    }
    fields.update(changes)
    return Session(**fields)  # type: ignore[arg-type]


def test_a_session_reads_back_exactly() -> None:
    kept = session()
    assert parse_session(dump_session(kept)) == kept
    assert parse_session(dump_session(session(timeout_at=None))) == session(timeout_at=None)


@given(
    at=st.datetimes(
        # hypothesis takes naive bounds and adds the zones itself
        min_value=datetime(2000, 1, 1),  # noqa: DTZ001
        max_value=datetime(2200, 1, 1),  # noqa: DTZ001
        timezones=st.sampled_from([UTC, timezone(timedelta(hours=-5))]),
    )
)
def test_any_instant_survives_to_the_microsecond(at: datetime) -> None:
    back = parse_session(dump_session(session(updated_at=at)))
    assert back is not None
    assert back.updated_at == at


def test_the_compact_form_is_about_half_the_long_one() -> None:
    kept = session()
    long_form = json.dumps(kept.to_dict(), separators=(",", ":"))
    assert len(dump_session(kept)) < 0.6 * len(long_form)


def test_a_session_written_in_the_long_form_still_reads() -> None:
    kept = session()
    assert parse_session(json.dumps(kept.to_dict())) == kept
    assert parse_session(None) is None
