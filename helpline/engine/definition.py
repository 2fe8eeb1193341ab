"""A flow, as the engine runs it: frozen, validated, free of file details.

Built by `helpline.flowfiles` from an operator's YAML; the engine never reads
files. Names here mirror the file format (see flows/README.md).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import timedelta
from enum import StrEnum

from helpline.engine.actions import Action
from helpline.engine.cases import Test
from helpline.engine.templates import render


class Channel(StrEnum):
    SMS = "sms"
    VOICE = "voice"


CALL_VARIABLES = ("can_text",)
"""What a call's session starts with: can_text is "no" when texts to the number fail (21614)."""


@dataclass(frozen=True, slots=True, kw_only=True)
class Text:
    """One message in every language of its flow."""

    by_language: Mapping[str, str]

    def render(self, language: str, values: Mapping[str, str]) -> str:
        template = self.by_language.get(language) or next(iter(self.by_language.values()))
        return render(template, values)


@dataclass(frozen=True, slots=True, kw_only=True)
class Route:
    """Where a reply goes: the first route whose test matches wins; no test = default."""

    test: Test | None
    to: str
    value: str | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class Wait:
    """How long to wait for a reply, and what happens when none comes.

    Either `on_timeout` (go to that node) or `remind` (send it once and keep waiting
    until the session expires).
    """

    timeout: timedelta
    on_timeout: str | None = None
    remind: Text | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class Retry:
    """After `attempts` replies that match no route, go to `fallback`."""

    attempts: int
    fallback: str


@dataclass(frozen=True, slots=True, kw_only=True)
class Node:
    name: str
    say: Text | None = None
    actions: tuple[Action, ...] = ()
    wait: Wait | None = None
    routes: tuple[Route, ...] = ()
    save: str | None = None
    reprompt: Text | None = None
    retry: Retry | None = None
    check: str | None = None
    """Route on this saved variable at once, instead of waiting for a reply."""
    next: str | None = None
    end: bool = False

    @property
    def is_question(self) -> bool:
        return self.wait is not None


@dataclass(frozen=True, slots=True, kw_only=True)
class SystemTexts:
    """Texts the engine itself sends, whatever the flow: keywords and failures."""

    help: Text
    stopped: Text
    unclear: Text
    failed: Text
    crisis: Text
    """The safety reply to crisis words: 988, 911, and that a person is being contacted."""
    person: Text
    """The answer to "talk to a person" at any step: a person is being contacted."""


@dataclass(frozen=True, slots=True, kw_only=True)
class Flow:
    name: str
    version: str
    channel: Channel
    languages: tuple[str, ...]
    start: str
    nodes: Mapping[str, Node]
    system: SystemTexts
    expire_after: timedelta
    constants: Mapping[str, str] = field(default_factory=dict)
    """Values every text may use, such as {helpline_name} and {crisis_line}."""
    language_constants: Mapping[str, Mapping[str, str]] = field(default_factory=dict)
    """Per language, values that differ by language, such as {programs_for_self}."""

    def values(self, language: str) -> dict[str, str]:
        """What a text in `language` may use, before the session's own variables."""
        return {**self.constants, **self.language_constants.get(language, {})}

    @property
    def default_language(self) -> str:
        return self.languages[0]
