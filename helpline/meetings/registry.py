"""The meeting sources operators keep: `meeting-sources.yaml` beside the flows.

    spec_version: 1
    sources:
      oc-aa:
        program: aa
        format: meeting-guide
        url: https://example.org/wp-admin/admin-ajax.php?action=meetings
        timezone: America/Los_Angeles   # only for a feed whose area is in one zone
        key_env: OC_AA_FEED_KEY         # the sharing key is read from this variable
        refresh: "15 4 * * *"           # cron: re-import every night at 04:15 UTC

Checked like a flow file: every problem is reported as `file:line: message`.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Annotated, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from croniter import croniter
from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
    ValidationError,
)

from helpline.errors import FlowDefinitionError, FlowProblems
from helpline.flowfiles.catalog import SOURCES_FILE as SOURCES_FILE
from helpline.flowfiles.schema_errors import problems_from_validation
from helpline.flowfiles.yaml_loader import YamlDocument, load_yaml_file
from helpline.meetings.source import SOURCE_ID_PATTERN, FeedFormat, Source, is_url
from helpline.settings import Secret


def _zone(name: str) -> str:
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValueError(f"'{name}' is not an IANA time zone, like America/New_York") from None
    return name


def _cron(expression: str) -> str:
    if not croniter.is_valid(expression):
        raise ValueError(f"'{expression}' is not a cron expression, like \"15 4 * * *\"")
    return expression


class SourceDoc(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    program: Annotated[str, StringConstraints(pattern=r"^[a-z][a-z0-9_]*$")]
    format: FeedFormat
    url: Annotated[str, StringConstraints(min_length=1)]
    """An http(s) URL, or a file path relative to this file."""
    types: str | None = None
    timezone: Annotated[str, AfterValidator(_zone)] | None = None
    country: Annotated[str, StringConstraints(pattern=r"^[A-Z]{2}$")] = "US"
    key_env: Annotated[str, StringConstraints(pattern=r"^[A-Z][A-Z0-9_]*_FEED_KEY$")] | None = None
    """The variable that holds the sharing key; its name ends in _FEED_KEY."""
    search: str | None = None
    refresh: Annotated[str, AfterValidator(_cron)] | None = None


class SourcesDoc(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    spec_version: Literal[1]
    sources: dict[
        Annotated[str, StringConstraints(pattern=SOURCE_ID_PATTERN.pattern)], SourceDoc
    ] = Field(default_factory=dict)


def load_sources(
    path: Path | str,
    feed_keys: Mapping[str, Secret],
    *,
    programs: frozenset[str] | None = None,
) -> dict[str, Source]:
    """Read the registry; raise FlowProblems naming every problem as file:line.

    `programs`, when given, is the catalogue's program keys: a source for an
    unknown program is an error, since its meetings could never be offered.
    """
    path = Path(path)
    try:
        doc = load_yaml_file(path)
    except FlowProblems:
        raise
    except FlowDefinitionError as exc:
        raise FlowProblems([exc]) from None
    try:
        parsed = SourcesDoc.model_validate(doc.data)
    except ValidationError as exc:
        raise FlowProblems(problems_from_validation(doc, exc)) from None
    problems: list[FlowDefinitionError] = []
    sources: dict[str, Source] = {}
    for source_id, entry in parsed.sources.items():
        problems += _check(doc, source_id, entry, programs)
        location = entry.url
        if not is_url(location):
            location = str((path.parent / location).resolve())
        sources[source_id] = Source(
            id=source_id,
            program=entry.program,
            format=entry.format,
            location=location,
            type_dialect=entry.types,
            default_timezone=entry.timezone,
            country=entry.country,
            key=_key(feed_keys, entry.key_env),
            search=entry.search,
            refresh=entry.refresh,
        )
    if problems:
        raise FlowProblems(problems)
    return sources


def _key(feed_keys: Mapping[str, Secret], name: str | None) -> str | None:
    secret = feed_keys.get(name) if name else None
    return secret.reveal() if secret else None


def _check(
    doc: YamlDocument, source_id: str, entry: SourceDoc, programs: frozenset[str] | None
) -> list[FlowDefinitionError]:
    where = ("sources", source_id)
    problems = []
    if programs is not None and entry.program not in programs:
        known = ", ".join(sorted(programs))
        problems.append(
            doc.error(
                f"program '{entry.program}' is not in programs.yaml ({known})", (*where, "program")
            )
        )
    if entry.search and entry.format is not FeedFormat.BMLT:
        problems.append(doc.error("`search` is for BMLT servers only", (*where, "search")))
    return problems
