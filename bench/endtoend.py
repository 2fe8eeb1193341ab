"""End to end (issue 8): from a text's webhook to the worker's REST call at a fake Twilio.

    .venv/bin/python -m bench.endtoend [--rates 50,100] [--seconds 60] [--json]

Runs the helpline for real (`bench.stack.Helpline`: a private redis-server,
`helpline serve`, two `helpline worker` and one `helpline worker --urgent-only`,
the fake Twilio REST server) and, at each rate in turn, sends it signed
`/twilio/sms` webhooks open loop: one every 1/rate seconds, whatever the answers'
speed. Every measured text is one whose answer a worker sends through the REST
API, so every one is timed from just before its webhook is posted to the moment
the first worker text for that caller reaches the fake (matched by `To`):

- **final answers** (half the texts by default, `--more-share`): callers were
  walked to the last question ("are you safe right now?") in a setup phase, and
  answer it now; the programs and the next meetings follow (one `perform_actions`
  job, which queues one `send_texts` job);
- **MORE** (the other half): callers who finished, in the setup phase or earlier
  in the timed one, ask for the next meetings (one text, by the same two jobs).

Conversations are bench/soak.py's four (English and Spanish, online and in
person), in turn. No number texts sooner than `--gap` seconds (12) after its
last text, and none more than the per-number inbound limit allows (30 texts in
5 minutes, setup included): the plan is checked before anything starts. The
setup phase (webhooks as fast as the helpline answers them, then the queues
drained) never overlaps the timed one. How many worker texts each kind of text
brings is found first by walking each conversation once, alone (bench/soak.py's
calibration); texts received against those expected give `lost` and
`duplicates`.

**Baseline**, in the same run on the same stack, as bench/crisis.py does for
pages: the least work that ends in the same place. One bare RQ job on the
default queue that sends one text through the worker's own sender
(`bare_text`), enqueued from the bench halfway between two texts, at the same
rate as the texts (`--bare-every 1`), and timed from just before the enqueue to
its arrival at the fake. Its jobs share the queue and the workers with the
helpline's, so both sides see the same load (the helpline's figures include
the cost of the baseline's jobs; `--bare-every N` takes one per N texts). What
is fair: the bare job takes one job hop and one REST call; the helpline's path
takes a webhook, a transaction, two job hops (compose, then send) and the REST
call, so a ratio near 1 would mean nothing but the job hop costs. The
baseline's module keeps its imports out of its top level so that a worker's
fork importing it pays milliseconds, not the bench's rich, uvicorn and
fake-Twilio imports (about 350 ms), which would flatter the helpline.

Reported per rate: p50/p99 (and p90, max) of both and the ratios, the webhook
reply latency, worker texts expected/received/lost/duplicates, and the REST
calls a second the helpline's workers made during the timed phase. The target
(end-to-end p99 under 250 ms at 100 texts a second) is reported, never
asserted. Only counts and times are printed, never a number or a text.
"""

from __future__ import annotations

import asyncio
import json
import math
import os
import platform
import sys
import time
from collections import defaultdict, deque
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # imported where used: a worker's fork imports this module for bare_text
    import argparse

    from rich.console import Console
    from rq import Queue

    from bench.fake_process import FakeTwilioProcess
    from bench.soak import Calibration
    from bench.stack import Drain, Helpline, Reply, Texter

DEFAULT_RATES = (50.0, 100.0)
DEFAULT_SECONDS = 60.0
MORE_SHARE = 0.5
"""Share of the timed texts that are MORE from callers who finished; the rest are final answers."""
GAP_SECONDS = 12.0
"""No number texts sooner than this after its last text (as in bench/soak.py)."""
INBOUND_BUDGET = 28
"""Texts a number may send in any five minutes, setup included: under the helpline's limit (30)."""
INBOUND_WINDOW_SECONDS = 300.0
TARGET_RATE = 100.0
TARGET_P99_MS = 250.0
WEBHOOK_TIMEOUT_SECONDS = 15.0
DRAIN_TIMEOUT_SECONDS = 60.0
"""The drain gives up after this long without one job fewer waiting."""
CALIBRATION_QUIET_SECONDS = 0.3
"""After the queues drained, for a text in flight to land."""
ARRIVAL_TIMEOUT_SECONDS = 10.0
"""After the drain, how long to wait for texts still on their way before counting them lost."""
SETUP_CONCURRENCY = 48
"""Callers walked at once in the setup phase (each one's answers in order)."""
BARE_TO = "+15550100008"
BARE_JOB = "bench.endtoend.bare_text"
"""By its module's name: run as `python -m bench.endtoend`, __name__ is __main__, which a
worker would import as its own (and fail every baseline job)."""
AREA_CODES = ("503", "971", "360", "509", "541", "458", "564", "253")
"""Callers are +1 <area> 555 xxxx: the 555 exchange is fictional; 10,000 per area code."""
FINAL, MORE = "final", "more"
MORE_TEXT = "MORE"


