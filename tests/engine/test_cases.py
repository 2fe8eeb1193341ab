"""Table-driven engine tests, goflow style: each case file is a flow, inputs and every sprint.

Cases live in tests/engine/cases/<flow>.<case>.yaml. `pytest --update-cases`
rewrites their `expect:` from what the engine now does; review that diff like code.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from functools import cache
from pathlib import Path
from typing import Any

import pytest
import yaml

from helpline.engine import (
    Flow,
    Session,
    Sprint,
    TextReceived,
    TimedOut,
    crisis,
    event_to_dict,
    resume,
)
from helpline.engine.actions import ACTION_TYPES
from helpline.engine.cases import CASE_TESTS
from helpline.engine.safety import BUILT_IN
from helpline.errors import ResumeRejected
from helpline.flowfiles.build import build_flow, build_messages
from helpline.flowfiles.catalog import load_flow_set
from helpline.flowfiles.yaml_loader import load_yaml_file

HERE = Path(__file__).parent
REPO = HERE.parents[1]
CASES = sorted((HERE / "cases").glob("*.yaml"))
CONSTANTS = {"helpline_name": "Recovery Helpline", "crisis_line": "1-800-662-4357"}
TICK = timedelta(seconds=1)
INPUT_KINDS = ("text", "timeout", "stale_timeout")


@cache
def load_flow(name: str) -> Flow:
    # The shipped flows load as the service loads them (spoken programs filled in per language).
    shipped = load_flow_set(REPO / "flows", CONSTANTS).get(name)
    if shipped is not None:
        return shipped
    messages = build_messages(load_yaml_file(REPO / "flows" / "messages.yaml"), CONSTANTS)
    path = HERE / "flows" / f"{name}.yaml"
    assert path.exists(), f"no flow named {name}"
    built = build_flow(load_yaml_file(path), messages, CONSTANTS)
    assert built.flow is not None, [str(e) for e in built.errors]
    return built.flow


def run_case(case: dict[str, Any]) -> list[dict[str, Any]]:
    flow = load_flow(case["flow"])
    now = datetime.fromisoformat(case["now"])
    session: Session | None = None
    sprints: list[dict[str, Any]] = []
    for given in case["inputs"]:
        ((kind, value),) = given.items()
        if kind == "text":
            resume_with: TextReceived | TimedOut = TextReceived(text=str(value))
        else:
            assert session is not None, "a timeout needs a conversation"
            if session.timeout_at:
                now = max(now, session.timeout_at)
            stale = 1 if kind == "stale_timeout" else 0
            resume_with = TimedOut(wait_id=session.wait_id - stale)
        # The safety pre-router first, as Conversations runs it before any flow step.
        hit = BUILT_IN.screen(str(value)) if kind == "text" else None
        try:
            if hit is not None:
                language = hit.language or (session.language if session else case.get("language"))
                sprint: Sprint = crisis(flow, session, str(hit.kind), now, language=language)
            else:
                sprint = resume(flow, session, resume_with, now, language=case.get("language"))
        except ResumeRejected as exc:
            sprints.append({"rejected": str(exc)})
            continue
        session = sprint.session
        sprints.append(
            {
                "status": session.status.value,
                "node": session.node,
                "language": session.language,
                "variables": dict(session.variables),
                "events": [event_to_dict(e) for e in sprint.events],
            }
        )
        now += TICK
    return sprints


def read_case(path: Path) -> dict[str, Any]:
    data: dict[str, Any] = load_yaml_file(path).data
    return data


@pytest.mark.parametrize("path", CASES, ids=lambda p: p.stem)
def test_case(path: Path, request: pytest.FixtureRequest) -> None:
    case = read_case(path)
    assert path.stem.split(".")[0] == case["flow"], "case files are named <flow>.<case>.yaml"
    actual = run_case(case)
    if request.config.getoption("--update-cases"):
        case["expect"] = actual
        path.write_text(yaml.safe_dump(case, sort_keys=False, allow_unicode=True, width=100))
    assert actual == case["expect"]


def test_every_action_route_test_and_input_kind_has_a_case() -> None:
    """An engine feature without a case file is untested: goflow's TestActionTypes rule."""
    used_inputs: set[str] = set()
    flows: set[str] = set()
    for path in CASES:
        case = read_case(path)
        flows.add(case["flow"])
        used_inputs |= {next(iter(i)) for i in case["inputs"]}
    assert used_inputs == set(INPUT_KINDS)
    actions: set[str] = set()
    tests: set[str] = set()
    for name in flows:
        for node in load_flow(name).nodes.values():
            actions |= {a.name for a in node.actions}
            tests |= {r.test.name for r in node.routes if r.test is not None}
    assert actions == set(ACTION_TYPES)
    assert tests == set(CASE_TESTS)


def test_every_flow_in_flows_has_a_case() -> None:
    from helpline.flowfiles.catalog import flow_files

    with_cases = {read_case(p)["flow"] for p in CASES}
    assert {p.stem for p in flow_files(REPO / "flows")} <= with_cases
