"""Webhook throughput and latency (issue 8): `POST /twilio/sms` against a bare baseline.

    .venv/bin/python -m bench.webhook [--seconds 10] [--connections 32] [--json]

Two sides, one after the other, each loaded by `wrk` (2 threads) replaying
pre-signed webhooks:

- **bare** (bench/bare.py): Starlette on uvicorn, the form parsed, one Redis
  round trip (the MessageSid dedupe), a small TwiML reply: the least the same
  stack can do, with as many uvicorn workers as the helpline's web tier;
- **helpline**: `helpline serve` and its workers for real, on a private
  redis-server and the fake Twilio (bench/stack.py).

Every request is signed like Twilio's, against the public URL, and has its own
MessageSid (a repeated one would be a cheap dedupe hit); the mix is new
conversations, answers walking the triage flow, and HELP, MENU and MORE, from
fictional 555 numbers that never text more than 25 times (the helpline's
inbound limit is 30 in 5 minutes, past which replies are suppressed). Each wrk
thread replays its own numbers, a number's texts in order and hundreds of
requests apart.

Reported at `--connections`: requests a second, p50 and p99 latency, non-2xx
answers and socket errors, and the helpline/bare ratios of throughput and p99;
then the latency-against-load curve at each of `--curve`. The issue's targets
(throughput ≥ 0.7 × bare, p99 ≤ 2 × bare's) are reported, never asserted. Only
counts and timings are printed, never a number or a message body.
"""

from __future__ import annotations

import argparse
import itertools
import json
import math
import os
import platform
import random
import re
import shutil
import subprocess
import sys
import tempfile
import time
from collections import deque
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from types import TracebackType
from typing import Any

import httpx
from rich.console import Console
from rich.table import Table

from bench.soak import CONVERSATIONS, script
from bench.stack import (
    HELPLINE_NUMBER,
    LOOPBACK_NO_PROXY,
    PUBLIC_URL,
    REPO,
    ROSTER,
    START_TIMEOUT_SECONDS,
    STOP_TIMEOUT_SECONDS,
    Helpline,
    without_delayed_answers,
)
from helpline.redis_server import PrivateRedis, free_port
from tests.fake_twilio.server import FakeTwilio
from tests.fake_twilio.signing import signed_form

SMS_PATH = "/twilio/sms"
WRK_THREADS = 2
"""One per CPU of the two-CPU reference machine."""
WRK_TIMEOUT = "15s"
"""Twilio's own webhook read timeout: a slower answer counts as a socket timeout."""
WRK_INSTALL_HINT = (
    "wrk is not installed: run scripts/ensure-system-deps --bench (apt-get install wrk)"
)
DEFAULT_CURVE = (1, 4, 8, 16, 32, 64)
TARGET_THROUGHPUT_RATIO = 0.7
TARGET_P99_RATIO = 2.0

MAX_TEXTS_PER_NUMBER = 25
"""A number's whole life in the bench, under the helpline's inbound limit (30 in 5 minutes)."""
SLOTS_PER_THREAD = 512
"""Numbers texting at once in one wrk thread's stream: a number's next text comes this many
requests later, long after its last one was answered (at most 32 are in flight per thread)."""
STAGGER_ROUNDS = 8
"""The first numbers start up to this many rounds late, so conversations do not all finish
(and ask the workers for programs) in the same round."""
AREA_CODES = (206, 253, 360, 425, 503, 509, 541, 971, 707, 916, 530, 559, 208, 406, 307, 702)
"""Numbers are +1 <area> 555 xxxx: the 555 exchange is fictional."""
FIRST_ESTIMATE_RPS = 5000.0
"""How fast a side is assumed to go before it has been measured (requests are made for it)."""
REQUEST_MARGIN = 2.0
"""Requests made for a run: this many times what the fastest run so far would send, plus some."""
LUA_SCRIPT = r"""
-- Replays pre-signed webhooks: thread N reads requests-N.txt (signature TAB body a line)
-- and sends them in order; counts answers that are not 200, and 200s with no <Message>.
local threads = {}
local count = 0

function setup(thread)
  thread:set("id", count)
  table.insert(threads, thread)
  count = count + 1
end

function init(args)
  sent, bad, empty, wrapped = 0, 0, 0, 0
  path = args[2]
  items = {}
  local file = assert(io.open(args[1] .. "/requests-" .. id .. ".txt", "r"))
  for line in file:lines() do
    local tab = line:find("\t", 1, true)
    items[#items + 1] = { line:sub(1, tab - 1), line:sub(tab + 1) }
  end
  file:close()
end

function request()
  sent = sent + 1
  local index = sent
  if index > #items then
    wrapped = wrapped + 1
    index = (index - 1) % #items + 1
  end
  local item = items[index]
  return wrk.format("POST", path, {
    ["Content-Type"] = "application/x-www-form-urlencoded",
    ["X-Twilio-Signature"] = item[1],
  }, item[2])
end

function response(status, headers, body)
  if status ~= 200 then
    bad = bad + 1
  elseif not body:find("<Message", 1, true) then
    empty = empty + 1
  end
end

function done(summary, latency, requests)
  for _, thread in ipairs(threads) do
    io.write(string.format("webhook-bench thread=%d sent=%d bad=%d empty=%d wrapped=%d\n",
      thread:get("id"), thread:get("sent"), thread:get("bad"), thread:get("empty"),
      thread:get("wrapped")))
  end
end
"""


