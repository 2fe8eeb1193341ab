"""The meeting directory in Redis. An import is a sync of one source, swapped in atomically.

A sync writes a whole new *generation* of the source's keys (records, geo
indexes, online indexes; layout in keys.py), then flips the source's
pointers in one MULTI. Searches read the pointers first, so each sees one
generation, old or new, never a mix. The old generation expires a little later
(searches already reading it finish); a sync that fails part-way deletes what
it wrote, and the previous generation stays live, untouched.

Index members carry a meeting's minute of week, zone, name rank, program and
flags, so search ranks and filters them without reading records (see IndexEntry).
"""

from __future__ import annotations

import hashlib
import json
import unicodedata
from collections import Counter
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import lru_cache
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from redis import Redis, RedisError, WatchError
from redis.commands.core import Script

from helpline import keys
from helpline.meetings.occurrence import MINUTES_PER_WEEK, minute_of_week
from helpline.meetings.record import Meeting, Rejected, RejectReason, Tag
from helpline.meetings.source import Source

BATCH_SIZE = 2_000
"""Meetings written per pipeline: large enough to amortise round trips, small enough not to
stall other clients."""

REJECT_SAMPLES = 5
"""Rejected entries quoted in the report, for the import log."""

FINGERPRINT_BYTES = 12
MAX_GEO_LATITUDE = 85.05112878
"""Redis GEO cannot index nearer the poles than this."""
EARTH_RADIUS_MILES = 6372797.560856 / 1609.344
"""The radius Redis GEO measures with."""

LIVE_CACHE_SIZE = 1_024
"""Parsed pointers, keyed by their raw bytes: a new generation is new bytes."""

FLIP_ATTEMPTS = 5

FLAG_OF_WISH: Mapping[str, str] = {"secular": "s", "spanish": "e", "women": "w", "men": "m"}
"""The caller wishes an index can answer, and the flag letter each has in index members."""

SEPARATOR = "|"
NAME_RANK_CHARS = 10
"""Meetings at one time and place are ordered by name, compared this far (then by id):
37 ** 10 still fits a Lua number (a double) exactly."""
_NAME_CODES = {c: i + 1 for i, c in enumerate("0123456789abcdefghijklmnopqrstuvwxyz")}


@dataclass(frozen=True, slots=True)
class IndexEntry:
    """One meeting as the geo and online indexes hold it (no record read needed)."""

    minute_of_week: int
    zone: int
    name_rank: int
    program: int
    flags: str
    meeting_id: str

    def member(self) -> str:
        numbers = (self.minute_of_week, self.zone, self.name_rank, self.program)
        return SEPARATOR.join((*map(str, numbers), self.flags, self.meeting_id))

    @classmethod
    def parse(cls, member: bytes) -> IndexEntry:
        minute, zone, rank, program, flags, meeting_id = member.decode().split(SEPARATOR, 5)
        return cls(int(minute), int(zone), int(rank), int(program), flags, meeting_id)


def name_rank(name: str) -> int:
    """A number that orders names alphabetically by their first NAME_RANK_CHARS letters
    and digits: case and accents ignored, any other run of characters one space."""
    rank, count, spaced = 0, 0, True
    for char in unicodedata.normalize("NFKD", name.casefold()):
        if count == NAME_RANK_CHARS:
            break
        code = _NAME_CODES.get(char)
        if code is None and (spaced or unicodedata.combining(char)):
            continue
        rank, count, spaced = rank * 37 + (code or 0), count + 1, code is None
    padding: int = 37 ** (NAME_RANK_CHARS - count)
    return rank * padding


@dataclass(frozen=True, slots=True)
class Generation:
    """The live generation of one source: what a search needs to find its keys and decode."""

    source_id: str
    number: int
    zones: tuple[str, ...]
    programs: tuple[str, ...]
    geo: Mapping[str, int]
    """Index variant ("" = every meeting, or a flag letter) -> members."""
    online: Mapping[str, Mapping[str, int]]
    """Clock group -> index variant -> members."""
    offsets: tuple[int, ...] = ()
    """Per zone number: its UTC offset in minutes at import. An online index scores a
    meeting by its start less this offset (its UTC minute of week then), so meetings of
    all its zones share one time line."""
    groups: tuple[str, ...] = ()
    """Per zone number: its clock group, the minutes it moves its clocks in summer
    ("60", or "0" for Arizona, Hawaii, ...). Zones of one group move together, so on
    one online index they stay in step all year; each group has its own."""
    bounds: tuple[float, float, float, float] | None = None
    """South, west, north, east of the geo index, so a search skips sources far away."""

    def geo_keys(self, flag: str = "") -> list[str]:
        """Its geo index of each day, Sunday first."""
        return [keys.meetings_geo(self.source_id, self.number, day, flag) for day in range(7)]

    def online_key(self, group: str, flag: str = "") -> str:
        return keys.meetings_online(self.source_id, self.number, group, flag)

    def records_key(self) -> str:
        return keys.meeting_records(self.source_id, self.number)

    def to_json(self) -> str:
        return json.dumps(
            {
                "generation": self.number,
                "zones": self.zones,
                "programs": self.programs,
                "geo": self.geo,
                "online": self.online,
                "offsets": self.offsets,
                "groups": self.groups,
                "bounds": self.bounds,
            },
            separators=(",", ":"),
        )


