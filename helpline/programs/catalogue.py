"""The program catalogue: the mutual-help programs the helpline offers, in every language.

Operators edit `flows/programs.yaml` by hand. A mistake there would reach a
person at a bad moment, so the file is checked strictly at load and every
problem is reported at once as `file:line: message`.
"""

from __future__ import annotations

import string
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Annotated, Any, Literal
from urllib.parse import urlsplit

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    ValidationError,
    model_validator,
)
from pydantic_core import PydanticCustomError

from helpline.errors import FlowDefinitionError, FlowProblems
from helpline.flowfiles.schema_errors import problems_from_validation
from helpline.flowfiles.yaml_loader import YamlDocument, load_yaml_file

Approach = Literal["twelve_step", "secular", "faith", "buddhist"]
Audience = Literal["self", "family"]
Substance = Literal["alcohol", "drugs", "behaviour"]

FALLBACK_LANGUAGE = "en"
"""Every catalogue has English; a missing translation falls back to it."""

FOOTER_PLACEHOLDERS = ("crisis_line", "helpline_name")
MAX_NAME_CHARS = 60
MAX_ABOUT_CHARS = 160  # a sanity cap; the SMS budget itself is tested on the real file
_KEY_CHARS = frozenset(string.ascii_lowercase + string.digits + "_")


def _text(value: str) -> str:
    value = value.strip()
    if not value:
        raise PydanticCustomError("empty_text", "must not be empty")
    return value


def _https_url(value: str) -> str:
    parts = urlsplit(value)
    # Plain http can be rewritten in transit, and a caller in crisis must land on the real page.
    if parts.scheme != "https" or "." not in parts.netloc or any(c.isspace() for c in value):
        raise PydanticCustomError(
            "https_url",
            "must be a full link starting with https:// (got '{value}')",
            {"value": value},
        )
    return value


def _program_key(value: str) -> str:
    # Flows refer to programs by key, so keys stay plain: lowercase letters, digits, _.
    if not value or not value[0].isalpha() or not all(c in _KEY_CHARS for c in value):
        raise PydanticCustomError(
            "program_key",
            "'{value}' is not a plain key: use lowercase letters, digits and _ (like smart_family)",
            {"value": value},
        )
    return value


def _is_language_code(value: object) -> bool:
    return (
        isinstance(value, str)
        and len(value) == 2
        and value.isascii()
        and value.isalpha()
        and value.islower()
    )


def _language_code(value: str) -> str:
    if not _is_language_code(value):
        raise PydanticCustomError(
            "language_code",
            "'{value}' is not a two-letter language code like en or es",
            {"value": value},
        )
    return value


def _yaml_list(value: Any) -> Any:
    # Strict mode would say "valid tuple", which means nothing to someone editing YAML.
    if isinstance(value, list):
        return tuple(value)
    if isinstance(value, tuple):
        return value
    raise PydanticCustomError("yaml_list", "must be a list, like [alcohol, drugs]")


def _unique_nonempty(values: tuple[str, ...]) -> tuple[str, ...]:
    if not values:
        raise PydanticCustomError("empty_list", "must list at least one")
    for value in values:
        if values.count(value) > 1:
            raise PydanticCustomError("duplicate", "lists '{value}' twice", {"value": value})
    return values


LanguageCode = Annotated[str, AfterValidator(_language_code)]
ProgramKey = Annotated[str, AfterValidator(_program_key)]
HttpsUrl = Annotated[str, AfterValidator(_https_url)]
Name = Annotated[str, AfterValidator(_text), Field(max_length=MAX_NAME_CHARS)]
About = Annotated[str, AfterValidator(_text), Field(max_length=MAX_ABOUT_CHARS)]
Text = Annotated[str, AfterValidator(_text)]


def localized(texts: Mapping[str, str], language: str) -> str:
    """The text in `language`, else English, else any (a validated catalogue has them all)."""
    if language in texts:
        return texts[language]
    if FALLBACK_LANGUAGE in texts:
        return texts[FALLBACK_LANGUAGE]
    return next(iter(texts.values()))


