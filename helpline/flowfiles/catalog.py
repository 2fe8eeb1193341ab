"""The folder of flows, loaded whole and checked, and reloaded when operators edit it.

`flows/` holds the flow files (`*.yaml`) and, beside them, data files that
are not flows: `messages.yaml` (what the helpline says whatever the flow),
`programs.yaml` (the program catalogue), `oncall.yaml` (the roster),
`meeting-sources.yaml` (the meeting feeds) and, optionally, `crisis.yaml`
(crisis phrases added to the built-in list).
A set loads only if every file is valid; a reload that finds a broken file
keeps serving the last valid set and reports the problems.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TypeVar

from helpline.engine.definition import Channel, Flow
from helpline.engine.safety import BUILT_IN, CrisisPhrases
from helpline.errors import FlowDefinitionError, FlowProblems
from helpline.flowfiles.build import Built, Messages, build_flow, build_messages
from helpline.flowfiles.crisis import load_crisis
from helpline.flowfiles.yaml_loader import load_yaml_file
from helpline.programs.catalogue import Catalogue, load_catalogue
from helpline.programs.spoken import SPOKEN_PLACEHOLDERS, spoken_constants

log = logging.getLogger(__name__)

T = TypeVar("T")

MESSAGES_FILE = "messages.yaml"
PROGRAMS_FILE = "programs.yaml"
ONCALL_FILE = "oncall.yaml"
SOURCES_FILE = "meeting-sources.yaml"
CRISIS_FILE = "crisis.yaml"
"""Optional: without it the built-in crisis phrases are used alone."""
DATA_FILES = frozenset({MESSAGES_FILE, PROGRAMS_FILE, ONCALL_FILE, SOURCES_FILE, CRISIS_FILE})
"""Files in the flows folder that are not flows."""

RELOAD_CHECK_SECONDS = 2.0
"""How often a running process looks for edited flow files (a stat of each file)."""


@dataclass(frozen=True)
class FlowSet:
    """Every flow plus the texts and catalogue they use, all valid together."""

    flows: Mapping[str, Flow]
    entries: Mapping[Channel, str]
    messages: Messages
    programs: Catalogue
    warnings: tuple[FlowDefinitionError, ...]
    crisis: CrisisPhrases = BUILT_IN
    """The safety pre-router's phrases: the built-in list plus `crisis.yaml`'s additions."""

    def entry(self, channel: Channel) -> Flow:
        """The flow a new conversation on `channel` starts in."""
        return self.flows[self.entries[channel]]

    def get(self, name: str) -> Flow | None:
        return self.flows.get(name)


def flow_files(folder: Path) -> list[Path]:
    return sorted(p for p in folder.glob("*.yaml") if p.name not in DATA_FILES)


def _with_late(constants: Mapping[str, str]) -> dict[str, str]:
    """The constants plus the names filled in per language once the catalogue is loaded."""
    return {**dict.fromkeys(SPOKEN_PLACEHOLDERS.values(), ""), **constants}


def load_flow_set(folder: Path, constants: Mapping[str, str]) -> FlowSet:
    """Load and check the whole folder; raise FlowProblems listing every error."""
    errors: list[FlowDefinitionError] = []
    if not folder.is_dir():
        raise FlowProblems([FlowDefinitionError("flows folder does not exist", path=folder)])
    messages = _data_file(
        folder / MESSAGES_FILE, lambda p: build_messages(load_yaml_file(p), constants), errors
    )
    programs = _data_file(folder / PROGRAMS_FILE, load_catalogue, errors)
    if programs is not None and (folder / SOURCES_FILE).is_file():
        _check_sources(folder / SOURCES_FILE, frozenset(programs.programs), errors)
    crisis = _crisis_phrases(folder / CRISIS_FILE, errors)
    built: dict[str, Built] = {}
    warnings: list[FlowDefinitionError] = list(messages.warnings) if messages else []
    if messages is not None:
        for path in flow_files(folder):
            try:
                result = build_flow(load_yaml_file(path), messages, _with_late(constants))
            except FlowDefinitionError as exc:  # unreadable or not YAML
                errors.append(exc)
                continue
            built[path.stem] = result
            errors += result.errors
            warnings += result.warnings
    entries = _entries(folder, built, errors)
    if errors or messages is None or programs is None or crisis is None:
        raise FlowProblems(errors)
    spoken = spoken_constants(programs)
    flows = {
        name: replace(b.flow, constants=dict(constants), language_constants=spoken)
        for name, b in built.items()
        if b.flow is not None
    }
    return FlowSet(
        flows=flows,
        entries=entries,
        messages=messages,
        programs=programs,
        warnings=tuple(warnings),
        crisis=crisis,
    )


def _crisis_phrases(path: Path, errors: list[FlowDefinitionError]) -> CrisisPhrases | None:
    """The built-in crisis phrases plus the file's; the built-ins alone when there is no file."""
    if not path.is_file():
        return BUILT_IN
    return _data_file(path, load_crisis, errors)


