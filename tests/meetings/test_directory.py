"""Directory.sync: an import replaces one source's meetings, all at once or not at all."""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterator
from dataclasses import fields, replace
from datetime import UTC, datetime, time
from typing import cast

import pytest
import redis

from helpline import keys
from helpline.errors import FeedError
from helpline.meetings import directory as directory_module
from helpline.meetings.directory import (
    Directory,
    IndexEntry,
    canonical_json,
    name_rank,
)
from helpline.meetings.record import (
    Attendance,
    Meeting,
    Precision,
    Rejected,
    RejectReason,
    Tag,
    TimezoneSource,
)
from helpline.meetings.search import MeetingQuery, search
from helpline.meetings.source import FeedFormat, Source

NOW = datetime(2026, 6, 9, 19, 0, tzinfo=UTC)  # a Tuesday, 12:00 in California
LATER = datetime(2026, 6, 10, 19, 0, tzinfo=UTC)
ALPHA = Source(id="alpha", program="aa", format=FeedFormat.MEETING_GUIDE, location="alpha.json")
BETA = Source(id="beta", program="na", format=FeedFormat.BMLT, location="beta.json")
NEAR_92660 = (33.63, -117.87)


def meeting(
    key: str,
    *,
    source: Source = ALPHA,
    name: str | None = None,
    day: int = 2,
    start: time = time(19),
    attendance: Attendance = Attendance.IN_PERSON,
    where: tuple[float, float] | None = NEAR_92660,
    tags: frozenset[str] = frozenset(),
    closed: bool = False,
) -> Meeting:
    in_person = attendance in (Attendance.IN_PERSON, Attendance.HYBRID)
    online = attendance in (Attendance.ONLINE, Attendance.HYBRID)
    return Meeting(
        id=f"{source.id}:{key}",
        source_id=source.id,
        source_key=key,
        program=source.program,
        name=name or f"Meeting {key}",
        day=day,
        start_local=start,
        duration_min=60,
        timezone="America/Los_Angeles",
        timezone_source=TimezoneSource.SOURCE_DEFAULT,
        attendance=attendance,
        temporarily_closed=closed,
        tags=tags,
        latitude=where[0] if where else None,
        longitude=where[1] if where else None,
        street="1 Main St" if in_person else None,
        locality="Newport Beach",
        location_precision=Precision.EXACT if in_person else Precision.APPROXIMATE,
        online_url="https://zoom.us/j/123" if online else None,
    )


def near(directory: Directory) -> set[str]:
    """Ids of every meeting a ZIP 92660 search finds."""
    result = search(directory, MeetingQuery(zip_code="92660", limit=50), NOW)
    return {o.meeting.id for o in result.occurrences}


def generation_keys(client: redis.Redis, source_id: str) -> dict[str, int]:
    """Each key of any generation of the source, with its TTL (-1: none)."""
    pattern = keys.meeting_records(source_id, "*").removesuffix(":records") + ":*"
    return {k.decode(): client.ttl(k) for k in client.scan_iter(match=pattern)}


def members(client: redis.Redis, key: str) -> list[bytes]:
    return cast(list[bytes], client.zrange(key, 0, -1))


@pytest.fixture
def directory(redis_client: redis.Redis) -> Directory:
    return Directory(redis_client)


def test_first_import_adds_and_counts_rejects(directory: Directory) -> None:
    meetings = [meeting("a"), meeting("b", attendance=Attendance.ONLINE), meeting("c")]
    entries: list[Meeting | Rejected] = [
        meetings[0],
        Rejected(RejectReason.NO_DAY_OR_TIME, key="x"),
        *meetings[1:],
        Rejected(RejectReason.NO_DAY_OR_TIME, key="y"),
        Rejected(RejectReason.BAD_TIME, key="z", detail="25:00"),
    ]
    report = directory.sync(ALPHA, entries, now=NOW)
    assert (report.read, report.added, report.updated, report.removed, report.unchanged) == (
        6,
        3,
        0,
        0,
        0,
    )
    assert report.kept == 3
    assert report.rejected == Counter(
        {RejectReason.NO_DAY_OR_TIME.value: 2, RejectReason.BAD_TIME.value: 1}
    )
    assert report.reject_samples == [
        "x: no weekly day and time (by appointment)",
        "y: no weekly day and time (by appointment)",
        "z: time is not a clock time (25:00)",
    ]
    assert (report.source_id, report.program, report.imported_at) == ("alpha", "aa", NOW)
    assert json.loads(json.dumps(report.to_dict()))["rejected"] == dict(report.rejected)
    assert directory.get(["alpha:c", "alpha:a", "alpha:b", "alpha:nope"]) == [
        meetings[2],
        meetings[0],
        meetings[1],
    ]
    [status] = directory.sources()
    assert (status.id, status.program, status.meetings, status.imported_at) == (
        "alpha",
        "aa",
        3,
        NOW,
    )


