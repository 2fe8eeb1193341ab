"""The next meetings that fit a caller: near their ZIP code, or online.

Ordered by when they start (each in its own zone, exact across DST), then by
distance, then by name (its first ten letters and digits; then by id).

Fast because little crosses the wire. Index members carry each meeting's
minute of week, zone, name rank, program and flags (see keys.py), so a short Lua
script, SELECT, picks inside Redis the soonest members that fit: from the geo
indexes of the sources near the ZIP code, or from every online index. One more
script call reads the records of the few returned. The live pointers are read
again only when an import has changed them.

Ranking needs no date arithmetic: occurrence.WeekClock turns a meeting's
minute of week into real minutes until it starts, exact across a clock change,
with a few integer sums that SELECT repeats for each member. Only the meetings
returned are timed with next_start, for their dates.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta
from functools import cache, lru_cache
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
    GRACE_MINUTES,
    MINUTES_PER_DAY,
    MINUTES_PER_WEEK,
    WeekClock,
    next_start,
    week_clock,
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

FIRST_SLICE_MINUTES = 5
"""SELECT reads online indexes in slices of time from now, each twice the last."""

CLOCK_CACHE_SIZE = 1_024
"""Zone clocks (and each source's list of them) last a minute; searches in it share them."""

WISHES = frozenset(FLAG_OF_WISH)


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


@dataclass(frozen=True, slots=True)
class _Candidate:
    """A member SELECT returned: the meeting, when it starts and how far it is."""

    generation: Generation
    entry: IndexEntry
    distance: float | None
    starts_at: datetime

    @property
    def order(self) -> tuple[datetime, float, int, bytes]:
        """Soonest first, then nearest, then by name (SELECT sorts the same way)."""
        return (
            self.starts_at.astimezone(UTC),
            self.distance or 0.0,
            self.entry.name_rank,
            self.entry.meeting_id.encode(),
        )


@dataclass(frozen=True, slots=True)
class _Plan:
    """How one generation answers a query: allowed program numbers and wish flags (SELECT
    filters index members with them)."""

    generation: Generation
    programs: frozenset[int]
    secular_programs: frozenset[int]
    flags: tuple[str, ...]

    @property
    def arg(self) -> str:
        """The query's part of SELECT's argument for this generation's keys."""
        programs = ",".join(map(str, sorted(self.programs)))
        secular = ",".join(map(str, sorted(self.secular_programs)))
        return f"{programs};{secular};{''.join(self.flags)}"

    def variant(self, sizes: Mapping[str, int]) -> str | None:
        """The smallest index variant holding every match, or None if it is empty."""
        options = [""] + [
            f for f in self.flags if not (f == "s" and self.secular_programs)
        ]  # a whole secular program is in the base index only
        best = min(options, key=lambda f: sizes.get(f, 0))
        return best if sizes.get(best, 0) else None


class _Clock:
    """`now` in each zone, worked out once per search (and per minute, across searches)."""

    def __init__(self, now: datetime) -> None:
        if now.tzinfo is None:
            raise ValueError("now must be an aware datetime")
        self.now = now
        self.minute_start = now.astimezone(UTC).replace(second=0, microsecond=0)
        self._starts: dict[tuple[str, int], datetime] = {}

    def zone(self, name: str) -> WeekClock:
        return _week_clock(name, self.minute_start)

    def arg(self, generation: Generation) -> str:
        """Each of a generation's zones' clock, as SELECT takes them."""
        return _clocks_arg(generation.zones, self.minute_start)

    def start(self, zone: str, minute_of_week: int) -> datetime:
        """The next start of a meeting at this wall time; many share one, so each is kept."""
        found = self._starts.get((zone, minute_of_week))
        if found is None:
            day, minute = divmod(minute_of_week, MINUTES_PER_DAY)
            found = next_start(day, time(minute // 60, minute % 60), _zone_info(zone), self.now)
            self._starts[(zone, minute_of_week)] = found
        return found


@cache
def _zone_info(name: str) -> ZoneInfo:
    """ZoneInfo keeps only 8 zones strongly; a search may see dozens, so keep them all."""
    return ZoneInfo(name)


@lru_cache(maxsize=CLOCK_CACHE_SIZE)
def _week_clock(zone: str, minute: datetime) -> WeekClock:
    return week_clock(_zone_info(zone), minute)


@lru_cache(maxsize=CLOCK_CACHE_SIZE)
def _clocks_arg(zones: tuple[str, ...], minute: datetime) -> str:
    return ",".join(
        f"{z}:{c.minute}:{c.lookback}:{c.cut}:{c.before}:{c.after}"
        for z, c in enumerate(_week_clock(name, minute) for name in zones)
    )


def search(directory: Directory | Redis, query: MeetingQuery, now: datetime) -> SearchResult:
    """The next `query.limit` meetings that fit, soonest first (see module doc)."""
    if (query.zip_code is None) == (not query.online):
        raise ValueError("a meeting query needs exactly one of zip_code and online")
    directory = directory if isinstance(directory, Directory) else Directory(directory)
    clock = _Clock(now)
    plans = [p for g in directory.live() if (p := _plan(g, query)) is not None]
    if query.online:
        online = [
            _Asked(plan, (plan.generation.online_key(group, variant),), group=group)
            for plan in plans
            for group, sizes in plan.generation.online.items()
            if (variant := plan.variant(sizes)) is not None
        ]
        found, _ = _select(directory, online, query.limit, clock, place=None)
        return SearchResult(_finish(directory, found, clock, query.limit), None, None, False)
    assert query.zip_code is not None
    place = zip_place(query.zip_code)
    near = [
        _Asked(plan, tuple(plan.generation.geo_keys(variant)))
        for plan in plans
        if _within_reach(plan.generation.bounds, place, RADII_MILES[-1])
        and (variant := plan.variant(plan.generation.geo)) is not None
    ]
    found, radius = _select(directory, near, query.limit, clock, place)
    occurrences = _finish(directory, found, clock, query.limit)
    return SearchResult(occurrences, place, radius, radius != RADII_MILES[0])


@dataclass(frozen=True, slots=True)
class _Asked:
    """One index to read: a generation's geo indexes (one a day), or its online index of
    a clock group."""

    plan: _Plan
    keys: tuple[str, ...]
    group: str | None = None

    def arg(self, clock: _Clock) -> str:
        """This index's argument to SELECT (see the script)."""
        generation = self.plan.generation
        base, spread = 0, 0
        if self.group is not None:
            zones = [z for z, group in enumerate(generation.groups) if group == self.group]
            nows = [clock.zone(generation.zones[z]).minute for z in zones]
            base, spread = _score_base(nows, [generation.offsets[z] for z in zones])
        return f"{len(self.keys)};{self.plan.arg};{clock.arg(generation)};{base}:{spread}"


def _score_base(nows: Sequence[int], offsets: Sequence[int]) -> tuple[int, int]:
    """Where now falls on an online index's time line, for each of its zones: the
    earliest of those scores, and how much later the latest is (0 but in the hours its
    zones change their clocks one after another)."""
    bases = [(now - off) % MINUTES_PER_WEEK for now, off in zip(nows, offsets, strict=True)]
    half = MINUTES_PER_WEEK // 2
    apart = [(b - bases[0] + half) % MINUTES_PER_WEEK - half for b in bases]
    return (bases[0] + min(apart)) % MINUTES_PER_WEEK, max(apart) - min(apart)


def _select(
    directory: Directory, asked: Sequence[_Asked], limit: int, clock: _Clock, place: ZipPlace | None
) -> tuple[list[_Candidate], float]:
    """The first `limit` members that fit, as SELECT picks them; and near a place, the
    radius it searched, widened while fewer fit."""
    if not asked:
        return [], RADII_MILES[-1]
    radii = ",".join(f"{r:g}" for r in RADII_MILES)
    where: list[str | float] = (
        ["geo", place.longitude, place.latitude, radii] if place else ["online", "", "", ""]
    )
    per_index = [a.arg(clock) for a in asked]
    zones = {z for a in asked for z in a.plan.generation.zones}
    sooner = max(clock.zone(z).sooner for z in zones)
    script = directory.script(SELECT)
    reply = script(
        keys=[key for a in asked for key in a.keys],
        args=[
            where[0],
            limit,
            MINUTES_PER_WEEK,
            GRACE_MINUTES,
            sooner,
            FIRST_SLICE_MINUTES,
            *where[1:],
            *per_index,
        ],
    )
    radius, members = float(reply[0]), reply[1:]
    plans = {a.plan.generation.source_id: a.plan for a in asked}
    pairs = zip(members[::2], members[1::2], strict=True) if place else ((m, b"") for m in members)
    return [_candidate(plans, member, distance, clock) for member, distance in pairs], radius


SELECT = """
-- The first n index members that fit a query, in search.py's order, so only those
-- cross the wire.
-- ARGV: mode ("geo" or "online"), n, minutes per week, grace minutes, "sooner" (the
-- most real minutes may be below wall minutes), the first online slice's minutes,
-- longitude, latitude, radii (miles, comma separated; geo only), then one per index:
-- "keys;programs;secular;flags;clocks;base:spread": how many of KEYS are its own
-- (in order: geo, 7, one a day from Sunday; online, 1), the allowed program numbers
-- (comma separated), those counted secular, wish flags that must all hold, each
-- zone's clock "zone:now:lookback:cut:before:after" (occurrence.WeekClock), and
-- (online) the score now has for the earliest of the index's zones and how much
-- later it is for the latest.
-- Returns: the radius searched (geo: the first within which n fit, else the last),
-- then the first n members (geo: each followed by its distance).
local mode, n, week, grace = ARGV[1], tonumber(ARGV[2]), tonumber(ARGV[3]), tonumber(ARGV[4])
local sooner, first_slice = tonumber(ARGV[5]), tonumber(ARGV[6])
local FIRST, DAY = 10, 1440

local function set_of(csv)
  local set = {}
  for item in string.gmatch(csv, "[^,]+") do set[item] = true end
  return set
end

local indexes, taken = {}, 0
for i = FIRST, #ARGV do
  local count, programs, secular, flags, clocks, base, spread = string.match(ARGV[i],
    "^(%d+);([^;]*);([^;]*);([^;]*);([^;]*);(%d+):(%d+)$")
  local index = {programs = set_of(programs), secular = set_of(secular), flags = flags,
                 clocks = {}, base = tonumber(base), spread = tonumber(spread), back = 0,
                 keys = {}}
  for zone, now, back, cut, before, after in
      string.gmatch(clocks, "(%d+):(%d+):(%d+):(%-?%d+):(%-?%d+):(%-?%d+)") do
    index.clocks[zone] = {tonumber(now), tonumber(back), tonumber(cut), tonumber(before),
                          tonumber(after)}
    index.back = math.max(index.back, tonumber(back))
  end
  for k = 1, tonumber(count) do index.keys[k] = KEYS[taken + k] end
  taken = taken + tonumber(count)
  indexes[#indexes + 1] = index
end

-- Minutes until a meeting starts, counted from the start of this minute, as
-- occurrence.WeekClock.until works them out; and its wall minutes.
local function minutes_until(clock, mow)
  local wall = (mow - clock[1]) % week
  if wall >= week - clock[2] then wall = wall - week end
  local real = wall + ((wall < clock[3]) and clock[4] or clock[5])
  if real <= -grace then
    local later = wall + week
    return later + ((later < clock[3]) and clock[4] or clock[5]), wall
  end
  return real, wall
end

-- Ids in byte order, as Python orders bytes: Lua's < follows the server's locale.
local function bytes_before(a, b)
  for i = 1, math.min(#a, #b) do
    local x, y = string.byte(a, i), string.byte(b, i)
    if x ~= y then return x < y end
  end
  return #a < #b
end

-- Soonest, nearest, then by name rank, then id: the order search.py sorts in.
local function before(x, y)
  if x[1] ~= y[1] then return x[1] < y[1] end
  if x[2] ~= y[2] then return x[2] < y[2] end
  if x[3] ~= y[3] then return x[3] < y[3] end
  return bytes_before(x[4], y[4])
end

-- The first n fitting members so far, in order; later ones are not looked at further.
local top = {}

-- Keep the member if it fits the query, is among the first n so far, and starts `low`
-- to `high` wall minutes from now (each online slice reads a little more than that;
-- this keeps only its own).
local function consider(index, member, distance, low, high)
  local mow, zone, rank = string.match(member, "^(%d+)|(%d+)|(%d+)|")
  local real, wall = minutes_until(index.clocks[zone], tonumber(mow))
  if wall < low or wall >= high then return end
  local miles, order = tonumber(distance) or 0, tonumber(rank)
  local worst = top[n]
  if worst and (real > worst[1] or (real == worst[1] and
      (miles > worst[2] or (miles == worst[2] and order > worst[3])))) then
    return  -- after the n-th on start, distance and name: no need to read further
  end
  local program, flags, id = string.match(member, "^%d+|%d+|%d+|(%d+)|(%a*)|(.*)$")
  if not index.programs[program] then return end
  for j = 1, #index.flags do
    local flag = string.sub(index.flags, j, j)
    if not string.find(flags, flag, 1, true) and not (flag == "s" and index.secular[program]) then
      return
    end
  end
  local item = {real, miles, order, id, member, distance}
  if worst and not before(item, worst) then return end
  local at = #top + 1
  while at > 1 and before(item, top[at - 1]) do
    top[at] = top[at - 1]
    at = at - 1
  end
  top[at] = item
  top[n + 1] = nil
end

-- An online index's members `low` to `high` wall minutes from now, read by score:
-- one range, or two across the end of the week (a little more while its zones are
-- changing their clocks one after another).
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

-- A day's geo index near the place; each is read once per radius.
local function near(index, day, within)
  if index.read[day] then return end
  index.read[day] = true
  local found = redis.call("GEOSEARCH", index.keys[day + 1], "FROMLONLAT", ARGV[7], ARGV[8],
                           "BYRADIUS", within, "mi", "WITHDIST")
  for _, pair in ipairs(found) do consider(index, pair[1], pair[2], -week, week) end
end

local radius = 0
if mode == "geo" then
  for within in string.gmatch(ARGV[9], "[^,]+") do
    radius, top = within, {}
    for _, index in ipairs(indexes) do index.read = {} end
    -- Day by day from today (and yesterday's last minutes, just after midnight) in
    -- each zone, until the n-th is certain: every day up to `sooner` minutes past it
    -- has been read.
    for step = 0, 6 do
      local covered = math.huge
      for _, index in ipairs(indexes) do
        for _, clock in pairs(index.clocks) do
          local today, minute = math.floor(clock[1] / DAY), clock[1] % DAY
          if step == 0 and minute < clock[2] then near(index, (today + 6) % 7, within) end
          near(index, (today + step) % 7, within)
          covered = math.min(covered, (step + 1) * DAY - minute)
        end
      end
      if #top >= n and covered > top[n][1] + sooner then break end
    end
    if #top >= n then break end
  end
else
  -- Slices of time from now, each twice the last, until the n-th is certain: every
  -- member up to `sooner` wall minutes past it has been read.
  local low, high = -week, first_slice
  while low < week and (#top < n or low <= top[n][1] + sooner) do
    for _, index in ipairs(indexes) do slice(index.keys[1], index, low, high) end
    low, high = high, high * 2
  end
end

local out = {radius}
for _, item in ipairs(top) do
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
) -> _Candidate:
    entry = IndexEntry.parse(member)
    generation = plans[entry.meeting_id.split(":", 1)[0]].generation
    starts = clock.start(generation.zones[entry.zone], entry.minute_of_week)
    return _Candidate(generation, entry, float(distance) if distance else None, starts)


def _finish(
    directory: Directory, found: Iterable[_Candidate], clock: _Clock, limit: int
) -> tuple[Occurrence, ...]:
    """The first `limit` within the horizon; records are read only for those."""
    horizon = clock.now.astimezone(UTC) + HORIZON  # UTC: one zone's datetimes compare by wall
    chosen = sorted((c for c in found if c.order[0] < horizon), key=lambda c: c.order)[:limit]
    meetings = directory.records([(c.generation, c.entry.meeting_id) for c in chosen])
    return tuple(
        Occurrence(
            meeting=m,
            starts_at=c.starts_at,
            distance_miles=None if c.distance is None else round(c.distance, 1),
        )
        for c, m in zip(chosen, meetings, strict=True)
        if m is not None
    )
