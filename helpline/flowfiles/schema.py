"""The shape of the files operators edit, as pydantic models (spec_version 1).

These check structure and types only; `build.py` turns them into engine
objects and the engine's `validate` checks the graph. See flows/README.md.
"""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Annotated, Any, Literal

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, model_validator

from helpline.durations import parse_duration
from helpline.engine.limits import (
    MAX_ACTIONS_PER_NODE,
    MAX_REGEX_CHARS,
    MAX_RETRY_ATTEMPTS,
    MAX_ROUTES_PER_NODE,
    MAX_WORDS_PER_CHOICE,
)

SUPPORTED_SPEC_VERSIONS = frozenset({1})

_NAME = r"^[a-z][a-z0-9_]*$"
NodeName = Annotated[str, Field(pattern=_NAME, max_length=64)]
VariableName = Annotated[str, Field(pattern=_NAME, max_length=40)]
LanguageCode = Annotated[str, Field(pattern=r"^[a-z]{2}$")]


def _duration(value: Any) -> timedelta:
    if isinstance(value, timedelta):
        return value
    if not isinstance(value, str | int):
        raise ValueError("a duration is a number with a unit, like 45s, 3m, 2h or 7d")
    return parse_duration(value)


Duration = Annotated[timedelta, BeforeValidator(_duration)]

TextDoc = Annotated[dict[LanguageCode, Annotated[str, Field(min_length=1)]], Field(min_length=1)]
"""A message in each language: `{en: "...", es: "..."}`."""


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, coerce_numbers_to_str=True)


class SpecVersion(_Strict):
    """Read first, alone, so a file from a future version gets one clear message."""

    model_config = ConfigDict(extra="allow", frozen=True)
    spec_version: int


class NumberDoc(_Strict):
    min: int
    max: int

    @model_validator(mode="after")
    def _ordered(self) -> NumberDoc:
        if self.min > self.max:
            raise ValueError("min must not be greater than max")
        return self


ChoiceWords = Annotated[list[str], Field(min_length=1, max_length=MAX_WORDS_PER_CHOICE)]

TEST_KEYS = ("choice", "number", "zip", "regex")


class RouteDoc(_Strict):
    """One route: at most one test (choice, number, zip, regex), a target, and a value to save."""

    choice: ChoiceWords | dict[LanguageCode, ChoiceWords] | None = None
    number: NumberDoc | None = None
    zip: Literal[True] | None = None
    regex: Annotated[str, Field(min_length=1, max_length=MAX_REGEX_CHARS)] | None = None
    to: NodeName
    value: str | None = None

    @model_validator(mode="after")
    def _one_test(self) -> RouteDoc:
        given = [k for k in TEST_KEYS if getattr(self, k) is not None]
        if len(given) > 1:
            raise ValueError(f"a route has one test; this one has {' and '.join(given)}")
        if self.regex is not None:
            try:
                re.compile(self.regex)
            except re.error as exc:
                raise ValueError(f"regex does not compile: {exc}") from None
        return self


class WaitDoc(_Strict):
    timeout: Duration
    on_timeout: NodeName | None = None
    remind: TextDoc | None = None

    @model_validator(mode="after")
    def _one_outcome(self) -> WaitDoc:
        # Neither is fine on a call (silence counts as a reply nothing matches: the
        # reprompt, then the retry fallback); the builder asks SMS flows for one.
        if self.on_timeout is not None and self.remind is not None:
            raise ValueError("a wait needs exactly one of on_timeout (a node) or remind (a text)")
        return self


class RetryDoc(_Strict):
    attempts: Annotated[int, Field(ge=1, le=MAX_RETRY_ATTEMPTS)] = 3
    fallback: NodeName


ActionDoc = str | dict[str, Any]


class NodeDoc(_Strict):
    say: TextDoc | None = None
    actions: Annotated[list[ActionDoc], Field(max_length=MAX_ACTIONS_PER_NODE)] = []
    wait: WaitDoc | None = None
    save: VariableName | None = None
    routes: Annotated[list[RouteDoc], Field(max_length=MAX_ROUTES_PER_NODE)] = []
    reprompt: TextDoc | None = None
    retry: RetryDoc | None = None
    check: VariableName | None = None
    next: NodeName | None = None
    end: bool = False


class DefaultsDoc(_Strict):
    wait: WaitDoc | None = None
    retry: RetryDoc | None = None


class SystemDoc(_Strict):
    """A flow's own wording for the engine's texts; a voice flow speaks, it does not text."""

    help: TextDoc | None = None
    unclear: TextDoc | None = None
    failed: TextDoc | None = None
    crisis: TextDoc | None = None
    person: TextDoc | None = None


class FlowDoc(_Strict):
    spec_version: int
    name: NodeName | None = None
    entry: bool = False
    channel: Literal["sms", "voice"]
    languages: Annotated[list[LanguageCode], Field(min_length=1)]
    start: NodeName
    expire_after: Duration | None = None
    defaults: DefaultsDoc = DefaultsDoc()
    system: SystemDoc = SystemDoc()
    nodes: Annotated[dict[NodeName, NodeDoc], Field(min_length=1)]


class MessageTextsDoc(_Strict):
    help: TextDoc
    stopped: TextDoc
    unclear: TextDoc
    failed: TextDoc
    safe_reply: TextDoc
    crisis: TextDoc
    person: TextDoc
    person_joined: TextDoc
    person_left: TextDoc
    still_finding: TextDoc
    no_one_yet: TextDoc


class MessagesDoc(_Strict):
    """flows/messages.yaml: what the helpline says whatever the flow."""

    spec_version: int
    languages: Annotated[list[LanguageCode], Field(min_length=1)]
    messages: MessageTextsDoc
