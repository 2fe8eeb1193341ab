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
from collections import OrderedDict
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TypeVar

from helpline.engine.definition import Channel, Flow
from helpline.engine.safety import BUILT_IN, CrisisPhrases
from helpline.engine.session import Session
from helpline.engine.text import guess_language
from helpline.errors import FlowDefinitionError, FlowProblems
from helpline.flowfiles.build import Built, Messages, build_flow, build_messages, content_version
from helpline.flowfiles.crisis import load_crisis
from helpline.flowfiles.versions import FlowVersions
from helpline.flowfiles.yaml_loader import YamlDocument, load_yaml_file, load_yaml_text
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

MAX_ARCHIVED_FLOWS = 32
"""Earlier versions kept built in memory for conversations that started on them."""


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

    def build(self, doc: YamlDocument, constants: Mapping[str, str]) -> Built:
        """One more flow file, built against this set's messages and catalogue as loading does."""
        result = build_flow(doc, self.messages, _with_late(constants))
        if result.flow is None:
            return result
        return replace(result, flow=_served(result.flow, constants, self.programs))


def flow_files(folder: Path, overrides: Mapping[str, str] | None = None) -> list[Path]:
    """The flow files of a folder, with any file named in `overrides` counted as present."""
    names = {p.name for p in folder.glob("*.yaml")} | set(overrides or {})
    return [folder / n for n in sorted(names) if n not in DATA_FILES]


def _served(flow: Flow, constants: Mapping[str, str], programs: Catalogue) -> Flow:
    """A built flow with the values its texts are rendered with."""
    return replace(flow, constants=dict(constants), language_constants=spoken_constants(programs))


def _with_late(constants: Mapping[str, str]) -> dict[str, str]:
    """The constants plus the names filled in per language once the catalogue is loaded."""
    return {**dict.fromkeys(SPOKEN_PLACEHOLDERS.values(), ""), **constants}


def load_flow_set(
    folder: Path, constants: Mapping[str, str], *, overrides: Mapping[str, str] | None = None
) -> FlowSet:
    """Load and check the whole folder; raise FlowProblems listing every error.

    `overrides` maps flow file names ("triage.yaml") to text read instead of the
    file (which need not exist): a draft is checked as part of the folder without
    writing it. Data files cannot be overridden.
    """
    errors: list[FlowDefinitionError] = []
    if not folder.is_dir():
        raise FlowProblems([FlowDefinitionError("flows folder does not exist", path=folder)])
    overrides = dict(overrides or {})
    unusable = [n for n in overrides if n in DATA_FILES or not n.endswith(".yaml") or "/" in n]
    if unusable:
        raise ValueError(f"only flow files can be overridden, not {', '.join(unusable)}")
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
        for path in flow_files(folder, overrides):
            try:
                text = overrides.get(path.name)
                doc = load_yaml_file(path) if text is None else load_yaml_text(text, path)
                result = build_flow(doc, messages, _with_late(constants))
            except FlowDefinitionError as exc:  # unreadable or not YAML
                errors.append(exc)
                continue
            built[path.stem] = result
            errors += result.errors
            warnings += result.warnings
    entries = _entries(folder, built, errors)
    if errors or messages is None or programs is None or crisis is None:
        raise FlowProblems(errors)
    flows = {
        name: _served(b.flow, constants, programs)
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
    """The live FlowSet of one process. Thread-safe; `refresh()` is cheap to call often.

    A conversation keeps the version of its flow it started on: `flow_for`
    serves it from the archive of published versions (flowfiles/versions.py).
    """

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
        self.versions = FlowVersions(folder)
        self._lock = threading.Lock()
        self._stamp = self._fingerprint()
        self._current = load_flow_set(folder, self.constants)  # a bad folder stops start-up
        self._checked_at = time.monotonic()
        self._archived: OrderedDict[tuple[str, str], Flow | None] = OrderedDict()
        self._archived_lock = threading.Lock()
        self.last_error: FlowProblems | None = None

    @property
    def current(self) -> FlowSet:
        return self._current

    def safe_reply(self, said: str) -> str:
        """The reply that needs no Redis: how to reach a person, in the caller's likely language."""
        text = self._current.messages.safe_reply
        language = guess_language(said, tuple(text.by_language), next(iter(text.by_language)))
        return text.render(language, self.constants)

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
            return self._load()

    def reload(self) -> FlowSet:
        """Reload now, whatever the clock and stamps say (after this process published)."""
        with self._lock:
            self._checked_at = time.monotonic()
            self._stamp = self._fingerprint()
            return self._load()

    def flow_for(self, session: Session) -> Flow | None:
        """The flow `session` runs in: the version it started on when that can still be built.

        The live flow when the versions match, or when the archive lacks the
        session's version or it no longer builds (messages.yaml changed, say);
        None when the live set has no flow of that name.
        """
        flows = self.refresh()
        live = flows.get(session.flow)
        if live is None or live.version == session.flow_version:
            return live
        return self._archived_flow(flows, session.flow, session.flow_version) or live

    def _load(self) -> FlowSet:
        """Called with the lock held."""
        try:
            loaded = load_flow_set(self.folder, self.constants)
        except FlowProblems as exc:
            self.last_error = exc
            log.error(
                "flows reload refused; still serving the last valid flows",
                extra={"problems": [str(p) for p in exc.problems]},
            )
            return self._current
        self.last_error = None
        self._current = loaded
        with self._archived_lock:
            self._archived.clear()  # built against the old messages and catalogue
        log.info("flows reloaded", extra={"flows": sorted(loaded.flows)})
        return loaded

    def _archived_flow(self, flows: FlowSet, name: str, version: str) -> Flow | None:
        key = (name, version)
        with self._archived_lock:
            if key in self._archived:
                self._archived.move_to_end(key)
                return self._archived[key]
        flow = self._build_archived(flows, name, version)
        with self._archived_lock:
            if flows is self._current:  # not built against a set replaced meanwhile
                self._archived[key] = flow  # a miss is kept too: warn once, not every text
                while len(self._archived) > MAX_ARCHIVED_FLOWS:
                    self._archived.popitem(last=False)
        return flow

    def _build_archived(self, flows: FlowSet, name: str, version: str) -> Flow | None:
        text = self.versions.text(name, version)
        if text is None:
            log.warning(
                "flow version not archived; serving the live one",
                extra={"flow": name, "version": version},
            )
            return None
        try:
            # Named as the live file: a flow's name is its file's stem.
            doc = load_yaml_text(text, self.folder / f"{name}.yaml")
        except FlowDefinitionError as exc:
            problems = [exc.message]
        else:
            if content_version(doc) != version:
                problems = ["archived text does not hash to its version"]
            else:
                built = flows.build(doc, self.constants)
                if built.flow is not None:
                    return built.flow
                problems = [p.message for p in built.errors]
        log.warning(
            "archived flow version no longer builds; serving the live one",
            extra={"flow": name, "version": version, "problems": problems},
        )
        return None

    def _fingerprint(self) -> tuple[tuple[str, int, int], ...]:
        stamps = []
        for path in sorted(self.folder.glob("*.yaml")):
            try:
                stat = path.stat()
            except OSError:
                continue
            stamps.append((path.name, stat.st_mtime_ns, stat.st_size))
        return tuple(stamps)