@lru_cache(maxsize=LIVE_CACHE_SIZE)
def _parse_generation(source_id: bytes, raw: bytes) -> Generation:
    data = json.loads(raw)
    return Generation(
        source_id=source_id.decode(),
        number=int(data["generation"]),
        zones=tuple(data["zones"]),
        programs=tuple(data["programs"]),
        geo=data["geo"],
        online=data["online"],
        offsets=tuple(data["offsets"]),
        groups=tuple(data["groups"]),
        bounds=tuple(data["bounds"]) if data.get("bounds") else None,
    )


FETCH = """
-- HGET of each KEYS[i], ARGV[i] pair, in order (false where missing).
local out = {}
for i, key in ipairs(KEYS) do out[i] = redis.call("HGET", key, ARGV[i]) end
return out
"""


@dataclass(frozen=True, slots=True)
class SyncReport:
    source_id: str
    program: str
    read: int
    """Entries the importer yielded: meetings and rejects."""
    added: int
    updated: int
    removed: int
    unchanged: int
    rejected: Counter[str]
    """RejectReason value -> entries."""
    reject_samples: list[str]
    generation: int
    imported_at: datetime
    unplaced: int = 0
    """In-person meetings without usable coordinates: kept, but no ZIP search finds them."""

    @property
    def kept(self) -> int:
        return self.added + self.updated + self.unchanged

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready, for a job's result."""
        return {
            "source_id": self.source_id,
            "program": self.program,
            "read": self.read,
            "added": self.added,
            "updated": self.updated,
            "removed": self.removed,
            "unchanged": self.unchanged,
            "kept": self.kept,
            "unplaced": self.unplaced,
            "rejected": dict(self.rejected),
            "reject_samples": list(self.reject_samples),
            "generation": self.generation,
            "imported_at": self.imported_at.isoformat(),
        }


@dataclass(frozen=True, slots=True)
class SourceStatus:
    id: str
    program: str
    meetings: int
    imported_at: datetime
    generation: int
    read: int = 0
    """Entries the last import read: meetings kept plus rejects."""
    rejected: dict[str, int] = field(default_factory=dict)
    """The last import's rejects by reason."""


def _offset_minutes(zone: ZoneInfo, when: datetime) -> int:
    offset = when.astimezone(zone).utcoffset()
    return int(offset.total_seconds()) // 60 if offset else 0


def _clock_group(zone: ZoneInfo, year: int) -> str:
    """How many minutes the zone moves its clocks between January and July (signed)."""
    january, july = (datetime(year, month, 1, tzinfo=UTC) for month in (1, 7))
    return str(_offset_minutes(zone, july) - _offset_minutes(zone, january))


def flags_of(meeting: Meeting) -> str:
    """The index flags of a meeting, in FLAG_OF_WISH order."""
    wanted = (
        Tag.SECULAR in meeting.tags,
        "es" in meeting.languages,
        Tag.WOMEN in meeting.tags,
        Tag.MEN in meeting.tags,
    )
    return "".join(flag for flag, has in zip(FLAG_OF_WISH.values(), wanted, strict=True) if has)


_ENCODER = json.JSONEncoder(separators=(",", ":"), ensure_ascii=False)


def canonical_json(meeting: Meeting) -> bytes:
    """The stored form; the same meeting always gives the same bytes (it is fingerprinted:
    to_dict's keys always come in field order, so no sorting is needed)."""
    return _ENCODER.encode(meeting.to_dict()).encode()


@lru_cache(maxsize=LIVE_CACHE_SIZE)
def _zone_ok(name: str) -> bool:
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return False
    return True


