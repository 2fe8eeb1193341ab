"""Who to dial next for a caller on hold, and when to stop and use the 24/7 line. Pure.

One person at a time, `DIAL_SECONDS` each, in the roster's ladder order; staff
already on a helpline call are skipped; the whole hold never runs past
`HOLD_CEILING`, after which (or with nobody on call) the caller is connected
to the crisis line.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from datetime import datetime, timedelta

DIAL_SECONDS = 20
"""How long each staff phone rings. Short enough that a voicemail would not pick up first."""

SCREEN_SECONDS = 8
"""How long a staff member has to press 1 after answering."""

HOLD_CEILING = timedelta(minutes=2)
"""No caller holds longer than this for on-call staff before the 24/7 line."""

MAX_DIALS = 6
"""A cap on attempts whatever the clock says (a flapping number cannot loop)."""


def next_staff(
    ladder: Sequence[str],
    *,
    tried: Collection[str],
    busy: Collection[str],
    started: datetime,
    now: datetime,
) -> str | None:
    """The next person to dial, or None: time to connect the caller to the crisis line."""
    if len(tried) >= MAX_DIALS:
        return None
    # One more ring must fit under the ceiling, or the caller waits past it.
    if now - started + timedelta(seconds=DIAL_SECONDS) > HOLD_CEILING:
        return None
    for name in ladder:
        if name not in tried and name not in busy:
            return name
    return None
