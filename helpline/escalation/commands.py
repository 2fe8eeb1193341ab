"""What on-call staff text back: GoAlert-style reply codes, tolerant of case and spacing.

`12a` takes escalation 12, `12c` closes it; `a` / `c` alone act on the latest
one (the last paged to that phone for `a`, the one being talked to for `c`).
`ack 12`, `take 12`, `close #12` work too. Anything else from a staff member
who holds a conversation is relayed to that caller.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum


class Action(StrEnum):
    TAKE = "take"
    CLOSE = "close"


_WORDS = {
    "a": Action.TAKE, "ack": Action.TAKE, "accept": Action.TAKE, "take": Action.TAKE,
    "c": Action.CLOSE, "close": Action.CLOSE, "done": Action.CLOSE,
}  # fmt: skip

_CODE_FIRST = re.compile(r"^#?\s*(\d{1,9})\s*(a|ack|accept|take|c|close)$")
_WORD_FIRST = re.compile(r"^(a|ack|accept|take|c|close|done)(?:\s*#?\s*(\d{1,9}))?$")
_QUOTES = "\"'“”‘’`.!"


@dataclass(frozen=True, slots=True)
class Command:
    action: Action
    code: int | None
    """None: the latest escalation for this staff member."""


def parse_command(text: str) -> Command | None:
    cleaned = " ".join(text.strip().strip(_QUOTES).casefold().split())
    if match := _CODE_FIRST.match(cleaned):
        return Command(_WORDS[match.group(2)], int(match.group(1)))
    if match := _WORD_FIRST.match(cleaned):
        code = match.group(2)
        return Command(_WORDS[match.group(1)], int(code) if code else None)
    return None
