"""Debian's Chromium under Playwright, as every browser test starts it, and where their
screenshots go."""

from __future__ import annotations

import os
import shutil
from pathlib import Path
from typing import Any

import pytest

REPO = Path(__file__).resolve().parents[2]
ARTIFACTS = REPO / "tests" / "artifacts"
DOCS = REPO / "docs"
UPDATE_DOCS_VARIABLE = "HELPLINE_UPDATE_SCREENSHOTS"  # =1 rewrites the README's screenshots

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
PHONE: dict[str, Any] = {
    "viewport": {"width": 390, "height": 844},
    "device_scale_factor": 2,
    "is_mobile": True,
    "has_touch": True,
}
DESKTOP: dict[str, Any] = {"viewport": {"width": 1280, "height": 800}}

needs_chromium = [
    pytest.mark.browser,
    pytest.mark.skipif(
        not Path(CHROMIUM).exists(),
        reason=f"{CHROMIUM} is missing: run scripts/ensure-system-deps --browser",
    ),
]


def keep_for_docs(artifact: Path, name: str) -> None:
    """Copy a screenshot to docs/ when it is missing there, or when asked to refresh them
    (their times change every run, so not by default)."""
    target = DOCS / name
    if os.environ.get(UPDATE_DOCS_VARIABLE) == "1" or not target.exists():
        DOCS.mkdir(exist_ok=True)
        shutil.copyfile(artifact, target)
