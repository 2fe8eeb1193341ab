"""One importer per feed format; each turns a payload into Meeting and Rejected entries.

    meeting_guide.py   Meeting Guide JSON (TSML plugin and look-alikes)
    bmlt.py            BMLT search results, or the aggregator's NDJSON export
    csv_table.py       the hand-kept CSV template, for programs with no feed

An importer checks the payload as a whole before it returns (FeedError: nothing
is imported), then yields one entry at a time.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator

from helpline.meetings.importers import bmlt, csv_table, meeting_guide
from helpline.meetings.record import Entry
from helpline.meetings.source import FeedFormat, Source

Importer = Callable[[bytes, Source], Iterator[Entry]]

IMPORTERS: dict[FeedFormat, Importer] = {
    FeedFormat.MEETING_GUIDE: meeting_guide.parse,
    FeedFormat.BMLT: bmlt.parse,
    FeedFormat.CSV: csv_table.parse,
}


def parse(payload: bytes, source: Source) -> Iterator[Entry]:
    """The source's entries, read by the importer for its format. FeedError if unreadable."""
    return IMPORTERS[source.format](payload, source)
