"""The flow engine: pure decisions, no I/O.

It imports only the standard library, `helpline.engine` and `helpline.errors`
(a test enforces it). It takes a session, an input and the time, and returns
the new session and the events the edges must act on.
"""

from __future__ import annotations

from helpline.engine.definition import Channel, Flow, Node, Retry, Route, SystemTexts, Text, Wait
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
    event_to_dict,
)
from helpline.engine.inputs import Input, TextReceived, TimedOut
from helpline.engine.keywords import Keyword, KeywordMatch, is_opt_in, match_keyword
from helpline.engine.runner import Sprint, crisis, resume
from helpline.engine.session import Session, SessionStatus
from helpline.engine.validate import Problem, Severity, validate

__all__ = [
    "Channel",
    "EscalationRequested",
    "Event",
    "Failed",
    "Flow",
    "Input",
    "JobRequested",
    "Keyword",
    "KeywordMatch",
    "LanguageChanged",
    "Node",
    "OptedOut",
    "Problem",
    "Retry",
    "Route",
    "Session",
    "SessionEnded",
    "SessionStatus",
    "Severity",
    "Sprint",
    "SystemTexts",
    "Text",
    "TextQueued",
    "TextReceived",
    "TimedOut",
    "Wait",
    "WaitStarted",
    "crisis",
    "event_to_dict",
    "is_opt_in",
    "match_keyword",
    "resume",
    "validate",
]