# --- The requests ------------------------------------------------------------------------


def fictional_numbers() -> Iterator[str]:
    for area in AREA_CODES:
        for line in range(10_000):
            yield f"+1{area}555{line:04d}"


def caller_texts(rng: random.Random) -> list[str]:
    """One number's texts: whole conversations (as bench/soak.py scripts them), at most 25."""
    texts: list[str] = []
    while True:
        steps = script(rng, CONVERSATIONS[rng.randrange(len(CONVERSATIONS))])
        if len(texts) + len(steps) > MAX_TEXTS_PER_NUMBER:
            return texts
        texts += [step.body for step in steps]


@dataclass(slots=True)
class Slot:
    number: str = ""
    texts: deque[str] = field(default_factory=deque)
    delay: int = 0


class Stream:
    """One wrk thread's requests, made as needed: `slots` numbers take turns, each in order.

    Lines are `signature TAB urlencoded body`; `take(n)` shows the next n without using
    them up, `consume(n)` uses up the first n (those wrk sent).
    """

    def __init__(
        self,
        numbers: Iterator[str],
        sids: Iterator[str],
        token: str,
        rng: random.Random,
        slots: int = SLOTS_PER_THREAD,
    ) -> None:
        self.numbers, self.sids, self.token, self.rng = numbers, sids, token, rng
        self.slots = [Slot(delay=rng.randrange(STAGGER_ROUNDS)) for _ in range(slots)]
        self.pending: deque[str] = deque()
        self.url = PUBLIC_URL + SMS_PATH

    def _round(self) -> None:
        for slot in self.slots:
            if slot.delay:
                slot.delay -= 1
                continue
            if not slot.texts:
                slot.number = next(self.numbers)
                slot.texts = deque(caller_texts(self.rng))
            self.pending.append(self.signed(slot.number, slot.texts.popleft()))

    def signed(self, number: str, body: str) -> str:
        sid = next(self.sids)
        pairs = [
            ("MessageSid", sid),
            ("SmsSid", sid),
            ("AccountSid", "AC" + "0" * 32),
            ("From", number),
            ("To", HELPLINE_NUMBER),
            ("Body", body),
            ("NumMedia", "0"),
            ("NumSegments", "1"),
            ("SmsStatus", "received"),
            ("ApiVersion", "2010-04-01"),
        ]
        content, headers = signed_form(self.url, pairs, self.token)
        return f"{headers['X-Twilio-Signature']}\t{content.decode('ascii')}"

    def take(self, n: int) -> list[str]:
        while len(self.pending) < n:
            self._round()
        return list(itertools.islice(self.pending, n))

    def consume(self, n: int) -> None:
        for _ in range(min(n, len(self.pending))):
            self.pending.popleft()


class Requests:
    """A side's streams, one per wrk thread, sharing one pool of numbers and MessageSids."""

    def __init__(self, token: str, seed: int, threads: int = WRK_THREADS) -> None:
        rng = random.Random(seed)
        numbers = fictional_numbers()
        tag = rng.getrandbits(32)
        sids = (f"SM{tag:08x}{n:024x}" for n in itertools.count(1))
        self.streams = [
            Stream(numbers, sids, token, random.Random(rng.getrandbits(64))) for _ in range(threads)
        ]

    def write(self, folder: Path, threads: int, per_thread: int) -> None:
        for index in range(threads):
            lines = self.streams[index].take(per_thread)
            (folder / f"requests-{index}.txt").write_text("\n".join(lines) + "\n")

    def consume(self, sent: dict[int, int]) -> None:
        for index, n in sent.items():
            self.streams[index].consume(n)


