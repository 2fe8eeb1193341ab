"""The archive of published flow versions, beside the flows they came from.

    flows/.versions/<flow>/<version>.yaml   the exact text published as that version
    flows/.versions/<flow>/history.jsonl    one JSON line per publish or rollback
    flows/.versions/.lock                   held (flock) while one publish runs

A version is the flow's content hash (`build.content_version`), so a
conversation that started on it can be served the same flow after a later
publish. History names the operator's account, never a caller.
"""

from __future__ import annotations

import fcntl
import json
import logging
import os
import re
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from pathlib import Path
from typing import Any

from helpline.errors import FlowDefinitionError

log = logging.getLogger(__name__)

VERSIONS_DIR = ".versions"
HISTORY_FILE = "history.jsonl"
LOCK_FILE = ".lock"
ARCHIVE_FILE_MODE = 0o644

MAX_NOTE_CHARS = 500
"""A publish note is a line for the studio's history, not a document."""

_FLOW_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$")
_VERSION = re.compile(r"^[0-9a-f]{6,64}$")


class Action(StrEnum):
    PUBLISH = "publish"
    ROLLBACK = "rollback"


@dataclass(frozen=True, slots=True, kw_only=True)
class Published:
    """One line of a flow's history: which version went live, how, by whom, when."""

    flow: str
    version: str
    action: Action
    by: str
    """The console account name that published; never a caller's details."""
    at: datetime
    note: str = ""
    previous: str | None = None
    """The version it replaced, when that one could be read."""
    warnings: tuple[FlowDefinitionError, ...] = field(default=(), compare=False)
    """Only on the answer to a publish or rollback (a rollback's failing scenarios); not kept."""

    def to_json(self) -> str:
        data: dict[str, Any] = {
            "version": self.version,
            "action": self.action.value,
            "by": self.by,
            "at": self.at.isoformat(),
            "note": self.note,
            "previous": self.previous,
        }
        return json.dumps(data, ensure_ascii=False, separators=(",", ":"))

    @classmethod
    def from_json(cls, flow: str, line: str) -> Published:
        data = json.loads(line)
        return cls(
            flow=flow,
            version=str(data["version"]),
            action=Action(data["action"]),
            by=str(data["by"]),
            at=datetime.fromisoformat(data["at"]),
            note=str(data.get("note") or ""),
            previous=data.get("previous"),
        )


def is_flow_name(name: str) -> bool:
    """A name that is safe as a file name (the studio passes names from a form)."""
    return bool(_FLOW_NAME.match(name))


def is_version(version: str) -> bool:
    return bool(_VERSION.match(version))


class FlowVersions:
    """Published versions of the flows in one folder. Writes are atomic; reads never raise."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.root = folder / VERSIONS_DIR

    def history(self, name: str) -> list[Published]:
        """Every publish and rollback of `name`, newest first; unreadable lines are skipped."""
        path = self._dir(name) / HISTORY_FILE
        try:
            lines = path.read_text(encoding="utf-8").splitlines()
        except FileNotFoundError:
            return []
        entries = []
        for number, line in enumerate(lines, start=1):
            if not line.strip():
                continue
            try:
                entries.append(Published.from_json(name, line))
            except (ValueError, KeyError, TypeError):
                log.warning("unreadable flow history line", extra={"flow": name, "line": number})
        return entries[::-1]

    def text(self, name: str, version: str) -> str | None:
        """The text published as `version`, or None when it was never archived."""
        if not is_version(version):
            return None
        try:
            return self._file(name, version).read_text(encoding="utf-8")
        except (FileNotFoundError, UnicodeDecodeError):
            return None

    def has(self, name: str, version: str) -> bool:
        return is_version(version) and self._file(name, version).is_file()

    def archive(self, name: str, text: str, version: str) -> Path:
        """Keep `text` as `version` of `name` (replacing an earlier text of the same version)."""
        if not is_version(version):
            raise ValueError(f"not a flow version: {version!r}")
        path = self._file(name, version)
        write_atomically(path, text, mode=ARCHIVE_FILE_MODE)
        return path

    def record(self, entry: Published) -> None:
        """Append one line to the flow's history, on disk before this returns."""
        folder = self._dir(entry.flow)
        folder.mkdir(parents=True, exist_ok=True)
        with open(folder / HISTORY_FILE, "a", encoding="utf-8") as out:
            out.write(entry.to_json() + "\n")
            out.flush()
            os.fsync(out.fileno())

    @contextmanager
    def lock(self) -> Iterator[None]:
        """One publish at a time across processes (web workers, the CLI)."""
        self.root.mkdir(parents=True, exist_ok=True)
        with open(self.root / LOCK_FILE, "a") as handle:
            fcntl.flock(handle.fileno(), fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(handle.fileno(), fcntl.LOCK_UN)

    def _dir(self, name: str) -> Path:
        if not is_flow_name(name):
            raise ValueError(f"not a flow name: {name!r}")
        return self.root / name

    def _file(self, name: str, version: str) -> Path:
        return self._dir(name) / f"{version}.yaml"


def write_atomically(path: Path, text: str, *, mode: int) -> None:
    """Write `text` to `path` so a reader sees the old file or the new one, never half."""
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as out:
            out.write(text)
            out.flush()
            os.fsync(out.fileno())
        os.chmod(temp, mode)
        os.replace(temp, path)
    except BaseException:
        Path(temp).unlink(missing_ok=True)
        raise
