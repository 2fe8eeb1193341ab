"""Redis bytes per active conversation (issue 8).

    .venv/bin/python -m bench.memory [--callers 1000] [--answers 3] [--json]

Runs the helpline for real (a private redis-server, `helpline serve` and its
workers, the fake Twilio) and walks `--callers` fictional numbers partway
through the triage flow: a first text and `--answers` answers each, so every
conversation is live and waiting on a question, as most are during a surge.
Once the queues are idle, Redis's `used_memory` is read again; the growth
divided by the callers is the figure, and every key the walk left is sized
with `MEMORY USAGE` and grouped by kind, so the table says where the bytes go.

The baseline beside it is the least a conversation can cost the same stack:
the bare endpoint of bench/bare.py keeps one inbound-dedupe key per text and
nothing else, so its figure is that key's size times the texts sent.

The target (under 1 KB per conversation) is reported, never asserted.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
import time
from collections import Counter, defaultdict
from collections.abc import Sequence
from typing import Any

import httpx
import redis
from rich.console import Console
from rich.table import Table

from bench.soak import CONVERSATIONS, family
from bench.stack import Drain, Helpline, Texter, without_delayed_answers
from helpline.redis_server import PrivateRedis
from tests.fake_twilio.server import FakeTwilio

TARGET_BYTES = 1024
CALLER_BASE = 12065560000
"""Fictional numbers, +1 206 556 0000 upwards (another exchange than the soak's)."""
CONCURRENCY = 32
"""Conversations walked at once: each caller's texts go one after another, as a person's."""
DRAIN_TIMEOUT_SECONDS = 60.0
"""Redis is measured once the queues are idle; this long with no job done is a failure."""
BARE_DEDUPE_KEY = "helpline-bare:in:SM" + "0" * 32


def used_memory(client: redis.Redis) -> int:
    client.memory_purge()  # jemalloc's freed pages are not ours to count
    return int(client.info("memory")["used_memory"])


def sizes_by_kind(client: redis.Redis) -> tuple[Counter[str], Counter[str]]:
    """Keys and MEMORY USAGE bytes per kind of key, over every key in Redis."""
    counts: Counter[str] = Counter()
    found: dict[str, list[bytes]] = defaultdict(list)
    for key in client.scan_iter(count=2000):
        name = family(key.decode(errors="replace"))
        counts[name] += 1
        found[name].append(key)
    bytes_: Counter[str] = Counter()
    with client.pipeline(transaction=False) as pipe:
        for keys in found.values():
            for key in keys:
                pipe.memory_usage(key, samples=0)
        usage = iter(pipe.execute())
    for name, keys in found.items():
        bytes_[name] = sum(int(next(usage) or 0) for _ in keys)
    return counts, bytes_


def bare_bytes_per_text(client: redis.Redis) -> int:
    """What the bare endpoint keeps per text: one dedupe key with a TTL."""
    client.set(BARE_DEDUPE_KEY, "1", nx=True, ex=3600)
    try:
        return int(client.memory_usage(BARE_DEDUPE_KEY, samples=0) or 0)
    finally:
        client.delete(BARE_DEDUPE_KEY)


async def walk(texter: Texter, callers: int, answers: int) -> tuple[int, int]:
    """Each caller: its conversation's first text and `answers` answers. (texts, not 200)."""
    semaphore = asyncio.Semaphore(CONCURRENCY)
    sent = failed = 0

    async def one(index: int) -> None:
        nonlocal sent, failed
        texts = CONVERSATIONS[index % len(CONVERSATIONS)].texts[: answers + 1]
        async with semaphore:
            for body in texts:
                status, _ = await texter.text(f"+{CALLER_BASE + index}", body)
                sent += 1
                failed += status != 200

    await asyncio.gather(*(one(i) for i in range(callers)))
    return sent, failed


async def drive(url: str, token: str, callers: int, answers: int) -> tuple[int, int]:
    limits = httpx.Limits(max_connections=CONCURRENCY, max_keepalive_connections=CONCURRENCY)
    async with httpx.AsyncClient(timeout=15.0, limits=limits) as client:
        return await walk(Texter(client, url, token), callers, answers)


def measure(callers: int, answers: int, workers: int = 2, web: int = 2) -> dict[str, Any]:
    """Redis bytes per live conversation, with where they go and the bare baseline."""
    last_question = min(len(c.texts) for c in CONVERSATIONS) - 1
    if not 0 <= answers < last_question:
        raise ValueError(f"--answers must be 0 to {last_question - 1}: conversations stay live")
    with PrivateRedis() as server, FakeTwilio() as fake:
        without_delayed_answers(fake)
        client = redis.Redis.from_url(server.url)
        drain = Drain(server.url, DRAIN_TIMEOUT_SECONDS)
        with Helpline(server.url, fake, workers, 1, web) as helpline:
            # One conversation first, so flows, workers and queues exist before the baseline.
            asyncio.run(drive(helpline.url, fake.auth_token, 1, answers))
            drain.wait_quiet()
            before_counts, before_bytes = sizes_by_kind(client)
            before = used_memory(client)
            started = time.perf_counter()
            sent, failed = asyncio.run(drive(helpline.url, fake.auth_token, callers, answers))
            seconds = time.perf_counter() - started
            drain.wait_quiet()
            after = used_memory(client)
            after_counts, after_bytes = sizes_by_kind(client)
        bare = bare_bytes_per_text(client)
    texts_per_conversation = sent / callers
    kinds = {
        name: {
            "keys_per_conversation": (after_counts[name] - before_counts[name]) / callers,
            "bytes_per_conversation": (after_bytes[name] - before_bytes[name]) / callers,
        }
        for name in sorted(set(after_counts) | set(before_counts))
        if after_bytes[name] != before_bytes[name] or after_counts[name] != before_counts[name]
    }
    per_conversation = (after - before) / callers
    return {
        "callers": callers,
        "texts_per_conversation": texts_per_conversation,
        "texts_not_200": failed,
        "walk_seconds": seconds,
        "used_memory_bytes_per_conversation": per_conversation,
        "memory_usage_bytes_per_conversation": sum(
            k["bytes_per_conversation"] for k in kinds.values()
        ),
        "kinds": kinds,
        "bare_bytes_per_conversation": bare * texts_per_conversation,
        "ratio": per_conversation / (bare * texts_per_conversation) if bare else float("nan"),
        "target_bytes": TARGET_BYTES,
        "meets_target": per_conversation < TARGET_BYTES,
    }


def print_report(f: dict[str, Any], console: Console) -> None:
    table = Table(
        title=f"Redis per live conversation ({f['callers']} callers, "
        f"{f['texts_per_conversation']:.0f} texts each)"
    )
    for column in ("kind of key", "keys", "bytes (MEMORY USAGE)"):
        table.add_column(column, justify="left" if column == "kind of key" else "right")
    for name, k in sorted(f["kinds"].items(), key=lambda kv: -kv[1]["bytes_per_conversation"]):
        table.add_row(
            name, f"{k['keys_per_conversation']:.2f}", f"{k['bytes_per_conversation']:.0f}"
        )
    table.add_row(
        "all (MEMORY USAGE)", "", f"{f['memory_usage_bytes_per_conversation']:.0f}", style="bold"
    )
    table.add_row("all (used_memory)", "", f"{f['used_memory_bytes_per_conversation']:.0f}")
    table.add_row("bare endpoint", "", f"{f['bare_bytes_per_conversation']:.0f}")
    console.print(table)
    verdict = "meets" if f["meets_target"] else "MISSES"
    console.print(
        f"{f['used_memory_bytes_per_conversation']:.0f} B per conversation, "
        f"{f['ratio']:.1f}× the bare endpoint's; {verdict} the target "
        f"(under {f['target_bytes']} B). Texts not answered 200: {f['texts_not_200']}."
    )


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m bench.memory",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--callers", type=int, default=1000, help="live conversations made")
    parser.add_argument("--answers", type=int, default=3, help="answers each caller gives")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--web", type=int, default=2)
    parser.add_argument("--json", action="store_true", help="one JSON object on stdout")
    return parser.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    figures = measure(args.callers, args.answers, args.workers, args.web)
    if args.json:
        print(json.dumps(figures, indent=2))
    else:
        print_report(figures, Console())
    return 0


if __name__ == "__main__":
    sys.exit(main())
