"""`make bench` (issue 8): every benchmark, one table, one plot, each figure beside its baseline.

    .venv/bin/python -m bench [--quick] [--out bench/results] [--only webhook,memory]

Runs, one after another so that none competes with another for the two cores:

- bench.webhook: signed `/twilio/sms` through wrk, against the bare Starlette endpoint;
- bench.endtoend: webhook to the worker's REST call at the fake Twilio, against a bare
  rq job that sends one text;
- bench.crisis: crisis text to the page under load, against a bare job on the urgent queue;
- bench.meetings: meeting search among 100,000 meetings, against a bare GEOSEARCH;
- bench.memory: Redis bytes per live conversation, against the bare endpoint's one key.

Each runs in its own process with `--json` (its progress goes to stderr); the figures
are saved to `bench/results/figures.json`, the latency-against-load plot to
`bench/results/latency.png`, and the table printed. Targets are reported, never
asserted: the exit code is 0 when every benchmark ran, whatever the figures.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.table import Table

from bench.stack import REPO


@dataclass(frozen=True, slots=True)
class Bench:
    name: str
    full: tuple[str, ...]
    quick: tuple[str, ...]


BENCHES = (
    Bench("webhook", (), ("--seconds", "4", "--curve-seconds", "2")),
    Bench("endtoend", ("--rates", "50,100", "--seconds", "60"),
          ("--rates", "50,100", "--seconds", "10")),
    Bench("crisis", ("--rate", "100", "--probes", "200"), ("--rate", "100", "--probes", "30")),
    Bench("meetings", (), ("--meetings", "100000", "--searches", "300")),
    Bench("memory", (), ("--callers", "300",)),
)  # fmt: skip


@dataclass(frozen=True, slots=True)
class Row:
    measure: str
    helpline: str
    baseline: str
    ratio: str
    target: str
    met: bool | None


def run(bench: Bench, quick: bool, console: Console) -> dict[str, Any] | None:
    args = bench.quick if quick else bench.full
    console.rule(f"bench.{bench.name} {' '.join(args)}")
    started = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-m", f"bench.{bench.name}", *args, "--json"],
        cwd=REPO,
        stdout=subprocess.PIPE,
        check=False,
    )
    seconds = time.perf_counter() - started
    if done.returncode != 0:
        console.print(f"[red]bench.{bench.name} failed (exit {done.returncode})[/red]")
        return None
    figures: dict[str, Any] = json.loads(done.stdout)
    figures["bench_seconds"] = seconds
    return figures


def ms(value: float | None) -> str:
    """Milliseconds for the table; a figure a run could not measure (null in JSON) is –."""
    if value is None:
        return "–"
    if value >= 10_000:
        return f"{value / 1000:,.1f} s"
    return f"{value:.1f} ms" if value >= 1 else f"{value:.2f} ms"


def ratio(a: float | None, b: float | None) -> str:
    return "–" if a is None or not b else f"{a / b:.2f}×"


def webhook_rows(f: dict[str, Any]) -> list[Row]:
    head, target = f["headline"], f["target"]
    h, b = head["helpline"], head["bare"]
    return [
        Row(f"webhook req/s ({head['connections']} connections)", f"{h['rps']:,.0f}",
            f"{b['rps']:,.0f}", ratio(h["rps"], b["rps"]),
            f"≥ {target['throughput_ratio_at_least']}× bare", target["throughput_met"]),
        Row("webhook p50", ms(h["p50_ms"]), ms(b["p50_ms"]), ratio(h["p50_ms"], b["p50_ms"]),
            "", None),
        Row("webhook p99", ms(h["p99_ms"]), ms(b["p99_ms"]), ratio(h["p99_ms"], b["p99_ms"]),
            f"≤ {target['p99_ratio_at_most']}× bare", target["p99_met"]),
    ]  # fmt: skip


def endtoend_rows(f: dict[str, Any]) -> list[Row]:
    rows = []
    target = f["target"]
    for point in f["rates"]:
        h, b, rate = point["helpline"], point["bare"], point["rate"]
        at_target = rate >= target["rate"]
        rows += [
            Row(f"end to end p50 ({rate:g} texts/s)", ms(h["p50_ms"]), ms(b["p50_ms"]),
                ratio(h["p50_ms"], b["p50_ms"]), "", None),
            Row(f"end to end p99 ({rate:g} texts/s)", ms(h["p99_ms"]), ms(b["p99_ms"]),
                ratio(h["p99_ms"], b["p99_ms"]),
                f"< {target['p99_under_ms']:g} ms" if at_target else "",
                point["under_target"] if at_target else None),
        ]  # fmt: skip
    return rows


def crisis_rows(f: dict[str, Any]) -> list[Row]:
    c, b = f["crisis_to_page_seconds"], f["baseline_job_to_send_seconds"]
    rate = f["settings"]["rate"]
    return [
        Row(f"crisis to page p50 ({rate:g} texts/s)", ms(1000 * c["p50"]), ms(1000 * b["p50"]),
            ratio(c["p50"], b["p50"]), "", None),
        Row(f"crisis to page p99 ({rate:g} texts/s)", ms(1000 * c["p99"]), ms(1000 * b["p99"]),
            ratio(c["p99"], b["p99"]), "< 1 s", f["target"]["met"]),
    ]  # fmt: skip


def meetings_rows(f: dict[str, Any]) -> list[Row]:
    search, base = f["search"], f["search"]["geosearch"]
    meetings = f["config"]["meetings"]
    rows = []
    for kind in ("zip", "online"):
        s = search[kind]
        rows.append(
            Row(f"meeting search p99, {kind} ({meetings:,})", ms(s["p99_ms"]),
                ms(base["p99_ms"]), ratio(s["p99_ms"], base["p99_ms"]),
                f"≤ {f['targets']['search_p99_ms']['target']} ms",
                s["p99_ms"] <= f["targets"]["search_p99_ms"]["target"])
        )  # fmt: skip
    return rows


def memory_rows(f: dict[str, Any]) -> list[Row]:
    used, bare = f["used_memory_bytes_per_conversation"], f["bare_bytes_per_conversation"]
    return [
        Row("Redis per live conversation", f"{used:,.0f} B", f"{bare:,.0f} B",
            ratio(used, bare), f"< {f['target_bytes']:,} B", f["meets_target"]),
    ]  # fmt: skip


ROWS: dict[str, Callable[[dict[str, Any]], list[Row]]] = {
    "webhook": webhook_rows,
    "endtoend": endtoend_rows,
    "crisis": crisis_rows,
    "meetings": meetings_rows,
    "memory": memory_rows,
}


def table(figures: dict[str, dict[str, Any] | None]) -> Table:
    t = Table(title="helpline against the bare baseline, same run, same machine")
    for column in ("measure", "helpline", "bare baseline", "ratio", "target", "met"):
        t.add_column(column, justify="left" if column in ("measure", "target") else "right")
    for name, f in figures.items():
        if f is None:
            t.add_row(f"bench.{name}", "did not run", "", "", "", "")
            continue
        for row in ROWS[name](f):
            met = "" if row.met is None else "[green]yes[/green]" if row.met else "[red]no[/red]"
            t.add_row(row.measure, row.helpline, row.baseline, row.ratio, row.target, met)
    return t


def plot(figures: dict[str, dict[str, Any] | None], path: Path) -> bool:
    """Latency against load: the webhook under wrk and end to end. False without matplotlib."""
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        return False
    fig, (left, right) = plt.subplots(1, 2, figsize=(12, 4.5))
    webhook = figures.get("webhook")
    if webhook is not None:
        # Points a run could not measure (null) are left out rather than drawn at zero.
        curve = [
            p
            for p in webhook["curve"]
            if all(
                p[side][k] is not None
                for side in ("helpline", "bare")
                for k in ("rps", "p50_ms", "p99_ms")
            )
        ]
        for side, colour in (("helpline", "tab:blue"), ("bare", "tab:grey")):
            points = [(p[side]["rps"], p[side]["p50_ms"], p[side]["p99_ms"]) for p in curve]
            left.plot(
                [p[0] for p in points],
                [p[2] for p in points],
                "o-",
                color=colour,
                label=f"{side} p99",
            )
            left.plot(
                [p[0] for p in points],
                [p[1] for p in points],
                "o--",
                color=colour,
                alpha=0.6,
                label=f"{side} p50",
            )
            for p, point in zip(points, curve, strict=True):
                left.annotate(
                    str(point["connections"]),
                    (p[0], p[2]),
                    fontsize=7,
                    textcoords="offset points",
                    xytext=(3, 3),
                )
        left.set(
            title="Webhook under wrk (labels: connections)",
            xlabel="requests/s",
            ylabel="latency (ms)",
            yscale="log",
        )
        left.legend()
    endtoend = figures.get("endtoend")
    if endtoend is not None:
        # Rates a run could not measure (null) are left out rather than drawn at zero.
        measured = [
            p
            for p in endtoend["rates"]
            if p["helpline"]["p99_ms"] is not None and p["bare"]["p99_ms"] is not None
        ]
        rates = [p["rate"] for p in measured]
        for side, colour in (("helpline", "tab:blue"), ("bare", "tab:grey")):
            right.plot(
                rates,
                [p[side]["p99_ms"] for p in measured],
                "o-",
                color=colour,
                label=f"{side} p99",
            )
            right.plot(
                rates,
                [p[side]["p50_ms"] for p in measured],
                "o--",
                color=colour,
                alpha=0.6,
                label=f"{side} p50",
            )
        right.axhline(
            endtoend["target"]["p99_under_ms"], color="tab:red", linewidth=0.8, label="target p99"
        )
        right.set(
            title="End to end: webhook to REST call at the fake Twilio",
            xlabel="texts/s (open loop)",
            ylabel="latency (ms)",
            yscale="log",
        )
        right.legend()
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return True


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m bench",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--quick", action="store_true", help="shorter runs, for a first look")
    parser.add_argument("--out", type=Path, default=REPO / "bench" / "results")
    parser.add_argument("--only", default="", help="comma-separated benchmarks to run")
    args = parser.parse_args(argv)
    known = {b.name for b in BENCHES}
    args.only = [n for n in args.only.split(",") if n]
    unknown = set(args.only) - known
    if unknown:
        parser.error(f"unknown benchmark {', '.join(sorted(unknown))} (known: {', '.join(known)})")
    return args


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    console = Console(stderr=True)
    chosen = [b for b in BENCHES if not args.only or b.name in args.only]
    figures = {b.name: run(b, args.quick, console) for b in chosen}
    args.out.mkdir(parents=True, exist_ok=True)
    saved = {"date": datetime.now(UTC).isoformat(timespec="seconds"), "quick": args.quick}
    (args.out / "figures.json").write_text(json.dumps(saved | figures, indent=2, default=str))
    out = Console(width=None if sys.stdout.isatty() else 120)
    out.print(table(figures))
    png = args.out / "latency.png"
    if plot(figures, png):
        out.print(f"plot: {png}")
    else:
        out.print("no plot: matplotlib is not installed (make bench installs it)")
    out.print(f"figures: {args.out / 'figures.json'}")
    return 0 if all(f is not None for f in figures.values()) else 1


if __name__ == "__main__":
    sys.exit(main())