# --- wrk ---------------------------------------------------------------------------------

UNIT_MS = {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60_000.0, "h": 3_600_000.0}
PERCENTILE_LINE = re.compile(r"^\s*(\d+(?:\.\d+)?)%\s+([\d.]+)\s*(us|ms|s|m|h)\s*$", re.M)
RPS_LINE = re.compile(r"^Requests/sec:\s+([\d.]+)", re.M)
TOTAL_LINE = re.compile(r"^\s*(\d+) requests in ([\d.]+)\s*(us|ms|s|m|h)", re.M)
SOCKET_LINE = re.compile(
    r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", re.M
)
NON_2XX_LINE = re.compile(r"Non-2xx or 3xx responses: (\d+)", re.M)
THREAD_LINE = re.compile(
    r"^webhook-bench thread=(\d+) sent=(\d+) bad=(\d+) empty=(\d+) wrapped=(\d+)$", re.M
)


@dataclass(frozen=True, slots=True)
class Run:
    connections: int
    seconds: float
    requests: int
    rps: float
    percentiles_ms: dict[str, float]
    """"50", "75", "90", "99" (as wrk --latency prints them) to milliseconds."""
    non_2xx: int
    socket_errors: dict[str, int]
    not_200: int
    """Counted by the Lua script: answers that were not 200."""
    no_message: int
    """200s without a <Message> (a MORE after the programs is answered by a worker text)."""
    repeated_sids: int
    """Requests sent past the end of the prepared ones (so a MessageSid came round again)."""
    sent: dict[int, int]

    @property
    def p50_ms(self) -> float:
        return self.percentiles_ms.get("50", math.nan)

    @property
    def p99_ms(self) -> float:
        return self.percentiles_ms.get("99", math.nan)

    def figures(self) -> dict[str, Any]:
        return {
            "connections": self.connections,
            "seconds": finite(self.seconds),
            "requests": self.requests,
            "rps": self.rps,
            "p50_ms": finite(self.p50_ms),
            "p75_ms": finite(self.percentiles_ms.get("75", math.nan)),
            "p90_ms": finite(self.percentiles_ms.get("90", math.nan)),
            "p99_ms": finite(self.p99_ms),
            "non_2xx": self.non_2xx,
            "socket_errors": self.socket_errors,
            "not_200": self.not_200,
            "no_message": self.no_message,
            "repeated_sids": self.repeated_sids,
        }


def finite(value: float) -> float | None:
    """JSON has no NaN: a figure wrk did not print is null."""
    return None if math.isnan(value) else value


def to_ms(value: str, unit: str) -> float:
    return float(value) * UNIT_MS[unit]


def percentile_key(text: str) -> str:
    """ "50" for 50 and 50.000 (wrk2 prints three decimals)."""
    number = float(text)
    return str(int(number)) if number.is_integer() else str(number)


def parse_wrk(output: str, connections: int) -> Run:
    """wrk --latency's report, and the Lua script's per-thread line, as a Run."""
    rps = RPS_LINE.search(output)
    if rps is None:
        raise ValueError("wrk printed no Requests/sec line")
    total = TOTAL_LINE.search(output)
    requests, seconds = 0, math.nan
    if total is not None:
        requests = int(total.group(1))
        seconds = to_ms(total.group(2), total.group(3)) / 1000
    percentiles = {
        percentile_key(m.group(1)): to_ms(m.group(2), m.group(3))
        for m in PERCENTILE_LINE.finditer(output)
    }
    socket = SOCKET_LINE.search(output)
    names = ("connect", "read", "write", "timeout")
    errors = {n: int(socket.group(i + 1)) if socket else 0 for i, n in enumerate(names)}
    non_2xx = NON_2XX_LINE.search(output)
    sent: dict[int, int] = {}
    not_200 = no_message = repeated = 0
    for m in THREAD_LINE.finditer(output):
        sent[int(m.group(1))] = int(m.group(2))
        not_200 += int(m.group(3))
        no_message += int(m.group(4))
        repeated += int(m.group(5))
    return Run(
        connections=connections,
        seconds=seconds,
        requests=requests,
        rps=float(rps.group(1)),
        percentiles_ms=percentiles,
        non_2xx=int(non_2xx.group(1)) if non_2xx else 0,
        socket_errors=errors,
        not_200=not_200,
        no_message=no_message,
        repeated_sids=repeated,
        sent=sent,
    )


