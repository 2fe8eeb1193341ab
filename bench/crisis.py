"""Crisis-to-page benchmark (issue 4): how fast a crisis text pages the first person on call.

    .venv/bin/python -m bench.crisis [--rate 100] [--probes 200] [--workers 2]
        [--urgent-workers 1] [--json]

Runs the helpline for real: a private redis-server, `helpline serve`,
`helpline worker` and `helpline worker --urgent-only` processes, and the fake
Twilio REST server. While a load of ordinary triage texts arrives at `--rate` a
second (signed webhooks, callers walking through the questions, so workers
also send program texts), crisis
texts arrive from new numbers at `--probe-rate` a second. Each is timed from
just before its webhook is posted to the moment the page for it reaches the
fake Twilio.

The baseline, interleaved with the probes under the same load: one bare RQ
job on the urgent queue that sends one text through the same sender, timed
from enqueue to arrival. The ratio crisis / baseline is what to compare across
machines; the target (p99 under one second) is reported, never asserted.
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import json
import os
import platform
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import httpx
import redis
from rich.console import Console
from rich.table import Table
from rq import Queue
from rq.serializers import JSONSerializer

from bench.fake_process import FakeTwilioProcess
from bench.stack import ON_CALL, ROSTER, Helpline, Texter, summary
from helpline.queueing import URGENT_QUEUE
from helpline.redis_server import PrivateRedis

BASELINE_TO = "+15550100009"
MAX_CALLERS = 10_000
"""Ordinary callers are +1 425 555 0000 to 9999."""
TARGET_P99_SECONDS = 1.0
ARRIVAL_TIMEOUT_SECONDS = 20.0
"""How long the bench waits for the last page before counting the rest as lost."""

CRISIS_TEXTS = (
    "i want to kill myself",
    "I don't want to live anymore",
    "my brother od'd he's not breathing",
    "quiero morir",
    "sobredosis ayuda",
    "im not safe",
)
TRIAGE = ("hi", "1", "1", "2", "2", "2", "1")
"""One whole conversation: for me, alcohol, secular, cut down, online, safe: programs sent."""


def bare_page(to: str, body: str) -> str:
    """The baseline job: one text through the helpline's sender, nothing else."""
    from helpline.runtime import current

    return current().sender.send(to, body, status_callback=None).sid


@dataclass
class Figures:
    crisis: list[float] = field(default_factory=list)
    crisis_reply: list[float] = field(default_factory=list)
    baseline: list[float] = field(default_factory=list)
    load: list[float] = field(default_factory=list)
    load_errors: int = 0
    load_sent: int = 0
    load_seconds: float = 0.0
    lost_pages: int = 0
    lost_baseline: int = 0


async def run_load(
    texter: Texter, rate: float, stop: asyncio.Event, figures: Figures, callers: int
) -> None:
    """Open-loop: one ordinary text every 1/rate seconds, whatever the answers' speed."""
    step = 1.0 / rate
    pending: set[asyncio.Task[None]] = set()
    progress = [0] * callers

    async def one(index: int) -> None:
        number = f"+1425555{index:04d}"
        body = TRIAGE[progress[index] % len(TRIAGE)]
        progress[index] += 1
        status, seconds = await texter.text(number, body)
        figures.load.append(seconds)
        if status != 200:
            figures.load_errors += 1

    started = time.perf_counter()
    for n in itertools.count():
        if stop.is_set():
            break
        target = started + n * step
        delay = target - time.perf_counter()
        if delay > 0:
            await asyncio.sleep(delay)
        task = asyncio.create_task(one(n % callers))
        pending.add(task)
        task.add_done_callback(pending.discard)
        figures.load_sent += 1
    figures.load_seconds = time.perf_counter() - started
    await asyncio.gather(*pending)


