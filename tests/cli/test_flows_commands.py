"""`helpline flows check | graph | simulate` as an operator runs them: real processes."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).parents[2]


def helpline(*args: str, stdin: str = "", cwd: Path = REPO) -> subprocess.CompletedProcess[str]:
    env = {"PATH": "/usr/bin:/bin", "HOME": str(cwd)}
    return subprocess.run(
        [sys.executable, "-m", "helpline", *args],
        input=stdin,
        text=True,
        capture_output=True,
        cwd=cwd,
        env=env,
        timeout=60,
    )


def test_check_passes_on_the_shipped_flows() -> None:
    result = helpline("flows", "check", "flows/")
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("ok: flows")


def test_check_fails_with_file_and_line(tmp_path: Path) -> None:
    shutil.copytree(REPO / "flows", tmp_path / "flows")
    triage = tmp_path / "flows" / "triage.yaml"
    lines = triage.read_text().splitlines(keepends=True)
    number = next(i for i, line in enumerate(lines, 1) if "to: family_thanks" in line)
    lines[number - 1] = lines[number - 1].replace("family_thanks", "family_thanx")
    triage.write_text("".join(lines))
    result = helpline("flows", "check", "flows", cwd=tmp_path)
    assert result.returncode == 1
    assert f"flows/triage.yaml:{number}: goes to unknown node 'family_thanx'" in result.stderr
    assert "Traceback" not in result.stderr


def test_graph_prints_mermaid() -> None:
    result = helpline("flows", "graph", "triage")
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("flowchart TD")


def test_unknown_flow_is_one_clear_line() -> None:
    result = helpline("flows", "graph", "nope")
    assert result.returncode == 1
    assert result.stderr.strip().splitlines() == [
        "error: FLOW: no flow named 'nope' in flows (have: call, triage)"
    ]


def test_simulate_talks_like_a_phone() -> None:
    result = helpline(
        "flows", "simulate", "triage", "--lang", "es", stdin="hola\n1\n1\n2\n2\n2\nsi\n/quit\n"
    )
    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert "< Hola, se ha comunicado con Recovery Helpline." in out
    assert "[worker: send_programs]" in out
    assert "< SMART Recovery" in out
    assert out.index("[worker: send_programs]") < out.index("[conversation ended: completed]")


def test_simulate_timeout_and_stop() -> None:
    result = helpline("flows", "simulate", "triage", stdin="hi\n/timeout\n/timeout\nSTOP\n")
    assert result.returncode == 0, result.stderr
    assert "< Still there? No rush." in result.stdout
    assert "(nothing is waiting for a reply)" in result.stdout
    assert "[opted out: nothing more is sent until START]" in result.stdout


def test_simulate_sends_meetings_and_answers_more() -> None:
    # The simulator has no meeting directory: it answers as an empty one would, and MORE
    # after the end is answered too, not a crash.
    result = helpline("flows", "simulate", "triage", stdin="hi\n1\n1\n1\n1\n2\n1\nmore\n/quit\n")
    assert result.returncode == 0, result.stderr
    assert "[worker: send_meetings]" in result.stdout
    assert "< I could not find meetings in our list for you right now." in result.stdout
    assert "[worker: more_meetings]" in result.stdout
    assert "< That's all the meetings I found." in result.stdout


def test_flows_test_runs_the_shipped_scenarios() -> None:
    result = helpline("flows", "test")
    assert result.returncode == 0, result.stderr
    assert "0 failed" in result.stderr
    assert "call.meetings_by_text.yaml" in result.stderr


def test_flows_test_fails_when_a_prompt_changes_under_a_scenario(tmp_path: Path) -> None:
    shutil.copytree(REPO / "flows", tmp_path / "flows")
    call = tmp_path / "flows" / "call.yaml"
    call.write_text(call.read_text().replace("Marcó {zip:digits}", "Su código es {zip}"))
    call.write_text(call.read_text().replace("You entered {zip:digits}", "Your ZIP is {zip}"))
    result = helpline("flows", "test", cwd=tmp_path)
    assert result.returncode == 1
    assert (
        "flows/scenarios/call.meetings_by_text.yaml:13: step 4: no reply contains '9 0 2 1 0'"
        in (result.stderr)
    )
    assert "Traceback" not in result.stderr
