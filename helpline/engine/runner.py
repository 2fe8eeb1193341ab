"""The sprint loop: a session, an input and the time in; the new session and events out.

One call is one sprint (goflow's word): from an input to the next wait or the
end. Keywords come first and are never taken as answers. Limits end the
session with a Failed event and the `failed` text, never an exception, so a
webhook can always answer the caller.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime

from helpline.engine.actions import (
    MORE_MEETINGS_JOB,
    Action,
    Escalate,
    SendMeetings,
    SendPrograms,
    SetLanguage,
    SetVariables,
)
from helpline.engine.cases import Match
from helpline.engine.definition import Flow, Node, Text
from helpline.engine.events import (
    EscalationRequested,
    Event,
    Failed,
    JobRequested,
    LanguageChanged,
    OptedOut,
    SessionEnded,
    TextQueued,
    WaitStarted,
)
from helpline.engine.inputs import Input, TimedOut
from helpline.engine.keywords import Keyword, match_keyword
from helpline.engine.limits import MAX_INPUT_CHARS, MAX_SPRINTS_PER_SESSION, MAX_STEPS_PER_SPRINT
from helpline.engine.session import Session, SessionStatus
from helpline.engine.text import guess_language
from helpline.errors import ResumeRejected


@dataclass(frozen=True, slots=True)
class Sprint:
    session: Session
    events: tuple[Event, ...]

    @property
    def texts(self) -> list[str]:
        return [e.text for e in self.events if isinstance(e, TextQueued)]


def resume(
    flow: Flow,
    session: Session | None,
    given: Input,
    now: datetime,
    *,
    language: str | None = None,
    seed: Mapping[str, str] | None = None,
) -> Sprint:
    """Run one sprint. `language` is the caller's remembered choice, used for a new session.

    `seed` is what a new session starts with (a call's CALL_VARIABLES, such as can_text).

    Raises ResumeRejected only for a timeout that no longer applies (the caller
    replied, or the session ended): the caller can drop it.
    """
    if now.tzinfo is None:
        raise ValueError("now must be timezone-aware")
    run = _Sprint(flow, session, now)
    run.seed = dict(seed or {})
    if isinstance(given, TimedOut):
        run.timed_out(given.wait_id)
    else:
        run.received(given.text[:MAX_INPUT_CHARS], language)
    return run.finish()


def crisis(
    flow: Flow, session: Session | None, kind: str, now: datetime, *, language: str | None
) -> Sprint:
    """The safety pre-router's answer to crisis words, at any step, whatever the flow says.

    The reply (988, 911, a person is being contacted) and an escalation; the
    conversation itself stays where it was.
    """
    if now.tzinfo is None:
        raise ValueError("now must be timezone-aware")
    run = _Sprint(flow, session, now)
    run._set_language(language)
    run.escalate(f"crisis_{kind}", flow.system.crisis)
    return run.finish()


class _Sprint:
    """The mutable working state of one sprint; frozen into a Session at the end."""

    def __init__(self, flow: Flow, session: Session | None, now: datetime) -> None:
        self.flow = flow
        self.now = now
        self.previous = session
        self.events: list[Event] = []
        self.steps = 0
        live = (
            session is not None
            and session.waiting
            and session.flow == flow.name
            and now < session.expires_at
            and session.node in flow.nodes
        )
        self.live = live
        base = session or self._blank(flow.default_language)
        self.language = base.language if base.language in flow.languages else flow.default_language
        self.node = base.node
        self.status = base.status
        self.variables = dict(base.variables)
        self.wait_id = base.wait_id
        self.timeout_at = base.timeout_at
        self.expires_at = base.expires_at
        self.retries = base.retries
        self.started_at = base.started_at
        self.sprints = base.sprints + 1 if live else 1
        self.seed: dict[str, str] = {}

    def _blank(self, language: str) -> Session:
        return Session(
            flow=self.flow.name,
            flow_version=self.flow.version,
            language=language,
            status=SessionStatus.COMPLETED,
            node=self.flow.start,
            started_at=self.now,
            updated_at=self.now,
            expires_at=self.now,
        )

    # --- inputs -------------------------------------------------------------------------

    def timed_out(self, wait_id: int) -> None:
        session = self.previous
        if session is None or not self.live or session.wait_id != wait_id:
            raise ResumeRejected(
                "this wait is over: the caller replied or the session ended",
                session_node=session.node if session else None,
            )
        if session.timeout_at is None:
            raise ResumeRejected("this wait has already timed out", session_node=session.node)
        wait = self.flow.nodes[session.node].wait
        assert wait is not None  # a live session waits at a question node
        self.timeout_at = None
        if wait.on_timeout is not None:
            self._enter(wait.on_timeout)
        elif wait.remind is not None:
            self._say(wait.remind)

    def received(self, text: str, remembered_language: str | None) -> None:
        if self.sprints > MAX_SPRINTS_PER_SESSION:
            self._fail(f"more than {MAX_SPRINTS_PER_SESSION} replies in one conversation")
            return
        keyword = match_keyword(text, self.flow.channel)
        if keyword is not None and keyword.keyword is Keyword.MORE:
            if self.live or self.previous is None:
                keyword = None  # an answer to the question, or a first hello
            else:
                self.events.append(JobRequested(job=MORE_MEETINGS_JOB, language=self.language))
                return
        if keyword is None:
            if self.live:
                self._answer(text)
            else:
                self._start(
                    remembered_language
                    or guess_language(text, self.flow.languages, self.flow.default_language)
                )
            return
        kind, implied = keyword.keyword, keyword.language
        if kind is Keyword.PERSON:
            # The conversation stays where it was: after the person, MENU or an answer resumes it.
            self._set_language(implied or (self.language if self.live else remembered_language))
            self.escalate("asked_for_person", self.flow.system.person)
        elif kind is Keyword.STOP:
            self.events += [OptedOut(), TextQueued(text=self._render(self.flow.system.stopped))]
            self._end("opted_out")
        elif kind is Keyword.LANGUAGE or kind is Keyword.HELP:
            self._set_language(implied or (self.language if self.live else remembered_language))
            if kind is Keyword.HELP:
                self._say(self.flow.system.help)
            if self.live:
                self._ask_again(self._current)
            else:
                self._start(self.language)
        else:  # MENU, START: begin again, in the same language
            self._start(self.language if self.live else (remembered_language or self.language))

    def escalate(self, reason: str, say: Text) -> None:
        self.events += [
            TextQueued(text=self._render(say)),
            EscalationRequested(reason=reason, language=self.language),
        ]

    # --- steps --------------------------------------------------------------------------

    @property
    def _current(self) -> Node:
        return self.flow.nodes[self.node]

    def _start(self, language: str | None) -> None:
        if language in self.flow.languages:
            self.language = language
        self.variables = dict(self.seed)
        self.retries = 0
        self.started_at = self.now
        self.sprints = 1
        self.live = False
        self._enter(self.flow.start)

    def _answer(self, text: str) -> None:
        node = self._current
        for route in node.routes:
            found = route.test.evaluate(text) if route.test else Match(text.strip())
            if found is not None:
                if node.save:
                    self.variables[node.save] = (
                        route.value if route.value is not None else found.value
                    )
                self.retries = 0
                self._enter(route.to)
                return
        self.retries += 1
        if node.retry and self.retries >= node.retry.attempts:
            self.retries = 0
            self._enter(node.retry.fallback)
            return
        if node.reprompt:
            self._say(node.reprompt)
        else:
            unclear = self._render(self.flow.system.unclear)
            prompt = self._render(node.say) if node.say else ""
            self.events.append(TextQueued(text=f"{unclear}\n{prompt}".strip()))
        self._wait(node)

    def _ask_again(self, node: Node) -> None:
        if node.say:
            self._say(node.say)
        self._wait(node)

    def _enter(self, name: str) -> None:
        next_name: str | None = name
        self.retries = 0
        while next_name is not None:
            self.steps += 1
            if self.steps > MAX_STEPS_PER_SPRINT:
                self._fail(f"more than {MAX_STEPS_PER_SPRINT} steps without a question (a loop?)")
                return
            node = self.flow.nodes.get(next_name)
            if node is None:
                self._fail(f"node '{next_name}' is not in flow '{self.flow.name}'")
                return
            self.node = node.name
            if node.say:
                self._say(node.say)
            for action in node.actions:
                self._act(action)
            if node.end:
                self._end("completed")
                return
            if node.wait:
                self._wait(node)
                return
            next_name = self._check(node) if node.check else node.next
        self._fail(f"node '{self.node}' neither waits, moves on nor ends")

    def _check(self, node: Node) -> str | None:
        value = self.variables.get(node.check or "", "")
        for route in node.routes:
            if route.test is None or route.test.evaluate(value) is not None:
                return route.to
        return None

    def _act(self, action: Action) -> None:
        match action:
            case SendPrograms() | SendMeetings():
                self.events.append(
                    JobRequested(
                        job=action.name, language=self.language, variables=dict(self.variables)
                    )
                )
            case Escalate(reason=reason):
                self.events.append(EscalationRequested(reason=reason, language=self.language))
            case SetVariables(values=values):
                self.variables.update(values)
            case SetLanguage(language=language):
                self._set_language(language)

    def _wait(self, node: Node) -> None:
        assert node.wait is not None
        self.wait_id += 1
        self.status = SessionStatus.WAITING
        self.timeout_at = self.now + node.wait.timeout
        self.expires_at = self.now + self.flow.expire_after
        self.live = True
        self.events.append(
            WaitStarted(
                wait_id=self.wait_id, timeout_at=self.timeout_at, expires_at=self.expires_at
            )
        )

    def _say(self, text: Text) -> None:
        self.events.append(TextQueued(text=self._render(text)))

    def _render(self, text: Text) -> str:
        return text.render(self.language, {**self.flow.values(self.language), **self.variables})

    def _set_language(self, language: str | None) -> None:
        if language in self.flow.languages and language != self.language:
            self.language = language
            self.events.append(LanguageChanged(language=language))

    def _end(self, reason: str) -> None:
        self.status = SessionStatus.COMPLETED
        self.timeout_at = None
        self.expires_at = self.now
        self.events.append(SessionEnded(reason=reason))

    def _fail(self, reason: str) -> None:
        self.events += [
            Failed(reason=reason),
            TextQueued(text=self._render(self.flow.system.failed)),
        ]
        self._end("failed")
        self.status = SessionStatus.FAILED

    def finish(self) -> Sprint:
        session = Session(
            flow=self.flow.name,
            flow_version=self.flow.version,
            language=self.language,
            status=self.status,
            node=self.node,
            started_at=self.started_at,
            updated_at=self.now,
            expires_at=self.expires_at,
            variables=self.variables,
            wait_id=self.wait_id,
            timeout_at=self.timeout_at if self.status is SessionStatus.WAITING else None,
            retries=self.retries,
            sprints=self.sprints,
        )
        return Sprint(session=session, events=tuple(self.events))
