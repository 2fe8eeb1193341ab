"""Every line the real processes log, read back: no phone number, no message body.

`helpline serve` and two `helpline worker` processes carry one whole triage and
one crisis: Dana, on call, is paged, takes it (1a), the caller and Dana write to
each other through the helpline, Dana closes it (1c). One relay to Dana fails
once (a 500) and is retried, so a failed job's log lines are read too: RQ's own
spell out the job's arguments, which hold the texts. tests/test_privacy.py does
the same in one process with caplog (its texts and roster are used here too);
this reads the processes' own stderr.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from tests.fake_twilio.server import FakeTwilio
from tests.support.processes import Helpline, wait_for
from tests.test_privacy import BODIES as TRIAGE_BODIES
from tests.test_privacy import CRISIS_BODIES, ROSTER, STAFF, STAFF_BODY

pytestmark = pytest.mark.faults

CALLER = "+12065550123"
IN_CRISIS = "+13605550187"
WORDS = [
    "Jordan",
    "drink too much",
    "heroin",
    "banana",
    "kill myself",
    "bridge",
    "fifth street",
    "are you near",
    # What the program texts say gives the caller's answers away.
    "SMART Recovery",
    "LifeRing",
]


def spellings(number: str) -> list[str]:
    """The ways a US number can be written: 2065550123, (206) 555-0123, 206-555-0123, ..."""
    national = re.sub(r"\D", "", number)[-10:]
    area, exchange, line = national[:3], national[3:6], national[6:]
    return [
        national,
        f"({area}) {exchange}-{line}",
        f"({area}){exchange}-{line}",
        f"{area}-{exchange}-{line}",
        f"{area}.{exchange}.{line}",
        f"{area} {exchange} {line}",
        f"{exchange}-{line}",
    ]


def test_no_log_line_of_any_process_holds_a_number_or_a_body(
    helpline: Helpline, fake_twilio: FakeTwilio, flows_dir: Path
) -> None:
    (flows_dir / "oncall.yaml").write_text(ROSTER)  # before the processes read it
    helpline.serve()
    helpline.worker()
    helpline.worker()
    caller, in_crisis, staff = (helpline.phone(n) for n in (CALLER, IN_CRISIS, STAFF))
    statuses = [caller.text(body).status for body in TRIAGE_BODIES]

    reply = in_crisis.text(CRISIS_BODIES[0])
    statuses.append(reply.status)
    wait_for(lambda: bool(fake_twilio.messages(to=STAFF)), timeout=15, what="Dana's page")
    taken = staff.text("1a")
    statuses.append(taken.status)
    assert taken.texts[0].startswith("You have #1")
    wait_for(helpline.idle, timeout=15, what="the workers to finish")
    fake_twilio.inject(status=500, code=20500, message="Internal Server Error", to=STAFF)
    statuses.append(in_crisis.text(CRISIS_BODIES[1]).status)
    statuses.append(staff.text(STAFF_BODY).status)

    def relayed() -> bool:
        to_staff = [m.body or "" for m in fake_twilio.messages(to=STAFF)]
        to_caller = [m.body or "" for m in fake_twilio.messages(to=IN_CRISIS)]
        return any(CRISIS_BODIES[1] in b for b in to_staff) and STAFF_BODY in to_caller

    wait_for(relayed, timeout=20, what="both relays (one after a retry)")
    statuses.append(staff.text("1c").status)
    wait_for(helpline.idle, timeout=15, what="the workers to finish")
    helpline.stop()  # every line written and flushed

    assert statuses == [200] * len(statuses)
    # The traffic really held the numbers and words looked for, so the check can fail.
    assert fake_twilio.messages(to=CALLER)
    assert any("SMART Recovery" in (m.body or "") for m in fake_twilio.messages(to=CALLER))
    failed = [r for r in fake_twilio.requests if ("To", STAFF) in r.form and r.status == 500]
    assert len(failed) == 1

    lines = [(name, line) for name, found in helpline.lines().items() for line in found]
    by_process = {name: len(found) for name, found in helpline.lines().items()}
    assert all(count >= 5 for count in by_process.values()), by_process
    not_json = [(name, line) for name, line in lines if not _is_json_object(line)]
    assert not_json == []
    needles = [s for n in (CALLER, IN_CRISIS, STAFF) for s in spellings(n)]
    leaks = [
        (name, line)
        for name, line in lines
        if any(n in line for n in needles) or any(w.lower() in line.lower() for w in WORDS)
    ]
    assert leaks == []
    # The failed relay was logged (as RQ's failed-job line), just without its texts.
    assert any("exception raised while executing" in line for _, line in lines)


def _is_json_object(line: str) -> bool:
    try:
        return isinstance(json.loads(line), dict)
    except ValueError:
        return False