async def run_probes(
    texter: Texter,
    queue: Queue,
    probes: int,
    probe_rate: float,
    figures: Figures,
) -> tuple[dict[str, float], dict[str, float]]:
    """Crisis texts and baseline jobs, alternating. Returns their start times by key."""
    crisis_started: dict[str, float] = {}
    baseline_started: dict[str, float] = {}
    tasks = []

    async def crisis(index: int) -> None:
        number = f"+1206555{index:04d}"
        crisis_started[f"…{index:04d}"] = time.time()
        status, seconds = await texter.text(number, CRISIS_TEXTS[index % len(CRISIS_TEXTS)])
        if status == 200:
            figures.crisis_reply.append(seconds)

    for index in range(probes):
        tasks.append(asyncio.create_task(crisis(index)))
        await asyncio.sleep(0.5 / probe_rate)
        key = f"baseline {index}"
        baseline_started[key] = time.time()
        # On the loop, not a thread: a thread hand-off would be timed as the baseline's own.
        queue.enqueue("bench.crisis.bare_page", BASELINE_TO, key, result_ttl=60)
        await asyncio.sleep(0.5 / probe_rate)
    await asyncio.gather(*tasks)
    return crisis_started, baseline_started


def collect(
    fake: FakeTwilioProcess,
    crisis_started: dict[str, float],
    baseline_started: dict[str, float],
    figures: Figures,
) -> None:
    deadline = time.monotonic() + ARRIVAL_TIMEOUT_SECONDS
    while time.monotonic() < deadline:
        pages, bare = fake.messages(to=ON_CALL), fake.messages(to=BASELINE_TO)
        if len(pages) >= len(crisis_started) and len(bare) >= len(baseline_started):
            break
        time.sleep(0.2)
    arrived: dict[str, float] = {}
    for message in fake.messages(to=ON_CALL):
        body = message.body or ""
        key = next((k for k in crisis_started if k in body), None)
        if key is not None and key not in arrived:
            arrived[key] = message.received_at
    figures.crisis = [arrived[k] - t for k, t in crisis_started.items() if k in arrived]
    figures.lost_pages = len(crisis_started) - len(arrived)
    bare_arrived = {m.body or "": m.received_at for m in fake.messages(to=BASELINE_TO)}
    figures.baseline = [
        bare_arrived[k] - t for k, t in baseline_started.items() if k in bare_arrived
    ]
    figures.lost_baseline = len(baseline_started) - len(figures.baseline)


async def measure(
    args: argparse.Namespace, helpline: Helpline, fake: FakeTwilioProcess, url: str
) -> Figures:
    figures = Figures()
    connection = redis.Redis.from_url(url)
    queue = Queue(URGENT_QUEUE, connection=connection, serializer=JSONSerializer)
    limits = httpx.Limits(max_connections=400, max_keepalive_connections=100)
    async with httpx.AsyncClient(timeout=15, limits=limits) as client:
        texter = Texter(client, helpline.url, fake.auth_token)
        stop = asyncio.Event()
        load = asyncio.create_task(run_load(texter, args.rate, stop, figures, args.callers))
        await asyncio.sleep(args.warmup)
        figures.load.clear()
        crisis_started, baseline_started = await run_probes(
            texter, queue, args.probes, args.probe_rate, figures
        )
        stop.set()
        await load
    collect(fake, crisis_started, baseline_started, figures)
    connection.close()
    return figures


def report(figures: Figures, args: argparse.Namespace) -> dict[str, Any]:
    crisis, baseline = summary(figures.crisis), summary(figures.baseline)
    return {
        "settings": {
            "rate": args.rate,
            "probes": args.probes,
            "probe_rate": args.probe_rate,
            "workers": args.workers,
            "urgent_workers": args.urgent_workers,
            "web": args.web,
        },
        "machine": {"python": platform.python_version(), "cpus": os.cpu_count()},
        "crisis_to_page_seconds": crisis,
        "baseline_job_to_send_seconds": baseline,
        "ratio_p50": crisis["p50"] / baseline["p50"] if figures.baseline else None,
        "ratio_p99": crisis["p99"] / baseline["p99"] if figures.baseline else None,
        "crisis_reply_seconds": summary(figures.crisis_reply),
        "load": {
            "sent": figures.load_sent,
            "achieved_per_second": figures.load_sent / figures.load_seconds
            if figures.load_seconds
            else 0.0,
            "errors": figures.load_errors,
            "reply_seconds": summary(figures.load),
        },
        "lost_pages": figures.lost_pages,
        "lost_baseline": figures.lost_baseline,
        "target": {
            "p99_under_seconds": TARGET_P99_SECONDS,
            "met": crisis["p99"] < TARGET_P99_SECONDS and figures.lost_pages == 0,
        },
    }


