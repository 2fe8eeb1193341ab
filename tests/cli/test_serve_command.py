"""`helpline serve` and `helpline worker` refuse to start on bad settings or flows, clearly."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).parents[2]
ENV = {
    "PATH": "/usr/bin:/bin",
    "TWILIO_ACCOUNT_SID": "AC" + "a" * 32,
    "TWILIO_AUTH_TOKEN": "token-0123456789",
    "HELPLINE_NUMBER": "+15550100000",
    "HELPLINE_PUBLIC_URL": "https://helpline.example.org",
    "HELPLINE_SECRET_KEY": "k" * 32,
    "REDIS_URL": "redis://127.0.0.1:1/0",  # never reached: start-up stops earlier
}


def run(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "helpline", *args],
        env=env,
        text=True,
        capture_output=True,
        timeout=60,
        cwd=REPO,
    )


def test_serve_refuses_an_invalid_flow_with_file_and_line(tmp_path: Path) -> None:
    flows = Path(shutil.copytree(REPO / "flows", tmp_path / "flows"))
    triage = flows / "triage.yaml"
    triage.write_text(triage.read_text().replace("start: welcome", "start: welcom"))
    result = run("serve", "--port", "1", env={**ENV, "HELPLINE_FLOWS_DIR": str(flows)})
    assert result.returncode == 1
    assert f"{triage}:" in result.stderr
    assert "start node 'welcom' does not exist" in result.stderr
    assert "Traceback" not in result.stderr


def test_serve_names_a_missing_variable() -> None:
    env = {k: v for k, v in ENV.items() if k != "HELPLINE_SECRET_KEY"}
    result = run("serve", env=env)
    assert result.returncode == 1
    assert result.stderr.strip() == (
        "error: HELPLINE_SECRET_KEY: is required: it keys the hash that stands in for phone numbers"
    )


def test_worker_refuses_sandbox_outside_helpline_dev() -> None:
    result = run("worker", "--burst", env={"PATH": "/usr/bin:/bin"})
    assert result.returncode == 1
    assert "TWILIO_ACCOUNT_SID: is unset; only `helpline dev` runs without" in result.stderr


def test_worker_with_redis_unreachable_is_one_line() -> None:
    result = run("worker", "--burst", env=ENV)
    assert result.returncode == 1
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("error: REDIS_URL: cannot reach Redis")
