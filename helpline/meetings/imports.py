"""One import, the same from the command line and from a worker: read, parse, sync.

The feed is read whole before anything is written, and the directory swaps in
the new meetings only once every entry has been read, so a feed that cannot be
fetched or parsed changes nothing.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime

from helpline.meetings.directory import Directory, SyncReport
from helpline.meetings.feed import read_feed
from helpline.meetings.importers import parse
from helpline.meetings.source import Source

log = logging.getLogger(__name__)


def import_source(
    directory: Directory,
    source: Source,
    *,
    now: datetime,
    progress: Callable[[int], None] | None = None,
) -> SyncReport:
    """Raises FeedError (nothing changed) when the feed cannot be read or parsed as a whole."""
    payload = read_feed(source)
    report = directory.sync(source, parse(payload, source), now=now, progress=progress)
    log.info(
        "meetings imported",
        extra={
            "source": source.id,
            "read": report.read,
            "added": report.added,
            "updated": report.updated,
            "removed": report.removed,
            "rejected": sum(report.rejected.values()),
        },
    )
    return report
