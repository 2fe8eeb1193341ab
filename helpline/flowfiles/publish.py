"""Publishing an edited flow file: checked as part of the whole folder, scenarios run, archived.

A draft is checked without writing anything: the folder is loaded with the
draft's text in place of the live file, and every scenario in
`flows/scenarios/` runs against that candidate. A publish that passes
archives the outgoing and the incoming text (flowfiles/versions.py), replaces
the live file atomically and appends to the flow's history; a refused one
changes nothing on disk. Running processes pick the new file up through their
catalog's watcher; the publishing process calls `FlowCatalog.reload()`.

A rollback republishes an archived version. It must still build against
today's messages.yaml, but failing scenarios do not stop it: in an emergency
the old script goes back first, and the failures come back as warnings.
"""

from __future__ import annotations

import stat
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from pathlib import Path

from helpline.errors import FlowDefinitionError, FlowProblems, PublishRefused
from helpline.flowfiles.build import content_version
from helpline.flowfiles.catalog import DATA_FILES, FlowSet, load_flow_set
from helpline.flowfiles.scenarios import run_files, scenario_files
from helpline.flowfiles.versions import (
    MAX_NOTE_CHARS,
    Action,
    FlowVersions,
    Published,
    is_flow_name,
    write_atomically,
)
from helpline.flowfiles.yaml_loader import load_yaml_text

MAX_ACCOUNT_CHARS = 64


@dataclass(frozen=True, slots=True, kw_only=True)
class Draft:
    """What checking an edited flow file found, before anything is written."""

    flow: str
    version: str | None
    """The draft's content version; None when it is not readable YAML."""
    errors: tuple[FlowDefinitionError, ...]
    """Problems that make the folder unloadable with this draft, each at file:line."""
    warnings: tuple[FlowDefinitionError, ...]
    failures: tuple[FlowDefinitionError, ...]
    """Scenario steps that did not go as their file says, each at scenario-file:line."""
    scenarios: int
    """How many scenario files ran (none when the draft has errors)."""
    candidate: FlowSet | None = field(default=None, compare=False, repr=False)

    @property
    def ok(self) -> bool:
        return not self.errors and not self.failures

    @property
    def problems(self) -> tuple[FlowDefinitionError, ...]:
        return self.errors + self.failures


def flow_path(folder: Path, name: str) -> Path:
    """The live file of flow `name`; refused unless it is an existing flow file."""
    path = folder / f"{name}.yaml"
    if not is_flow_name(name) or path.name in DATA_FILES or not path.is_file():
        raise PublishRefused(
            name,
            [
                FlowDefinitionError(
                    f"there is no flow named {name!r}; only existing flow files can be published",
                    path=path,
                )
            ],
        )
    return path


def check_draft(folder: Path, name: str, text: str, constants: Mapping[str, str]) -> Draft:
    """Check `text` as `<name>.yaml` within the folder, and run every scenario against it."""
    path = folder / f"{name}.yaml"
    if not is_flow_name(name) or path.name in DATA_FILES:
        problem = FlowDefinitionError(f"{name!r} cannot be a flow's name", path=path)
        return Draft(
            flow=name, version=None, errors=(problem,), warnings=(), failures=(), scenarios=0
        )
    version = _version_of(text, path)
    try:
        candidate = load_flow_set(folder, constants, overrides={path.name: text})
    except FlowProblems as exc:
        return Draft(
            flow=name,
            version=version,
            errors=tuple(exc.problems),
            warnings=(),
            failures=(),
            scenarios=0,
        )
    paths = scenario_files(folder)
    outcomes = run_files(paths, candidate)
    return Draft(
        flow=name,
        version=version,
        errors=(),
        warnings=candidate.warnings,
        failures=tuple(f for outcome in outcomes for f in outcome.failures),
        scenarios=len(paths),
        candidate=candidate,
    )


def publish(
    folder: Path,
    name: str,
    text: str,
    *,
    by: str,
    constants: Mapping[str, str],
    now: datetime,
    note: str = "",
) -> Published:
    """Make `text` the live `<name>.yaml`; raise PublishRefused (changing nothing) if it fails."""
    path = flow_path(folder, name)
    _check_request(path, by, now)
    live = path.read_text(encoding="utf-8")
    if text == live:
        raise PublishRefused(
            name, [FlowDefinitionError("no change: this is the live version already", path=path)]
        )
    draft = check_draft(folder, name, text, constants)
    if not draft.ok or draft.version is None:
        raise PublishRefused(name, list(draft.problems))
    return _release(
        folder,
        path,
        live,
        text,
        draft.version,
        Action.PUBLISH,
        by=by,
        now=now,
        note=note,
        warnings=draft.warnings,
    )


def rollback(
    folder: Path,
    name: str,
    version: str,
    *,
    by: str,
    constants: Mapping[str, str],
    now: datetime,
    note: str = "",
) -> Published:
    """Republish archived `version` of `name`: refused only if it no longer builds."""
    path = flow_path(folder, name)
    _check_request(path, by, now)
    text = FlowVersions(folder).text(name, version)
    if text is None:
        raise PublishRefused(
            name, [FlowDefinitionError(f"version {version!r} is not in the archive", path=path)]
        )
    live = path.read_text(encoding="utf-8")
    if text == live:
        raise PublishRefused(
            name, [FlowDefinitionError(f"no change: version {version} is live already", path=path)]
        )
    draft = check_draft(folder, name, text, constants)
    if draft.errors or draft.version is None:
        raise PublishRefused(name, list(draft.errors))
    return _release(
        folder,
        path,
        live,
        text,
        draft.version,
        Action.ROLLBACK,
        by=by,
        now=now,
        note=note,
        warnings=draft.warnings + draft.failures,
    )


def _release(
    folder: Path,
    path: Path,
    live: str,
    text: str,
    version: str,
    action: Action,
    *,
    by: str,
    now: datetime,
    note: str,
    warnings: tuple[FlowDefinitionError, ...],
) -> Published:
    """Archive both texts, replace the live file, record it; one publisher at a time."""
    name = path.stem
    versions = FlowVersions(folder)
    with versions.lock():
        # Checked before the lock; another publish may have won the race meanwhile.
        if path.read_text(encoding="utf-8") != live:
            raise PublishRefused(
                name,
                [
                    FlowDefinitionError(
                        "the live file changed while this was checked; check it again", path=path
                    )
                ],
            )
        previous = _version_of(live, path)
        if previous is not None and not versions.has(name, previous):
            versions.archive(name, live, previous)
        versions.archive(name, text, version)
        write_atomically(path, text, mode=stat.S_IMODE(path.stat().st_mode))
        entry = Published(
            flow=name,
            version=version,
            action=action,
            by=by.strip(),
            at=now.astimezone(UTC),
            note=" ".join(note.split())[:MAX_NOTE_CHARS],
            previous=previous,
        )
        versions.record(entry)
    return replace(entry, warnings=warnings)


def _check_request(path: Path, by: str, now: datetime) -> None:
    account = by.strip()
    if not account or len(account) > MAX_ACCOUNT_CHARS:
        raise PublishRefused(
            path.stem,
            [FlowDefinitionError("a publish needs the publisher's account name", path=path)],
        )
    if now.tzinfo is None:
        raise ValueError("now must be timezone-aware")


def _version_of(text: str, path: Path) -> str | None:
    try:
        return content_version(load_yaml_text(text, path))
    except FlowDefinitionError:
        return None