def bare_text(to: str, key: str) -> str:
    """The baseline job: one text through the worker's own sender, nothing else."""
    from helpline.runtime import current

    return current().sender.send(to, key, status_callback=None).sid


# --- The plan: who texts what, when ------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Slot:
    at: float
    """Seconds after the timed phase starts."""
    caller: int
    kind: str
    """final: the answer to the last question; more: MORE after the programs."""


@dataclass(frozen=True, slots=True)
class Plan:
    finished: tuple[bool, ...]
    """Per caller: walked through the final answer in the setup (it only sends MORE), or
    only to the last question (its first timed text is the final answer)."""
    slots: tuple[Slot, ...]

    @property
    def callers(self) -> int:
        return len(self.finished)


def conversation_of(caller: int, conversations: int) -> int:
    return caller % conversations


def make_plan(
    rate: float,
    seconds: float,
    *,
    more_share: float = MORE_SHARE,
    gap: float = GAP_SECONDS,
    setup_texts: Sequence[int] = (),
) -> Plan:
    """Texts at exactly `rate` a second for `seconds`, MORE spread evenly among final answers.

    A final answer takes a new caller. A MORE takes the caller who has waited longest
    since its last text, once that is at least `gap` seconds; when nobody has, a new
    caller finished in the setup. `setup_texts` (per conversation: the texts that reach
    the last question) is used to check the inbound limit; ValueError when it would bite.
    """
    if rate <= 0 or seconds <= 0 or not 0 <= more_share <= 1:
        raise ValueError("rate and seconds must be positive and more_share within 0..1")
    finished: list[bool] = []
    slots: list[Slot] = []
    ready: deque[tuple[float, int]] = deque()
    for n in range(round(rate * seconds)):
        at = n / rate
        is_final = math.floor((n + 1) * (1 - more_share)) > math.floor(n * (1 - more_share))
        if is_final:
            caller = len(finished)
            finished.append(False)
        elif ready and ready[0][0] <= at:
            caller = ready.popleft()[1]
        else:
            caller = len(finished)
            finished.append(True)
        slots.append(Slot(at, caller, FINAL if is_final else MORE))
        ready.append((at + gap, caller))
    made = Plan(tuple(finished), tuple(slots))
    if setup_texts:
        check_inbound(made, setup_texts)
    return made


def most_texts_in_window(plan: Plan, window: float = INBOUND_WINDOW_SECONDS) -> list[int]:
    """Per caller, the most timed texts it sends within any `window` seconds."""
    times: dict[int, list[float]] = defaultdict(list)
    for slot in plan.slots:
        times[slot.caller].append(slot.at)
    most = [0] * plan.callers
    for caller, ats in times.items():
        start = 0
        for end, at in enumerate(ats):
            while at - ats[start] >= window:
                start += 1
            most[caller] = max(most[caller], end - start + 1)
    return most


def check_inbound(plan: Plan, setup_texts: Sequence[int]) -> None:
    """Setup texts are counted in every window: a bound, not an estimate."""
    for caller, timed in enumerate(most_texts_in_window(plan)):
        setup = setup_texts[conversation_of(caller, len(setup_texts))] + plan.finished[caller]
        if setup + timed > INBOUND_BUDGET:
            raise ValueError(
                f"a number would send {setup + timed} texts in five minutes (the helpline "
                f"answers {INBOUND_BUDGET + 2} at most): raise --gap or lower --more-share"
            )


