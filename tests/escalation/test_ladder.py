"""The paging ladder, pure: one at a time, `repeat` rounds, then everyone and the 24/7 line."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from helpline.escalation.ladder import FINAL_OPEN_FOR, OnCall, Step, drive, skip_to_next
from helpline.escalation.model import Escalation, EscalationState

T0 = datetime(2026, 12, 5, 11, 0, tzinfo=UTC)
ACK = timedelta(minutes=3)


def opened(**changes: object) -> Escalation:
    esc = Escalation(
        id=12, ref="r", reason="crisis_suicide", language="es", masked="…0123", opened_at=T0
    )
    return esc.moved(**changes) if changes else esc


def on_call(*names: str, voice: tuple[str, ...] = (), repeat: int = 1) -> OnCall:
    return OnCall(names=names, voice=frozenset(voice), ack_timeout=ACK, repeat=repeat)


def run(esc: Escalation, who: OnCall, at: datetime) -> Step:
    step = drive(esc, who, at)
    assert step is not None
    return step


def pages(step: Step) -> list[tuple[str, str, str]]:
    return [(p.key, p.staff, p.channel) for p in step.pages]


def test_first_person_is_paged_at_once_and_waited_on_for_ack_timeout() -> None:
    step = run(opened(), on_call("Dana", "Sam"), T0)
    assert step.event == "paged"
    assert pages(step) == [("r0s0-sms", "Dana", "sms")]
    esc = step.escalation
    assert (esc.state, esc.round, esc.step) == (EscalationState.PAGING, 0, 0)
    assert esc.ladder == ("Dana", "Sam")
    assert esc.due_at == T0 + ACK
    assert esc.paged == ("Dana",)
    assert step.tell_caller is None  # nobody has answered: nothing is promised yet


def test_nothing_happens_before_the_due_time() -> None:
    esc = run(opened(), on_call("Dana", "Sam"), T0).escalation
    assert drive(esc, on_call("Dana", "Sam"), T0 + ACK - timedelta(seconds=1)) is None


def test_the_ladder_walks_then_repeats_then_pages_everyone_and_gives_the_caller_the_line() -> None:
    who = on_call("Dana", "Sam", voice=("Sam",), repeat=2)
    at, esc = T0, opened()
    seen = []
    for _ in range(4):
        step = run(esc, who, at)
        seen.append(pages(step))
        esc, at = step.escalation, at + ACK
    assert seen == [
        [("r0s0-sms", "Dana", "sms")],
        [("r0s1-sms", "Sam", "sms"), ("r0s1-voice", "Sam", "voice")],
        [("r1s0-sms", "Dana", "sms")],
        [("r1s1-sms", "Sam", "sms"), ("r1s1-voice", "Sam", "voice")],
    ]
    final = run(esc, who, at)
    assert final.event == "final"
    assert final.tell_caller == "no_one_yet"
    assert pages(final) == [
        ("final0-sms", "Dana", "sms"),
        ("final1-sms", "Sam", "sms"),
        ("final1-voice", "Sam", "voice"),
    ]
    assert final.escalation.state is EscalationState.FINAL
    assert final.escalation.due_at == at + FINAL_OPEN_FOR
    expired = run(final.escalation, who, at + FINAL_OPEN_FOR)
    assert expired.event == "expired"
    assert expired.escalation.state is EscalationState.CLOSED
    assert expired.pages == ()


def test_nobody_on_call_goes_straight_to_the_final_step() -> None:
    step = run(opened(), on_call(), T0)
    assert step.event == "final"
    assert step.tell_caller == "no_one_yet"
    assert step.pages == ()
    assert step.escalation.state is EscalationState.FINAL


def test_final_step_also_pages_people_who_came_on_call_since() -> None:
    esc = run(opened(), on_call("Dana"), T0).escalation
    final = run(esc, on_call("Lee"), T0 + ACK)
    assert [p.staff for p in final.pages] == ["Lee", "Dana"]
    assert final.escalation.paged == ("Dana", "Lee")


def test_taken_and_closed_escalations_never_page() -> None:
    taken = opened(state=EscalationState.TAKEN, holder="Dana", due_at=None)
    closed = opened(state=EscalationState.CLOSED, due_at=None)
    for esc in (taken, closed):
        assert drive(esc, on_call("Dana", "Sam"), T0 + timedelta(days=2)) is None


def test_a_failed_page_on_the_current_step_makes_the_next_step_due_now() -> None:
    esc = run(opened(), on_call("Dana", "Sam"), T0).escalation
    moved = skip_to_next(esc, "r0s0-sms", T0 + timedelta(seconds=5))
    assert moved is not None
    assert moved.due_at == T0 + timedelta(seconds=5)
    assert moved.version == esc.version + 1
    # A late failure report for a step the ladder has already left changes nothing.
    later = run(moved, on_call("Dana", "Sam"), T0 + timedelta(seconds=5)).escalation
    assert skip_to_next(later, "r0s0-sms", T0 + timedelta(seconds=6)) is None
    assert skip_to_next(later, "final0-sms", T0 + timedelta(seconds=6)) is None


def test_every_transition_bumps_the_version_once() -> None:
    esc = opened()
    step = run(esc, on_call("Dana"), T0)
    assert step.escalation.version == esc.version + 1


def test_json_round_trip_keeps_every_field() -> None:
    esc = run(opened(), on_call("Dana", "Sam", voice=("Sam",)), T0).escalation
    assert Escalation.from_json(esc.to_json()) == esc


def test_a_call_transfer_waits_while_the_voice_line_dials() -> None:
    calling = opened(state=EscalationState.CALLING, due_at=T0 + timedelta(minutes=10))
    assert drive(calling, on_call("Dana"), T0 + timedelta(minutes=9)) is None


def test_a_call_transfer_whose_end_never_came_is_paged_as_a_missed_call() -> None:
    calling = opened(state=EscalationState.CALLING, due_at=T0 + timedelta(minutes=10))
    step = run(calling, on_call("Dana", "Sam"), T0 + timedelta(minutes=10))
    assert step.event == "paged"
    assert pages(step) == [("r0s0-sms", "Dana", "sms")]
    assert step.escalation.reason == "missed_call"
    assert step.escalation.state is EscalationState.PAGING
