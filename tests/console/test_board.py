"""What the console shows of an escalation: where paging is, ages, and who may read what."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest

from helpline.console.board import age_text, may_open, may_read_transcript, where_it_is
from helpline.escalation.model import Escalation, EscalationState

OPENED = datetime(2026, 12, 7, 3, 0, tzinfo=UTC)


def esc(**changes: object) -> Escalation:
    base = Escalation(
        id=7, ref="r", reason="crisis_suicide", language="en", masked="…0123", opened_at=OPENED
    )
    return replace(base, **changes)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("changes", "expected"),
    [
        ({}, "starting"),
        ({"state": EscalationState.PAGING, "ladder": ("Sam", "Dana"), "step": 0},
         "paging Sam (1 of 2)"),
        ({"state": EscalationState.PAGING, "ladder": ("Sam", "Dana"), "step": 1, "round": 1},
         "paging Dana (2 of 2, round 2)"),
        ({"state": EscalationState.TAKEN, "holder": "Dana"}, "with Dana"),
        ({"state": EscalationState.FINAL}, "everyone paged; the caller has the 24/7 line"),
        ({"state": EscalationState.CLOSED, "closed_by": "Sam"}, "closed by Sam"),
        ({"state": EscalationState.CLOSED}, "closed"),
    ],
)  # fmt: skip
def test_where_it_is(changes: dict[str, object], expected: str) -> None:
    assert where_it_is(esc(**changes)) == expected


@pytest.mark.parametrize(
    ("age", "text"),
    [
        (timedelta(seconds=59), "just now"),
        (timedelta(minutes=1), "1 min"),
        (timedelta(minutes=59, seconds=59), "59 min"),
        (timedelta(hours=1), "1 h"),
        (timedelta(hours=2, minutes=5), "2 h 5 min"),
        (timedelta(days=3), "3 days"),
    ],
)
def test_age_text(age: timedelta, text: str) -> None:
    assert age_text(age) == text


@pytest.mark.parametrize(
    ("changes", "name", "opens", "reads"),
    [
        ({"state": EscalationState.PAGING}, "Dana", True, False),
        ({"state": EscalationState.TAKEN, "holder": "Sam"}, "Sam", True, True),
        ({"state": EscalationState.TAKEN, "holder": "Sam"}, "Dana", False, False),
        ({"state": EscalationState.CLOSED, "holder": "Sam", "closed_by": "Sam"}, "Sam", True, True),
        ({"state": EscalationState.CLOSED, "holder": "Sam", "closed_by": "Sam"}, "Dana", False,
         False),
        ({"state": EscalationState.CLOSED, "closed_by": "Dana"}, "Lee", True, False),
    ],
)  # fmt: skip
def test_who_may_open_and_read(
    changes: dict[str, object], name: str, opens: bool, reads: bool
) -> None:
    escalation = esc(**changes)
    assert may_open(escalation, name) is opens
    assert may_read_transcript(escalation, name) is reads
