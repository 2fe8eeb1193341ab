"""`make bench`'s table: each figure beside its baseline, targets judged from the figures."""

from __future__ import annotations

from typing import Any

from bench.__main__ import endtoend_rows, memory_rows, ms, ratio, webhook_rows


def side(rps: float, p50: float, p99: float | None) -> dict[str, Any]:
    return {"rps": rps, "p50_ms": p50, "p99_ms": p99}


def test_webhook_rows_carry_the_ratio_and_the_benchmarks_verdict() -> None:
    figures = {
        "headline": {"connections": 32, "helpline": side(600, 48, 184), "bare": side(3000, 9, 43)},
        "target": {
            "throughput_ratio_at_least": 0.7,
            "p99_ratio_at_most": 2.0,
            "throughput_met": False,
            "p99_met": False,
        },
    }
    throughput, p50, p99 = webhook_rows(figures)
    assert (throughput.helpline, throughput.baseline, throughput.ratio) == ("600", "3,000", "0.20×")
    assert throughput.met is False
    assert p50.met is None  # no target for p50
    assert p99.ratio == "4.28×"


def test_endtoend_judges_only_the_target_rate_and_survives_unmeasured_figures() -> None:
    figures = {
        "target": {"rate": 100, "p99_under_ms": 250},
        "rates": [
            {"rate": 50, "helpline": side(0, 30, 90), "bare": side(0, 20, 40),
             "under_target": True},
            {"rate": 100, "helpline": side(0, 40, None), "bare": side(0, 20, 50),
             "under_target": False},
        ],
    }  # fmt: skip
    rows = endtoend_rows(figures)
    assert [r.met for r in rows] == [None, None, None, False]
    assert rows[3].helpline == "–"
    assert rows[3].ratio == "–"


def test_memory_row() -> None:
    (row,) = memory_rows(
        {
            "used_memory_bytes_per_conversation": 1500.0,
            "bare_bytes_per_conversation": 416.0,
            "target_bytes": 1024,
            "meets_target": False,
        }
    )
    assert (row.helpline, row.baseline, row.ratio, row.met) == ("1,500 B", "416 B", "3.61×", False)


def test_units() -> None:
    assert ms(0.5) == "0.50 ms"
    assert ms(184.2) == "184.2 ms"
    assert ms(31_275) == "31.3 s"
    assert ratio(1.0, 0.0) == "–"
