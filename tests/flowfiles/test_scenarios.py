"""Operators' conversation scenarios: the shipped ones pass, broken ones say file:line why."""

from __future__ import annotations

from pathlib import Path

import pytest

from helpline.flowfiles.catalog import FlowSet, load_flow_set
from helpline.flowfiles.scenarios import run_file, scenario_files

REPO = Path(__file__).parents[2]
CONSTANTS = {"helpline_name": "Recovery Helpline", "crisis_line": "1-800-662-4357"}


@pytest.fixture(scope="module")
def flows() -> FlowSet:
    return load_flow_set(REPO / "flows", CONSTANTS)


@pytest.mark.parametrize("path", scenario_files(REPO / "flows"), ids=lambda p: p.stem)
def test_shipped_scenarios_pass(path: Path, flows: FlowSet) -> None:
    outcome = run_file(path, flows)
    assert [str(f) for f in outcome.failures] == []


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "s.yaml"
    path.write_text(text)
    return path


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "flow: triage\nname: x\nsteps:\n  - send: hi\n    replies: [banana]\n",
            "s.yaml:5: step 1: no reply contains 'banana'; got: Hi, you've reached",
        ),
        (
            "flow: triage\nname: x\nsteps:\n  - send: hi\n    node: goal\n",
            "s.yaml:5: step 1: expected to wait at 'goal'; at welcome",
        ),
        (
            "flow: triage\nname: x\nsteps:\n  - send: hi\n  - send: '1'\n    events: [escalate]\n",
            "s.yaml:6: step 2: expected event 'escalate'; got: none",
        ),
        (
            "flow: triage\nname: x\nsteps:\n  - send: hi\n    timeout: true\n",
            "s.yaml:4: steps.0: Value error, "
            "each step has either `send: <text>` or `timeout: true`",
        ),
        (
            "flow: nope\nname: x\nsteps:\n  - send: hi\n",
            "s.yaml:1: no flow named 'nope'; have: call, triage",
        ),
        (
            "flow: triage\nname: x\nsteps:\n  - timeout: true\n",
            "s.yaml:4: nothing is waiting to time out here",
        ),
        (
            "flow: triage\nname: x\nsteps:\n  - send: hi\n    silent: true\n",
            "s.yaml:4: step 1: expected no reply",
        ),
    ],
)
def test_failures_name_file_and_line(
    tmp_path: Path, flows: FlowSet, text: str, expected: str
) -> None:
    outcome = run_file(write(tmp_path, text), flows)
    assert not outcome.passed
    messages = [str(f) for f in outcome.failures]
    assert any(m.endswith(expected) or expected in m for m in messages), messages


def test_a_timeout_step_resumes_the_wait(tmp_path: Path, flows: FlowSet) -> None:
    text = "flow: triage\nname: x\nsteps:\n  - send: hi\n  - timeout: true\n"
    assert run_file(write(tmp_path, text), flows).passed


def test_crisis_words_run_the_pre_router(tmp_path: Path, flows: FlowSet) -> None:
    text = (
        "flow: triage\nname: x\nsteps:\n  - send: hi\n"
        "  - send: i want to kill myself\n    replies: ['988']\n    events: [escalate]\n"
    )
    outcome = run_file(write(tmp_path, text), flows)
    assert [str(f) for f in outcome.failures] == []