def wrk_binary() -> str:
    found = shutil.which("wrk")
    if found is None:
        raise SystemExit(WRK_INSTALL_HINT)
    return found


def wrk_version(wrk: str) -> str:
    done = subprocess.run([wrk, "--version"], capture_output=True, text=True, check=False)
    return (done.stdout or done.stderr).splitlines()[0] if (done.stdout or done.stderr) else ""


class Load:
    """Runs wrk at one side with that side's requests, made in `folder` and removed after."""

    def __init__(self, wrk: str, folder: Path, url: str, requests: Requests) -> None:
        self.wrk, self.folder, self.url, self.requests = wrk, folder, url, requests
        self.script = folder / "webhook.lua"
        self.script.write_text(LUA_SCRIPT)
        self.fastest: float | None = None
        """The fastest this side has gone so far, in requests a second."""

    def run(self, connections: int, seconds: float) -> Run:
        duration = max(1, round(seconds))
        threads = max(1, min(WRK_THREADS, connections))
        expected = self.fastest or FIRST_ESTIMATE_RPS
        run = self._once(connections, duration, threads, expected)
        if run.repeated_sids:  # it went faster than foreseen: again, with plenty
            run = self._once(connections, duration, threads, max(run.rps, expected) * 3)
        self.fastest = max(self.fastest or 0.0, run.rps)
        return run

    def _once(self, connections: int, duration: int, threads: int, rps: float) -> Run:
        per_thread = math.ceil(rps * duration * REQUEST_MARGIN / threads) + 2 * connections + 500
        self.requests.write(self.folder, threads, per_thread)
        command = [
            self.wrk,
            f"--threads={threads}",
            f"--connections={connections}",
            f"--duration={duration}s",
            f"--timeout={WRK_TIMEOUT}",
            "--latency",
            f"--script={self.script}",
            self.url + SMS_PATH,
            "--",
            str(self.folder),
            SMS_PATH,
        ]
        done = subprocess.run(
            command, capture_output=True, text=True, timeout=duration + 60, check=False
        )
        for index in range(threads):
            (self.folder / f"requests-{index}.txt").unlink(missing_ok=True)
        if done.returncode != 0:
            raise RuntimeError(f"wrk exited {done.returncode}: {done.stderr.strip()[:500]}")
        run = parse_wrk(done.stdout, connections)
        # What wrk sent is used up (a MessageSid is never sent twice); the rest comes next.
        self.requests.consume(run.sent or dict.fromkeys(range(threads), per_thread))
        return run


# --- The sides ---------------------------------------------------------------------------


class Bare:
    """bench/bare.py under uvicorn with `web` workers, on its own private Redis."""

    def __init__(self, redis_url: str, web: int) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        env = {
            "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
            "REDIS_URL": redis_url,
            "NO_PROXY": LOOPBACK_NO_PROXY,
            "no_proxy": LOOPBACK_NO_PROXY,
        }
        self.popen = subprocess.Popen(
            [sys.executable, "-m", "bench.bare", "--port", str(self.port), "--workers", str(web)],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            cwd=REPO,
            start_new_session=True,
        )
        try:
            self._wait_ready()
        except BaseException:
            self.stop()
            raise

    def _wait_ready(self) -> None:
        deadline = time.monotonic() + START_TIMEOUT_SECONDS
        while time.monotonic() < deadline:
            if self.popen.poll() is not None:
                raise RuntimeError("the bare baseline exited during start-up")
            try:
                if httpx.get(f"{self.url}/healthz", timeout=1).status_code == 200:
                    time.sleep(0.5)  # every uvicorn worker up, not just the first
                    return
            except httpx.HTTPError:
                pass
            time.sleep(0.1)
        raise RuntimeError("the bare baseline did not start")

    def stop(self) -> None:
        if self.popen.poll() is None:
            self.popen.terminate()
        try:
            self.popen.wait(timeout=STOP_TIMEOUT_SECONDS)
        except subprocess.TimeoutExpired:
            self.popen.kill()
            self.popen.wait()

    def __enter__(self) -> Bare:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()


