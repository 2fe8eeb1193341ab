"""The live roster of one process, reloaded when operators edit the file.

Like FlowCatalog: the file is looked at (one stat) at most every couple of
seconds; a broken edit keeps the last valid roster and is reported in
`last_error`. No file means nobody is on call, which is allowed (escalations
then go straight to the final step); that is logged once, not on every look.
"""

from __future__ import annotations

import logging
import threading
import time
from pathlib import Path

from helpline.errors import FlowProblems
from helpline.flowfiles.catalog import RELOAD_CHECK_SECONDS
from helpline.oncall.roster import Roster, load_roster

log = logging.getLogger(__name__)

Stamp = tuple[int, int, int] | None
"""mtime, size and inode of the file; None when there is no file."""


class RosterCatalog:
    """Thread-safe; `refresh()` is cheap to call on every escalation."""

    def __init__(self, path: Path, *, check_every: float = RELOAD_CHECK_SECONDS) -> None:
        self.path = Path(path)
        self.check_every = check_every
        self.last_error: FlowProblems | None = None
        self._lock = threading.Lock()
        self._stamp = _stamp(self.path)
        self._current: Roster | None = None
        # A missing file is said on first use, not here: start-up errors come first, alone.
        self._missing_said = False
        if self._stamp is not None:
            self._current = load_roster(self.path)  # an invalid roster stops start-up
        self._checked_at = time.monotonic()

    @property
    def current(self) -> Roster | None:
        return self._current

    def refresh(self) -> Roster | None:
        """Reload when the file changed; on a broken edit keep the last valid roster."""
        now = time.monotonic()
        if self._stamp is None and not self._missing_said:
            self._say_missing()
        if now - self._checked_at < self.check_every:
            return self._current
        with self._lock:
            self._checked_at = now
            stamp = _stamp(self.path)
            if stamp == self._stamp:
                return self._current
            self._stamp = stamp
            if stamp is None:
                self._current, self.last_error = None, None
                self._missing_said = False
                self._say_missing()
                return None
            try:
                roster = load_roster(self.path)
            except FlowProblems as exc:
                self.last_error = exc
                log.error(
                    "on-call roster reload refused; still using the last valid roster",
                    extra={"path": str(self.path), "problems": [str(p) for p in exc.problems]},
                )
            else:
                self._current, self.last_error = roster, None
                log.info(
                    "on-call roster reloaded",
                    extra={"path": str(self.path), "staff": len(roster.staff)},
                )
            return self._current

    def _say_missing(self) -> None:
        # Once per absence: when the file goes missing, or on first use when it never was there.
        self._missing_said = True
        log.warning(
            "no on-call roster file: nobody is on call, escalations go to the final step",
            extra={"path": str(self.path)},
        )


def _stamp(path: Path) -> Stamp:
    try:
        stat = path.stat()
    except OSError:
        return None
    return (stat.st_mtime_ns, stat.st_size, stat.st_ino)