class Directory:
    def __init__(self, redis: Redis) -> None:
        self.redis = redis
        # The live pointers as last read, and the version they were read at.
        self._live: tuple[bytes | None, list[Generation]] = (None, [])
        self._scripts: dict[str, Script] = {}

    def script(self, text: str) -> Script:
        """A Lua script, registered once per Directory (registering hashes the whole text)."""
        if text not in self._scripts:
            self._scripts[text] = self.redis.register_script(text)
        return self._scripts[text]

    # -- import -----------------------------------------------------------------------

    def sync(
        self,
        source: Source,
        entries: Iterable[Meeting | Rejected],
        *,
        now: datetime,
        progress: Callable[[int], None] | None = None,
    ) -> SyncReport:
        """Make the source's meetings exactly `entries`; all at once, or (on error) not at all."""
        number = int(self.redis.incr(keys.meetings_generation_counter()))
        build = _Build(self.redis, source, number, now, self._fingerprints(source.id))
        try:
            for entry in entries:
                build.add(entry)
                if build.pending >= BATCH_SIZE:
                    build.flush()
                    if progress is not None:
                        progress(build.read)
            build.flush()
            self._flip(source, build, now)
        except BaseException:
            build.discard()
            raise
        if progress is not None:
            progress(build.read)
        return build.report(now)

    def _fingerprints(self, source_id: str) -> dict[bytes, bytes]:
        live = self.redis.hget(keys.meetings_source(source_id), "generation")
        if live is None:
            return {}
        # HSCAN, not HGETALL: a big source must not stall searches while we read it.
        scan = self.redis.hscan_iter(
            keys.meeting_fingerprints(source_id, int(live)), count=BATCH_SIZE
        )
        return dict(scan)

    def _flip(self, source: Source, build: _Build, now: datetime) -> None:
        status_key = keys.meetings_source(source.id)
        new_keys = sorted(build.written)
        for _ in range(FLIP_ATTEMPTS):
            with self.redis.pipeline() as pipe:
                try:
                    pipe.watch(status_key)  # type: ignore[no-untyped-call]
                    old_keys = _keys_of(pipe.hget(status_key, "keys"))
                    pipe.multi()
                    pipe.hset(
                        status_key,
                        mapping={
                            "generation": build.number,
                            "program": source.program,
                            "meetings": build.kept,
                            "imported_at": now.isoformat(),
                            "keys": json.dumps(new_keys),
                            # What operators see of the last import (the console's directory).
                            "read": build.read,
                            "rejected": json.dumps(dict(build.rejected)),
                        },
                    )
                    pipe.hset(keys.meetings_live(), source.id, build.generation().to_json())
                    pipe.incr(keys.meetings_live_version())
                    for key in new_keys:
                        pipe.persist(key)
                    _retire(pipe, old_keys)
                    pipe.execute()
                    return
                except WatchError:
                    continue
        raise RuntimeError(f"{source.id}: another import kept replacing this source")

    # -- reading ----------------------------------------------------------------------

    def live(self) -> list[Generation]:
        """Every source's live generation; re-read only when an import has changed them.

        Reading a version number instead of every pointer keeps searches fast with
        many sources. Pointers read just before an import flips them stay usable:
        the old generation lingers for MEETINGS_RETIRED_TTL.
        """
        version = self.redis.get(keys.meetings_live_version())
        cached_version, cached = self._live
        if version is not None and version == cached_version:
            return cached
        with self.redis.pipeline() as pipe:  # MULTI: the version and the pointers agree
            pipe.get(keys.meetings_live_version())
            pipe.hgetall(keys.meetings_live())
            version, raw = pipe.execute()
        generations = [_parse_generation(source_id, value) for source_id, value in raw.items()]
        self._live = (version, generations)
        return generations

    def sources(self) -> list[SourceStatus]:
        ids = sorted(g.source_id for g in self.live())
        with self.redis.pipeline(transaction=False) as pipe:
            for source_id in ids:
                pipe.hmget(
                    keys.meetings_source(source_id),
                    ["program", "meetings", "imported_at", "generation", "read", "rejected"],
                )
            rows = pipe.execute()
        return [
            SourceStatus(
                id=source_id,
                program=program.decode(),
                meetings=int(meetings),
                imported_at=datetime.fromisoformat(imported_at.decode()),
                generation=int(generation),
                read=int(read or 0),
                rejected=json.loads(rejected) if rejected else {},
            )
            for source_id, (program, meetings, imported_at, generation, read, rejected) in zip(
                ids, rows, strict=True
            )
            if program is not None
        ]

    def get(self, ids: Sequence[str]) -> list[Meeting]:
        """The meetings with these ids that are live, in the order asked."""
        live = {g.source_id: g for g in self.live()}
        wanted = [(live[i.split(":", 1)[0]], i) for i in ids if i.split(":", 1)[0] in live]
        return [m for m in self.records(wanted) if m is not None]

    def records(self, wanted: Sequence[tuple[Generation, str]]) -> list[Meeting | None]:
        """Full records of (generation, meeting id) pairs, in one round trip."""
        raw = self._fields(wanted, Generation.records_key)
        return [Meeting.from_dict(json.loads(r)) if r is not None else None for r in raw]

    def _fields(
        self, wanted: Sequence[tuple[Generation, str]], key_of: Callable[[Generation], str]
    ) -> list[bytes | None]:
        if not wanted:
            return []
        # One script call, not an HMGET per source: results come from many sources at once.
        fetch = self.script(FETCH)
        values: list[Any] = fetch(
            keys=[key_of(generation) for generation, _ in wanted],
            args=[meeting_id for _, meeting_id in wanted],
        )
        return [v if v else None for v in values]

    # -- removal ----------------------------------------------------------------------

    def remove(self, source_id: str) -> bool:
        """Take a source out of the directory; False if it was not in it."""
        status_key = keys.meetings_source(source_id)
        for _ in range(FLIP_ATTEMPTS):
            with self.redis.pipeline() as pipe:
                try:
                    pipe.watch(status_key)  # type: ignore[no-untyped-call]
                    old = pipe.hget(status_key, "keys")
                    pipe.multi()
                    pipe.hdel(keys.meetings_live(), source_id)
                    pipe.incr(keys.meetings_live_version())
                    pipe.delete(status_key)
                    _retire(pipe, _keys_of(old))
                    pipe.execute()
                    return old is not None
                except WatchError:
                    continue
        raise RuntimeError(f"{source_id}: another import kept replacing this source")


