"""A flow question as a <Gather>: keys and speech at once, hints from the node's choices."""

from __future__ import annotations

from twilio.twiml.voice_response import VoiceResponse

from helpline.engine import Node
from helpline.engine.cases import Choice, ZipCode
from helpline.voice.speech import locale, say

GATHER_ACTION = "/twilio/voice/gather"
ZIP_DIGITS = 5
MAX_HINTS = 50
"""Twilio biases recognition towards at most a few hundred hints; ours are a handful."""
DEFAULT_GATHER_SECONDS = 6


def spoken(texts: list[str], language: str, *, then: Node | None) -> VoiceResponse:
    """Say `texts`; when the flow now waits at `then`, say them inside a Gather for its answer."""
    twiml = VoiceResponse()
    if then is None or then.wait is None:
        for text in texts:
            say(twiml, text, language)
        return twiml
    gather = twiml.gather(**gather_attributes(then, language))
    for text in texts:
        say(gather, text, language)
    return twiml


def gather_attributes(node: Node, language: str) -> dict[str, object]:
    seconds = int(node.wait.timeout.total_seconds()) if node.wait else DEFAULT_GATHER_SECONDS
    attributes: dict[str, object] = {
        "input": "dtmf speech",
        "action": GATHER_ACTION,
        "method": "POST",
        # Silence must reach us too: the flow re-prompts, then finds a person, never hangs up.
        "action_on_empty_result": True,
        "timeout": max(seconds, 1),
        "speech_timeout": "auto",
        "language": locale(language),
    }
    digits = _num_digits(node)
    if digits is not None:
        attributes["num_digits"] = digits
    hints = _hints(node)
    if hints:
        attributes["hints"] = ", ".join(hints)
    return attributes


def _num_digits(node: Node) -> int | None:
    """1 when every keypad answer is one key (the call moves on at once); 5 for a ZIP."""
    tests = [route.test for route in node.routes if route.test is not None]
    if any(isinstance(test, ZipCode) for test in tests):
        return ZIP_DIGITS
    keys = [
        phrase[0]
        for test in tests
        if isinstance(test, Choice)
        for phrase in test.phrases
        if len(phrase) == 1 and phrase[0].isdigit()
    ]
    return 1 if keys and all(len(key) == 1 for key in keys) else None


def _hints(node: Node) -> list[str]:
    words = [
        " ".join(phrase)
        for route in node.routes
        if isinstance(route.test, Choice)
        for phrase in route.test.phrases
        if not "".join(phrase).isdigit()
    ]
    return list(dict.fromkeys(words))[:MAX_HINTS]
