"""Meeting directory benchmark (issue 3): import rate and search latency at 100,000 meetings.

    .venv/bin/python -m bench.meetings [--meetings 100000] [--searches 2000] [--json]

Builds synthetic Meeting Guide feeds spread over the US, imports them into a private
redis-server through the real path (meeting_guide.parse, then Directory.sync), then times
ZIP and online searches. Each figure has a bare baseline measured in the same run on the
same Redis; the ratio between them is what to compare across machines (bench/README.md).
"""

from __future__ import annotations

import argparse
import gc
import hashlib
import importlib
import itertools
import json
import math
import os
import platform
import random
import sys
import time
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import redis
import zipcodes
from rich.console import Console
from rich.table import Table

from bench import stack
from helpline.errors import PlaceError
from helpline.meetings.directory import BATCH_SIZE, Directory, SyncReport
from helpline.meetings.importers.meeting_guide import parse
from helpline.meetings.places import ZipPlace, zip_place
from helpline.meetings.record import Entry
from helpline.meetings.search import MAX_LIMIT, MeetingQuery, search
from helpline.meetings.source import FeedFormat, Source
from helpline.programs.catalogue import load_catalogue
from helpline.redis_server import PrivateRedis

SEED = 20260609
PROGRAMS = ("aa", "na", "al_anon", "smart")
"""One national feed per program, each a quarter of the meetings, read in its own dialect."""
IMPORTED_AT = datetime(2026, 6, 9, 19, 0, tzinfo=UTC)
SEARCH_FROM = datetime(2026, 1, 1, tzinfo=UTC)
SEARCH_SPAN_SECONDS = int(timedelta(days=365).total_seconds())
"""Searches run at random instants over a year, so DST weeks and every weekday come up."""

TARGET_IMPORT_RATE = 10_000
"""Meetings a second, parse and sync end to end (issue 3)."""
TARGET_SEARCH_P99_MS = 5.0

CELL_DEGREES = 0.1
"""ZIP density in cells this size (about 7 by 5 miles) stands in for population, which the
zipcodes package does not carry: a ZIP's weight is the square root of the ZIPs in its cell."""
JITTER_MILES = 3.0
MILES_PER_DEGREE = 69.05
ONLINE_SHARE = 0.20
HYBRID_SHARE = 0.08
CLOSED_SHARE = 0.02
"""Temporarily closed (TC): half of them meet online meanwhile, half are inactive."""
BASELINE_REPEATS = 3
BASELINE_RADIUS_MILES = 10.0
BASELINE_COUNT = 50
WARMUP_SEARCHES = 200
FILTERS = ("none", "programs", "secular", "spanish")
PROGRAM_CHOICES = (
    frozenset({"aa"}),
    frozenset({"na"}),
    frozenset({"aa", "al_anon"}),
    frozenset({"na", "smart"}),
)
CATALOGUE = Path(__file__).resolve().parents[1] / "flows" / "programs.yaml"
IMPORT_CACHES = (
    ("helpline.meetings.zones", "_zone_at"),
    ("helpline.meetings.zones", "_zone_of_zip"),
    ("helpline.meetings.zones", "_zone_name"),
    ("helpline.meetings.days", "_parse_clock"),
    ("helpline.meetings.scrub", "_scrub"),
    ("helpline.meetings.directory", "_zone_ok"),
)
"""Cleared before each import phase, so every phase starts as cold as a fresh worker."""

# -- synthetic feeds --------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Dialect:
    """The type codes a program's feed writes for the same ideas."""

    speaker: str
    newcomer: str
    step: str
    spanish: str
    secular: str | None