def _keys_of(raw: Any) -> list[str]:
    return list(json.loads(raw)) if raw is not None else []


def _retire(pipe: Any, old_keys: Iterable[str]) -> None:
    ttl = int(keys.MEETINGS_RETIRED_TTL.total_seconds())
    for key in old_keys:
        pipe.expire(key, ttl)


@dataclass
class _Build:
    """One generation being written: counts, index sizes, and the batch not yet sent."""

    redis: Redis
    source: Source
    number: int
    now: datetime
    previous: dict[bytes, bytes]
    """Meeting id -> fingerprint in the live generation."""
    read: int = 0
    added: int = 0
    updated: int = 0
    unchanged: int = 0
    unplaced: int = 0
    rejected: Counter[str] = field(default_factory=Counter)
    reject_samples: list[str] = field(default_factory=list)
    seen: set[bytes] = field(default_factory=set)
    zones: dict[str, int] = field(default_factory=dict)
    programs: dict[str, int] = field(default_factory=dict)
    geo_sizes: Counter[str] = field(default_factory=Counter)
    online_sizes: dict[str, Counter[str]] = field(default_factory=dict)
    offsets: list[int] = field(default_factory=list)
    groups: list[str] = field(default_factory=list)
    written: set[str] = field(default_factory=set)
    bounds: tuple[float, float, float, float] | None = None
    pending: int = 0
    _records: dict[str, bytes] = field(default_factory=dict)
    _fingerprints: dict[str, bytes] = field(default_factory=dict)
    _geo: dict[str, list[Any]] = field(default_factory=dict)
    _online: dict[str, dict[str, int]] = field(default_factory=dict)
    _keys: dict[tuple[int | str, str, bool], str] = field(default_factory=dict)

    @property
    def kept(self) -> int:
        return self.added + self.updated + self.unchanged

    @property
    def prefix(self) -> str:
        return f"{self.source.id}:"

    def add(self, entry: Meeting | Rejected) -> None:
        self.read += 1
        if isinstance(entry, Rejected):
            self._reject(entry)
            return
        if not entry.id.startswith(self.prefix):
            # Searches find a meeting's source by its id: an importer bug, not a bad feed.
            raise ValueError(f"meeting id {entry.id!r} does not start with {self.prefix!r}")
        meeting_id = entry.id.encode()
        if meeting_id in self.seen:
            self._reject(Rejected(RejectReason.DUPLICATE_KEY, key=entry.source_key))
            return
        if not _zone_ok(entry.timezone):
            self._reject(Rejected(RejectReason.BAD_TIMEZONE, key=entry.source_key))
            return
        self.seen.add(meeting_id)
        record = canonical_json(entry)
        fingerprint = hashlib.blake2b(record, digest_size=FINGERPRINT_BYTES).digest()
        before = self.previous.get(meeting_id)
        if before is None:
            self.added += 1
        elif before == fingerprint:
            self.unchanged += 1
        else:
            self.updated += 1
        self._records[entry.id] = record
        self._fingerprints[entry.id] = fingerprint
        self.pending += 1
        self._index(entry)

    def _index(self, meeting: Meeting) -> None:
        zone = self.zones.setdefault(meeting.timezone, len(self.zones))
        if zone == len(self.offsets):
            self.offsets.append(_offset_minutes(ZoneInfo(meeting.timezone), self.now))
            self.groups.append(_clock_group(ZoneInfo(meeting.timezone), self.now.year))
        program = self.programs.setdefault(meeting.program, len(self.programs))
        flags = flags_of(meeting)
        minute = minute_of_week(meeting.day, meeting.start_local)
        entry = IndexEntry(minute, zone, name_rank(meeting.name), program, flags, meeting.id)
        member = entry.member()
        variants = ("", *flags)
        if meeting.in_person:
            lat, lng = meeting.latitude, meeting.longitude
            if lat is None or lng is None or abs(lat) > MAX_GEO_LATITUDE:
                self.unplaced += 1
            else:
                self._widen(lat, lng)
                for flag in variants:
                    key = self._key(meeting.day, flag)
                    self._geo.setdefault(key, []).extend((lng, lat, member))
                    self.geo_sizes[flag] += 1
        if meeting.online:
            score = (minute - self.offsets[zone]) % MINUTES_PER_WEEK
            group = self.groups[zone]
            sizes = self.online_sizes.setdefault(group, Counter())
            for flag in variants:
                key = self._key(group, flag, online=True)
                self._online.setdefault(key, {})[member] = score
                sizes[flag] += 1

    def _key(self, part: int | str, flag: str, *, online: bool = False) -> str:
        """An index key of this generation (a geo day or an online clock group), kept."""
        found = self._keys.get((part, flag, online))
        if found is None:
            build = keys.meetings_online if online else keys.meetings_geo
            found = self._keys[(part, flag, online)] = build(
                self.source.id, self.number, part, flag
            )
        return found

    def _widen(self, lat: float, lng: float) -> None:
        if self.bounds is None:
            self.bounds = (lat, lng, lat, lng)
        else:
            south, west, north, east = self.bounds
            self.bounds = (min(south, lat), min(west, lng), max(north, lat), max(east, lng))

    def _reject(self, rejected: Rejected) -> None:
        self.rejected[rejected.reason.value] += 1
        if len(self.reject_samples) < REJECT_SAMPLES:
            self.reject_samples.append(str(rejected))

    def flush(self) -> None:
        if not self._records:
            return
        records = keys.meeting_records(self.source.id, self.number)
        fingerprints = keys.meeting_fingerprints(self.source.id, self.number)
        touched = [records, fingerprints, *self._geo, *self._online]
        # Recorded before writing, so a failed write is still cleaned up.
        self.written.update(touched)
        ttl = int(keys.MEETINGS_BUILDING_TTL.total_seconds())
        with self.redis.pipeline(transaction=False) as pipe:
            pipe.hset(records, mapping=self._records)  # type: ignore[arg-type]
            pipe.hset(fingerprints, mapping=self._fingerprints)  # type: ignore[arg-type]
            for key, values in self._geo.items():
                pipe.geoadd(key, values)
            for key, scores in self._online.items():
                pipe.zadd(key, scores)
            for key in touched:
                pipe.expire(key, ttl)
            pipe.execute()
        self._records, self._fingerprints = {}, {}
        self._geo, self._online = {}, {}
        self.pending = 0

    def discard(self) -> None:
        """Delete what this build wrote; the keys expire on their own if Redis is gone."""
        if not self.written:
            return
        try:
            # A flip whose reply was lost may have happened: never delete a live generation.
            live = self.redis.hget(keys.meetings_source(self.source.id), "generation")
            if live is None or int(live) != self.number:
                self.redis.unlink(*self.written)
        except RedisError:
            pass

    def generation(self) -> Generation:
        return Generation(
            source_id=self.source.id,
            number=self.number,
            zones=tuple(self.zones),
            programs=tuple(self.programs),
            geo=dict(self.geo_sizes),
            online={group: dict(sizes) for group, sizes in self.online_sizes.items()},
            offsets=tuple(self.offsets),
            groups=tuple(self.groups),
            bounds=self.bounds,
        )

    def report(self, now: datetime) -> SyncReport:
        return SyncReport(
            source_id=self.source.id,
            program=self.source.program,
            read=self.read,
            added=self.added,
            updated=self.updated,
            removed=len(self.previous.keys() - self.seen),
            unchanged=self.unchanged,
            rejected=self.rejected,
            reject_samples=self.reject_samples,
            generation=self.number,
            imported_at=now,
            unplaced=self.unplaced,
        )
