"""What an ordinary worker loads once, before its first job.

Profiled with py-spy under bench/endtoend.py (50 texts a second), when each job ran
in a fresh fork, most of a job's time went to loading: zipcodes' table on its first
ZIP lookup (0.7 s, for each in-person caller's meetings), importing helpline.jobs
with the meeting search and the programs (40-100 ms), and the twilio client's
Messages API (70-180 ms per send, loaded in client.py now). Jobs now run in the
worker's own process, which keeps what it loads; loading it at start keeps that
cost off the first caller's texts.

tzfpy's zone polygons are left to load on demand: jobs need them only for the few
ZIP codes whose table zone is not a real one, and meeting imports; they would cost
every worker 33 MB.
"""

from __future__ import annotations

import importlib

import zipcodes

JOB_MODULES = ("helpline.jobs",)
"""Where every job the helpline enqueues lives (`helpline.jobs.*`)."""

WARM_ZIP = "10001"


def preload() -> None:
    """Import the jobs' modules and load the ZIP table, in the worker, before any fork."""
    for name in JOB_MODULES:
        importlib.import_module(name)
    zipcodes.matching(WARM_ZIP)  # type: ignore[no-untyped-call]
