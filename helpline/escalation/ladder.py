"""The paging ladder, pure: an escalation, who is on call and the time in; the next step out.

GoAlert's shape: page the first person; wait `ack_timeout`; page the next;
after the ladder has run `repeat` times, the final step pages everyone on call
and gives the caller the 24/7 line, so nobody is ever left waiting for nobody.
Nothing here sends anything: the edges act on the Step.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime, timedelta

from helpline.escalation.model import Escalation, EscalationState

FINAL_OPEN_FOR = timedelta(hours=24)
"""After the final step an escalation stays takeable this long, then closes as expired."""

SMS, VOICE = "sms", "voice"


@dataclass(frozen=True, slots=True)
class OnCall:
    """Who can be paged now, in ladder order (the caller's language first), and how."""

    names: tuple[str, ...]
    voice: frozenset[str]
    ack_timeout: timedelta
    repeat: int


@dataclass(frozen=True, slots=True)
class Page:
    key: str
    """Unique within the escalation: the same page is never sent twice."""
    staff: str
    channel: str


@dataclass(frozen=True, slots=True)
class Step:
    escalation: Escalation
    pages: tuple[Page, ...] = ()
    event: str = ""
    """What happened, for the audit stream: paged, final, expired."""
    tell_caller: str | None = None
    """The name of a caller text to send (messages.yaml), if any."""


def is_due(escalation: Escalation, now: datetime) -> bool:
    if escalation.state is EscalationState.OPENING:
        return True
    if escalation.state in (EscalationState.PAGING, EscalationState.FINAL, EscalationState.CALLING):
        return escalation.due_at is not None and escalation.due_at <= now
    return False


def drive(escalation: Escalation, on_call: OnCall, now: datetime) -> Step | None:
    """The next step if one is due; None when there is nothing to do yet (or ever)."""
    if not is_due(escalation, now):
        return None
    if escalation.state is EscalationState.FINAL:
        return Step(
            escalation.moved(state=EscalationState.CLOSED, closed_at=now, due_at=None),
            event="expired",
        )
    if escalation.state is EscalationState.CALLING:
        # The call's end never reached us (a lost status callback): treat it as missed.
        escalation = replace(escalation, state=EscalationState.OPENING, reason="missed_call")
    if escalation.state is EscalationState.OPENING:
        if not on_call.names or on_call.repeat < 1:
            return _final(escalation, on_call, now)
        # `replace`, not `moved`: _page bumps the version, once per transition.
        started = replace(escalation, state=EscalationState.PAGING, ladder=on_call.names)
        return _page(started, 0, 0, on_call, now)
    step, round_ = escalation.step + 1, escalation.round
    if step >= len(escalation.ladder):
        step, round_ = 0, round_ + 1
    if round_ >= on_call.repeat:
        return _final(escalation, on_call, now)
    return _page(escalation, round_, step, on_call, now)


def skip_to_next(escalation: Escalation, page_key: str, now: datetime) -> Escalation | None:
    """A page failed or was declined: due now, if the ladder still waits on that page's step."""
    current = f"r{escalation.round}s{escalation.step}"
    if escalation.state is not EscalationState.PAGING or page_step(page_key) != current:
        return None
    return escalation.moved(due_at=now)


def ladder_key(round_: int, step: int, channel: str) -> str:
    return f"r{round_}s{step}-{channel}"


def page_step(page_key: str) -> str:
    """The ladder position a page key belongs to ("r0s1"), or "final"."""
    return page_key.split("-", 1)[0]


def _page(escalation: Escalation, round_: int, step: int, on_call: OnCall, now: datetime) -> Step:
    name = escalation.ladder[step]
    pages = [Page(ladder_key(round_, step, SMS), name, SMS)]
    if name in on_call.voice:
        pages.append(Page(ladder_key(round_, step, VOICE), name, VOICE))
    paged = escalation.paged if name in escalation.paged else (*escalation.paged, name)
    moved = escalation.moved(round=round_, step=step, due_at=now + on_call.ack_timeout, paged=paged)
    return Step(moved, pages=tuple(pages), event="paged")


def _final(escalation: Escalation, on_call: OnCall, now: datetime) -> Step:
    everyone = list(dict.fromkeys((*on_call.names, *escalation.ladder)))
    pages: list[Page] = []
    for i, name in enumerate(everyone):
        pages.append(Page(f"final{i}-{SMS}", name, SMS))
        if name in on_call.voice:
            pages.append(Page(f"final{i}-{VOICE}", name, VOICE))
    paged = tuple(dict.fromkeys((*escalation.paged, *everyone)))
    moved = escalation.moved(state=EscalationState.FINAL, due_at=now + FINAL_OPEN_FOR, paged=paged)
    return Step(moved, pages=tuple(pages), event="final", tell_caller="no_one_yet")
