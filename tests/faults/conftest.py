"""Fault tests: the helpline as real processes (tests.support.processes), faults injected.

Every module here sets `pytestmark = pytest.mark.faults`: `pytest -m faults` runs
them, `-m "not faults"` leaves them out (together they take about a minute and a half).
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.fake_twilio.server import FakeTwilio
from tests.support.processes import Helpline


def pytest_configure(config: pytest.Config) -> None:
    # --strict-markers is on; the marker is registered here, beside the tests it selects.
    config.addinivalue_line("markers", "faults: fault injection against real helpline processes")


@pytest.fixture
def helpline(
    redis_url: str, fake_twilio: FakeTwilio, flows_dir: Path, tmp_path: Path
) -> Iterator[Helpline]:
    """No process started yet: the test starts `serve()` and `worker()` when it needs them."""
    with Helpline(redis_url, fake_twilio, flows_dir, tmp_path) as line:
        yield line
