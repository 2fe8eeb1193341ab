"""Staff reply codes: GoAlert's `12a` / `12c`, tolerant of case, spacing and punctuation."""

from __future__ import annotations

import pytest

from helpline.escalation.commands import Action, Command, parse_command

TAKE, CLOSE = Action.TAKE, Action.CLOSE

CASES = [
    ("12a", Command(TAKE, 12)),
    ("12A", Command(TAKE, 12)),
    (" 12 a ", Command(TAKE, 12)),
    ("#12a", Command(TAKE, 12)),
    ("12c", Command(CLOSE, 12)),
    ("12 C.", Command(CLOSE, 12)),
    ("12ack", Command(TAKE, 12)),
    ("ack 12", Command(TAKE, 12)),
    ("take #7", Command(TAKE, 7)),
    ("close 12", Command(CLOSE, 12)),
    ("Close #12!", Command(CLOSE, 12)),
    ("a", Command(TAKE, None)),
    ("A", Command(TAKE, None)),
    ("c", Command(CLOSE, None)),
    ("done", Command(CLOSE, None)),
    ("'12a'", Command(TAKE, 12)),
    ("“12a”", Command(TAKE, 12)),
    ("123456789a", Command(TAKE, 123456789)),
]

NOT_COMMANDS = [
    "",
    "hi",
    "hello there, are you ok?",
    "12",
    "a12b",
    "12ab",
    "are you there",
    "I can take it",
    "call me",
    "12 apples",
    "1234567890a",  # longer than any code: words, not a command
    "cc",
    "a c",
]


@pytest.mark.parametrize(("text", "expected"), CASES)
def test_reply_codes(text: str, expected: Command) -> None:
    assert parse_command(text) == expected


@pytest.mark.parametrize("text", NOT_COMMANDS)
def test_anything_else_is_words_for_the_caller(text: str) -> None:
    assert parse_command(text) is None
