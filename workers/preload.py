"""What an ordinary worker loads once, before it forks its first work horse.

rq's Worker runs each job in a fork of itself, and a fork inherits what the worker
has loaded, copy-on-write; what the worker has not loaded, every horse loads again
and throws away when it exits. Profiled with py-spy under bench/endtoend.py (50
texts a second), a work horse spent most of its time that way: zipcodes' table on
its first ZIP lookup (0.7 s, for each in-person caller's meetings), importing
helpline.jobs with the meeting search and the programs (40-100 ms, every job), and
the twilio client's Messages API (70-180 ms, every send, loaded in client.py now).

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