def print_report(result: dict[str, Any], console: Console) -> None:
    table = Table(title="crisis text → first page (seconds)")
    for column in ("what", "n", "p50", "p90", "p99", "max"):
        table.add_column(column, justify="right" if column != "what" else "left")
    rows = (
        ("crisis → page", result["crisis_to_page_seconds"]),
        ("baseline job → send", result["baseline_job_to_send_seconds"]),
        ("crisis inline reply", result["crisis_reply_seconds"]),
        ("load inline reply", result["load"]["reply_seconds"]),
    )
    for name, s in rows:
        table.add_row(name, str(s["n"]), *(f"{s[k]:.3f}" for k in ("p50", "p90", "p99", "max")))
    console.print(table)
    load = result["load"]
    console.print(
        f"load: {load['achieved_per_second']:.1f} texts/s ({load['sent']} sent, "
        f"{load['errors']} errors); lost pages: {result['lost_pages']}"
    )
    if result["ratio_p99"] is not None:
        console.print(
            f"ratio crisis/baseline: p50 {result['ratio_p50']:.2f}, p99 {result['ratio_p99']:.2f}"
        )
    met = "met" if result["target"]["met"] else "NOT met"
    console.print(f"target p99 < {TARGET_P99_SECONDS:.1f} s: {met}")


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench.crisis", description=__doc__)
    parser.add_argument("--rate", type=float, default=100.0, help="ordinary texts a second")
    parser.add_argument("--probes", type=int, default=200, help="crisis texts (and baselines)")
    parser.add_argument("--probe-rate", type=float, default=4.0, help="crisis texts a second")
    parser.add_argument(
        "--callers", type=int, default=None, help="distinct ordinary callers (default: rate × 20)"
    )
    parser.add_argument("--workers", type=int, default=2, help="`helpline worker` processes")
    parser.add_argument(
        "--urgent-workers", type=int, default=1, help="`helpline worker --urgent-only` processes"
    )
    parser.add_argument("--web", type=int, default=2, help="`helpline serve` processes")
    parser.add_argument("--warmup", type=float, default=3.0, help="seconds of load first")
    parser.add_argument("--json", action="store_true", help="one JSON object on stdout")
    args = parser.parse_args(argv)
    if args.callers is None:
        # Each number texts every 20 s, under the helpline's inbound limit (30 in 5 minutes):
        # with fewer callers the limit would silence the load and flatter the figures.
        args.callers = max(1, round(args.rate * 20))
    if args.callers > MAX_CALLERS:
        parser.error(f"--callers must be at most {MAX_CALLERS}")
    return args


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    console = Console(stderr=True)
    with PrivateRedis() as server, FakeTwilioProcess() as fake:
        console.print(
            f"starting helpline: {args.web} web, {args.workers} workers, "
            f"{args.urgent_workers} urgent-only"
        )
        helpline = Helpline(
            server.url, fake, args.workers, args.urgent_workers, args.web, roster=ROSTER
        )
        try:
            console.print(
                f"load {args.rate:.0f} texts/s; {args.probes} crisis texts at "
                f"{args.probe_rate:.1f}/s"
            )
            figures = asyncio.run(measure(args, helpline, fake, server.url))
        finally:
            helpline.stop()
    result = report(figures, args)
    if args.json:
        print(json.dumps(result, indent=2))
    else:
        print_report(result, Console())
    return 0


if __name__ == "__main__":
    sys.exit(main())
