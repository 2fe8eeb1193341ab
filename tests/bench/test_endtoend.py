"""bench/endtoend.py's pure parts: the plan of who texts when, and matching arrivals to texts."""

from __future__ import annotations

import itertools
import math
from collections import defaultdict

import pytest

from bench.endtoend import (
    BARE_TO,
    FINAL,
    MORE,
    Arrival,
    Phase,
    Sent,
    bare_figures,
    caller_number,
    first_arrivals,
    helpline_figures,
    make_plan,
    most_texts_in_window,
)
from bench.soak import Calibration


def test_the_plan_sends_at_the_rate_with_more_spread_evenly_among_final_answers() -> None:
    plan = make_plan(10, 30, more_share=0.5, gap=12)
    assert len(plan.slots) == 300
    assert [s.at for s in plan.slots[:3]] == [0.0, 0.1, 0.2]
    kinds = [s.kind for s in plan.slots]
    assert kinds.count(FINAL) == kinds.count(MORE) == 150
    assert all(a != b for a, b in itertools.pairwise(kinds))  # alternating


def test_every_caller_waits_the_gap_and_answers_its_last_question_once_before_any_more() -> None:
    plan = make_plan(20, 60, more_share=0.7, gap=12)
    by_caller: dict[int, list[tuple[float, str]]] = defaultdict(list)
    for slot in plan.slots:
        by_caller[slot.caller].append((slot.at, slot.kind))
    for caller, texts in by_caller.items():
        assert all(b[0] - a[0] >= 12 - 1e-9 for a, b in itertools.pairwise(texts))
        kinds = [kind for _, kind in texts]
        if plan.finished[caller]:
            assert FINAL not in kinds  # finished in the setup: only MORE
        else:
            assert kinds[0] == FINAL
            assert kinds.count(FINAL) == 1
    # Callers finished in the setup are only those the first `gap` seconds need.
    assert sum(plan.finished) == pytest.approx(20 * 0.7 * 12, abs=2)


def test_a_plan_that_would_meet_the_inbound_limit_is_refused() -> None:
    plan = make_plan(10, 600, more_share=1.0, gap=12, setup_texts=())
    assert 25 <= max(most_texts_in_window(plan)) <= 26  # every 12 s for five minutes
    with pytest.raises(ValueError, match="five minutes"):
        make_plan(10, 600, more_share=1.0, gap=12, setup_texts=(6,))
    make_plan(10, 60, more_share=1.0, gap=12, setup_texts=(6,))


def test_caller_numbers_are_fictional_and_distinct() -> None:
    numbers = {caller_number(i) for i in range(25_000)}
    assert len(numbers) == 25_000
    assert all(n[5:8] == "555" and len(n) == 12 for n in numbers)


def test_each_text_gets_the_first_arrival_after_the_earlier_batches() -> None:
    # Three texts asking for 3, 1 and 1 worker texts; the second's arrives late.
    arrived = [1.1, 1.2, 1.3, 20.5, 30.2]
    assert first_arrivals([(1.0, 3), (20.0, 1), (30.0, 1)], arrived) == [1.1, 20.5, 30.2]
    # An earlier batch's straggler, after the next text, is not taken for that text's.
    assert first_arrivals([(1.0, 2), (2.0, 1)], [1.1, 2.5, 2.6]) == [1.1, 2.6]
    found = first_arrivals([(1.0, 1), (5.0, 1)], [1.5])
    assert found[0] == 1.5
    assert math.isnan(found[1])


def test_figures_count_lost_and_duplicate_texts_and_time_the_first() -> None:
    calibration = Calibration(programs=[3], more=[1])
    phase = Phase(started=100.0, seconds=10.0)
    phase.sent = [
        Sent("+15035550000", FINAL, 0, 100.0, 200, 0.01, 1),
        Sent("+15035550001", MORE, 0, 101.0, 200, 0.02, 0),
        Sent("+15035550002", MORE, 0, 102.0, 500, 0.03, 0),  # never answered: not expected
    ]
    arrivals = [
        Arrival("+15035550000", "x", 100.05),
        Arrival("+15035550000", "x", 100.06),  # one of three lost
        Arrival("+15035550001", "x", 90.0),  # before the phase: the setup's
        Arrival("+15035550001", "x", 101.10),
        Arrival("+15035550001", "x", 101.20),  # a duplicate
    ]
    figures = helpline_figures(phase, arrivals, calibration)
    assert figures["expected"] == 4
    assert figures["received"] == 4
    assert figures["lost"] == 1
    assert figures["duplicates"] == 1
    assert figures["webhook_errors"] == 1
    assert figures["final"]["p50_ms"] == pytest.approx(50)
    assert figures["more"]["p50_ms"] == pytest.approx(100)
    assert figures["rest_calls_per_second"] == pytest.approx(0.4)


def test_the_bare_baseline_is_matched_by_its_key() -> None:
    phase = Phase(started=0.0, seconds=1.0)
    phase.bare_started = {"bare 1 0": 10.0, "bare 1 1": 11.0}
    figures = bare_figures(phase, [Arrival(BARE_TO, "bare 1 0", 10.02)])
    assert figures["n"] == 1
    assert figures["lost"] == 1
    assert figures["p99_ms"] == pytest.approx(20)


def test_the_baseline_job_is_named_by_its_module_not_by___main__() -> None:
    import importlib

    import bench.endtoend

    module, _, name = bench.endtoend.BARE_JOB.rpartition(".")
    assert getattr(importlib.import_module(module), name) is bench.endtoend.bare_text
