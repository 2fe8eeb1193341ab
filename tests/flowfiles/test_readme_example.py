"""The worked example in flows/README.md is a valid flow that runs as described."""

from __future__ import annotations

import re
import shutil
from datetime import UTC, datetime
from pathlib import Path

from helpline.engine import TextReceived, resume
from helpline.flowfiles.catalog import check_paths, load_flow_set

REPO = Path(__file__).parents[2]
CONSTANTS = {"helpline_name": "Recovery Helpline", "crisis_line": "1-800-662-4357"}


def example(tmp_path: Path) -> Path:
    readme = (REPO / "flows" / "README.md").read_text()
    (block,) = re.findall(r"```yaml\n(.*?)```", readme, flags=re.S)
    folder = tmp_path / "flows"
    shutil.copytree(REPO / "flows", folder)
    (folder / "checkin.yaml").write_text(block)
    (folder / "triage.yaml").write_text(
        (folder / "triage.yaml")
        .read_text()
        .replace("name: triage\n", "name: triage\nentry: true\n")
    )
    return folder


def test_the_worked_example_checks_clean(tmp_path: Path) -> None:
    folder = example(tmp_path)
    errors, warnings = check_paths([folder / "checkin.yaml"], CONSTANTS)
    assert [str(e) for e in errors] == []
    assert [str(w) for w in warnings] == []


def test_the_worked_example_runs(tmp_path: Path) -> None:
    flow = load_flow_set(example(tmp_path), CONSTANTS).flows["checkin"]
    now = datetime(2026, 11, 22, 3, 0, tzinfo=UTC)
    first = resume(flow, None, TextReceived(text="hi"), now)
    second = resume(flow, first.session, TextReceived(text="never"), now)
    third = resume(flow, second.session, TextReceived(text="92660"), now)
    assert third.texts == ["Sending programs near 92660. A person is at 1-800-662-4357 anytime."]
    assert third.session.variables == {"days": "none", "zip": "92660"}
