"""`flows/crisis.yaml`: crisis phrases operators add to the built-in list.

    spec_version: 1
    phrases:
      - kind: suicide          # suicide | self_harm | overdose | not_safe
        language: en           # the language the phrase is in (two letters)
        phrase: "no reason to live"

The built-in English and Spanish list (`helpline.engine.safety.BUILT_IN`)
always applies; this file can only add to it. Without the file, the built-in
list is used alone. Checked like a flow file: every problem is reported as
`file:line: message`, and a phrase that would go off on everyday texts
(too short, or matching one of `EVERYDAY_TEXTS`) is refused.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, ValidationError
from pydantic_core import PydanticCustomError

from helpline.engine.safety import (
    MAX_EXTRA_PHRASES,
    CrisisKind,
    CrisisPhrases,
    crisis_phrases,
    phrase_problem,
)
from helpline.errors import FlowDefinitionError, FlowProblems
from helpline.flowfiles.schema_errors import problems_from_validation
from helpline.flowfiles.yaml_loader import load_yaml_file
from helpline.programs.catalogue import LanguageCode

Kind = Literal["suicide", "self_harm", "overdose", "not_safe"]


def _phrase(value: str) -> str:
    problem = phrase_problem(value)
    if problem is not None:
        # The problem goes in as context: a phrase may hold braces, which a template would read.
        raise PydanticCustomError("crisis_phrase", "{problem}", {"problem": problem})
    return value.strip()


class PhraseDoc(BaseModel):
    # strict: YAML `yes` or `1` is not a phrase.
    model_config = ConfigDict(extra="forbid", frozen=True, strict=True)

    kind: Kind
    language: LanguageCode
    phrase: Annotated[str, AfterValidator(_phrase)]


class CrisisDoc(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, strict=True)

    spec_version: Literal[1]
    phrases: Annotated[list[PhraseDoc], Field(max_length=MAX_EXTRA_PHRASES)] | None = None
    """None when `phrases:` is left empty (only comments under it): nothing is added."""


def load_crisis(path: Path | str) -> CrisisPhrases:
    """The built-in phrases plus the file's; raise FlowProblems naming each problem file:line."""
    try:
        doc = load_yaml_file(path)
    except FlowProblems:
        raise
    except FlowDefinitionError as exc:
        raise FlowProblems([exc]) from None
    if not isinstance(doc.data, dict):
        raise FlowProblems(
            [doc.error("crisis.yaml must be a mapping: spec_version: 1, then phrases")]
        )
    try:
        parsed = CrisisDoc.model_validate(doc.data)
    except ValidationError as exc:
        raise FlowProblems(problems_from_validation(doc, exc)) from None
    return crisis_phrases((CrisisKind(p.kind), p.language, p.phrase) for p in parsed.phrases or ())