def _check_sources(path: Path, programs: frozenset[str], errors: list[FlowDefinitionError]) -> None:
    """The meeting sources name real programs and valid schedules (keys are not needed here)."""
    from helpline.meetings.registry import load_sources  # the meetings package reads flowfiles

    try:
        load_sources(path, {}, programs=programs)
    except FlowProblems as exc:
        errors += exc.problems


def _data_file(
    path: Path, load: Callable[[Path], T], errors: list[FlowDefinitionError]
) -> T | None:
    """Load one data file, adding its problems to `errors` instead of raising."""
    if not path.is_file():
        errors.append(
            FlowDefinitionError(f"{path.name} is missing; the flows folder needs it", path=path)
        )
        return None
    try:
        return load(path)
    except FlowProblems as exc:
        errors += exc.problems
    except FlowDefinitionError as exc:
        errors.append(exc)
    return None


def _entries(
    folder: Path, built: Mapping[str, Built], errors: list[FlowDefinitionError]
) -> dict[Channel, str]:
    """Per channel, the one flow new conversations start in."""
    entries: dict[Channel, str] = {}
    for channel in Channel:
        candidates = [n for n, b in built.items() if b.flow and b.flow.channel is channel]
        marked = [n for n in candidates if built[n].entry]
        if len(marked) > 1:
            errors.append(
                FlowDefinitionError(
                    f"{len(marked)} {channel} flows say entry: true ({', '.join(marked)}); "
                    "only one may",
                    path=folder,
                )
            )
        elif marked:
            entries[channel] = marked[0]
        elif len(candidates) == 1:
            entries[channel] = candidates[0]
        elif candidates:
            errors.append(
                FlowDefinitionError(
                    f"several {channel} flows and none says entry: true", path=folder
                )
            )
    if Channel.SMS not in entries and not errors:
        errors.append(
            FlowDefinitionError("there is no SMS flow to start conversations in", path=folder)
        )
    return entries


def check_paths(
    paths: Iterable[Path], constants: Mapping[str, str]
) -> tuple[list[FlowDefinitionError], list[FlowDefinitionError]]:
    """`helpline flows check`: errors and warnings for folders and single flow files."""
    errors: list[FlowDefinitionError] = []
    warnings: list[FlowDefinitionError] = []
    for path in paths:
        if path.is_dir():
            try:
                warnings += load_flow_set(path, constants).warnings
            except FlowProblems as exc:
                errors += exc.problems
            continue
        messages = _data_file(
            path.parent / MESSAGES_FILE,
            lambda p: build_messages(load_yaml_file(p), constants),
            errors,
        )
        if messages is not None and path.name == MESSAGES_FILE:
            warnings += messages.warnings
        if path.name == PROGRAMS_FILE:
            _data_file(path, load_catalogue, errors)
        elif path.name == CRISIS_FILE:
            _data_file(path, load_crisis, errors)
        elif messages is not None and path.name != MESSAGES_FILE:
            try:
                result = build_flow(load_yaml_file(path), messages, _with_late(constants))
            except FlowDefinitionError as exc:
                errors.append(exc)
                continue
            errors += result.errors
            warnings += result.warnings
    return errors, warnings


class FlowCatalog:
    """The live FlowSet of one process. Thread-safe; `refresh()` is cheap to call often."""

    def __init__(
        self,
        folder: Path,
        constants: Mapping[str, str],
        *,
        check_every: float = RELOAD_CHECK_SECONDS,
    ) -> None:
        self.folder = folder
        self.check_every = check_every
        self.constants = dict(constants)
        self._lock = threading.Lock()
        self._stamp = self._fingerprint()
        self._current = load_flow_set(folder, self.constants)  # a bad folder stops start-up
        self._checked_at = time.monotonic()
        self.last_error: FlowProblems | None = None

    @property
    def current(self) -> FlowSet:
        return self._current

    def refresh(self) -> FlowSet:
        """Reload when a file changed; on a broken edit keep the last valid set."""
        now = time.monotonic()
        if now - self._checked_at < self.check_every:
            return self._current
        with self._lock:
            self._checked_at = now
            stamp = self._fingerprint()
            if stamp == self._stamp:
                return self._current
            self._stamp = stamp
            try:
                self._current = load_flow_set(self.folder, self.constants)
            except FlowProblems as exc:
                self.last_error = exc
                log.error(
                    "flows reload refused; still serving the last valid flows",
                    extra={"problems": [str(p) for p in exc.problems]},
                )
            else:
                self.last_error = None
                log.info("flows reloaded", extra={"flows": sorted(self._current.flows)})
            return self._current

    def _fingerprint(self) -> tuple[tuple[str, int, int], ...]:
        stamps = []
        for path in sorted(self.folder.glob("*.yaml")):
            try:
                stat = path.stat()
            except OSError:
                continue
            stamps.append((path.name, stat.st_mtime_ns, stat.st_size))
        return tuple(stamps)