def caller_number(index: int) -> str:
    area, line = divmod(index, 10_000)
    if area >= len(AREA_CODES):
        raise ValueError(f"more than {10_000 * len(AREA_CODES)} callers")
    return f"+1{AREA_CODES[area]}555{line:04d}"


# --- What a phase saw, and the figures ---------------------------------------------------


@dataclass(frozen=True, slots=True)
class Sent:
    number: str
    kind: str
    conversation: int
    at: float
    """time.time() just before the webhook was posted, as the fake stamps arrivals."""
    status: int
    seconds: float
    inline: int
    """<Message>s in the TwiML answer."""


@dataclass
class Phase:
    sent: list[Sent] = field(default_factory=list)
    bare_started: dict[str, float] = field(default_factory=dict)
    started: float = 0.0
    """time.time() as the phase began."""
    seconds: float = 0.0
    """From the first text to the last one sent."""
    max_lag: float = 0.0
    """How far the load ever ran behind its schedule, seconds."""


def first_arrivals(batches: Sequence[tuple[float, int]], arrived: Sequence[float]) -> list[float]:
    """For one number's texts in order (when sent, how many worker texts each asks for): when
    the first worker text for each reached the fake; NaN for those that never did.

    One batch to a caller at a time: a number's texts arrive in the order asked for, so its
    k-th batch starts at the arrival after the earlier batches' texts (arrivals earlier than
    the text itself are the rest of an earlier batch)."""
    found: list[float] = []
    ordered = sorted(arrived)
    index = 0
    for at, texts in batches:
        while index < len(ordered) and ordered[index] < at:
            index += 1
        found.append(ordered[index] if index < len(ordered) else math.nan)
        index += texts
    return found


def expected_texts(sent: Sent, calibration: Calibration) -> int:
    per = calibration.programs if sent.kind == FINAL else calibration.more
    return per[sent.conversation]


def answered(sent: Sent) -> bool:
    """A 200, with the inline thank-you for a final answer (MORE has none: a worker answers)."""
    return sent.status == 200 and (sent.kind == MORE or sent.inline > 0)


def summary_ms(values: Sequence[float]) -> dict[str, float]:
    from bench.stack import summary

    figures = summary([1000 * v for v in values])
    return {"n": figures["n"]} | {
        f"{name}_ms": figures[name] for name in ("p50", "p90", "p99", "max")
    }


@dataclass(frozen=True, slots=True)
class Arrival:
    to: str
    body: str
    received_at: float


def helpline_figures(
    phase: Phase, arrivals: Sequence[Arrival], calibration: Calibration
) -> dict[str, Any]:
    good = [s for s in phase.sent if answered(s)]
    by_number: dict[str, list[Sent]] = defaultdict(list)
    for sent in good:
        by_number[sent.number].append(sent)
    arrived: dict[str, list[float]] = defaultdict(list)
    for arrival in arrivals:
        if arrival.to in by_number and arrival.received_at >= phase.started:
            arrived[arrival.to].append(arrival.received_at)
    delays: dict[str, list[float]] = {FINAL: [], MORE: []}
    expected = received = lost = duplicates = 0
    for number, texts in by_number.items():
        texts.sort(key=lambda s: s.at)
        batches = [(s.at, expected_texts(s, calibration)) for s in texts]
        for sent, first in zip(texts, first_arrivals(batches, arrived[number]), strict=True):
            if not math.isnan(first):
                delays[sent.kind].append(first - sent.at)
        want, got = sum(n for _, n in batches), len(arrived[number])
        expected, received = expected + want, received + got
        lost, duplicates = lost + max(want - got, 0), duplicates + max(got - want, 0)
    end = phase.started + phase.seconds
    in_phase = sum(phase.started <= t <= end for ts in arrived.values() for t in ts)
    replies = [s.seconds for s in phase.sent if s.status == 200]
    webhook = summary_ms(replies)
    return summary_ms(delays[FINAL] + delays[MORE]) | {
        "texts": len(phase.sent),
        "texts_without_a_worker_text": len(good) - len(delays[FINAL]) - len(delays[MORE]),
        "expected": expected,
        "received": received,
        "lost": lost,
        "duplicates": duplicates,
        "rest_calls_per_second": in_phase / phase.seconds if phase.seconds else math.nan,
        "webhook_p50_ms": webhook["p50_ms"],
        "webhook_p99_ms": webhook["p99_ms"],
        "webhook_max_ms": webhook["max_ms"],
        "webhook_errors": len(phase.sent) - len(good),
        "final": summary_ms(delays[FINAL]),
        "more": summary_ms(delays[MORE]),
    }


