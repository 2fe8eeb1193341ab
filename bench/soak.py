"""Soak (issue 7): minutes of steady texting, no message lost, memory and live state flat.

    .venv/bin/python -m bench.soak [--minutes 10] [--rate 100] [--workers 2] [--json]

Runs the helpline for real (a private redis-server, `helpline serve`, `helpline
worker` and `helpline worker --urgent-only` processes, the fake Twilio REST
server) and sends it signed `/twilio/sms` webhooks at `--rate` a second for
`--minutes`. A fixed pool of fictional numbers (+1 206 555 xxxx) texts, none
sooner than 12 s after its last text, each walking the real triage flow to its
programs and starting again, with a few HELP, MENU and MORE texts among the
answers: live conversations plateau at the pool's size, so what still grows
after the warm-up is a leak or a record kept on purpose (the report tells them
apart).

Checked: every webhook answered 200 with TwiML (a <Message> for everything but
MORE after the programs, which is answered by a worker text); every text the
workers were asked to send reached the fake, none twice, once the queues have
drained; each process's RSS and the live Redis state (keys and bytes) flat
from the minute after the warm-up to the last minute, the workers keeping up,
and no more records kept on purpose than the traffic explains. Exit 0 when
all held, 1 otherwise (with why). Only counts are printed, never a number or a
message body.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import math
import os
import platform
import random
import re
import signal
import sys
import threading
import time
from collections import Counter, defaultdict, deque
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from types import FrameType
from typing import Any

import httpx
import redis
from rich.console import Console
from rich.table import Table

from bench.fake_process import FakeTwilioProcess
from bench.stack import (
    ON_CALL,
    ROSTER,
    Drain,
    Helpline,
    Reply,
    Texter,
    code_version,
    percentile,
    pick,
    redis_version,
    summary,
)
from helpline import keys
from helpline.queueing import DEFAULT_QUEUE, URGENT_QUEUE
from helpline.redis_server import PrivateRedis

CALLER_BASE = 12065550000
"""Pool numbers are +1 206 555 0000 upwards: the 555 exchange is fictional."""
CALIBRATION_BASE = 14255550100


@dataclass(frozen=True, slots=True)
class Conversation:
    name: str
    texts: tuple[str, ...]
    """From the first hello to the last answer, which the programs follow."""


CONVERSATIONS = (
    # flows/scenarios/triage.secular_online_cut_down.yaml, as a person would type it.
    Conversation("self, alcohol, secular, cut down, online", ("hi", "1", "alcohol", "2",
                 "cut down", "online", "yes")),
    Conversation("family, drugs, 12-step, online", ("hello", "2", "drugs", "1", "2", "1")),
    Conversation("self, both, not sure, stop, in person", ("hi", "me", "3", "3", "1", "1",
                 "98101", "yes")),
    Conversation("es: para mí, beber, laico, reducir, en línea", ("hola", "1", "beber", "laico",
                 "reducir", "en linea", "si")),
)  # fmt: skip
HELP_SHARE = 0.05
"""Conversations with a HELP partway (answered with who we are, then the question again)."""
MENU_SHARE = 0.03
"""Conversations that start over with MENU partway, then answer from the first question."""
MORE_SHARE = 0.10
"""Conversations followed by MORE: after the programs, a worker texts the next meetings."""
DEGRADED = ("can't answer fully", "no podemos responder", "something went wrong", "algo fall")
"""Fragments of the safe reply and the `failed` text (flows/messages.yaml, web/fallback.py):
a 200 that carries one means the helpline could not do its work (storage failed, a flow
broke) or held the number back (the inbound limit's notice is the safe reply too)."""

MIN_GAP_SECONDS = 12.0
"""No number texts again sooner than this (about 20 s on average with the default pool): at
most 25 texts in five minutes, under the helpline's per-number inbound limit (30)."""
TEXTS_PER_NUMBER_WARN = 20
"""Mean texts per number per five minutes above which that limit may start to bite."""
RSS_TOLERANCE = 0.10
RSS_SLACK_MB = 8.0
"""RSS is flat when the last minute's mean is within 10 % or 8 MB of the minute after warm-up."""
LIVE_KEYS_TOLERANCE = 0.05
LIVE_KEYS_SLACK = 50
LIVE_BYTES_TOLERANCE = 0.10
LIVE_BYTES_SLACK = 256 * 1024
"""Live Redis state (every key but the records kept on purpose) is flat when the last minute's
keys are within 5 % (or 50) and their bytes within 10 % (or 256 KB) of the minute after warm-up."""
WEBHOOK_TIMEOUT_SECONDS = 15.0
"""Twilio's own webhook read timeout."""
DRAIN_TIMEOUT_SECONDS = 120.0
"""The drain gives up after this long without one job fewer waiting."""


# --- Who texts what ----------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Step:
    body: str
    kind: str
    """ask: a question follows inline; final: the programs follow (worker texts);
    more: MORE after the programs (a worker text, no inline reply)."""


def script(rng: random.Random, conversation: Conversation) -> list[Step]:
    steps = [Step(body, "ask") for body in conversation.texts[:-1]]
    if rng.random() < MENU_SHARE:
        at = rng.randrange(2, len(steps))
        steps = [*steps[:at], Step("MENU", "ask"), *steps[1:at], *steps[at:]]
    if rng.random() < HELP_SHARE:
        at = rng.randrange(1, len(steps))
        steps.insert(at, Step(rng.choice(("HELP", "help", "info")), "ask"))
    steps.append(Step(conversation.texts[-1], "final"))
    if rng.random() < MORE_SHARE:
        steps.append(Step("MORE", "more"))
    return steps


@dataclass(slots=True)
class Caller:
    number: str
    rng: random.Random
    conversation: int = 0
    steps: list[Step] = field(default_factory=list)
    position: int = 0
    busy: bool = False
    """Its last text is not answered yet: it waits for the answer, as a person would."""

    def next(self) -> tuple[int, Step]:
        if self.position >= len(self.steps):
            self.conversation = self.rng.randrange(len(CONVERSATIONS))
            self.steps = script(self.rng, CONVERSATIONS[self.conversation])
            self.position = 0
        self.position += 1
        return self.conversation, self.steps[self.position - 1]


class Pool:
    """Who texts next: any caller who has not texted for `gap` seconds, at random.

    Taking turns in a fixed order would keep every conversation at the same step (all
    programs due in one wave); a random pick spreads them out within a few conversations.
    """

    def __init__(self, callers: list[Caller], rng: random.Random, gap: float) -> None:
        self.ready, self.rng, self.gap = list(callers), rng, gap
        self.cooling: deque[tuple[float, Caller]] = deque()
        self.crowded = 0
        """Texts sent sooner than `gap` after the number's last: the pool is too small."""

    def pick(self, now: float) -> Caller:
        while self.cooling and now - self.cooling[0][0] >= self.gap:
            self.ready.append(self.cooling.popleft()[1])
        while self.ready:
            index = self.rng.randrange(len(self.ready))
            self.ready[index], self.ready[-1] = self.ready[-1], self.ready[index]
            caller = self.ready.pop()
            if not caller.busy:
                break
            self.cooling.append((now, caller))
        else:
            caller = self.cooling.popleft()[1]
            self.crowded += 1
        self.cooling.append((now, caller))
        return caller


# --- What the load saw -------------------------------------------------------------------


@dataclass
class Ledger:
    sent: int = 0
    answered: int = 0
    by_kind: Counter[str] = field(default_factory=Counter)
    non_200: Counter[int] = field(default_factory=Counter)
    timeouts: int = 0
    empty: int = 0
    degraded: int = 0
    more_inline: int = 0
    completed: int = 0
    expected: Counter[str] = field(default_factory=Counter)
    """Worker texts each number should get: per finished conversation and per MORE."""
    batches: dict[str, list[tuple[float, int]]] = field(default_factory=lambda: defaultdict(list))
    """Per number, in order: when the text that asked for worker texts was sent (epoch
    seconds, as the fake stamps arrivals) and how many."""
    latency: dict[int, list[float]] = field(default_factory=lambda: defaultdict(list))
    """Webhook seconds by the minute (from the load's start) the text was sent in."""
    sent_by_minute: Counter[int] = field(default_factory=Counter)
    max_lag: float = 0.0
    seconds: float = 0.0
    crowded: int = 0

    def record(
        self,
        number: str,
        step: Step,
        conversation: int,
        reply: Reply,
        calibration: Calibration,
        at: float,
    ) -> None:
        self.answered += 1
        if reply.timed_out:
            self.timeouts += 1
            return
        if reply.status != 200:
            self.non_200[reply.status] += 1
            return
        texts = [t for t in reply.messages if t.strip()]
        if any(fragment in t for t in texts for fragment in DEGRADED):
            self.degraded += 1
            return
        if step.kind == "more":
            self.more_inline += bool(texts)
            self.expect(number, at, calibration.more[conversation])
            return
        if not texts:
            self.empty += 1
            return
        if step.kind == "final":
            self.completed += 1
            self.expect(number, at, calibration.programs[conversation])

    def expect(self, number: str, at: float, texts: int) -> None:
        self.expected[number] += texts
        self.batches[number].append((at, texts))


@dataclass
class Calibration:
    """Worker texts one conversation's end brings, and one MORE after it, found by a walk."""

    programs: list[int] = field(default_factory=list)
    more: list[int] = field(default_factory=list)
    texts: int = 0
    """Webhooks the walk sent (their records are in Redis too)."""


# --- Sampling: processes and Redis -------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Kept:
    what: str
    kept: timedelta


RECORD_FAMILIES = {
    "helpline:in": Kept("inbound dedupe", keys.INBOUND_DEDUPE_TTL),
    "helpline:out": Kept("outbound record", keys.OUTBOUND_RECORD_TTL),
    "helpline:outbox": Kept("outbox progress", keys.OUTBOX_PROGRESS_TTL),
    "helpline:status-seen": Kept("status dedupe", keys.STATUS_DEDUPE_TTL),
}
"""Keys written per text or per send and kept for a set time on purpose: they grow with the
texts served until their time is up, so the soak checks that they grow by a steady amount
per text, and projects where they level off, instead of asking them to be flat."""
PER_CALLER_WINDOWS = {"helpline:inbound-count": 2}
"""Counters per number and fixed window that outlive their window a little: up to two per
number at a window's turn. Bounded by the pool, not flat (they rise and fall with the
windows), so they are checked against that bound and left out of the live state."""
SAMPLED_KEYS = 64
"""Keys per kind whose MEMORY USAGE is read each sample (all of a kind with fewer)."""

_JOB_KIND = re.compile(r"^rq:job:([A-Za-z]+)")


def family(key: str) -> str:
    """A key's kind with the caller- or message-specific part dropped (never printed whole)."""
    if key.startswith("rq:job:"):
        found = _JOB_KIND.match(key)
        return f"rq:job:{found.group(1)}" if found else "rq:job"
    parts = key.split(":")
    if key.startswith("helpline:meetings:page:"):
        return "helpline:meetings:page"
    return ":".join(parts[:2])


@dataclass(frozen=True, slots=True)
class Family:
    keys: int
    bytes: float
    """Estimated: the kind's keys times the mean MEMORY USAGE of a sample of them."""


@dataclass(frozen=True, slots=True)
class Sample:
    t: float
    """Seconds since the load started."""
    sent: int
    rss_mb: dict[str, float]
    cpu_seconds: dict[str, float]
    """By role, with `bench` (this process: the load, the fake Twilio, sampling) and `redis`."""
    machine_busy: float
    """CPU seconds the whole machine has used: what others use is this less ours."""
    used_memory: int
    keys: int
    persistent_keys: int
    families: dict[str, Family]
    queued: int

    @property
    def live_keys(self) -> int:
        return sum(f.keys for name, f in self.families.items() if is_live(name))

    @property
    def record_keys(self) -> int:
        return sum(f.keys for name, f in self.families.items() if name in RECORD_FAMILIES)

    @property
    def live_bytes(self) -> float:
        """What conversations, queues and workers hold now: the memory that must stay flat."""
        return sum(f.bytes for name, f in self.families.items() if is_live(name))


def is_live(name: str) -> bool:
    return name not in RECORD_FAMILIES and name not in PER_CALLER_WINDOWS


def process_rss_kb(pid: int) -> int:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    except (OSError, ValueError):
        pass
    return 0


def children_by_parent() -> dict[int, list[int]]:
    found: dict[int, list[int]] = defaultdict(list)
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        # The command name is in parentheses and may hold spaces: read past its last ")".
        ppid = int(stat.rsplit(")", 1)[1].split()[1])
        found[ppid].append(int(entry.name))
    return found


def descendants(pid: int, children: dict[int, list[int]]) -> Iterator[int]:
    for child in children.get(pid, ()):
        yield child
        yield from descendants(child, children)


def rss_by_role(helpline: Helpline) -> dict[str, float]:
    """MB by role. The web's uvicorn workers count with it; an RQ worker's work horse, forked
    for one job and gone, does not (its pages are mostly shared with the worker)."""
    children = children_by_parent()
    totals: dict[str, float] = defaultdict(float)
    for process in helpline.processes:
        pids = [process.popen.pid]
        if process.role == "web":
            pids += descendants(process.popen.pid, children)
        totals[process.role] += sum(process_rss_kb(p) for p in pids) / 1024
    return dict(totals)


TICKS = os.sysconf("SC_CLK_TCK")


def process_cpu_seconds(pid: int, *, reaped_children: bool) -> float:
    """User and system time; with `reaped_children`, also that of children it has waited for
    (an RQ worker's work horses, one per job)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except (OSError, IndexError):
        return 0.0
    # After ")": state is field 3, so utime (14), stime, cutime, cstime are at 11..14 here.
    used = int(fields[11]) + int(fields[12])
    if reaped_children:
        used += int(fields[13]) + int(fields[14])
    return used / TICKS


def cpu_by_role(helpline: Helpline) -> dict[str, float]:
    """CPU seconds used so far, by role, and by this process (the load, the fake, sampling)."""
    children = children_by_parent()
    totals: dict[str, float] = defaultdict(float)
    for process in helpline.processes:
        pid = process.popen.pid
        pids = [pid, *descendants(pid, children)]
        # A running work horse's time counts too; once reaped it is in the worker's cutime.
        totals[process.role] += sum(
            process_cpu_seconds(p, reaped_children=p == pid and process.role != "web") for p in pids
        )
    totals["bench"] = time.process_time()
    return dict(totals)


def machine_busy_seconds() -> float:
    """CPU time every process on the machine has used since boot, all cores together."""
    try:
        first = Path("/proc/stat").read_text().splitlines()[0].split()[1:]
    except (OSError, IndexError):
        return 0.0
    ticks = [int(x) for x in first]
    idle = ticks[3] + ticks[4]  # idle and iowait
    return (sum(ticks[:8]) - idle) / TICKS


def census(client: redis.Redis) -> dict[str, Family]:
    counts: Counter[str] = Counter()
    sampled: dict[str, list[bytes]] = defaultdict(list)
    for key in client.scan_iter(count=2000):
        name = family(key.decode(errors="replace"))
        counts[name] += 1
        # SCAN walks the hash table, not the keys in the order written: a spread of ages.
        if len(sampled[name]) < SAMPLED_KEYS:
            sampled[name].append(key)
    with client.pipeline(transaction=False) as pipe:
        for names in sampled.values():
            for key in names:
                pipe.memory_usage(key)
        usage = iter(pipe.execute())
    found = {}
    for name, names in sampled.items():
        sizes = [int(next(usage) or 0) for _ in names]
        found[name] = Family(counts[name], counts[name] * sum(sizes) / len(sizes))
    return found


class Sampler(threading.Thread):
    """Every `every` seconds, off the event loop: RSS, Redis memory, keys and their kinds."""

    def __init__(
        self, helpline: Helpline, url: str, ledger: Ledger, started: float, every: float
    ) -> None:
        super().__init__(name="soak-sampler", daemon=True)
        self.helpline, self.ledger, self.started, self.every = helpline, ledger, started, every
        self.client = redis.Redis.from_url(url)
        self.samples: list[Sample] = []
        self.halt = threading.Event()

    def run(self) -> None:
        while not self.halt.is_set():
            self.take()
            self.halt.wait(self.every)

    def take(self) -> None:
        t = time.perf_counter() - self.started
        memory = self.client.info("memory")
        cpu = self.client.info("cpu")
        seconds = cpu_by_role(self.helpline)
        seconds["redis"] = float(cpu["used_cpu_sys"]) + float(cpu["used_cpu_user"])
        keyspace = self.client.info("keyspace").get("db0", {})
        queued = sum(self.client.llen(f"rq:queue:{name}") for name in (DEFAULT_QUEUE, URGENT_QUEUE))
        self.samples.append(
            Sample(
                t=t,
                sent=self.ledger.sent,
                rss_mb=rss_by_role(self.helpline),
                cpu_seconds=seconds,
                machine_busy=machine_busy_seconds(),
                used_memory=int(memory["used_memory"]),
                keys=int(keyspace.get("keys", 0)),
                persistent_keys=int(keyspace.get("keys", 0)) - int(keyspace.get("expires", 0)),
                families=census(self.client),
                queued=int(queued),
            )
        )


# --- Running it --------------------------------------------------------------------------


async def calibrate(texter: Texter, fake: FakeTwilioProcess, drain: Drain) -> Calibration:
    """Walk each conversation once, alone, then MORE: how many worker texts each brings."""
    calibration = Calibration()
    for index, conversation in enumerate(CONVERSATIONS):
        number = f"+{CALIBRATION_BASE + index}"
        for body in conversation.texts:
            reply = await texter.send(number, body)
            calibration.texts += 1
            if reply.status != 200 or not any(t.strip() for t in reply.messages):
                raise RuntimeError(f"calibration: conversation {index} got no reply to a text")
        await drain.wait()
        calibration.programs.append(len(fake.messages(to=number)))
        await texter.send(number, "MORE")
        calibration.texts += 1
        await drain.wait()
        calibration.more.append(len(fake.messages(to=number)) - calibration.programs[-1])
        if calibration.programs[-1] < 1:
            raise RuntimeError(f"calibration: conversation {index} did not reach its programs")
    return calibration


async def run_load(
    texter: Texter,
    args: argparse.Namespace,
    ledger: Ledger,
    calibration: Calibration,
    started: float,
) -> None:
    """Open loop: one text every 1/rate seconds, whatever the answers' speed."""
    step = 1.0 / args.rate
    duration = args.minutes * 60
    callers = [
        Caller(f"+{CALLER_BASE + i}", random.Random(args.seed * 100_003 + i))
        for i in range(args.callers)
    ]
    pool = Pool(callers, random.Random(args.seed), MIN_GAP_SECONDS)
    pending: set[asyncio.Task[None]] = set()

    async def one(caller: Caller, minute: int) -> None:
        conversation, what = caller.next()
        caller.busy = True
        at = time.time()
        reply = await texter.send(caller.number, what.body)
        caller.busy = False
        ledger.latency[minute].append(reply.seconds)
        ledger.record(caller.number, what, conversation, reply, calibration, at)

    n = 0
    while (target := started + n * step) < started + duration:
        delay = target - time.perf_counter()
        if delay > 0:
            await asyncio.sleep(delay)
        else:
            ledger.max_lag = max(ledger.max_lag, -delay)
        minute = int((target - started) // 60)
        if minute and not ledger.sent_by_minute[minute]:
            progress(ledger, minute - 1)
        task = asyncio.create_task(one(pool.pick(target - started), minute))
        pending.add(task)
        task.add_done_callback(pending.discard)
        ledger.sent += 1
        ledger.sent_by_minute[minute] += 1
        n += 1
    ledger.seconds = time.perf_counter() - started
    ledger.crowded = pool.crowded
    await asyncio.gather(*pending)


def progress(ledger: Ledger, minute: int) -> None:
    """One line on stderr per minute of a long run: counts only."""
    seconds = ledger.latency.get(minute, [])
    print(
        f"minute {minute + 1}: {ledger.sent_by_minute[minute]} sent, p99 "
        f"{1000 * percentile(seconds, 99):.0f} ms, {ledger.completed} conversations finished, "
        f"{sum(ledger.non_200.values()) + ledger.timeouts + ledger.empty} bad replies",
        file=sys.stderr,
        flush=True,
    )


@dataclass
class Run:
    ledger: Ledger
    calibration: Calibration
    samples: list[Sample]
    received: Counter[str]
    arrivals: dict[str, list[float]]
    """Per pool number, when each of its texts reached the fake (epoch seconds)."""
    pages: int
    drain_seconds: float | None
    failed_jobs: int
    exited: list[str]
    drained: dict[str, Family]
    """Every kind of key once the queues have drained."""
    webhooks: int
    """Every webhook sent, the calibration's too."""
    sent_by_workers: int
    """Every text the fake received."""
    callers: int
    load_average: tuple[float, float]
    """The machine's one-minute load average as the load started and as it ended."""


async def soak(
    args: argparse.Namespace, helpline: Helpline, fake: FakeTwilioProcess, url: str
) -> Run:
    ledger = Ledger()
    drain = Drain(url, args.drain_timeout)
    limits = httpx.Limits(max_connections=200, max_keepalive_connections=100)
    async with httpx.AsyncClient(timeout=WEBHOOK_TIMEOUT_SECONDS, limits=limits) as client:
        texter = Texter(client, helpline.url, fake.auth_token)
        calibration = await calibrate(texter, fake, drain)
        load_at_start = os.getloadavg()[0]
        started = time.perf_counter()
        sampler = Sampler(helpline, url, ledger, started, args.sample_seconds)
        sampler.start()
        try:
            await run_load(texter, args, ledger, calibration, started)
        finally:
            sampler.halt.set()
            await asyncio.to_thread(sampler.join)
        await asyncio.to_thread(sampler.take)  # the load's last moment, before the drain
    try:
        drain_seconds: float | None = await drain.wait()
    except TimeoutError:
        drain_seconds = None
    pool = {f"+{CALLER_BASE + i}" for i in range(args.callers)}
    messages = fake.messages()
    received = Counter(m.to for m in messages if m.to in pool)
    arrivals: dict[str, list[float]] = defaultdict(list)
    for message in messages:
        if message.to in pool:
            arrivals[message.to].append(message.received_at)
    return Run(
        ledger=ledger,
        calibration=calibration,
        samples=sampler.samples,
        received=received,
        arrivals=arrivals,
        pages=len(fake.messages(to=ON_CALL)) + len(fake.calls()),
        drain_seconds=drain_seconds,
        failed_jobs=drain.failed(),
        exited=helpline.exited(),
        drained=await asyncio.to_thread(census, drain.client),
        webhooks=ledger.sent + calibration.texts,
        sent_by_workers=len(messages),
        callers=args.callers,
        load_average=(load_at_start, os.getloadavg()[0]),
    )


# --- Figures -----------------------------------------------------------------------------


def slope(points: Sequence[tuple[float, float]]) -> float:
    """Least-squares slope, per unit of x."""
    if len(points) < 2:
        return 0.0
    mx = sum(x for x, _ in points) / len(points)
    my = sum(y for _, y in points) / len(points)
    var = sum((x - mx) ** 2 for x, _ in points)
    return sum((x - mx) * (y - my) for x, y in points) / var if var else 0.0


def mean(values: Sequence[float]) -> float:
    return sum(values) / len(values) if values else float("nan")


@dataclass(frozen=True, slots=True)
class Windows:
    warmup: float
    baseline: list[Sample]
    last: list[Sample]
    after_warmup: list[Sample]


def windows(samples: list[Sample], warmup: float, end: float) -> Windows:
    width = min(60.0, max(0.0, end - warmup) / 2)
    after = [s for s in samples if s.t >= warmup]
    return Windows(
        warmup=warmup,
        baseline=[s for s in after if s.t < warmup + width] or after[:1],
        last=[s for s in after if s.t >= end - width] or after[-1:],
        after_warmup=after,
    )


def per_text(window: list[Sample], value: Any) -> float:
    """How much `value(sample)` grows per text sent, over the window (least squares)."""
    return slope([(s.sent, float(value(s))) for s in window])


def memory_figures(w: Windows, roles: Sequence[str], rate: float) -> dict[str, Any]:
    return {"rss": rss_figures(w, roles), "redis": redis_figures(w, rate)}


def rss_figures(w: Windows, roles: Sequence[str]) -> dict[str, Any]:
    rss: dict[str, Any] = {}
    for role in roles:
        first = mean([s.rss_mb.get(role, 0.0) for s in w.baseline])
        last = mean([s.rss_mb.get(role, 0.0) for s in w.last])
        rss[role] = {
            "first_minute_mb": first,
            "last_minute_mb": last,
            "mb_per_minute": 60 * slope([(s.t, s.rss_mb.get(role, 0.0)) for s in w.after_warmup]),
            "flat": last <= max(first * (1 + RSS_TOLERANCE), first + RSS_SLACK_MB),
        }
    return rss


def within(figures: dict[str, float], tolerance: float, slack: float) -> bool:
    """The last minute within `tolerance` (a fraction) or `slack` of the first."""
    first, last = figures["first_minute"], figures["last_minute"]
    return abs(last - first) <= max(abs(first) * tolerance, slack)


def redis_figures(w: Windows, rate: float) -> dict[str, Any]:
    def both(value: Any) -> dict[str, float]:
        return {
            "first_minute": mean([float(value(s)) for s in w.baseline]),
            "last_minute": mean([float(value(s)) for s in w.last]),
        }

    live_keys, live_bytes = both(lambda s: s.live_keys), both(lambda s: s.live_bytes)
    records = {
        "first_minute": per_text(w.baseline, lambda s: s.record_keys),
        "last_minute": per_text(w.last, lambda s: s.record_keys),
    }
    return {
        "used_memory_mb": {
            **{k: v / 2**20 for k, v in both(lambda s: s.used_memory).items()},
            "bytes_per_text": per_text(w.after_warmup, lambda s: s.used_memory),
        },
        "queued_jobs": both(lambda s: s.queued),
        "keys": both(lambda s: s.keys),
        "keys_without_ttl": both(lambda s: s.persistent_keys),
        "live_keys": {
            **live_keys,
            "flat": within(live_keys, LIVE_KEYS_TOLERANCE, LIVE_KEYS_SLACK),
        },
        "live_mb": {
            **{k: v / 2**20 for k, v in live_bytes.items()},
            "flat": within(live_bytes, LIVE_BYTES_TOLERANCE, LIVE_BYTES_SLACK),
        },
        "record_keys_per_text": records,
        "families": family_figures(w, rate),
    }


def family_figures(w: Windows, rate: float) -> dict[str, Any]:
    """Each kind of key, first and last; for the records kept on purpose, where they level off
    if texts kept arriving at `rate` for as long as each is kept."""
    first, last = w.baseline[0].families, w.last[-1].families
    figures: dict[str, Any] = {}
    for name in sorted(set(first) | set(last)):
        end = last.get(name, Family(0, 0.0))
        row: dict[str, Any] = {
            "first_keys": first.get(name, Family(0, 0.0)).keys,
            "last_keys": end.keys,
            "last_mb": end.bytes / 2**20,
        }
        kept = RECORD_FAMILIES.get(name)
        if kept is not None:
            held = end.bytes
            per = per_text(w.after_warmup, lambda s, n=name: s.families.get(n, Family(0, 0)).keys)
            plateau_keys = per * rate * kept.kept.total_seconds()
            row |= {
                "kept_on_purpose": f"{kept.what}, {describe(kept.kept)}",
                "keys_per_text": per,
                "bytes_per_key": held / end.keys if end.keys else 0.0,
                "plateau_keys_at_rate": plateau_keys,
                "plateau_mb_at_rate": plateau_keys * (held / end.keys if end.keys else 0) / 2**20,
            }
        figures[name] = row
    return figures


def describe(duration: timedelta) -> str:
    hours = duration.total_seconds() / 3600
    return f"{hours / 24:g} d" if hours >= 24 else f"{hours:g} h"


def minute_rows(run: Run) -> list[dict[str, Any]]:
    rows = []
    for minute in sorted(run.ledger.sent_by_minute):
        seconds = run.ledger.latency.get(minute, [])
        inside = [s for s in run.samples if minute * 60 <= s.t < (minute + 1) * 60]
        rows.append(
            {
                "minute": minute + 1,
                "sent": run.ledger.sent_by_minute[minute],
                "p50_ms": 1000 * percentile(seconds, 50),
                "p99_ms": 1000 * percentile(seconds, 99),
                "max_ms": 1000 * max(seconds, default=float("nan")),
                "rss_mb": {
                    role: mean([s.rss_mb.get(role, 0.0) for s in inside])
                    for role in sorted({r for s in run.samples for r in s.rss_mb})
                },
                "redis_mb": mean([s.used_memory for s in inside]) / 2**20,
                "keys": mean([s.keys for s in inside]),
                "live_keys": mean([s.live_keys for s in inside]),
                "live_mb": mean([s.live_bytes for s in inside]) / 2**20,
                "queued_max": max((s.queued for s in inside), default=0),
                "others_cpu_percent": others_cpu_percent(inside),
            }
        )
    return rows


def delivery(run: Run) -> dict[str, Any]:
    lost = duplicates = callers_short = 0
    for number in set(run.ledger.expected) | set(run.received):
        gap = run.ledger.expected[number] - run.received[number]
        lost += max(gap, 0)
        duplicates += max(-gap, 0)
        callers_short += gap > 0
    return {
        "expected": sum(run.ledger.expected.values()),
        "received": sum(run.received.values()),
        "lost": lost,
        "duplicates": duplicates,
        "callers_short": callers_short,
        "first_text_seconds": pick(summary(first_text_delays(run)), "p50", "p99", "max"),
    }


def first_text_delays(run: Run) -> list[float]:
    """From the answer that asked for worker texts to the first of them at the fake.

    A number's texts arrive in the order they were asked for (one batch per caller at a
    time), so its k-th batch starts at the arrival after the earlier batches' texts."""
    delays = []
    for number, batches in run.ledger.batches.items():
        arrived = sorted(run.arrivals.get(number, ()))
        index = 0
        for at, texts in batches:
            if index < len(arrived):
                delays.append(arrived[index] - at)
            index += texts
    return delays


def report(run: Run, args: argparse.Namespace, warmup: float) -> dict[str, Any]:
    ledger = run.ledger
    end = ledger.seconds
    w = windows(run.samples, warmup, end)
    roles = sorted({r for s in run.samples for r in s.rss_mb})
    all_seconds = [x for values in ledger.latency.values() for x in values]
    figures = {
        "date": datetime.now(UTC).isoformat(timespec="seconds"),
        "settings": {
            "minutes": args.minutes,
            "rate": args.rate,
            "callers": args.callers,
            "workers": args.workers,
            "urgent_workers": args.urgent_workers,
            "web": args.web,
            "warmup_seconds": warmup,
            "sample_seconds": args.sample_seconds,
            "texts_per_number_per_5_minutes": args.rate * 300 / args.callers,
        },
        "machine": {
            "python": platform.python_version(),
            "cpus": os.cpu_count(),
            "redis": redis_version(),
            "load_average_1m_at_start_and_end": run.load_average,
        },
        "cpu_percent_of_one_core": cpu_percent(run.samples),
        "code": code_version("helpline", "workers", "flows"),
        "load": {
            "sent": ledger.sent,
            "answered": ledger.answered,
            "achieved_per_second": ledger.sent / end if end else 0.0,
            "max_lag_seconds": ledger.max_lag,
            "sent_sooner_than_gap": ledger.crowded,
            "conversations_completed": ledger.completed,
            "reply_ms": {
                k: 1000 * v for k, v in pick(summary(all_seconds), "p50", "p99", "max").items()
            },
        },
        "replies": {
            "non_200": dict(ledger.non_200),
            "timeouts": ledger.timeouts,
            "empty": ledger.empty,
            "degraded": ledger.degraded,
            "more_answered_inline": ledger.more_inline,
        },
        "delivery": delivery(run),
        "calibration": {
            c.name: {"programs": p, "more": m}
            for c, p, m in zip(
                CONVERSATIONS, run.calibration.programs, run.calibration.more, strict=True
            )
        },
        "pages_or_calls": run.pages,
        "failed_jobs": run.failed_jobs,
        "drain_seconds": run.drain_seconds,
        "processes_exited": run.exited,
        "minutes": minute_rows(run),
        "memory": memory_figures(w, roles, args.rate) if w.after_warmup else None,
        "records_after_drain": records_after_drain(run),
    }
    figures["problems"] = problems(figures)
    figures["held"] = not figures["problems"]
    return figures


def others_cpu_percent(samples: list[Sample]) -> float:
    """CPU the rest of the machine used meanwhile (other people's tests, say), % of one core:
    a slow minute with a high figure here was starved, not slow on its own."""
    if len(samples) < 2:
        return float("nan")
    first, last = samples[0], samples[-1]
    ours = sum(last.cpu_seconds.values()) - sum(first.cpu_seconds.values())
    return 100 * (last.machine_busy - first.machine_busy - ours) / (last.t - first.t)


def cpu_percent(samples: list[Sample]) -> dict[str, float]:
    """Over the load, by role: 100 is one core busy the whole time (the machine has cpus)."""
    if len(samples) < 2:
        return {}
    first, last = samples[0], samples[-1]
    seconds = last.t - first.t
    return {
        role: 100 * (last.cpu_seconds[role] - first.cpu_seconds.get(role, 0.0)) / seconds
        for role in last.cpu_seconds
    } | {"others": others_cpu_percent(samples)}


def records_after_drain(run: Run) -> dict[str, dict[str, int]]:
    """Each kind of record kept on purpose, once drained, against what could have made it:
    one inbound dedupe per webhook, one outbound record and at most
    one outbox counter per text the fake received, no status dedupe (no callbacks sent)."""
    bounds = {
        "helpline:in": run.webhooks,
        "helpline:out": run.sent_by_workers,
        "helpline:outbox": run.sent_by_workers,
        "helpline:status-seen": 0,
    }
    numbers = run.callers + len(CONVERSATIONS)  # the pool and the calibration's
    bounds |= {name: per * numbers for name, per in PER_CALLER_WINDOWS.items()}
    return {
        name: {"keys": run.drained.get(name, Family(0, 0.0)).keys, "at_most": bound}
        for name, bound in bounds.items()
    }


def problems(f: dict[str, Any]) -> list[str]:
    found = []
    replies, delivered = f["replies"], f["delivery"]
    bad = sum(replies["non_200"].values()) + replies["timeouts"]
    if bad:
        found.append(f"{bad} webhooks not answered 200 ({replies['timeouts']} timed out)")
    if replies["empty"] or replies["degraded"]:
        found.append(f"{replies['empty']} empty and {replies['degraded']} safe replies to answers")
    if delivered["lost"]:
        found.append(
            f"{delivered['lost']} worker texts lost ({delivered['callers_short']} callers)"
        )
    if delivered["duplicates"]:
        found.append(f"{delivered['duplicates']} worker texts arrived more than expected")
    if f["drain_seconds"] is None:
        found.append("the queues did not drain after the load")
    if f["failed_jobs"]:
        found.append(f"{f['failed_jobs']} jobs failed")
    if f["pages_or_calls"]:
        found.append(f"{f['pages_or_calls']} pages or calls to staff (no text asked for one)")
    if f["processes_exited"]:
        found.append(f"helpline processes exited: {', '.join(f['processes_exited'])}")
    if f["load"]["achieved_per_second"] < 0.95 * f["settings"]["rate"]:
        found.append(f"load reached {f['load']['achieved_per_second']:.1f} texts/s only")
    found += memory_problems(f["memory"])
    found += [
        f"{row['keys']} {name} keys, more than the {row['at_most']} the traffic explains"
        for name, row in f["records_after_drain"].items()
        if row["keys"] > row["at_most"]
    ]
    if f["load"]["sent_sooner_than_gap"]:
        found.append(
            f"{f['load']['sent_sooner_than_gap']} texts came sooner than {MIN_GAP_SECONDS:g} s "
            "after the number's last: use more --callers"
        )
    return found


def memory_problems(memory: dict[str, Any] | None) -> list[str]:
    if memory is None:
        return ["no samples after the warm-up: run longer"]
    found = []
    for role, rss in memory["rss"].items():
        if not rss["flat"]:
            found.append(
                f"{role} RSS grew {rss['first_minute_mb']:.0f} → {rss['last_minute_mb']:.0f} MB"
            )
    queued = memory["redis"]["queued_jobs"]
    if queued["last_minute"] > max(2 * queued["first_minute"], queued["first_minute"] + 50):
        found.append(
            f"workers fell behind: {queued['first_minute']:.0f} → {queued['last_minute']:.0f} "
            "jobs queued"
        )
    live = memory["redis"]["live_keys"]
    if not live["flat"]:
        found.append(
            f"live Redis keys moved {live['first_minute']:.0f} → {live['last_minute']:.0f}"
        )
    live_mb = memory["redis"]["live_mb"]
    if not live_mb["flat"]:
        found.append(
            f"live Redis state moved {live_mb['first_minute']:.1f} → "
            f"{live_mb['last_minute']:.1f} MB"
        )
    return found


# --- Output ------------------------------------------------------------------------------


def print_report(f: dict[str, Any], console: Console) -> None:
    roles = sorted(f["minutes"][0]["rss_mb"]) if f["minutes"] else []
    table = Table(
        title=f"soak: {f['settings']['minutes']:g} min at {f['settings']['rate']:g} texts/s, "
        f"{f['settings']['callers']} callers (warm-up {f['settings']['warmup_seconds']:.0f} s)"
    )
    columns = ["minute", "sent", "p50 ms", "p99 ms", "max ms", *[f"{r} MB" for r in roles]]
    columns += ["redis MB", "keys", "live keys", "live MB", "queued", "others CPU %"]
    for column in columns:
        table.add_column(column, justify="right")
    for row in f["minutes"]:
        table.add_row(
            str(row["minute"]),
            str(row["sent"]),
            f"{row['p50_ms']:.1f}",
            f"{row['p99_ms']:.1f}",
            f"{row['max_ms']:.0f}",
            *[f"{row['rss_mb'][r]:.0f}" for r in roles],
            f"{row['redis_mb']:.1f}",
            f"{row['keys']:.0f}",
            f"{row['live_keys']:.0f}",
            f"{row['live_mb']:.2f}",
            str(row["queued_max"]),
            f"{row['others_cpu_percent']:.0f}",
        )
    console.print(table)
    load, d, r = f["load"], f["delivery"], f["replies"]
    console.print(
        f"load: {load['achieved_per_second']:.1f} texts/s ({load['sent']} sent, "
        f"{load['conversations_completed']} conversations finished), reply p50 "
        f"{load['reply_ms']['p50']:.1f} ms, p99 {load['reply_ms']['p99']:.1f} ms, "
        f"max {load['reply_ms']['max']:.0f} ms; the load ran at most "
        f"{load['max_lag_seconds']:.2f} s behind its schedule"
    )
    console.print(
        f"replies: {sum(r['non_200'].values())} not 200, {r['timeouts']} timeouts, "
        f"{r['empty']} empty, {r['degraded']} safe replies (a failure or the inbound limit)"
    )
    console.print(
        f"worker texts: {d['expected']} expected, {d['received']} received, "
        f"{d['lost']} lost, {d['duplicates']} duplicates; first of them "
        f"p50 {d['first_text_seconds']['p50']:.2f} s, p99 {d['first_text_seconds']['p99']:.2f} s "
        "after the answer; queues drained in "
        + (f"{f['drain_seconds']:.1f} s" if f["drain_seconds"] is not None else "— (did not)")
    )
    cpu = f["cpu_percent_of_one_core"]
    console.print(
        "CPU, % of one core: "
        + ", ".join(f"{role} {percent:.0f}" for role, percent in sorted(cpu.items()))
        + f" ({f['machine']['cpus']} cores; load average "
        + " → ".join(f"{x:.1f}" for x in f["machine"]["load_average_1m_at_start_and_end"])
        + ")"
    )
    if f["memory"] is not None:
        print_memory(f["memory"], console)
    if f["held"]:
        console.print("soak held")
    else:
        console.print("soak did NOT hold: " + "; ".join(f["problems"]))


def print_memory(memory: dict[str, Any], console: Console) -> None:
    console.print("minute after warm-up → last minute:")
    for role, rss in memory["rss"].items():
        console.print(
            f"  {role} RSS {rss['first_minute_mb']:.1f} → {rss['last_minute_mb']:.1f} MB "
            f"({rss['mb_per_minute']:+.2f} MB/min)"
        )
    r = memory["redis"]
    used, live, live_mb = r["used_memory_mb"], r["live_keys"], r["live_mb"]
    records = r["record_keys_per_text"]
    console.print(
        f"  redis used_memory {used['first_minute']:.1f} → {used['last_minute']:.1f} MB "
        f"({used['bytes_per_text']:.0f} bytes/text), keys {r['keys']['first_minute']:.0f} → "
        f"{r['keys']['last_minute']:.0f}"
    )
    console.print(
        f"  live state {live['first_minute']:.0f} → {live['last_minute']:.0f} keys, "
        f"{live_mb['first_minute']:.2f} → {live_mb['last_minute']:.2f} MB; records kept on "
        f"purpose {records['first_minute']:.2f} → {records['last_minute']:.2f} keys/text"
    )
    for name, row in r["families"].items():
        if "kept_on_purpose" in row:
            console.print(
                f"  {name} ({row['kept_on_purpose']}): {row['keys_per_text']:.2f} keys/text, "
                f"{row['bytes_per_key']:.0f} B each; at this rate levels off near "
                f"{row['plateau_keys_at_rate']:,.0f} keys, {row['plateau_mb_at_rate']:,.0f} MB"
            )


# --- Command line ------------------------------------------------------------------------


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m bench.soak",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--minutes", type=float, default=10.0, help="how long the load runs")
    parser.add_argument("--rate", type=float, default=100.0, help="texts a second")
    parser.add_argument(
        "--callers", type=int, default=None, help="numbers in the pool (default: rate × 20)"
    )
    parser.add_argument("--workers", type=int, default=2, help="`helpline worker` processes")
    parser.add_argument(
        "--urgent-workers", type=int, default=1, help="`helpline worker --urgent-only` processes"
    )
    parser.add_argument("--web", type=int, default=2, help="`helpline serve` processes")
    parser.add_argument(
        "--warmup",
        type=float,
        default=None,
        help="seconds before the first measured minute (default: one conversation per caller)",
    )
    parser.add_argument("--sample-seconds", type=float, default=10.0, help="sampling interval")
    parser.add_argument("--drain-timeout", type=float, default=DRAIN_TIMEOUT_SECONDS)
    parser.add_argument("--seed", type=int, default=20260609)
    parser.add_argument("--json", action="store_true", help="one JSON object on stdout")
    args = parser.parse_args(argv)
    if args.callers is None:
        # Each number texts every 20 s: a person typing answers, under any inbound limit.
        args.callers = max(1, round(args.rate * 20))
    return args


def needed_warmup(args: argparse.Namespace) -> float:
    """Long enough for every caller to finish one conversation, so live state has plateaued."""
    longest = max(len(c.texts) for c in CONVERSATIONS) + 3  # MENU, HELP, MORE
    return float(math.ceil(args.callers / args.rate * longest))


def _interrupt(signum: int, frame: FrameType | None) -> None:
    raise KeyboardInterrupt  # SIGTERM tears down like Ctrl-C: processes, Redis, temp dirs


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    needed = needed_warmup(args)
    # Never more than half the run, so that there is a minute after it to compare.
    warmup = args.warmup if args.warmup is not None else min(needed, args.minutes * 30)
    console = Console(stderr=True)
    per_number = args.rate * 300 / args.callers
    if per_number > TEXTS_PER_NUMBER_WARN:
        console.print(
            f"warning: each number texts {per_number:.0f} times in five minutes; "
            "a per-number inbound limit may suppress replies (use more --callers)"
        )
    signal.signal(signal.SIGTERM, _interrupt)
    try:
        # The fake in a process of its own: in this one it starved the texter (fake_process.py).
        with PrivateRedis() as server, FakeTwilioProcess() as fake:
            console.print(
                f"starting helpline: {args.web} web, {args.workers} workers, "
                f"{args.urgent_workers} urgent-only"
            )
            with Helpline(
                server.url, fake, args.workers, args.urgent_workers, args.web, roster=ROSTER
            ) as helpline:
                console.print(
                    f"soak: {args.minutes:g} min at {args.rate:g} texts/s from "
                    f"{args.callers} callers; warm-up {warmup:.0f} s"
                )
                run = asyncio.run(soak(args, helpline, fake, server.url))
    except KeyboardInterrupt:
        console.print("interrupted: helpline, Redis and temporary folders stopped and removed")
        return 130
    figures = report(run, args, warmup)
    if warmup < needed:
        figures["problems"].append(
            f"the warm-up ({warmup:.0f} s) is shorter than one conversation per caller "
            f"({needed:.0f} s): live state was still filling; run longer or with fewer --callers"
        )
        figures["held"] = False
    if args.json:
        print(json.dumps(figures, indent=2, default=str))
    else:
        # Piped to a file, rich would squeeze the table into 80 columns and cut its figures.
        print_report(figures, Console(width=None if sys.stdout.isatty() else 132))
    if args.json and not figures["held"]:
        console.print("soak did NOT hold: " + "; ".join(figures["problems"]))
    return 0 if figures["held"] else 1


if __name__ == "__main__":
    sys.exit(main())