class _Frozen(BaseModel):
    # strict: YAML `"1"` is not 1, and pydantic's lax mode would read "yes" as true.
    model_config = ConfigDict(extra="forbid", frozen=True, strict=True)


class Links(_Frozen):
    website: HttpsUrl
    meetings: HttpsUrl | None = None
    """The program's own meeting finder; texts fall back to the website without one."""
    online: HttpsUrl | None = None
    """Where to join a meeting online, if the program has such a place."""


class Program(_Frozen):
    key: str
    """The name the program has under `programs:` (set by the loader, not written in YAML)."""
    name: dict[LanguageCode, Name]
    approach: Approach
    serves: Audience
    substances: Annotated[
        tuple[Substance, ...], BeforeValidator(_yaml_list), AfterValidator(_unique_nonempty)
    ]
    abstinence_goal: bool
    about: dict[LanguageCode, About]
    links: Links

    def __hash__(self) -> int:
        # The text maps are dicts, which cannot hash; the key alone names a program.
        return hash(self.key)

    @property
    def is_secular(self) -> bool:
        return self.approach == "secular"

    @property
    def has_online(self) -> bool:
        return self.links.online is not None

    def name_in(self, language: str) -> str:
        return localized(self.name, language)

    def about_in(self, language: str) -> str:
        return localized(self.about, language)

    def link_for(self, format: str | None) -> str:
        """The one link a caller gets: online meetings if they asked for online, else a finder."""
        if format == "online" and self.links.online is not None:
            return self.links.online
        return self.links.meetings or self.links.website


class Catalogue(_Frozen):
    spec_version: Literal[1]
    languages: Annotated[
        tuple[LanguageCode, ...], BeforeValidator(_yaml_list), AfterValidator(_unique_nonempty)
    ]
    footer: dict[LanguageCode, Text]
    programs: dict[ProgramKey, Program]

    @model_validator(mode="before")
    @classmethod
    def _keys_into_programs(cls, data: Any) -> Any:
        # Each program learns its own key, so recommend() can hand back plain Program objects.
        if isinstance(data, dict) and isinstance(data.get("programs"), dict):
            programs = {
                key: {**value, "key": key} if isinstance(value, dict) else value
                for key, value in data["programs"].items()
            }
            return {**data, "programs": programs}
        return data

    def program(self, key: str) -> Program:
        return self.programs[key]

    def for_audience(self, audience: Audience) -> tuple[Program, ...]:
        """Programs for callers asking for themselves or for someone else, in file order."""
        return tuple(p for p in self.programs.values() if p.serves == audience)

    def footer_in(self, language: str) -> str:
        return localized(self.footer, language)


def load_catalogue(path: Path | str) -> Catalogue:
    """Read and check a catalogue file; raise FlowProblems naming every problem as file:line."""
    try:
        doc = load_yaml_file(path)
    except FlowProblems:
        raise
    except FlowDefinitionError as exc:
        raise FlowProblems([exc]) from None
    if not isinstance(doc.data, dict):
        shape = "spec_version: 1, then languages, footer and programs"
        raise FlowProblems([doc.error(f"the catalogue must be a mapping: {shape}")])
    problems = _check_texts(doc)
    try:
        catalogue = Catalogue.model_validate(doc.data)
    except ValidationError as exc:
        problems = problems_from_validation(doc, exc) + problems
    else:
        problems += _check_audiences(doc, catalogue)
    if problems:
        raise FlowProblems(_sorted_unique(problems))
    return catalogue