def bare_figures(phase: Phase, arrivals: Sequence[Arrival]) -> dict[str, Any]:
    arrived: dict[str, float] = {}
    for arrival in arrivals:
        if arrival.to == BARE_TO and arrival.body in phase.bare_started:
            arrived.setdefault(arrival.body, arrival.received_at)
    delays = [arrived[k] - t for k, t in phase.bare_started.items() if k in arrived]
    return summary_ms(delays) | {"lost": len(phase.bare_started) - len(delays)}


def ratio(a: float, b: float) -> float | None:
    return a / b if b > 0 and not math.isnan(a) and not math.isnan(b) else None


def rate_figures(
    rate: float,
    phase: Phase,
    arrivals: Sequence[Arrival],
    calibration: Calibration,
    extra: dict[str, Any],
) -> dict[str, Any]:
    helpline, bare = helpline_figures(phase, arrivals, calibration), bare_figures(phase, arrivals)
    sent = len(phase.sent)
    return {
        "rate": rate,
        "achieved_per_second": (sent - 1) / phase.seconds if phase.seconds else math.nan,
        "max_lag_ms": 1000 * phase.max_lag,
        "helpline": helpline,
        "bare": bare,
        "ratio_p50": ratio(helpline["p50_ms"], bare["p50_ms"]),
        "ratio_p99": ratio(helpline["p99_ms"], bare["p99_ms"]),
        "under_target": helpline["p99_ms"] < TARGET_P99_MS and helpline["lost"] == 0,
        **extra,
    }


# --- Running it --------------------------------------------------------------------------


async def walk(texter: Texter, number: str, texts: Sequence[str], gate: asyncio.Semaphore) -> int:
    """One caller's answers in order, each after the last's reply; returns the bad replies."""
    bad = 0
    async with gate:
        for body in texts:
            reply = await texter.send(number, body)
            bad += reply.status != 200 or not any(t.strip() for t in reply.messages)
    return bad


async def setup(texter: Texter, plan: Plan, numbers: Sequence[str]) -> int:
    """Every caller to its last question, or through its final answer; the bad replies."""
    from bench.soak import CONVERSATIONS

    gate = asyncio.Semaphore(SETUP_CONCURRENCY)
    walks = []
    for caller, finished in enumerate(plan.finished):
        texts = CONVERSATIONS[conversation_of(caller, len(CONVERSATIONS))].texts
        walks.append(walk(texter, numbers[caller], texts if finished else texts[:-1], gate))
    return sum(await asyncio.gather(*walks))


async def run_phase(
    texter: Texter,
    queue: Queue,
    plan: Plan,
    numbers: Sequence[str],
    rate: float,
    bare_every: int,
) -> Phase:
    """Open loop: each text at its time, whatever the answers' speed; bare jobs in between."""
    from bench.soak import CONVERSATIONS
    from helpline.queueing import enqueue, job_id

    phase = Phase()
    pending: set[asyncio.Task[None]] = set()

    async def one(slot: Slot) -> None:
        conversation = conversation_of(slot.caller, len(CONVERSATIONS))
        body = CONVERSATIONS[conversation].texts[-1] if slot.kind == FINAL else MORE_TEXT
        number = numbers[slot.caller]
        at = time.time()
        reply: Reply = await texter.send(number, body)
        phase.sent.append(
            Sent(number, slot.kind, conversation, at, reply.status, reply.seconds,
                 sum(bool(t.strip()) for t in reply.messages))
        )  # fmt: skip

    async def until(target: float) -> None:
        delay = target - time.perf_counter()
        if delay > 0:
            await asyncio.sleep(delay)
        else:
            phase.max_lag = max(phase.max_lag, -delay)

    phase.started, started = time.time(), time.perf_counter()
    for n, slot in enumerate(plan.slots):
        await until(started + slot.at)
        task = asyncio.create_task(one(slot))
        pending.add(task)
        task.add_done_callback(pending.discard)
        if bare_every and n % bare_every == 0:
            await until(started + slot.at + 0.5 / rate)
            key = f"bare {rate:g} {n}"
            phase.bare_started[key] = time.time()
            # On the loop, not a thread: a thread hand-off would be timed as the baseline's own.
            enqueue(queue, BARE_JOB, BARE_TO, key, id=job_id("bare", rate, n))
    phase.seconds = time.perf_counter() - started
    await asyncio.gather(*pending)
    return phase