def test_second_import_adds_updates_removes_and_keeps(directory: Directory) -> None:
    directory.sync(ALPHA, [meeting("same"), meeting("renamed"), meeting("gone")], now=NOW)
    second = [meeting("same"), meeting("renamed", name="New name"), meeting("new")]
    report = directory.sync(ALPHA, second, now=LATER)
    assert (report.added, report.updated, report.removed, report.unchanged) == (1, 1, 1, 1)
    assert directory.get(["alpha:gone"]) == []
    assert [m.name for m in directory.get(["alpha:renamed"])] == ["New name"]
    assert near(directory) == {"alpha:same", "alpha:renamed", "alpha:new"}
    [status] = directory.sources()
    assert (status.meetings, status.imported_at, status.generation) == (3, LATER, report.generation)


def test_any_field_change_is_an_update(directory: Directory) -> None:
    first = meeting("a")
    directory.sync(ALPHA, [first], now=NOW)
    for changed in (
        replace(first, tags=frozenset({Tag.WOMEN})),
        replace(first, start_local=time(19, 30)),
        replace(first, notes="Park behind the church"),
    ):
        report = directory.sync(ALPHA, [changed], now=NOW)
        assert (report.updated, report.unchanged) == (1, 0), changed
    assert directory.sync(ALPHA, [changed], now=NOW).unchanged == 1


def test_duplicates_and_unknown_zones_are_rejected(directory: Directory) -> None:
    entries = [
        meeting("a"),
        meeting("a", name="Again"),
        replace(meeting("b"), timezone="Mars/Base"),
    ]
    report = directory.sync(ALPHA, entries, now=NOW)
    assert report.kept == 1
    assert report.rejected == Counter(
        {RejectReason.DUPLICATE_KEY.value: 1, RejectReason.BAD_TIMEZONE.value: 1}
    )
    assert [m.name for m in directory.get(["alpha:a"])] == ["Meeting a"]


def test_in_person_meetings_without_coordinates_are_kept_but_unplaced(
    directory: Directory,
) -> None:
    report = directory.sync(ALPHA, [meeting("a", where=None), meeting("b")], now=NOW)
    assert (report.kept, report.unplaced) == (2, 1)
    assert near(directory) == {"alpha:b"}
    assert len(directory.get(["alpha:a"])) == 1


