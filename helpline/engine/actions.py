"""Actions a node runs when it is entered. Registered by name in ACTION_TYPES.

Work that is slow or talks to the world (texts with program details, meeting
lookups, paging a person) is not done here: the engine emits an event and a
background worker does it.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import ClassVar


@dataclass(frozen=True, slots=True, kw_only=True)
class SendPrograms:
    """Text the caller 2–3 programs that fit their answers: `- send_programs`."""

    name: ClassVar[str] = "send_programs"


@dataclass(frozen=True, slots=True, kw_only=True)
class SendMeetings:
    """Text the caller meetings that fit their answers: `- send_meetings`."""

    name: ClassVar[str] = "send_meetings"


@dataclass(frozen=True, slots=True, kw_only=True)
class Escalate:
    """Hand the caller to a person: `- escalate: {reason: asked_for_person}`."""

    name: ClassVar[str] = "escalate"
    reason: str


@dataclass(frozen=True, slots=True, kw_only=True)
class SetVariables:
    """Set variables without asking: `- set: {court_ordered: "yes"}`."""

    name: ClassVar[str] = "set"
    values: Mapping[str, str]


@dataclass(frozen=True, slots=True, kw_only=True)
class SetLanguage:
    """Speak and text in this language from now on: `- language: es` (a key on a call)."""

    name: ClassVar[str] = "language"
    language: str


Action = SendPrograms | SendMeetings | Escalate | SetVariables | SetLanguage

ACTION_TYPES: dict[str, type[Action]] = {
    a.name: a for a in (SendPrograms, SendMeetings, Escalate, SetVariables, SetLanguage)
}
"""Every action, by the name a flow file uses."""

JOB_ACTIONS = frozenset({SendPrograms.name, SendMeetings.name})

MORE_MEETINGS_JOB = "more_meetings"
"""The job a MORE text asks for after a conversation ended: the next page of its meetings."""
"""Actions that become a background job of the same name."""
