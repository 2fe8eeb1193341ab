"""Route tests: how a reply is matched to a route. Registered by name in CASE_TESTS.

Each test looks at one reply and either misses (None) or returns a Match whose
`value` is what `save:` stores when the route has no `value` of its own.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import ClassVar

from helpline.engine.text import contains_phrase, words


@dataclass(frozen=True, slots=True)
class Match:
    value: str


@dataclass(frozen=True, slots=True, kw_only=True)
class Choice:
    """Any of the listed words or phrases, as whole words, in any language.

    `choice: ["2", two, drugs, drogas, "pills"]` matches "2", "Two!", "dos",
    "mostly drugs". Number words count as their digits.
    """

    name: ClassVar[str] = "choice"
    phrases: tuple[tuple[str, ...], ...]

    @classmethod
    def of(cls, options: list[str]) -> Choice:
        return cls(phrases=tuple(p for p in (words(o) for o in options) if p))

    def evaluate(self, text: str) -> Match | None:
        said = words(text)
        for phrase in self.phrases:
            if contains_phrase(said, phrase):
                return Match(" ".join(phrase))
        return None


_NUMBER = re.compile(r"^\d{1,9}$")


@dataclass(frozen=True, slots=True, kw_only=True)
class NumberRange:
    """A whole number from `min` to `max`, inclusive: `number: {min: 1, max: 10}`."""

    name: ClassVar[str] = "number"
    minimum: int
    maximum: int

    def evaluate(self, text: str) -> Match | None:
        for word in words(text):
            if _NUMBER.match(word):
                number = int(word)
                return Match(str(number)) if self.minimum <= number <= self.maximum else None
        return None


_ZIP = re.compile(r"(?<!\d)(\d{5})(?:[- ]?\d{4})?(?!\d)")


@dataclass(frozen=True, slots=True, kw_only=True)
class ZipCode:
    """A US ZIP code anywhere in the reply ("92660", "zip is 92660-1234"); saves 5 digits.

    `known` tells real ZIP codes from other five-digit numbers. The edge passes
    it in (an offline table lookup), so the engine itself stays free of data
    and I/O; without it, any five digits match.
    """

    name: ClassVar[str] = "zip"
    known: Callable[[str], bool] | None = field(default=None, compare=False)

    def evaluate(self, text: str) -> Match | None:
        found = _ZIP.search(text)
        if not found:
            return None
        if self.known is not None and not self.known(found.group(1)):
            return None
        return Match(found.group(1))


@dataclass(frozen=True, slots=True, kw_only=True)
class Pattern:
    """A regular expression, case-insensitive: `regex: "^(court|probation)"`.

    Saves the first group if the pattern has one, else the whole match.
    """

    name: ClassVar[str] = "regex"
    pattern: str
    compiled: re.Pattern[str] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "compiled", re.compile(self.pattern, re.IGNORECASE))

    def evaluate(self, text: str) -> Match | None:
        found = self.compiled.search(text.strip())
        if not found:
            return None
        return Match(found.group(1) if self.compiled.groups else found.group(0))


Test = Choice | NumberRange | ZipCode | Pattern

CASE_TESTS: dict[str, type[Test]] = {t.name: t for t in (Choice, NumberRange, ZipCode, Pattern)}
"""Every route test, by the name a flow file uses."""