def _check_texts(doc: YamlDocument) -> list[FlowDefinitionError]:
    """Language and placeholder rules, on the raw data so they show beside any schema error."""
    data = doc.data
    problems: list[FlowDefinitionError] = []
    raw_languages = data.get("languages")
    languages: list[str] = []
    if isinstance(raw_languages, list):
        # Bad codes are reported by the schema; checking texts against them would only add noise.
        languages = [lang for lang in raw_languages if _is_language_code(lang)]
        if FALLBACK_LANGUAGE not in languages:
            problems.append(
                doc.error(
                    f"languages must include '{FALLBACK_LANGUAGE}': it is the fallback",
                    ("languages",),
                )
            )
            languages.insert(0, FALLBACK_LANGUAGE)
    footer = data.get("footer")
    problems += _check_languages(doc, footer, ("footer",), languages)
    if isinstance(footer, dict):
        for lang, text in footer.items():
            if isinstance(text, str):
                problems += _check_placeholders(doc, text, ("footer", lang))
    programs = data.get("programs")
    if isinstance(programs, dict):
        for key, program in programs.items():
            if not isinstance(program, dict):
                continue
            if "key" in program:
                problems.append(doc.error("unknown field 'key'", ("programs", key, "key")))
            for field in ("name", "about"):
                loc = ("programs", key, field)
                problems += _check_languages(doc, program.get(field), loc, languages)
    return problems


def _check_languages(
    doc: YamlDocument, texts: Any, loc: tuple[str | int, ...], languages: Sequence[str]
) -> list[FlowDefinitionError]:
    if not isinstance(texts, dict) or not languages:
        return []
    where = ".".join(str(part) for part in loc)
    problems = [
        doc.error(f"{where}: the '{lang}' text is missing", loc)
        for lang in languages
        if lang not in texts
    ]
    problems += [
        doc.error(f"{where}: '{lang}' is not in languages ({', '.join(languages)})", (*loc, lang))
        for lang in texts
        if lang not in languages
    ]
    return problems


def _check_placeholders(
    doc: YamlDocument, text: str, loc: tuple[str | int, ...]
) -> list[FlowDefinitionError]:
    where = ".".join(str(part) for part in loc)
    allowed = " or ".join("{" + name + "}" for name in FOOTER_PLACEHOLDERS)
    try:
        fields = list(string.Formatter().parse(text))
    except ValueError:
        return [
            doc.error(f"{where}: a {{ or }} is not closed; placeholders look like {allowed}", loc)
        ]
    problems = []
    used = set()
    for _literal, name, spec, conversion in fields:
        if name is None:
            continue
        if name not in FOOTER_PLACEHOLDERS:
            problems.append(
                doc.error(f"{where}: unknown placeholder {{{name}}}; use {allowed}", loc)
            )
        elif spec or conversion:
            problems.append(
                doc.error(f"{where}: write {{{name}}} plainly, with nothing after it", loc)
            )
        used.add(name)
    # The footer is how every text says how to reach a person; it cannot lose the number.
    if "crisis_line" not in used:
        problems.append(doc.error(f"{where}: must include {{crisis_line}}", loc))
    return problems


def _check_audiences(doc: YamlDocument, catalogue: Catalogue) -> list[FlowDefinitionError]:
    """Enough programs that every caller can be offered a choice, and a secular one."""
    problems = []
    loc = ("programs",)
    audiences: tuple[Audience, ...] = ("self", "family")
    for audience in audiences:
        if len(catalogue.for_audience(audience)) < 2:
            problems.append(
                doc.error(
                    f"needs two or more programs with 'serves: {audience}' to offer a choice",
                    loc,
                )
            )
    if not any(p.is_secular for p in catalogue.for_audience("self")):
        problems.append(
            doc.error("needs at least one program with 'approach: secular' and 'serves: self'", loc)
        )
    return problems


def _sorted_unique(problems: list[FlowDefinitionError]) -> list[FlowDefinitionError]:
    seen: dict[tuple[int, str], FlowDefinitionError] = {}
    for problem in problems:
        seen.setdefault((problem.line or 0, problem.message), problem)
    return [seen[k] for k in sorted(seen)]