def test_progress_is_reported_as_entries_are_read(
    directory: Directory, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(directory_module, "BATCH_SIZE", 2)
    seen: list[int] = []
    entries = [meeting(str(i)) for i in range(5)]
    directory.sync(ALPHA, entries, now=NOW, progress=seen.append)
    assert seen == [2, 4, 5]


def test_a_failed_import_leaves_the_old_meetings_live_and_nothing_behind(
    directory: Directory, redis_client: redis.Redis, monkeypatch: pytest.MonkeyPatch
) -> None:
    directory.sync(ALPHA, [meeting("old1"), meeting("old2")], now=NOW)
    before = generation_keys(redis_client, "alpha")
    monkeypatch.setattr(directory_module, "BATCH_SIZE", 2)
    written: list[str] = []

    def broken_feed() -> Iterator[Meeting]:
        for i in range(5):
            yield meeting(f"new{i}")
        # Batches were written by now: they must not survive the failure.
        written.extend(k for k in generation_keys(redis_client, "alpha") if k not in before)
        raise FeedError("unexpected end of JSON", source="alpha")

    with pytest.raises(FeedError):
        directory.sync(ALPHA, broken_feed(), now=LATER)
    assert written, "the test must fail part-way through writing"
    assert generation_keys(redis_client, "alpha") == before
    assert near(directory) == {"alpha:old1", "alpha:old2"}
    [status] = directory.sources()
    assert (status.meetings, status.imported_at) == (2, NOW)


def test_searches_during_an_import_see_the_old_meetings_until_the_swap(
    directory: Directory, monkeypatch: pytest.MonkeyPatch
) -> None:
    directory.sync(ALPHA, [meeting("old"), meeting("both")], now=NOW)
    monkeypatch.setattr(directory_module, "BATCH_SIZE", 1)
    seen_mid_import: list[set[str]] = []

    def feed() -> Iterator[Meeting]:
        for key in ("both", "new1", "new2", "new3"):
            yield meeting(key, name=f"Renamed {key}")
            seen_mid_import.append(near(directory))

    directory.sync(ALPHA, feed(), now=LATER)
    assert seen_mid_import == [{"alpha:old", "alpha:both"}] * 4
    assert near(directory) == {"alpha:both", "alpha:new1", "alpha:new2", "alpha:new3"}
    assert [m.name for m in directory.get(["alpha:both"])] == ["Renamed both"]


def test_the_old_generation_expires_soon_and_the_new_one_never(
    directory: Directory, redis_client: redis.Redis
) -> None:
    first = directory.sync(
        ALPHA, [meeting("a"), meeting("b", attendance=Attendance.HYBRID)], now=NOW
    )
    second = directory.sync(ALPHA, [meeting("a")], now=LATER)
    ttls = generation_keys(redis_client, "alpha")
    old = {k: t for k, t in ttls.items() if f":{first.generation}:" in k}
    new = {k: t for k, t in ttls.items() if f":{second.generation}:" in k}
    assert old.keys() == {
        keys.meeting_records("alpha", first.generation),
        keys.meeting_fingerprints("alpha", first.generation),
        keys.meetings_geo("alpha", first.generation, 2),
        keys.meetings_online("alpha", first.generation, "60"),
    }
    assert all(0 < t <= keys.MEETINGS_RETIRED_TTL.total_seconds() for t in old.values())
    assert new
    assert all(t == -1 for t in new.values())
    assert len(ttls) == len(old) + len(new)


def test_two_sources_coexist_and_sync_separately(directory: Directory) -> None:
    directory.sync(ALPHA, [meeting("a1"), meeting("a2")], now=NOW)
    directory.sync(BETA, [meeting("b1", source=BETA)], now=NOW)
    assert near(directory) == {"alpha:a1", "alpha:a2", "beta:b1"}
    report = directory.sync(BETA, [meeting("b2", source=BETA)], now=LATER)
    assert (report.added, report.removed) == (1, 1)
    assert near(directory) == {"alpha:a1", "alpha:a2", "beta:b2"}
    assert [(s.id, s.program, s.meetings) for s in directory.sources()] == [
        ("alpha", "aa", 2),
        ("beta", "na", 1),
    ]


def test_an_empty_import_empties_the_source(directory: Directory) -> None:
    directory.sync(ALPHA, [meeting("a")], now=NOW)
    report = directory.sync(ALPHA, [Rejected(RejectReason.NO_NAME)], now=LATER)
    assert (report.kept, report.removed) == (0, 1)
    assert near(directory) == set()


def test_remove(directory: Directory, redis_client: redis.Redis) -> None:
    directory.sync(ALPHA, [meeting("a")], now=NOW)
    directory.sync(BETA, [meeting("b", source=BETA)], now=NOW)
    assert directory.remove("alpha") is True
    assert near(directory) == {"beta:b"}
    assert directory.get(["alpha:a", "beta:b"]) == [meeting("b", source=BETA)]
    assert [s.id for s in directory.sources()] == ["beta"]
    ttls = generation_keys(redis_client, "alpha")
    assert ttls
    assert all(0 < t <= keys.MEETINGS_RETIRED_TTL.total_seconds() for t in ttls.values())
    assert directory.remove("alpha") is False
    # A removed source can come back.
    assert directory.sync(ALPHA, [meeting("a")], now=LATER).added == 1
    assert near(directory) == {"alpha:a", "beta:b"}


@pytest.mark.parametrize(
    ("entry", "in_geo", "in_online"),
    [
        (meeting("a"), True, False),
        (meeting("a", attendance=Attendance.HYBRID), True, True),
        (meeting("a", attendance=Attendance.ONLINE), False, True),
        (meeting("a", attendance=Attendance.ONLINE, closed=True), False, True),
        (meeting("a", attendance=Attendance.INACTIVE, closed=True), False, False),
        (meeting("a", attendance=Attendance.INACTIVE), False, False),
    ],
    ids=["in person", "hybrid", "online", "closed with a link", "closed", "inactive"],
)
def test_indexes_hold_only_meetings_one_can_attend(
    directory: Directory, redis_client: redis.Redis, entry: Meeting, in_geo: bool, in_online: bool
) -> None:
    report = directory.sync(ALPHA, [entry], now=NOW)
    geo = members(redis_client, keys.meetings_geo("alpha", report.generation, 2))
    online = members(redis_client, keys.meetings_online("alpha", report.generation, "60"))
    member = IndexEntry(
        minute_of_week=2 * 1440 + 19 * 60,
        zone=0,
        name_rank=name_rank("Meeting a"),
        program=0,
        flags="",
        meeting_id="alpha:a",
    )
    assert IndexEntry.parse(member.member().encode()) == member
    assert geo == ([member.member().encode()] if in_geo else [])
    assert online == ([member.member().encode()] if in_online else [])


def test_index_members_carry_flags_and_flag_indexes_hold_only_those(
    directory: Directory, redis_client: redis.Redis
) -> None:
    entries = [
        meeting("w", tags=frozenset({Tag.WOMEN, Tag.SECULAR})),
        replace(meeting("es"), languages=frozenset({"es"})),
        meeting("plain"),
    ]
    report = directory.sync(ALPHA, entries, now=NOW)
    g = report.generation
    parsed = [IndexEntry.parse(m) for m in members(redis_client, keys.meetings_geo("alpha", g, 2))]
    assert {e.meeting_id: e.flags for e in parsed} == {
        "alpha:w": "sw",
        "alpha:es": "e",
        "alpha:plain": "",
    }
    for flag, expected in (("s", ["alpha:w"]), ("w", ["alpha:w"]), ("e", ["alpha:es"]), ("m", [])):
        flagged = members(redis_client, keys.meetings_geo("alpha", g, 2, flag))
        assert [IndexEntry.parse(m).meeting_id for m in flagged] == expected, flag


def test_another_process_sees_an_import_at_once(redis_client: redis.Redis) -> None:
    reader, writer = Directory(redis_client), Directory(redis_client)
    assert near(reader) == set()
    writer.sync(ALPHA, [meeting("a")], now=NOW)
    assert near(reader) == {"alpha:a"}
    writer.sync(ALPHA, [meeting("b")], now=LATER)
    assert near(reader) == {"alpha:b"}
    writer.remove("alpha")
    assert near(reader) == set()


def test_the_stored_record_is_the_meetings_own_dict() -> None:
    rich = replace(
        meeting("a", attendance=Attendance.HYBRID, tags=frozenset({Tag.WOMEN, Tag.OPEN})),
        languages=frozenset({"es", "en"}),
        source_types=("O", "W", "S"),
        region_path=("Orange County", "Costa Mesa"),
        updated_at=datetime(2025, 5, 1, 12, 30, tzinfo=UTC),
        extra={"world_id": "OPEN"},
        notes="Enter by the side door",
        dial_in="+16699006833,,123#",
    )
    # Field order, JSON-native values: what makes canonical_json stable without sorting.
    assert list(rich.to_dict()) == [f.name for f in fields(Meeting)]
    assert json.loads(json.dumps(rich.to_dict())) == rich.to_dict()
    assert Meeting.from_dict(json.loads(canonical_json(rich))) == rich
    assert canonical_json(rich) == canonical_json(replace(rich))  # stable: it is fingerprinted


@pytest.mark.parametrize(
    ("first", "second", "same"),
    [
        ("Alpha", "alpha beta", False),
        ("alpha", "Beta", False),
        ("Big Book", "Big Book Study", False),
        ("Ñandú", "Nube", False),  # accents aside
        ("_Early Birds", "Friday", False),  # leading punctuation aside
        ("9 AM", "A New Day", False),  # digits before letters
        ("Step | Study", "step study!", True),  # runs of other characters are one space
        ("Serenity Group 1", "Serenity Group 2", True),  # alike for ten: ordered by id
    ],
)
def test_name_rank_orders_by_name(first: str, second: str, same: bool) -> None:
    if same:
        assert name_rank(first) == name_rank(second)
    else:
        assert name_rank(first) < name_rank(second)
    assert name_rank("Z" * 40) < 37**10  # fits a Lua number (a double) exactly
    entry = IndexEntry(1, 2, name_rank(first), 3, "sw", "src:key|with|bars")
    assert IndexEntry.parse(entry.member().encode()) == entry


def test_a_meeting_of_another_source_is_an_importer_bug(
    directory: Directory, redis_client: redis.Redis
) -> None:
    directory.sync(ALPHA, [meeting("a")], now=NOW)
    before = generation_keys(redis_client, "alpha")
    stray = meeting("b", source=BETA)
    with pytest.raises(ValueError, match="does not start with 'alpha:'"):
        directory.sync(ALPHA, [meeting("a2"), stray], now=LATER)
    assert generation_keys(redis_client, "alpha") == before
    assert near(directory) == {"alpha:a"}