DIALECTS = {
    "aa": Dialect("SP", "BE", "ST", "S", "A"),
    "na": Dialect("SPK", "BEG", "STEP", "ES", None),
    "al_anon": Dialect("SP", "BE", "ST", "S", "A"),
    "smart": Dialect("SP", "BE", "ST", "ES", None),
}
NAMES = (
    "Serenity", "Hope", "Freedom", "Primary Purpose", "Happy Destiny", "Keep It Simple",
    "Big Book", "Sunrise", "Noon", "Candlelight", "Back to Basics", "Living Sober",
    "Just for Today", "Came to Believe", "Easy Does It", "One Day at a Time", "New Beginnings",
    "Courage to Change", "Into Action", "Spiritual Awakening", "Clean and Serene", "Lifeline",
)  # fmt: skip
NAME_ENDINGS = ("Group", "Meeting", "Step Study", "Speaker Meeting", "Discussion", "Fellowship")
PLACES = (
    "St. Mark's Church", "Community Center", "First Methodist Church", "Alano Club",
    "Public Library", "Grace Lutheran Church", "Fellowship Hall", "YMCA", "Recovery Center",
)  # fmt: skip
STREETS = (
    "Main St", "Oak Ave", "Maple St", "Church St", "Elm St", "Park Ave", "Washington Blvd",
    "Lincoln Rd", "2nd St", "Broadway", "Pine St", "Cedar Ln",
)  # fmt: skip
HOURS = (6, 7, 8, 9, 10, 11, 12, 13, 15, 17, 18, 19, 20, 21, 22)
HOURS_CUM = tuple(itertools.accumulate((3, 8, 5, 3, 5, 2, 10, 2, 1, 5, 10, 14, 12, 5, 2)))
MINUTES = (0, 30, 15, 45)
MINUTES_CUM = tuple(itertools.accumulate((70, 24, 3, 3)))


@dataclass(frozen=True, slots=True)
class ZipRow:
    code: str
    latitude: float
    longitude: float
    city: str
    state: str


@dataclass(frozen=True, slots=True)
class ZipTable:
    rows: list[ZipRow]
    cum_weights: list[float]

    def sample(self, rng: random.Random, k: int) -> list[ZipRow]:
        return rng.choices(self.rows, cum_weights=self.cum_weights, k=k)


@dataclass(frozen=True, slots=True)
class Feed:
    source: Source
    payload: bytes
    blobs: list[bytes]
    """Each entry as its own JSON, for the bare HSET baseline."""
    meetings: int


def zip_table() -> ZipTable:
    """Active standard ZIPs with real coordinates, weighted towards where people live."""
    every: list[dict[str, Any]] = zipcodes.list_all()  # type: ignore[no-untyped-call]
    placed = [r for r in every if float(r["lat"]) != 0 or float(r["long"]) != 0]
    cells = Counter(_cell(float(r["lat"]), float(r["long"])) for r in placed)
    rows = [
        ZipRow(r["zip_code"], float(r["lat"]), float(r["long"]), r["city"], r["state"])
        for r in placed
        if r["active"] and r["zip_code_type"] == "STANDARD"
    ]
    weights = (math.sqrt(cells[_cell(r.latitude, r.longitude)]) for r in rows)
    table = ZipTable(rows, list(itertools.accumulate(weights)))
    # list_all() keeps its 42,000 dicts for the life of the process; the helpline never calls
    # it (ZIP lookups go through matching()), and that many objects would make each full
    # garbage collection during the searches cost about 170 ms, which the helpline does not pay.
    if hasattr(zipcodes, "_zips_cache"):
        zipcodes._zips_cache = None
    return table


def _cell(latitude: float, longitude: float) -> tuple[int, int]:
    return math.floor(latitude / CELL_DEGREES), math.floor(longitude / CELL_DEGREES)


