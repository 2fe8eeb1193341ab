"""The next meetings that fit a caller: near their ZIP code, or online.

Ordered by when they start (each in its own zone, exact across DST), then by
distance, then by name. Fast because it reads only what it needs: the live
pointers (one hash), index members near the caller or starting soon (which
carry minute of week, zone, program and flags), and the records of the few
meetings returned (one HMGET per source).

Ranking is in two steps. Wall-clock minutes until a start are cheap integers
and differ from real minutes by at most MAX_CLOCK_SHIFT, so only candidates
within that margin of the leaders get an exact `next_start`; nothing further
down the wall-clock list can overtake them.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta
from functools import cache
from zoneinfo import ZoneInfo

from redis import Redis

from helpline.meetings.directory import (
    EARTH_RADIUS_MILES,
    FLAG_OF_WISH,
    Directory,
    Generation,
    IndexEntry,
)
from helpline.meetings.occurrence import (
    GRACE,
    MAX_CLOCK_SHIFT,
    MINUTES_PER_DAY,
    MINUTES_PER_WEEK,
    local_minute_of_week,
    next_start,
    wall_minutes_until,
)
from helpline.meetings.places import ZipPlace, zip_place
from helpline.meetings.record import Meeting

DEFAULT_LIMIT = 5
MAX_LIMIT = 50
"""Callers get a page or two (kept for MORE); an operator's listing a few more."""

RADII_MILES = (10.0, 25.0, 50.0)
"""Search this near first; widen while fewer than `limit` meetings fit."""

HORIZON = timedelta(days=7)
"""Occurrences further away than this are not offered (a weekly meeting's next is nearer)."""

FIRST_PICK = 8
"""Redis picks at least this many of the soonest meetings that fit (see SELECT); asked
again for four times as many in the rare case that was not enough to be certain."""

WISHES = frozenset(FLAG_OF_WISH)
MINUTE = timedelta(minutes=1)
GRACE_MINUTES = int(GRACE / MINUTE)


@dataclass(frozen=True, slots=True)
class MeetingQuery:
    zip_code: str | None = None
    online: bool = False
    programs: frozenset[str] = frozenset()
    """Program ids to include; empty means every program."""
    secular_programs: frozenset[str] = frozenset()
    """Programs all of whose meetings count as secular (from the catalogue)."""
    wishes: frozenset[str] = frozenset()
    """Each of these must hold: any of secular, spanish, women, men."""
    limit: int = DEFAULT_LIMIT

    def __post_init__(self) -> None:
        # Exactly one of zip_code and online is checked by search(): a query without
        # either is a useful template to `replace()` from.
        if unknown := self.wishes - WISHES:
            raise ValueError(f"unknown wishes {sorted(unknown)}; known: {sorted(WISHES)}")
        if not 1 <= self.limit <= MAX_LIMIT:
            raise ValueError(f"limit must be 1..{MAX_LIMIT}")


@dataclass(frozen=True, slots=True)
class Occurrence:
    meeting: Meeting
    starts_at: datetime
    """Aware, in the meeting's zone; up to GRACE in the past for one just begun."""
    distance_miles: float | None
    """From the ZIP code's centre, to 0.1 mile; None online."""


@dataclass(frozen=True, slots=True)
class SearchResult:
    occurrences: tuple[Occurrence, ...]
    place: ZipPlace | None
    radius_miles: float | None
    """The radius finally searched (None online)."""
    widened: bool


@dataclass(slots=True)
class _Candidate:
    generation: Generation
    entry: IndexEntry
    distance: float | None
    wall_until: int
    starts_at: datetime | None = None
    starts_utc: datetime | None = None

    @property
    def order(self) -> tuple[datetime, float, str, str]:
        """Soonest first, then nearest, then by name (SELECT sorts the same way)."""
        assert self.starts_utc is not None
        return self.starts_utc, self.distance or 0.0, self.entry.name_key, self.entry.meeting_id


@dataclass(frozen=True, slots=True)
class _Plan:
    """How one generation answers a query: allowed program numbers and wish flags."""

    generation: Generation
    programs: frozenset[int]
    secular_programs: frozenset[int]
    flags: tuple[str, ...]

    def matches(self, entry: IndexEntry) -> bool:
        if entry.program not in self.programs:
            return False
        return all(
            flag in entry.flags or (flag == "s" and entry.program in self.secular_programs)
            for flag in self.flags
        )

    def variant(self, sizes: Mapping[str, int]) -> str | None:
        """The smallest index variant holding every match, or None if it is empty."""
        options = [""] + [
            f for f in self.flags if not (f == "s" and self.secular_programs)
        ]  # a whole secular program is in the base index only
        best = min(options, key=lambda f: sizes.get(f, 0))
        return best if sizes.get(best, 0) else None