async def settle(drain: Drain, fake: FakeTwilioProcess, phase: Phase, want: int) -> bool:
    """Wait for the queues to drain and the last texts to land; False if they did not drain."""
    try:
        await drain.wait()
    except TimeoutError:
        return False
    deadline = time.monotonic() + ARRIVAL_TIMEOUT_SECONDS
    while time.monotonic() < deadline:
        if sum(m.received_at >= phase.started for m in fake.messages()) >= want:
            break
        await asyncio.sleep(0.2)
    return True


def held_back(drain: Drain) -> int:
    """Jobs rq's per-caller rate limit holds back: in no queue until a slot is freed (by the
    job before them, or by a worker's maintenance when that job left its slot behind)."""
    client = drain.client
    return sum(int(client.zcard(k)) for k in client.scan_iter(match="rq:rl:*:rate_limited"))


async def settled_count(drain: Drain, fake: FakeTwilioProcess, number: str) -> int:
    """Texts the fake holds for `number` once nothing is queued, running or held back."""
    deadline = time.monotonic() + DRAIN_TIMEOUT_SECONDS
    await drain.wait()
    while await asyncio.to_thread(held_back, drain) and time.monotonic() < deadline:
        await asyncio.sleep(0.2)
        await drain.wait()
    await asyncio.sleep(CALIBRATION_QUIET_SECONDS)
    return len(fake.messages(to=number))


async def calibrate(texter: Texter, fake: FakeTwilioProcess, drain: Drain) -> Calibration:
    """Walk each conversation once, alone, then MORE: how many worker texts each brings."""
    from bench.soak import CALIBRATION_BASE, CONVERSATIONS, Calibration

    calibration = Calibration()
    for index, conversation in enumerate(CONVERSATIONS):
        number = f"+{CALIBRATION_BASE + index}"
        for body in [*conversation.texts, MORE_TEXT]:
            if body == MORE_TEXT:
                calibration.programs.append(await settled_count(drain, fake, number))
            reply = await texter.send(number, body)
            calibration.texts += 1
            if reply.status != 200:
                raise RuntimeError(f"calibration: conversation {index} got a {reply.status}")
        calibration.more.append(await settled_count(drain, fake, number) - calibration.programs[-1])
        if calibration.programs[-1] < 1 or calibration.more[-1] < 1:
            raise RuntimeError(f"calibration: conversation {index} brought no worker text")
    return calibration