@dataclass(frozen=True, slots=True)
class Side:
    headline: Run
    curve: dict[int, Run]


def exercise(
    load: Load,
    name: str,
    connections: int,
    seconds: float,
    curve: Sequence[int],
    curve_seconds: float,
    warmup: float,
    console: Console,
) -> Side:
    if warmup > 0:
        console.print(f"{name}: warming up {warmup:.0f} s at {connections} connections")
        load.run(connections, warmup)
    console.print(f"{name}: {seconds:.0f} s at {connections} connections")
    headline = load.run(connections, seconds)
    points = {}
    for c in curve:
        console.print(f"{name}: curve, {curve_seconds:.0f} s at {c} connections")
        points[c] = load.run(c, curve_seconds)
    return Side(headline, points)


def measure(
    seconds: float = 10.0,
    connections: int = 32,
    curve: Sequence[int] = DEFAULT_CURVE,
    curve_seconds: float = 5.0,
    *,
    web: int = 2,
    workers: int = 2,
    urgent_workers: int = 1,
    warmup: float = 2.0,
    seed: int = 20260808,
    console: Console | None = None,
) -> dict[str, Any]:
    """Both sides, bare first, then the helpline; every figure, as `--json` prints it."""
    console = console or Console(stderr=True)
    wrk = wrk_binary()
    with tempfile.TemporaryDirectory(prefix="helpline-webhook-") as temp:
        folder = Path(temp)
        with PrivateRedis() as server, Bare(server.url, web) as bare:
            requests = Requests("bare-does-not-check", seed)
            load = Load(wrk, folder, bare.url, requests)
            bare_side = exercise(
                load, "bare", connections, seconds, curve, curve_seconds, warmup, console
            )
        with PrivateRedis() as server, FakeTwilio() as fake:
            without_delayed_answers(fake)
            console.print(
                f"starting helpline: {web} web, {workers} workers, {urgent_workers} urgent-only"
            )
            with Helpline(server.url, fake, workers, urgent_workers, web, roster=ROSTER) as line:
                requests = Requests(fake.auth_token, seed + 1)
                load = Load(wrk, folder, line.url, requests)
                helpline_side = exercise(
                    load, "helpline", connections, seconds, curve, curve_seconds, warmup, console
                )
                exited = line.exited()
    settings = {
        "seconds": seconds,
        "connections": connections,
        "curve": list(curve),
        "curve_seconds": curve_seconds,
        "warmup": warmup,
        "web": web,
        "workers": workers,
        "urgent_workers": urgent_workers,
        "wrk_threads": WRK_THREADS,
        "seed": seed,
    }
    return report(bare_side, helpline_side, settings, wrk_version(wrk), exited)


def ratio(a: float, b: float) -> float | None:
    return a / b if b and not math.isnan(a) and not math.isnan(b) else None


def point(run: Run) -> dict[str, float | None]:
    return {"rps": run.rps, "p50_ms": finite(run.p50_ms), "p99_ms": finite(run.p99_ms)}


def report(
    bare: Side, helpline: Side, settings: dict[str, Any], wrk: str, exited: list[str]
) -> dict[str, Any]:
    throughput = ratio(helpline.headline.rps, bare.headline.rps)
    p99 = ratio(helpline.headline.p99_ms, bare.headline.p99_ms)
    return {
        "settings": settings,
        "machine": {"python": platform.python_version(), "cpus": os.cpu_count(), "wrk": wrk},
        "headline": {
            "connections": settings["connections"],
            "bare": bare.headline.figures(),
            "helpline": helpline.headline.figures(),
            "throughput_ratio": throughput,
            "p99_ratio": p99,
        },
        "target": {
            "throughput_ratio_at_least": TARGET_THROUGHPUT_RATIO,
            "p99_ratio_at_most": TARGET_P99_RATIO,
            "throughput_met": throughput is not None and throughput >= TARGET_THROUGHPUT_RATIO,
            "p99_met": p99 is not None and p99 <= TARGET_P99_RATIO,
        },
        "curve": [
            {
                "connections": c,
                "helpline": point(helpline.curve[c]),
                "bare": point(bare.curve[c]),
            }
            for c in settings["curve"]
        ],
        "helpline_processes_exited": exited,
    }


# --- The report --------------------------------------------------------------------------


