"""What the console shows of escalations: rows for the lists, and one escalation in full.

Read-only views built from the escalation store. Staff see the masked number
("…1234") and never a number; the transcript is shown to the holder alone.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from helpline.escalation.desk import NOTE
from helpline.escalation.model import Escalation, EscalationState
from helpline.escalation.store import EscalationStore
from helpline.escalation.texts import language_name, reason_text

RECENT_CLOSED_SHOWN = 30
TRANSCRIPT_SHOWN = 200
"""Entries of one conversation on its page (the store keeps more)."""

URGENT_REASONS = ("crisis_", "not_safe", "missed_call")


@dataclass(frozen=True, slots=True)
class Row:
    escalation: Escalation
    age: timedelta
    where: str
    """Where paging is, in words: "paging Sam (2 of 3)", "everyone paged", "with Dana"."""

    @property
    def urgent(self) -> bool:
        return self.escalation.reason.startswith(URGENT_REASONS)

    @property
    def reason(self) -> str:
        return reason_text(self.escalation.reason)

    @property
    def language(self) -> str:
        return language_name(self.escalation.language)


@dataclass(frozen=True, slots=True)
class Entry:
    who: str
    body: str
    at: str
    kind: str
    """caller, staff (sent to the caller) or note (staff only)."""


def where_it_is(esc: Escalation) -> str:
    state = esc.state
    if state is EscalationState.TAKEN:
        return f"with {esc.holder}"
    if state is EscalationState.CALLING:
        return "on hold: the line is ringing staff"
    if state is EscalationState.FINAL:
        return "everyone paged; the caller has the 24/7 line"
    if state is EscalationState.CLOSED:
        return f"closed by {esc.closed_by}" if esc.closed_by else "closed"
    if state is EscalationState.PAGING and esc.ladder:
        name = esc.ladder[min(esc.step, len(esc.ladder) - 1)]
        round_ = f", round {esc.round + 1}" if esc.round else ""
        return f"paging {name} ({esc.step + 1} of {len(esc.ladder)}{round_})"
    return "starting"


def open_rows(store: EscalationStore, now: datetime) -> list[Row]:
    """Open and held escalations, the oldest waiting first, then those staff are with."""
    rows = [_row(esc, now) for esc in store.many(store.open_ids())]
    return sorted(
        (r for r in rows if r.escalation.state is not EscalationState.CLOSED),
        key=lambda r: (r.escalation.state is EscalationState.TAKEN, r.escalation.opened_at),
    )


def closed_rows(store: EscalationStore, now: datetime) -> list[Row]:
    ids = store.closed_ids(limit=RECENT_CLOSED_SHOWN)
    return [_row(esc, now) for esc in store.many(ids)]


def transcript(store: EscalationStore, esc: Escalation) -> list[Entry]:
    entries = []
    for m in store.conversation(esc.id, last=TRANSCRIPT_SHOWN):
        who = m.get("who", "")
        kind = NOTE if m.get("kind") == NOTE else ("caller" if who == "caller" else "staff")
        entries.append(Entry(who=who, body=m.get("body", ""), at=m.get("at", ""), kind=kind))
    return entries


def may_open(esc: Escalation, name: str) -> bool:
    """Anyone on staff may see a waiting escalation; once someone holds it, only they may."""
    if esc.state is EscalationState.CLOSED:
        return esc.holder is None or esc.holder == name or esc.closed_by == name
    return esc.holder is None or esc.holder == name


def may_read_transcript(esc: Escalation, name: str) -> bool:
    """The caller's words are for the person with them (need to know), not the whole roster."""
    return esc.holder == name


def _row(esc: Escalation, now: datetime) -> Row:
    end = esc.closed_at or now
    return Row(escalation=esc, age=max(end - esc.opened_at, timedelta(0)), where=where_it_is(esc))


def age_text(age: timedelta) -> str:
    minutes = int(age.total_seconds() // 60)
    if minutes < 1:
        return "just now"
    if minutes < 60:
        return f"{minutes} min"
    hours, minutes = divmod(minutes, 60)
    if hours < 48:
        return f"{hours} h {minutes} min" if minutes else f"{hours} h"
    return f"{hours // 24} days"
