"""Who is on call at an instant: weekly shifts, rotations and overrides, by staff name.

Pure: standard library only, no I/O and no clock (callers pass `at`).

Every time in a roster is a wall-clock time in the roster's one zone. Each
boundary (a shift's start or end, a hand-off, an override's from/until) is
turned into an instant, and `at` is compared with instants in UTC, never wall
clock with wall clock. So every boundary happens exactly once, even on the
nights the clocks change:

- a wall time the clock skips (spring forward: 02:30 in America/Los_Angeles on
  2026-03-08) happens when the clock jumps past it, at 03:00 PDT: a shift
  ending 02:30 ends then and one starting 02:30 starts then;
- a wall time the clock shows twice (fall back: 01:30 on 2026-11-01) means its
  first showing: the repeated hour belongs to whoever is on after that moment,
  and nobody is handed over twice.

A shift that spans the change simply runs 7 or 9 real hours instead of 8, and
a daily 09:00 hand-off stays at 09:00 (that turn lasts 23 or 25 hours).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

MINUTES_PER_DAY = 24 * 60
EVERY_DAY = frozenset(range(7))
"""Days as `date.weekday()` numbers them: 0 = Monday ... 6 = Sunday."""

_ONE_SECOND = timedelta(seconds=1)


def local_instant(wall: datetime, zone: ZoneInfo) -> datetime:
    """The instant (aware, UTC) a naive wall-clock time in `zone` happens, as described above."""
    first = wall.replace(tzinfo=zone, fold=0).astimezone(UTC)
    if _wall(first, zone) == wall:
        return first  # it exists; fold=0 is the first showing of a repeated time
    # Skipped by a jump forward. fold=1 reads it with the offset after the jump, an instant
    # before the jump; search between the two for the moment the clock passes `wall`.
    before = wall.replace(tzinfo=zone, fold=1).astimezone(UTC)
    low, high = 0, int((first - before) / _ONE_SECOND)
    if high <= 0:  # pragma: no cover - no zone jumps backwards into a gap
        return first
    while high - low > 1:
        middle = (low + high) // 2
        if _wall(before + middle * _ONE_SECOND, zone) >= wall:
            high = middle
        else:
            low = middle
    return before + high * _ONE_SECOND


def _wall(instant: datetime, zone: ZoneInfo) -> datetime:
    return instant.astimezone(zone).replace(tzinfo=None)


def _at(day: date, minute: int, zone: ZoneInfo) -> datetime:
    """`minute` minutes after midnight starting `day` (may run into later days), as an instant."""
    extra_days, minute = divmod(minute, MINUTES_PER_DAY)
    wall = datetime.combine(day + timedelta(days=extra_days), time(minute // 60, minute % 60))
    return local_instant(wall, zone)


@dataclass(frozen=True, slots=True)
class Window:
    """A weekly stretch of wall-clock time: from `start` on each of `days` until `end`.

    Minutes after midnight; an `end` at or before the `start` is on the next day,
    so 22:00-06:00 is one overnight stretch and `days` names the day it starts.
    `end` may be 1440 (24:00).
    """

    start: int
    end: int
    days: frozenset[int] = EVERY_DAY

    @property
    def minutes(self) -> int:
        """How long it lasts on the wall clock: 1 minute to 24 hours."""
        return (self.end - self.start) % MINUTES_PER_DAY or MINUTES_PER_DAY

    def covers(self, at: datetime, zone: ZoneInfo) -> bool:
        at = at.astimezone(UTC)
        today = at.astimezone(zone).date()
        # Yesterday for overnight stretches; tomorrow too, which costs little and stays
        # right in zones whose clocks change at midnight.
        for offset in (-1, 0, 1):
            day = today + timedelta(days=offset)
            if day.weekday() not in self.days:
                continue
            if _at(day, self.start, zone) <= at < _at(day, self.start + self.minutes, zone):
                return True
        return False


ALL_THE_TIME = Window(start=0, end=MINUTES_PER_DAY)


@dataclass(frozen=True, slots=True)
class Shift:
    """These people, in this order, during the window."""

    staff: tuple[str, ...]
    window: Window

    def on_call(self, at: datetime, zone: ZoneInfo) -> tuple[str, ...]:
        return self.staff if self.window.covers(at, zone) else ()


@dataclass(frozen=True, slots=True)
class Rotation:
    """One person at a time, taking turns in list order every `every_days` days.

    `start` is the first hand-off (naive, wall clock in the roster's zone): then
    `staff[0]` takes over, and each hand-off after is at the same wall-clock
    time. Before `start` the turns count backwards (`staff[-1]` hands over to
    `staff[0]` at `start`). With a `window`, the person whose turn it is is on
    call only during it.
    """

    name: str
    staff: tuple[str, ...]
    every_days: int
    start: datetime
    window: Window | None = None

    def handoff(self, turn: int, zone: ZoneInfo) -> datetime:
        """The instant turn number `turn` begins (0 is `start`)."""
        return local_instant(self.start + turn * timedelta(days=self.every_days), zone)

    def turn(self, at: datetime, zone: ZoneInfo) -> int:
        """The number of the turn under way at `at`."""
        at = at.astimezone(UTC)
        turn = (_wall(at, zone) - self.start) // timedelta(days=self.every_days)
        # The wall-clock estimate is off by at most one turn around a clock change.
        while self.handoff(turn, zone) > at:
            turn -= 1
        while self.handoff(turn + 1, zone) <= at:
            turn += 1
        return turn

    def on_duty(self, at: datetime, zone: ZoneInfo) -> str:
        return self.staff[self.turn(at, zone) % len(self.staff)]

    def on_call(self, at: datetime, zone: ZoneInfo) -> tuple[str, ...]:
        if self.window is not None and not self.window.covers(at, zone):
            return ()
        return (self.on_duty(at, zone),)


Layer = Shift | Rotation


@dataclass(frozen=True, slots=True)
class Override:
    """From `start` until `until` (instants): `staff` replaces someone, is added, or is off."""

    staff: str
    start: datetime
    until: datetime
    replaces: str | None = None
    off: bool = False

    def active(self, at: datetime) -> bool:
        return self.start <= at < self.until

    def apply(self, ladder: Sequence[str]) -> list[str]:
        if self.off:
            return [name for name in ladder if name != self.staff]
        if self.replaces is None:
            return [*ladder] if self.staff in ladder else [*ladder, self.staff]
        # As in GoAlert: a replacement only counts while the replaced person is on call.
        swapped = (self.staff if name == self.replaces else name for name in ladder)
        return unique(swapped)


def unique(names: Iterable[str]) -> list[str]:
    """In order, each name once, at its first place."""
    return list(dict.fromkeys(names))


def on_call(
    everyone: Sequence[str],
    layers: Sequence[Layer],
    overrides: Sequence[Override],
    zone: ZoneInfo,
    at: datetime,
) -> list[str]:
    """Names on call at `at`, in ladder order.

    Without layers, `everyone` is on call, in order. Otherwise each layer in
    turn adds the people it has on call, in its order, each name at its first
    place. Then the overrides active at `at` apply, in order.
    """
    if at.tzinfo is None:
        raise ValueError("`at` must be timezone-aware")
    at = at.astimezone(UTC)
    if layers:
        ladder = unique(name for layer in layers for name in layer.on_call(at, zone))
    else:
        ladder = unique(everyone)
    for override in overrides:
        if override.active(at):
            ladder = override.apply(ladder)
    return ladder