def errors(figures: dict[str, Any]) -> str:
    socket = sum(figures["socket_errors"].values())
    return f"{figures['non_2xx']} / {socket}"


def print_report(result: dict[str, Any], console: Console) -> None:
    headline = result["headline"]
    table = Table(title=f"POST /twilio/sms at {headline['connections']} connections")
    for column in ("side", "requests/s", "p50 ms", "p90 ms", "p99 ms", "non-2xx / socket err"):
        table.add_column(column, justify="left" if column == "side" else "right")
    for name in ("bare", "helpline"):
        f = headline[name]
        table.add_row(
            name,
            f"{f['rps']:.0f}",
            f"{f['p50_ms']:.2f}",
            f"{f['p90_ms']:.2f}",
            f"{f['p99_ms']:.2f}",
            errors(f),
        )
    console.print(table)
    target = result["target"]
    for what, value, met, goal in (
        ("throughput helpline/bare", headline["throughput_ratio"], target["throughput_met"],
         f"≥ {TARGET_THROUGHPUT_RATIO}"),
        ("p99 helpline/bare", headline["p99_ratio"], target["p99_met"],
         f"≤ {TARGET_P99_RATIO}"),
    ):  # fmt: skip
        shown = "n/a" if value is None else f"{value:.2f}"
        console.print(f"{what}: {shown} (target {goal}: {'met' if met else 'NOT met'})")
    if result["curve"]:
        curve = Table(title="latency against load (ms)")
        for column in ("connections", "bare rps", "bare p50", "bare p99"):
            curve.add_column(column, justify="right")
        for column in ("helpline rps", "helpline p50", "helpline p99"):
            curve.add_column(column, justify="right")
        for p in result["curve"]:
            b, h = p["bare"], p["helpline"]
            curve.add_row(
                str(p["connections"]),
                *(f"{s['rps']:.0f}" if k == "rps" else f"{s[k]:.2f}"
                  for s in (b, h) for k in ("rps", "p50_ms", "p99_ms")),
            )  # fmt: skip
        console.print(curve)
    for name in ("bare", "helpline"):
        f = headline[name]
        if f["not_200"] or f["repeated_sids"]:
            console.print(
                f"{name}: {f['not_200']} answers not 200, {f['repeated_sids']} repeated sids"
            )
    if result["helpline_processes_exited"]:
        console.print(f"helpline processes exited: {result['helpline_processes_exited']}")


def curve_points(text: str) -> list[int]:
    try:
        points = [int(p) for p in text.split(",") if p.strip()]
    except ValueError:
        raise argparse.ArgumentTypeError("a comma-separated list of connection counts") from None
    if any(p < 1 for p in points):
        raise argparse.ArgumentTypeError("connection counts are at least 1")
    return points


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench.webhook", description=__doc__)
    parser.add_argument("--seconds", type=float, default=10.0, help="the headline run's length")
    parser.add_argument("--connections", type=int, default=32, help="the headline's connections")
    parser.add_argument(
        "--curve",
        type=curve_points,
        default=list(DEFAULT_CURVE),
        help="connections for the latency curve, comma-separated ('' for none)",
    )
    parser.add_argument("--curve-seconds", type=float, default=5.0, help="each curve point's run")
    parser.add_argument("--warmup", type=float, default=2.0, help="seconds of load first, per side")
    parser.add_argument("--web", type=int, default=2, help="uvicorn workers, both sides")
    parser.add_argument("--workers", type=int, default=2, help="`helpline worker` processes")
    parser.add_argument(
        "--urgent-workers", type=int, default=1, help="`helpline worker --urgent-only` processes"
    )
    parser.add_argument("--json", action="store_true", help="one JSON object on stdout")
    args = parser.parse_args(argv)
    if args.connections < 1:
        parser.error("--connections must be at least 1")
    return args


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    if shutil.which("wrk") is None:
        print(WRK_INSTALL_HINT, file=sys.stderr)
        return 2
    result = measure(
        args.seconds,
        args.connections,
        args.curve,
        args.curve_seconds,
        web=args.web,
        workers=args.workers,
        urgent_workers=args.urgent_workers,
        warmup=args.warmup,
    )
    if args.json:
        print(json.dumps(result, indent=2))
    else:
        print_report(result, Console())
    return 0


if __name__ == "__main__":
    sys.exit(main())
