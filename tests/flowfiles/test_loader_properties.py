"""Property: any text in place of a flow file loads, or fails with located problems
(FlowProblems, each with a file and a message); never another exception."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from helpline.errors import FlowDefinitionError, FlowProblems
from helpline.flowfiles.catalog import load_flow_set

REPO = Path(__file__).parents[2]
TRIAGE = (REPO / "flows" / "triage.yaml").read_text()
CONSTANTS = {"crisis_line": "1-800-662-4357", "helpline_name": "Recovery Helpline"}

scalars = st.one_of(
    st.none(), st.booleans(), st.integers(), st.floats(allow_nan=False), st.text(max_size=30)
)
documents = st.recursive(
    scalars,
    lambda inner: st.one_of(
        st.lists(inner, max_size=5), st.dictionaries(st.text(max_size=12), inner, max_size=5)
    ),
    max_leaves=30,
)
lines = TRIAGE.splitlines(keepends=True)


@st.composite
def mutated_triage(draw: st.DrawFn) -> str:
    """The real triage.yaml with a few lines dropped, repeated, re-indented or garbled."""
    out = list(lines)
    for _ in range(draw(st.integers(1, 4))):
        i = draw(st.integers(0, len(out) - 1))
        action = draw(st.sampled_from(["drop", "repeat", "indent", "dedent", "garble"]))
        if action == "drop":
            del out[i]
        elif action == "repeat":
            out.insert(i, out[i])
        elif action == "indent":
            out[i] = "  " + out[i]
        elif action == "dedent":
            out[i] = out[i].lstrip()
        else:
            out[i] = draw(st.text(max_size=40)) + "\n"
    return "".join(out)


texts = st.one_of(
    st.text(max_size=400),
    documents.map(lambda doc: yaml.safe_dump(doc, allow_unicode=True)),
    documents.map(
        lambda doc: yaml.safe_dump(
            {"spec_version": 1, "name": "triage", "channel": "sms", "nodes": doc}
        )
    ),
    mutated_triage(),
)


@pytest.fixture(scope="module")
def folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return Path(shutil.copytree(REPO / "flows", tmp_path_factory.mktemp("p") / "flows"))


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(text=texts)
def test_any_flow_text_loads_or_fails_with_located_problems(folder: Path, text: str) -> None:
    problems: list[FlowDefinitionError] = []
    try:
        load_flow_set(folder, CONSTANTS, overrides={"triage.yaml": text})
    except FlowProblems as exc:
        problems = exc.problems or [FlowDefinitionError("FlowProblems with none", path="?")]
    for problem in problems:
        assert problem.path.name != "?"
        assert problem.message.strip()
        assert problem.line is None or problem.line >= 1