def build_feeds(meetings: int, table: ZipTable, rng: random.Random) -> list[Feed]:
    counts = [meetings // len(PROGRAMS)] * len(PROGRAMS)
    counts[0] += meetings - sum(counts)
    feeds = []
    for program, count in zip(PROGRAMS, counts, strict=True):
        source = Source(
            id=f"bench-{program.replace('_', '-')}",
            program=program,
            format=FeedFormat.MEETING_GUIDE,
            location=f"synthetic:{program}",
        )
        blobs = [
            json.dumps(_entry(program, number, row, rng), separators=(",", ":")).encode()
            for number, row in enumerate(table.sample(rng, count))
        ]
        feeds.append(Feed(source, b"[" + b",".join(blobs) + b"]", blobs, count))
    return feeds


def _entry(program: str, number: int, row: ZipRow, rng: random.Random) -> dict[str, Any]:
    """One Meeting Guide entry, shaped like the TSML plugin's (one weekday each)."""
    slug = f"{program}-{number:06d}"
    hour = rng.choices(HOURS, cum_weights=HOURS_CUM)[0]
    minute = rng.choices(MINUTES, cum_weights=MINUTES_CUM)[0]
    end = (hour * 60 + minute + (90 if rng.random() < 0.25 else 60)) % 1440
    entry: dict[str, Any] = {
        "slug": slug,
        "name": f"{rng.choice(NAMES)} {rng.choice(NAME_ENDINGS)}",
        "day": rng.randrange(7),
        "time": f"{hour:02d}:{minute:02d}",
        "end_time": f"{end // 60:02d}:{end % 60:02d}",
        "types": _types(DIALECTS[program], rng),
        "city": row.city.title(),
        "state": row.state,
        "postal_code": row.code,
        "country": "US",
        "region": row.city.title(),
        "url": f"https://meetings.example.org/{program}/{slug}/",
        "updated": f"2026-{rng.randint(1, 5):02d}-{rng.randint(1, 28):02d} 12:{minute:02d}:07",
    }
    roll = rng.random()
    zoom = f"https://us02web.zoom.us/j/{rng.randrange(10**9, 10**11)}"
    if roll < ONLINE_SHARE:
        entry.update(_online(row, zoom))
    else:
        entry.update(_in_person(row, rng))
        if roll < ONLINE_SHARE + HYBRID_SHARE:
            entry["conference_url"] = zoom
    if rng.random() < CLOSED_SHARE:
        entry["types"].append("TC")
        if rng.random() < 0.5:
            entry["conference_url"] = zoom
    if rng.random() < 0.3:
        entry["notes"] = "Literature available. Newcomers welcome; coffee from 15 minutes before."
    return entry


def _types(dialect: Dialect, rng: random.Random) -> list[str]:
    chances = [
        ("O", 0.55),
        ("D", 0.4),
        (dialect.speaker, 0.2),
        (dialect.newcomer, 0.1),
        (dialect.step, 0.15),
        ("X", 0.3),
        ("LGBTQ", 0.02),
        (dialect.spanish, 0.07),
    ]
    if dialect.secular:
        chances.append((dialect.secular, 0.04))
    types = [code for code, chance in chances if rng.random() < chance]
    if "O" not in types and rng.random() < 0.9:
        types.append("C")
    gender = rng.random()
    if gender < 0.05:
        types.append("W")
    elif gender < 0.10:
        types.append("M")
    return types


def _online(row: ZipRow, zoom: str) -> dict[str, Any]:
    """Online only: the group's home town as an approximate location (it gives the zone)."""
    return {
        "location": "Online",
        "formatted_address": f"{row.city.title()}, {row.state} {row.code}, USA",
        "latitude": row.latitude,
        "longitude": row.longitude,
        "approximate": "yes",
        "conference_url": zoom,
        "conference_url_notes": "Passcode: serenity",
    }


def _in_person(row: ZipRow, rng: random.Random) -> dict[str, Any]:
    """An exact address up to JITTER_MILES from the ZIP's centre (uniform over the disc)."""
    miles = JITTER_MILES * math.sqrt(rng.random())
    angle = rng.random() * math.tau
    latitude = row.latitude + miles * math.cos(angle) / MILES_PER_DEGREE
    longitude = row.longitude + miles * math.sin(angle) / (
        MILES_PER_DEGREE * math.cos(math.radians(row.latitude))
    )
    street = f"{rng.randint(1, 9999)} {rng.choice(STREETS)}"
    entry: dict[str, Any] = {
        "location": rng.choice(PLACES),
        "address": street,
        "formatted_address": f"{street}, {row.city.title()}, {row.state} {row.code}, USA",
        "latitude": round(latitude, 6),
        "longitude": round(longitude, 6),
        "approximate": "no",
    }
    if rng.random() < 0.2:
        entry["location_notes"] = "Side door, downstairs in the fellowship hall."
    return entry


# -- import -------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Timing:
    seconds: float
    meetings: int

    @property
    def rate(self) -> float:
        return self.meetings / self.seconds

    def to_dict(self, baseline: Timing | None = None) -> dict[str, float]:
        data = {"seconds": round(self.seconds, 3), "meetings_per_s": round(self.rate)}
        if baseline is not None:
            data["vs_baseline_time"] = round(self.seconds / baseline.seconds, 2)
            data["rate_vs_baseline"] = round(self.rate / baseline.rate, 4)
        return data


def clear_import_caches() -> None:
    for module_name, name in IMPORT_CACHES:
        cached = getattr(importlib.import_module(module_name), name, None)
        clear: Callable[[], None] | None = getattr(cached, "cache_clear", None)
        if clear is not None:
            clear()


def timed_syncs(
    directory: Directory, feeds: Sequence[Feed], entries: Callable[[Feed], Iterable[Entry]]
) -> tuple[Timing, list[SyncReport]]:
    clear_import_caches()
    gc.collect()
    reports = []
    start = time.perf_counter()
    for feed in feeds:
        reports.append(directory.sync(feed.source, entries(feed), now=IMPORTED_AT))
    return Timing(time.perf_counter() - start, sum(f.meetings for f in feeds)), reports


def timed_parse(feeds: Sequence[Feed]) -> tuple[Timing, dict[str, list[Entry]]]:
    clear_import_caches()
    gc.collect()
    parsed = {}
    start = time.perf_counter()
    for feed in feeds:
        parsed[feed.source.id] = list(parse(feed.payload, feed.source))
    return Timing(time.perf_counter() - start, sum(f.meetings for f in feeds)), parsed


def timed_hset(client: redis.Redis, feeds: Sequence[Feed]) -> Timing:
    """The bare baseline: the same number of JSON blobs, pipelined HSET in sync's batch size.

    Best of BASELINE_REPEATS: a baseline of a fraction of a second is easily disturbed, and
    a slow one would flatter every ratio.
    """
    blobs = [(f"{f.source.id}:{n}", blob) for f in feeds for n, blob in enumerate(f.blobs)]
    batches = [dict(blobs[i : i + BATCH_SIZE]) for i in range(0, len(blobs), BATCH_SIZE)]
    key = "bench:baseline:hset"
    best = math.inf
    for _ in range(BASELINE_REPEATS):
        start = time.perf_counter()
        for batch in batches:
            with client.pipeline(transaction=False) as pipe:
                pipe.hset(key, mapping=batch)  # type: ignore[arg-type]
                pipe.execute()
        best = min(best, time.perf_counter() - start)
        client.delete(key)
    return Timing(best, len(blobs))


def check_reports(reports: Sequence[SyncReport], feeds: Sequence[Feed], unchanged: bool) -> None:
    """The figures are only worth reading if every synthetic meeting was kept as meant."""
    for report, feed in zip(reports, feeds, strict=True):
        problems = []
        if report.kept != feed.meetings or report.rejected.total():
            problems.append(f"kept {report.kept} of {feed.meetings}: {report.reject_samples}")
        if report.unplaced:
            problems.append(f"{report.unplaced} unplaced")
        if unchanged and report.unchanged != feed.meetings:
            problems.append(f"{report.unchanged} unchanged on refresh")
        if problems:
            raise SystemExit(f"{feed.source.id}: " + "; ".join(problems))


def run_imports(
    client: redis.Redis, feeds: Sequence[Feed], say: Callable[[str], None]
) -> dict[str, Any]:
    directory = Directory(client)
    say("parse only")
    parse_only, parsed = timed_parse(feeds)
    say("sync only (pre-parsed meetings, empty Redis)")
    client.flushall()
    sync_only, reports = timed_syncs(directory, feeds, lambda f: parsed[f.source.id])
    check_reports(reports, feeds, unchanged=False)
    parsed.clear()
    client.flushall()
    say("import: parse + sync, empty Redis")
    import_, reports = timed_syncs(directory, feeds, lambda f: parse(f.payload, f.source))
    check_reports(reports, feeds, unchanged=False)
    memory = int(client.info("memory")["used_memory"])
    say("refresh: the same feeds again (nothing changed)")
    refresh, reports = timed_syncs(directory, feeds, lambda f: parse(f.payload, f.source))
    check_reports(reports, feeds, unchanged=True)
    say("baseline: pipelined HSET of the same number of JSON blobs")
    hset = timed_hset(client, feeds)
    return {
        "import": import_.to_dict(hset),
        "parse_only": parse_only.to_dict(hset),
        "sync_only": sync_only.to_dict(hset),
        "refresh": refresh.to_dict(hset),
        "baseline_hset": hset.to_dict(),
        "redis_used_memory_mb": round(memory / 2**20, 1),
    }


# -- search -------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Probe:
    place: ZipPlace
    now: datetime
    filter: str
    query: MeetingQuery
    """Without zip_code or online: the template both searches are made from."""


@dataclass(frozen=True, slots=True)
class Latency:
    count: int
    p50: float
    p90: float
    p99: float
    max: float
    mean: float

    @classmethod
    def of(cls, samples_ns: Sequence[int]) -> Latency:
        ms = sorted(s / 1e6 for s in samples_ns)

        def at(q: float) -> float:
            return ms[max(0, math.ceil(q * len(ms)) - 1)]

        return cls(len(ms), at(0.5), at(0.9), at(0.99), ms[-1], sum(ms) / len(ms))

    def to_dict(self, baseline: Latency | None = None) -> dict[str, float]:
        data: dict[str, float] = {
            "count": self.count,
            "p50_ms": round(self.p50, 3),
            "p90_ms": round(self.p90, 3),
            "p99_ms": round(self.p99, 3),
            "max_ms": round(self.max, 3),
            "mean_ms": round(self.mean, 3),
        }
        if baseline is not None:
            data["p50_vs_geosearch"] = round(self.p50 / baseline.p50, 2)
            data["p99_vs_geosearch"] = round(self.p99 / baseline.p99, 2)
        return data


def make_probes(
    table: ZipTable, count: int, rng: random.Random, *, secular: frozenset[str], limit: int
) -> tuple[list[Probe], list[int]]:
    """Searches to run, and how long each ZIP's first (uncached) lookup took."""
    probes: list[Probe] = []
    cold: list[int] = []
    seen: set[str] = set()
    while len(probes) < count:
        row = table.sample(rng, 1)[0]
        start = time.perf_counter_ns()
        try:
            place = zip_place(row.code)
        except PlaceError:
            continue  # a ZIP the lookup cannot place: not one a caller's search would reach
        if row.code not in seen:  # later lookups of the same ZIP are cache hits
            cold.append(time.perf_counter_ns() - start)
            seen.add(row.code)
        kind = FILTERS[len(probes) % len(FILTERS)]
        query = MeetingQuery(secular_programs=secular, limit=limit)
        if kind == "programs":
            query = replace(query, programs=rng.choice(PROGRAM_CHOICES))
        elif kind != "none":
            query = replace(query, wishes=frozenset({kind}))
        now = SEARCH_FROM + timedelta(seconds=rng.randrange(SEARCH_SPAN_SECONDS))
        probes.append(Probe(place, now, kind, query))
    return probes, cold


class GcWatch:
    """Garbage collections while searches are measured: they land in the tail latencies."""

    def __init__(self) -> None:
        self.collections: Counter[str] = Counter()
        self.longest_ms = 0.0
        self._started = 0
        self.active = False

    def __call__(self, phase: str, info: dict[str, int]) -> None:
        if not self.active:
            return
        if phase == "start":
            self._started = time.perf_counter_ns()
            return
        self.collections[f"gen{info['generation']}"] += 1
        self.longest_ms = max(self.longest_ms, (time.perf_counter_ns() - self._started) / 1e6)


def run_searches(
    client: redis.Redis, probes: Sequence[Probe], warmup: int
) -> tuple[dict[str, list[int]], dict[str, Any]]:
    """Each probe runs a PING, a bare GEOSEARCH, a ZIP search and an online search in turn,
    so the four see the same conditions; the first `warmup` probes are not recorded."""
    directory = Directory(client)
    live = {g.source_id: g for g in directory.live()}
    # One day's geo index of one source: a bare GEOSEARCH over a comparable set of points.
    geo_key = live[f"bench-{PROGRAMS[0]}"].geo_keys()[2]
    samples: dict[str, list[int]] = {}
    outcomes: Counter[str] = Counter()
    clock = time.perf_counter_ns
    watch = GcWatch()
    gc.callbacks.append(watch)
    try:
        for number, probe in enumerate(probes):
            watch.active = number >= warmup
            place = probe.place
            t0 = clock()
            client.ping()
            t1 = clock()
            client.geosearch(
                geo_key,
                longitude=place.longitude,
                latitude=place.latitude,
                radius=BASELINE_RADIUS_MILES,
                unit="mi",
                sort="ASC",
                count=BASELINE_COUNT,
            )
            t2 = clock()
            near = search(directory, replace(probe.query, zip_code=place.zip), probe.now)
            t3 = clock()
            online = search(directory, replace(probe.query, online=True), probe.now)
            t4 = clock()
            if not watch.active:
                continue
            for kind, elapsed in (("ping", t1 - t0), ("geosearch", t2 - t1)):
                samples.setdefault(kind, []).append(elapsed)
            for kind, elapsed, result in (("zip", t3 - t2, near), ("online", t4 - t3, online)):
                samples.setdefault(kind, []).append(elapsed)
                samples.setdefault(f"{kind}:{probe.filter}", []).append(elapsed)
                outcomes[f"{kind}_fewer_than_limit"] += len(result.occurrences) < probe.query.limit
                outcomes[f"{kind}_widened"] += result.widened
    finally:
        gc.callbacks.remove(watch)
    notes: dict[str, Any] = {
        **outcomes,
        "gc_collections": dict(watch.collections),
        "gc_longest_ms": round(watch.longest_ms, 1),
    }
    return samples, notes


# -- report -------------------------------------------------------------------------------


def code_version() -> dict[str, str]:
    """Which helpline code was measured: the commit, and a digest of the meetings package
    (a work tree with uncommitted changes measures something no commit names)."""
    root = Path(__file__).resolve().parents[1]
    digest = hashlib.sha256()
    for path in sorted((root / "helpline" / "meetings").rglob("*.py")):
        digest.update(path.read_bytes())
    return {
        "commit": stack.code_version("helpline"),
        "meetings_package_sha256": digest.hexdigest()[:12],
    }


def machine(client: redis.Redis) -> dict[str, Any]:
    cpu = platform.processor() or platform.machine()
    cpuinfo = Path("/proc/cpuinfo")
    if cpuinfo.exists():
        for line in cpuinfo.read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    return {
        "cpus": os.cpu_count(),
        "cpu": cpu,
        "python": platform.python_version(),
        "platform": platform.platform(),
        "redis_server": client.info("server")["redis_version"],
        "redis_py": redis.__version__,
    }


def search_figures(samples: dict[str, list[int]], cold_zips: Sequence[int]) -> dict[str, Any]:
    baseline = Latency.of(samples["geosearch"])
    figures: dict[str, Any] = {
        "ping": Latency.of(samples["ping"]).to_dict(),
        "geosearch": baseline.to_dict(),
    }
    for kind in ("zip", "online"):
        for name in (kind, *(f"{kind}:{f}" for f in FILTERS)):
            figures[name] = Latency.of(samples[name]).to_dict(baseline)
    if cold_zips:  # not inside the search figures: ZIP codes are looked up before the rounds
        figures["zip_place_first_lookup"] = Latency.of(cold_zips).to_dict()
    return figures


def targets(imports: dict[str, Any], searches: dict[str, Any]) -> dict[str, Any]:
    rate = imports["import"]["meetings_per_s"]
    worst_p99 = max(searches["zip"]["p99_ms"], searches["online"]["p99_ms"])
    return {
        "import_meetings_per_s": {"target": TARGET_IMPORT_RATE, "measured": rate,
                                  "met": rate >= TARGET_IMPORT_RATE},
        "search_p99_ms": {"target": TARGET_SEARCH_P99_MS, "measured": worst_p99,
                          "met": worst_p99 <= TARGET_SEARCH_P99_MS},
    }  # fmt: skip


def print_report(figures: dict[str, Any], console: Console) -> None:
    config, host = figures["config"], figures["machine"]
    console.print(
        f"[bold]Meeting directory benchmark[/bold]: {config['meetings']:,} meetings in "
        f"{len(config['sources'])} Meeting Guide feeds, {config['searches']:,} searches of "
        f"each kind (limit {config['limit']}), seed {config['seed']}"
    )
    console.print(
        f"{host['cpus']} CPUs ({host['cpu']}), Python {host['python']}, "
        f"redis-server {host['redis_server']}, redis-py {host['redis_py']}, {host['platform']}"
    )
    code = figures["code"]
    console.print(f"code: {code['commit']}, meetings package {code['meetings_package_sha256']}")
    imports = figures["import"]
    table = Table(title="Import (whole run; ratio = time / bare HSET time)", title_justify="left")
    for column in ("phase", "seconds", "meetings/s", "× HSET time"):
        table.add_column(column, justify="left" if column == "phase" else "right")
    phases = (
        ("import (parse + sync)", "import"),
        ("  parse only", "parse_only"),
        ("  sync only", "sync_only"),
        ("refresh, nothing changed", "refresh"),
        ("baseline: pipelined HSET", "baseline_hset"),
    )
    for label, key in phases:
        row = imports[key]
        ratio = row.get("vs_baseline_time")
        table.add_row(
            label,
            f"{row['seconds']:.2f}",
            f"{row['meetings_per_s']:,}",
            "1" if ratio is None else f"{ratio:.1f}",
        )
    console.print(table)
    console.print(f"Redis memory after import: {imports['redis_used_memory_mb']} MB")
    _print_searches(figures["search"], console)
    for name, target in figures["targets"].items():
        verdict = "[green]met[/green]" if target["met"] else "[red]MISSED[/red]"
        console.print(f"target {name}: {target['measured']} vs {target['target']}: {verdict}")
    console.print(f"search notes: {figures['search_notes']}; run took {figures['run_seconds']} s")


def _print_searches(searches: dict[str, Any], console: Console) -> None:
    table = Table(
        title="Search latency, ms (ratio = search / bare GEOSEARCH)", title_justify="left"
    )
    for column in ("kind", "p50", "p90", "p99", "max", "p50 ×", "p99 ×"):
        table.add_column(column, justify="left" if column == "kind" else "right")
    for name, row in searches.items():
        table.add_row(
            name,
            f"{row['p50_ms']:.3f}",
            f"{row['p90_ms']:.3f}",
            f"{row['p99_ms']:.3f}",
            f"{row['max_ms']:.3f}",
            f"{row['p50_vs_geosearch']:.1f}" if "p50_vs_geosearch" in row else "",
            f"{row['p99_vs_geosearch']:.1f}" if "p99_vs_geosearch" in row else "",
        )
    console.print(table)


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench.meetings", description=__doc__)
    parser.add_argument("--meetings", type=int, default=100_000, help="meetings to import")
    parser.add_argument("--searches", type=int, default=2_000, help="searches of each kind")
    parser.add_argument("--limit", type=int, default=5, help="meetings asked for per search")
    parser.add_argument("--seed", type=int, default=SEED)
    parser.add_argument("--json", action="store_true", help="print the figures as JSON")
    args = parser.parse_args(argv)
    if args.meetings < len(PROGRAMS) or args.searches < 1:
        parser.error(f"--meetings must be at least {len(PROGRAMS)} and --searches at least 1")
    if not 1 <= args.limit <= MAX_LIMIT:
        parser.error(f"--limit must be 1..{MAX_LIMIT}")
    return args


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    started = time.perf_counter()
    code = code_version()  # now, while the files are the ones this process imported
    progress = Console(stderr=True)

    def say(text: str) -> None:
        progress.print(f"[dim]{time.perf_counter() - started:6.1f} s[/dim]  {text}")

    rng = random.Random(args.seed)
    catalogue = load_catalogue(CATALOGUE)
    secular = frozenset(key for key, p in catalogue.programs.items() if p.is_secular)
    say(f"generating {args.meetings:,} meetings")
    table = zip_table()
    feeds = build_feeds(args.meetings, table, rng)
    config = {
        "meetings": args.meetings,
        "sources": [{"id": f.source.id, "program": f.source.program, "meetings": f.meetings}
                    for f in feeds],
        "feed_mb": round(sum(len(f.payload) for f in feeds) / 2**20, 1),
        "searches": args.searches,
        "limit": args.limit,
        "seed": args.seed,
    }  # fmt: skip
    with PrivateRedis() as server:
        client = redis.Redis.from_url(server.url)
        try:
            host = machine(client)
            imports = run_imports(client, feeds, say)
            say(f"{args.searches:,} ZIP and online searches (after {WARMUP_SEARCHES} unmeasured)")
            probes, cold = make_probes(
                table, args.searches + WARMUP_SEARCHES, rng, secular=secular, limit=args.limit
            )
            # The searches run in a heap like the web process's: no feeds, no import caches.
            del feeds, table
            clear_import_caches()
            gc.collect()
            samples, notes = run_searches(client, probes, WARMUP_SEARCHES)
        finally:
            client.close()
    searches = search_figures(samples, cold)
    figures = {
        "machine": host,
        "code": code,
        "config": config,
        "import": imports,
        "search": searches,
        "search_notes": notes,
        "targets": targets(imports, searches),
        "run_seconds": round(time.perf_counter() - started, 1),
    }
    if args.json:
        print(json.dumps(figures, indent=2))
    else:
        print_report(figures, Console(width=None if sys.stdout.isatty() else 110))
    return 0


if __name__ == "__main__":
    sys.exit(main())