def progress(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


@dataclass(frozen=True, slots=True)
class Stack:
    texter: Texter
    queue: Queue
    drain: Drain
    fake: FakeTwilioProcess
    calibration: Calibration


async def one_rate(stack: Stack, rate: float, plan: Plan, first: int, bare_every: int) -> Any:
    numbers = [caller_number(first + i) for i in range(plan.callers)]
    started = time.perf_counter()
    setup_errors = await setup(stack.texter, plan, numbers)
    await stack.drain.wait()
    setup_seconds = time.perf_counter() - started
    progress(
        f"{rate:g} texts/s: {plan.callers} callers set up in {setup_seconds:.0f} s "
        f"({setup_errors} bad replies); timed phase of {len(plan.slots)} texts"
    )
    phase = await run_phase(stack.texter, stack.queue, plan, numbers, rate, bare_every)
    want = sum(expected_texts(s, stack.calibration) for s in phase.sent if answered(s))
    drained = await settle(stack.drain, stack.fake, phase, want + len(phase.bare_started))
    arrivals = [Arrival(m.to, m.body or "", m.received_at) for m in stack.fake.messages()]
    return rate_figures(
        rate,
        phase,
        arrivals,
        stack.calibration,
        {
            "callers": plan.callers,
            "setup_seconds": setup_seconds,
            "setup_errors": setup_errors,
            "drained": drained,
            "failed_jobs": stack.drain.failed(),
        },
    )


async def measure_on(
    helpline: Helpline, fake: FakeTwilioProcess, url: str, rates: Sequence[float],
    plans: list[Plan], bare_every: int,
) -> list[dict[str, Any]]:  # fmt: skip
    import httpx

    from bench.stack import Drain, Texter
    from helpline.queueing import DEFAULT_QUEUE, build_queue

    limits = httpx.Limits(max_connections=200, max_keepalive_connections=100)
    async with httpx.AsyncClient(timeout=WEBHOOK_TIMEOUT_SECONDS, limits=limits) as client:
        texter = Texter(client, helpline.url, fake.auth_token)
        drain = Drain(url, DRAIN_TIMEOUT_SECONDS)
        calibration = await calibrate(texter, fake, drain)
        queue = build_queue(drain.client, DEFAULT_QUEUE)
        stack = Stack(texter, queue, drain, fake, calibration)
        results, first = [], 0
        for rate, plan in zip(rates, plans, strict=True):
            results.append(await one_rate(stack, rate, plan, first, bare_every))
            first += plan.callers
        drain.client.close()
    return results


def measure(
    rates: Sequence[float],
    seconds: float,
    *,
    more_share: float = MORE_SHARE,
    gap: float = GAP_SECONDS,
    bare_every: int = 1,
    workers: int = 2,
    urgent_workers: int = 1,
    web: int = 2,
) -> dict[str, Any]:
    """Every rate in turn on one stack; JSON-serialisable figures (see the module's doc)."""
    from bench.fake_process import FakeTwilioProcess
    from bench.soak import CONVERSATIONS
    from bench.stack import ON_CALL, ROSTER, Helpline, code_version, redis_version
    from helpline.redis_server import PrivateRedis

    setup_texts = [len(c.texts) - 1 for c in CONVERSATIONS]
    plans = [
        make_plan(r, seconds, more_share=more_share, gap=gap, setup_texts=setup_texts)
        for r in rates
    ]
    # The fake in a process of its own: in this one it starves the texter (fake_process.py).
    with PrivateRedis() as server, FakeTwilioProcess() as fake:
        progress(f"starting helpline: {web} web, {workers} workers, {urgent_workers} urgent-only")
        with Helpline(server.url, fake, workers, urgent_workers, web, roster=ROSTER) as helpline:
            results = asyncio.run(measure_on(helpline, fake, server.url, rates, plans, bare_every))
            exited = helpline.exited()
        pages = len(fake.messages(to=ON_CALL)) + len(fake.calls())
    at_target = next((r for r in results if r["rate"] == TARGET_RATE), None)
    figures: dict[str, Any] = {
        "settings": {
            "rates": list(rates),
            "seconds": seconds,
            "more_share": more_share,
            "gap_seconds": gap,
            "bare_every": bare_every,
            "workers": workers,
            "urgent_workers": urgent_workers,
            "web": web,
        },
        "machine": {
            "python": platform.python_version(),
            "cpus": os.cpu_count(),
            "redis": redis_version(),
            "load_average_1m": os.getloadavg()[0],
        },
        "code": code_version("helpline", "workers", "flows"),
        "target": {
            "rate": TARGET_RATE,
            "p99_under_ms": TARGET_P99_MS,
            "met": at_target["under_target"] if at_target is not None else None,
        },
        "pages_or_calls": pages,
        "processes_exited": exited,
        "rates": results,
    }
    return dict(finite(figures))


# --- Output ------------------------------------------------------------------------------


def finite(value: Any) -> Any:
    """NaN (a percentile of nothing) as None: JSON has no NaN."""
    if isinstance(value, float) and math.isnan(value):
        return None
    if isinstance(value, dict):
        return {k: finite(v) for k, v in value.items()}
    if isinstance(value, list):
        return [finite(v) for v in value]
    return value


def fmt(value: float | None, digits: int = 0) -> str:
    return "—" if value is None or math.isnan(value) else f"{value:.{digits}f}"


def print_report(result: dict[str, Any], console: Console) -> None:
    from rich.table import Table

    s = result["settings"]
    table = Table(
        title=f"webhook → first worker text at the fake, ms ({s['seconds']:g} s a rate, "
        f"{100 * s['more_share']:.0f} % MORE)"
    )
    columns = ["texts/s", "helpline p50", "p99", "max", "bare p50", "p99", "× p50", "× p99"]
    columns += ["webhook p99", "expected", "received", "lost", "dup", "REST/s", "under 250"]
    for column in columns:
        table.add_column(column, justify="right")
    for r in result["rates"]:
        h, b = r["helpline"], r["bare"]
        table.add_row(
            fmt(r["achieved_per_second"], 1),
            fmt(h["p50_ms"]),
            fmt(h["p99_ms"]),
            fmt(h["max_ms"]),
            fmt(b["p50_ms"]),
            fmt(b["p99_ms"]),
            fmt(r["ratio_p50"], 2),
            fmt(r["ratio_p99"], 2),
            fmt(h["webhook_p99_ms"], 1),
            str(h["expected"]),
            str(h["received"]),
            str(h["lost"]),
            str(h["duplicates"]),
            fmt(h["rest_calls_per_second"], 1),
            "yes" if r["under_target"] else "no",
        )
    console.print(table)
    for r in result["rates"]:
        h = r["helpline"]
        console.print(
            f"{r['rate']:g}/s: final answers p50 {fmt(h['final']['p50_ms'])} / p99 "
            f"{fmt(h['final']['p99_ms'])} ms, MORE p50 {fmt(h['more']['p50_ms'])} / p99 "
            f"{fmt(h['more']['p99_ms'])} ms; {h['webhook_errors']} webhook errors, bare lost "
            f"{r['bare']['lost']}, {r['failed_jobs']} failed jobs, load at most "
            f"{fmt(r['max_lag_ms'])} ms behind; {r['callers']} callers set up in "
            f"{r['setup_seconds']:.0f} s"
        )
    met = result["target"]["met"]
    verdict = "not measured" if met is None else "met" if met else "MISSED"
    console.print(
        f"target p99 < {TARGET_P99_MS:.0f} ms at {TARGET_RATE:g} texts/s: {verdict}; "
        f"pages or calls {result['pages_or_calls']}, processes exited: "
        f"{', '.join(result['processes_exited']) or 'none'} ({result['code']})"
    )


def parse_rates(text: str) -> list[float]:
    import argparse

    try:
        rates = [float(part) for part in text.split(",") if part.strip()]
    except ValueError:
        raise argparse.ArgumentTypeError("rates are numbers, comma-separated") from None
    if not rates or any(r <= 0 for r in rates):
        raise argparse.ArgumentTypeError("rates must be positive")
    return rates


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    import argparse

    parser = argparse.ArgumentParser(
        prog="python -m bench.endtoend",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--rates", type=parse_rates, default=list(DEFAULT_RATES))
    parser.add_argument("--seconds", type=float, default=DEFAULT_SECONDS, help="a rate's phase")
    parser.add_argument("--more-share", type=float, default=MORE_SHARE)
    parser.add_argument("--gap", type=float, default=GAP_SECONDS, help="seconds between texts")
    parser.add_argument("--bare-every", type=int, default=1, help="one bare job per N texts")
    parser.add_argument("--workers", type=int, default=2, help="`helpline worker` processes")
    parser.add_argument("--urgent-workers", type=int, default=1)
    parser.add_argument("--web", type=int, default=2, help="`helpline serve` processes")
    parser.add_argument("--json", action="store_true", help="one JSON object on stdout")
    return parser.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> int:
    from rich.console import Console

    args = parse_args(argv)
    result = measure(
        args.rates,
        args.seconds,
        more_share=args.more_share,
        gap=args.gap,
        bare_every=args.bare_every,
        workers=args.workers,
        urgent_workers=args.urgent_workers,
        web=args.web,
    )
    if args.json:
        print(json.dumps(result, indent=2))
    else:
        print_report(result, Console(width=None if sys.stdout.isatty() else 160))
    return 0


if __name__ == "__main__":
    sys.exit(main())