@dataclass(frozen=True, slots=True)
class _ZoneNow:
    zone: ZoneInfo
    minute: int
    """Now, as the zone's local minute of week."""
    shift: int
    """Minutes its clocks move from just before now to a week ahead: 0 but in DST weeks."""
    lookback: int
    """Wall minutes back that may still be within the grace in real time: a meeting that
    started GRACE wall minutes ago (and some seconds) is past it, unless clocks moved."""

    @property
    def clock(self) -> str:
        """As SELECT takes it."""
        return f"{self.minute}:{self.lookback}"


class _Clock:
    """`now` in each zone, worked out once per search."""

    def __init__(self, now: datetime) -> None:
        if now.tzinfo is None:
            raise ValueError("now must be an aware datetime")
        self.now = now
        self.utc = now.astimezone(UTC)
        self.minute_start = self.utc.replace(second=0, microsecond=0)
        self._zones: dict[str, _ZoneNow] = {}
        self._starts: dict[tuple[str, int], datetime] = {}

    def zone(self, name: str) -> _ZoneNow:
        found = self._zones.get(name)
        if found is None:
            found = self._zones[name] = _zone_now(_zone_info(name), self.utc)
        return found

    def start(self, zone: str, minute_of_week: int) -> datetime:
        """The next start of a meeting at this wall time; many share one, so each is kept."""
        found = self._starts.get((zone, minute_of_week))
        if found is None:
            day, minute = divmod(minute_of_week, MINUTES_PER_DAY)
            found = next_start(day, time(minute // 60, minute % 60), self.zone(zone).zone, self.now)
            self._starts[(zone, minute_of_week)] = found
        return found

    @property
    def shift(self) -> int:
        """How far minutes from the start of this minute to a meeting's start can be from its
        wall minutes, in every zone seen: 0 (the same) but in a week with a clock change."""
        return max((z.shift for z in self._zones.values()), default=0)

    def minutes_to(self, start_utc: datetime) -> int:
        """Whole minutes from the start of the current minute (offsets are whole minutes)."""
        return int((start_utc - self.minute_start) // MINUTE)


@cache
def _zone_info(name: str) -> ZoneInfo:
    """ZoneInfo keeps only 8 zones strongly; a search may see dozens, so keep them all."""
    return ZoneInfo(name)


def _zone_now(zone: ZoneInfo, utc: datetime) -> _ZoneNow:
    # A zone changes its clocks at most once in a week (and never back), so comparing the
    # offsets at either end of the window finds any change that could reorder meetings.
    offset = utc.astimezone(zone).utcoffset()
    ends = (utc - GRACE - MAX_CLOCK_SHIFT - MINUTE, utc + HORIZON + MAX_CLOCK_SHIFT)
    shift = max(abs(_minutes(t.astimezone(zone).utcoffset(), offset)) for t in ends)
    lookback = GRACE_MINUTES - 1 + shift
    return _ZoneNow(zone, local_minute_of_week(utc, zone), shift, lookback)


def _minutes(a: timedelta | None, b: timedelta | None) -> int:
    return int(((a or timedelta(0)) - (b or timedelta(0))).total_seconds()) // 60


def search(directory: Directory | Redis, query: MeetingQuery, now: datetime) -> SearchResult:
    """The next `query.limit` meetings that fit, soonest first (see module doc)."""
    if (query.zip_code is None) == (not query.online):
        raise ValueError("a meeting query needs exactly one of zip_code and online")
    directory = directory if isinstance(directory, Directory) else Directory(directory)
    clock = _Clock(now)
    plans = [p for g in directory.live() if (p := _plan(g, query)) is not None]
    if query.online:
        online = [
            _Asked(plan, plan.generation.online_key(variant), online=True)
            for plan in plans
            if (variant := plan.variant(plan.generation.online)) is not None
        ]
        timed, _ = _select(directory, online, query.limit, clock)
        return SearchResult(_finish(directory, timed, clock, query.limit), None, None, False)
    assert query.zip_code is not None
    place = zip_place(query.zip_code)
    for radius in RADII_MILES:
        near = [
            _Asked(plan, plan.generation.geo_key(variant))
            for plan in plans
            if _within_reach(plan.generation.bounds, place, radius)
            and (variant := plan.variant(plan.generation.geo)) is not None
        ]
        timed, fitting = _select(directory, near, query.limit, clock, place, radius)
        if fitting >= query.limit:
            break
    occurrences = _finish(directory, timed, clock, query.limit)
    return SearchResult(occurrences, place, radius, radius != RADII_MILES[0])


@dataclass(frozen=True, slots=True)
class _Asked:
    """One index to read: a generation's geo index or its online index."""

    plan: _Plan
    key: str
    online: bool = False

    def arg(self, clock: _Clock) -> str:
        """This key's argument to SELECT (see the script)."""
        plan, generation = self.plan, self.plan.generation
        nows = [clock.zone(name) for name in generation.zones]
        clocks = ",".join(f"{z}:{now.minute}:{now.lookback}" for z, now in enumerate(nows))
        programs = ",".join(map(str, sorted(plan.programs)))
        secular = ",".join(map(str, sorted(plan.secular_programs)))
        base, spread = _score_base(nows, generation.offsets) if self.online else (0, 0)
        return f"{programs};{secular};{''.join(plan.flags)};{clocks};{base}:{spread}"


def _score_base(nows: Sequence[_ZoneNow], offsets: Sequence[int]) -> tuple[int, int]:
    """Where "now" falls on an online index's time line, for each of its zones: the
    earliest of those scores, and how much later the latest is (0 until some zone has
    changed its clocks since the import)."""
    bases = [(now.minute - off) % MINUTES_PER_WEEK for now, off in zip(nows, offsets, strict=True)]
    half = MINUTES_PER_WEEK // 2
    apart = [(b - bases[0] + half) % MINUTES_PER_WEEK - half for b in bases]
    return (bases[0] + min(apart)) % MINUTES_PER_WEEK, max(apart) - min(apart)


def _select(
    directory: Directory,
    asked: Sequence[_Asked],
    limit: int,
    clock: _Clock,
    place: ZipPlace | None = None,
    radius: float | None = None,
) -> tuple[list[_Candidate], int]:
    """The candidates that can be among the first `limit`, timed exactly; and how many fit.

    Redis runs SELECT over the indexes and returns only the soonest members that
    fit (by wall minutes), plus those close enough behind them that a clock change
    could reorder them. Asked again for more in the rare case that was not enough.
    """
    if not asked:
        return [], 0
    per_key = [a.arg(clock) for a in asked]
    where: list[str | float] = (
        ["geo", place.longitude, place.latitude, radius]
        if place is not None and radius is not None
        else ["online", "", "", ""]
    )
    by_source = {a.plan.generation.source_id: a.plan for a in asked}
    # Real minutes are within clock.shift of wall minutes: twice that past the last pick,
    # nothing can overtake the picks. In most weeks it is 0, and SELECT's order is final.
    extra = 2 * clock.shift
    pick = max(FIRST_PICK, limit)
    script = directory.redis.register_script(SELECT)
    while True:
        reply = script(
            keys=[a.key for a in asked],
            args=[where[0], pick, extra, MINUTES_PER_WEEK, *where[1:], *per_key],
        )
        fitting, bound, members = int(reply[0]), int(reply[1]), reply[2:]
        pairs = (
            zip(members[::2], members[1::2], strict=True) if place else ((m, b"") for m in members)
        )
        candidates = [
            c for member, distance in pairs if (c := _candidate(by_source, member, distance, clock))
        ]
        timed, certain = _rank(candidates, limit, clock, covered=None if bound < 0 else bound + 1)
        if certain:
            return timed, fitting
        pick *= 4


SELECT = """
-- The soonest index members that fit a query, so only those cross the wire.
-- ARGV: mode ("geo" or "online"), n, extra, minutes per week, longitude, latitude,
-- radius (miles; geo only), then one per key: "programs;secular;flags;clocks;base:spread"
-- -- allowed program numbers (comma separated), those counted secular, wish flags
-- that must all hold, "zone:now:lookback" clocks (now as the zone's minute of week),
-- and (online) the score "now" has for the earliest of the key's zones and how much
-- later it is for the latest.
-- Returns: how many members fit (at least n, when more do); the wall-minutes bound up
-- to which every fitting member is returned (-1: all are); then the first n members
-- in search.py's order, and every one within `extra` minutes after the n-th (geo:
-- each followed by its distance). With `extra` 0 (no clock change) members at the
-- bound past the n-th are left out: they come after it in that order anyway.
local mode, n, extra, week = ARGV[1], tonumber(ARGV[2]), tonumber(ARGV[3]), tonumber(ARGV[4])
local FIRST, FIRST_SLICE = 8, 5

local function set_of(csv)
  local set = {}
  for item in string.gmatch(csv, "[^,]+") do set[item] = true end
  return set
end

local indexes = {}
for i = 1, #KEYS do
  local programs, secular, flags, clocks, base, spread = string.match(ARGV[FIRST + i - 1],
    "^([^;]*);([^;]*);([^;]*);([^;]*);(%d+):(%d+)$")
  local index = {programs = set_of(programs), secular = set_of(secular), flags = flags,
                 clocks = {}, base = tonumber(base), spread = tonumber(spread), back = 0}
  for zone, now, back in string.gmatch(clocks, "(%d+):(%d+):(%d+)") do
    index.clocks[zone] = {tonumber(now), tonumber(back)}
    index.back = math.max(index.back, tonumber(back))
  end
  indexes[i] = index
end

local found = {}
-- The soonest n wall minutes kept so far: a member further away than the n-th (and
-- `extra`) cannot be returned, so it is not looked at further.
local soonest = {}
local function cutoff()
  if #soonest < n then return math.huge end
  return soonest[n] + extra
end

-- Keep the member if it fits the query and starts `low` to `high` wall minutes from
-- now (negative: it started up to `lookback` minutes ago).
local function consider(index, member, distance, low, high)
  local mow, zone = string.match(member, "^(%d+)|(%d+)|")
  local clock = index.clocks[zone]
  local ahead = (tonumber(mow) - clock[1]) % week
  if ahead >= week - clock[2] then ahead = ahead - week end
  if ahead < low or ahead >= high or ahead > cutoff() then return end
  local program, flags, name, id = string.match(member, "^%d+|%d+|(%d+)|(%a*)|([^|]*)|(.*)$")
  if not index.programs[program] then return end
  for j = 1, #index.flags do
    local flag = string.sub(index.flags, j, j)
    if not string.find(flags, flag, 1, true) and not (flag == "s" and index.secular[program]) then
      return
    end
  end
  found[#found + 1] = {ahead, tonumber(distance) or 0, name, id, member, distance}
  local at = #soonest + 1
  while at > 1 and soonest[at - 1] > ahead do
    soonest[at] = soonest[at - 1]
    at = at - 1
  end
  soonest[at] = ahead
  soonest[n + 1] = nil
end

-- An online index's members from `low` to `high` wall minutes from now, read by
-- score: one range, or two across the end of the week (a little more when zones
-- moved their clocks since the import; `consider` keeps only those in the slice).
local function slice(key, index, low, high)
  low = math.max(low, -index.back)
  if low >= high then return end
  local from = (index.base + low) % week
  local to = from + (high - low) + index.spread
  local ranges = {{from, math.min(to, week)}}
  if to - from >= week then ranges = {{0, week}}
  elseif to > week then ranges[2] = {0, to - week} end
  for _, range in ipairs(ranges) do
    local members = redis.call("ZRANGE", key, range[1], "(" .. range[2], "BYSCORE")
    for _, member in ipairs(members) do consider(index, member, "", low, high) end
  end
end

-- Soonest, nearest, then by name (and id): the order search.py sorts in.
local function by_start(x, y)
  for i = 1, 4 do
    if x[i] ~= y[i] then return x[i] < y[i] end
  end
  return false
end
local bound = -1
if mode == "geo" then
  for i, key in ipairs(KEYS) do
    local near = redis.call("GEOSEARCH", key, "FROMLONLAT", ARGV[5], ARGV[6],
                            "BYRADIUS", ARGV[7], "mi", "WITHDIST")
    for _, pair in ipairs(near) do consider(indexes[i], pair[1], pair[2], -week, week) end
  end
  table.sort(found, by_start)
  if #found > n then bound = found[n][1] + extra end
else
  -- Read every index in slices of time from now, each twice as long as the last,
  -- until n fit; then on to `extra` minutes after the n-th.
  local low, high = -week, FIRST_SLICE
  while #found < n and low < week do
    for i, key in ipairs(KEYS) do slice(key, indexes[i], low, high) end
    low, high = high, high * 2
  end
  table.sort(found, by_start)
  if #found >= n then
    bound = found[n][1] + extra
    for i, key in ipairs(KEYS) do slice(key, indexes[i], low, bound + 1) end
    table.sort(found, by_start)
  end
end

-- With no clock change (extra 0) the order is final: the first n are the answer.
local out = {#found, bound}
for i, item in ipairs(found) do
  if bound >= 0 and (item[1] > bound or (extra == 0 and i > n)) then break end
  out[#out + 1] = item[5]
  if mode == "geo" then out[#out + 1] = item[6] end
end
return out
"""


def _plan(generation: Generation, query: MeetingQuery) -> _Plan | None:
    programs = frozenset(
        i for i, p in enumerate(generation.programs) if not query.programs or p in query.programs
    )
    if not programs:
        return None
    secular = frozenset(i for i in programs if generation.programs[i] in query.secular_programs)
    flags = tuple(FLAG_OF_WISH[w] for w in sorted(query.wishes))
    return _Plan(generation, programs, secular, flags)


def _within_reach(
    bounds: tuple[float, float, float, float] | None, place: ZipPlace, radius: float
) -> bool:
    """Whether a source's meetings (in this box) could be within `radius` of the place.

    Measured to the nearest point of the box, with a mile and a percent to spare for the
    curve of the Earth; a box across the antimeridian is always searched.
    """
    if bounds is None:
        return False
    south, west, north, east = bounds
    if east - west > 180:
        return True
    nearest = (min(max(place.latitude, south), north), min(max(place.longitude, west), east))
    return _miles(place.latitude, place.longitude, *nearest) <= radius * 1.01 + 1


def _miles(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    p1, p2 = math.radians(lat1), math.radians(lat2)
    a = (
        math.sin((p2 - p1) / 2) ** 2
        + math.cos(p1) * math.cos(p2) * math.sin(math.radians(lon2 - lon1) / 2) ** 2
    )
    return 2 * EARTH_RADIUS_MILES * math.asin(min(1.0, math.sqrt(a)))


def _candidate(
    plans: Mapping[str, _Plan], member: bytes, distance: bytes, clock: _Clock
) -> _Candidate | None:
    entry = IndexEntry.parse(member)
    plan = plans[entry.meeting_id.split(":", 1)[0]]
    if not plan.matches(entry):  # SELECT checked this too; cheap to be sure
        return None
    now = clock.zone(plan.generation.zones[entry.zone])
    until = wall_minutes_until(entry.minute_of_week, now.minute, now.lookback)
    return _Candidate(plan.generation, entry, float(distance) if distance else None, until)


def _rank(
    candidates: list[_Candidate], limit: int, clock: _Clock, covered: int | None
) -> tuple[list[_Candidate], bool]:
    """The candidates that can be among the first `limit`, with exact start times.

    Minutes from now to a start (counted from the start of this minute) are within
    `clock.shift` of its wall minutes, so once the `limit`-th is E minutes away, a
    candidate more than E + shift wall minutes away cannot reach it. `covered`: every
    candidate up to this many wall minutes ahead (exclusive) is known, or None: all
    are. The second value says whether that was far enough.
    """
    candidates.sort(key=lambda c: c.wall_until)
    shift = clock.shift
    timed: list[_Candidate] = []
    if not candidates:
        return timed, covered is None
    threshold = candidates[min(limit, len(candidates)) - 1].wall_until + shift
    done = 0
    while True:
        while done < len(candidates) and candidates[done].wall_until <= threshold:
            timed.append(_exact(candidates[done], clock))
            done += 1
        if len(timed) < limit:
            # Fewer candidates than wanted: all were timed; more may lie beyond `covered`.
            return timed, covered is None
        kth = sorted(c.order for c in timed)[limit - 1][0]
        need = clock.minutes_to(kth) + shift
        if need <= threshold or done == len(candidates):
            return timed, covered is None or need < covered
        threshold = need


def _exact(candidate: _Candidate, clock: _Clock) -> _Candidate:
    if candidate.starts_at is None:
        zone = candidate.generation.zones[candidate.entry.zone]
        starts = clock.start(zone, candidate.entry.minute_of_week)
        candidate.starts_at, candidate.starts_utc = starts, starts.astimezone(UTC)
    return candidate


def _finish(
    directory: Directory, timed: Iterable[_Candidate], clock: _Clock, limit: int
) -> tuple[Occurrence, ...]:
    """The first `limit` within the horizon; records are read only for those."""
    horizon = clock.utc + HORIZON
    chosen = sorted((c for c in timed if c.order[0] < horizon), key=lambda c: c.order)[:limit]
    meetings = directory.records([(c.generation, c.entry.meeting_id) for c in chosen])
    return tuple(
        Occurrence(
            meeting=m,
            starts_at=c.starts_at or clock.now,
            distance_miles=None if c.distance is None else round(c.distance, 1),
        )
        for c, m in zip(chosen, meetings, strict=True)
        if m is not None
    )
