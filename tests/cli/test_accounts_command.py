"""`helpline accounts`: add with a password on stdin, list without hashes, remove."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path


def helpline(tmp_path: Path, *args: str, stdin: str = "") -> subprocess.CompletedProcess[str]:
    env = {
        "PATH": "/usr/bin:/bin",
        "HOME": str(tmp_path),
        "HELPLINE_ACCOUNTS": str(tmp_path / "accounts.yaml"),
        "PYTHONPATH": os.environ.get("PYTHONPATH", ""),
    }
    return subprocess.run(
        [sys.executable, "-m", "helpline", "accounts", *args],
        input=stdin, text=True, capture_output=True, cwd=tmp_path, env=env, timeout=60,
    )  # fmt: skip


def test_add_list_remove(tmp_path: Path) -> None:
    added = helpline(tmp_path, "add", "Dana", "--password-stdin", stdin="a long night shift\n")
    assert added.returncode == 0, added.stderr
    assert "added Dana (staff)" in added.stdout
    operator = helpline(
        tmp_path,
        "add",
        "Alex",
        "--role",
        "operator",
        "--password-stdin",
        stdin="another long one\n",
    )
    assert operator.returncode == 0, operator.stderr
    listed = helpline(tmp_path, "list")
    assert listed.stdout.split() == ["Alex", "operator", "Dana", "staff"]
    assert "scrypt" not in listed.stdout
    assert "a long night shift" not in (tmp_path / "accounts.yaml").read_text()
    assert helpline(tmp_path, "remove", "dana").returncode == 0
    assert helpline(tmp_path, "list").stdout.split() == ["Alex", "operator"]


def test_a_short_password_is_one_clear_line(tmp_path: Path) -> None:
    result = helpline(tmp_path, "add", "Dana", "--password-stdin", stdin="short\n")
    assert result.returncode == 1
    assert result.stderr.strip() == "error: a password needs at least 12 characters"
    assert not (tmp_path / "accounts.yaml").exists()


def test_removing_nobody_is_one_clear_line(tmp_path: Path) -> None:
    result = helpline(tmp_path, "remove", "Nobody")
    assert result.returncode == 1
    assert "no account named 'Nobody'" in result.stderr
    assert "Traceback" not in result.stderr
