"""Talk to a flow in the terminal, as a phone would: the real engine, with no Redis or Twilio.

Worker jobs are shown as the texts they would send. Commands: /timeout (the
current wait runs out), /reset (forget the conversation), /quit.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TextIO

from helpline.engine import (
    EscalationRequested,
    Flow,
    JobRequested,
    OptedOut,
    Session,
    SessionEnded,
    Sprint,
    TextQueued,
    TextReceived,
    TimedOut,
    crisis,
    resume,
)
from helpline.engine.actions import MORE_MEETINGS_JOB, SendMeetings, SendPrograms
from helpline.errors import ResumeRejected
from helpline.flowfiles.catalog import FlowSet
from helpline.meetings.answer import meetings_answer, next_page
from helpline.meetings.search import RADII_MILES, MeetingQuery, SearchResult
from helpline.programs.compose import recommended_texts

STEP = timedelta(seconds=1)
"""Simulated time between inputs (goflow's MockUniverse ticks the same way)."""


class Simulator:
    def __init__(
        self,
        flows: FlowSet,
        flow: Flow,
        *,
        language: str | None,
        crisis_line: str,
        helpline_name: str,
        start: datetime,
    ) -> None:
        self.flows, self.flow = flows, flow
        self.language = language
        self.lines = {"crisis_line": crisis_line, "helpline_name": helpline_name}
        self.now = start
        self.session: Session | None = None

    def say(self, text: str) -> list[str]:
        return _lines(self.reply(text))

    def timeout(self) -> list[str]:
        return _lines(self.wait_out())

    def reply(self, text: str) -> list[Said]:
        """The caller sends `text`: screened for crisis words first, as the service does."""
        hit = self.flows.crisis.screen(text)
        if hit is None:
            return self._sprint(TextReceived(text=text))
        self.now += STEP
        language = hit.language or (self.session.language if self.session else self.language)
        sprint = crisis(self.flow, self.session, str(hit.kind), self.now, language=language)
        return self._events(sprint)

    def wait_out(self) -> list[Said]:
        """The caller says nothing until the current wait ends."""
        if self.session is None or self.session.timeout_at is None:
            return [Said("note", "nothing is waiting for a reply")]
        self.now = max(self.now, self.session.timeout_at)
        return self._sprint(TimedOut(wait_id=self.session.wait_id))

    def _sprint(self, given: TextReceived | TimedOut) -> list[Said]:
        self.now += STEP
        try:
            sprint = resume(self.flow, self.session, given, self.now, language=self.language)
        except ResumeRejected as exc:
            return [Said("note", str(exc))]
        return self._events(sprint)

    def _events(self, sprint: Sprint) -> list[Said]:
        self.session = sprint.session
        self.language = sprint.session.language
        out: list[Said] = []
        for event in sprint.events:
            match event:
                case TextQueued(text=text):
                    out.append(Said("text", text))
                case JobRequested(job=job, language=language, variables=variables):
                    out.append(Said("event", f"worker: {job}"))
                    texts = self._job_texts(job, language, dict(variables))
                    out += [Said("text", t) for t in texts]
                case EscalationRequested(reason=reason):
                    out.append(Said("event", f"escalation to a person: {reason}"))
                case OptedOut():
                    out.append(Said("event", "opted out: nothing more is sent until START"))
                case SessionEnded(reason=reason):
                    out.append(Said("event", f"conversation ended: {reason}"))
        return out

    def _job_texts(self, job: str, language: str, variables: dict[str, str]) -> list[str]:
        """What the worker would send, with an empty meeting directory: there is none here."""
        catalogue = self.flows.programs
        if job == SendPrograms.name:
            return recommended_texts(catalogue, variables, language=language, **self.lines)
        if job == SendMeetings.name:
            return meetings_answer(
                catalogue=catalogue,
                answers=variables,
                language=language,
                now=self.now,
                search=_no_directory,
                **self.lines,
            ).texts
        if job == MORE_MEETINGS_JOB:
            crisis_line = self.lines["crisis_line"]
            text, _ = next_page(None, self.now, language=language, crisis_line=crisis_line)
            return [text]
        return [f"(no simulation for the {job} job)"]


@dataclass(frozen=True, slots=True)
class Said:
    """One thing the simulated phone shows: a text the caller gets, or what happened."""

    kind: str
    """text (the caller gets it), event (what the service would do) or note (why nothing)"""
    text: str


def _lines(said: list[Said]) -> list[str]:
    shapes = {"text": "< {}", "event": "[{}]", "note": "({})"}
    return [shapes[s.kind].format(s.text) for s in said]


def _no_directory(query: MeetingQuery) -> SearchResult:
    """The simulator reads no Redis: every search finds what an empty directory would."""
    return SearchResult((), None, None if query.online else RADII_MILES[-1], widened=True)


def run(simulator: Simulator, lines: Iterable[str], write: Callable[[str], object]) -> None:
    """Read inputs line by line until /quit or the end; write each reply line."""
    for raw in lines:
        text = raw.rstrip("\n")
        if text == "/quit":
            return
        if text == "/reset":
            simulator.session = None
            write("(conversation forgotten)\n")
            continue
        out = simulator.timeout() if text == "/timeout" else simulator.say(text)
        for line in out:
            write(line + "\n")


def interactive(simulator: Simulator, stdin: TextIO, stdout: TextIO) -> None:
    stdout.write("Type as the caller would. /timeout, /reset, /quit. Ctrl-D ends.\n")
    run(simulator, stdin, stdout.write)
