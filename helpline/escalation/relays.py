"""Staff's words to a caller: the batch they travel in, so that a text Twilio could not
deliver can be traced back to its escalation and its holder told (issue 7: status
callbacks tell staff what was delivered)."""

from __future__ import annotations

from datetime import datetime

from helpline.queueing import job_id

RELAY_PREFIX = "relay"


def relay_batch(esc_id: int, now: datetime) -> str:
    return job_id(RELAY_PREFIX, esc_id, now.timestamp())


def relayed_for(batch: str) -> int | None:
    """The escalation a batch carried staff's words for; None for every other batch."""
    head, _, rest = batch.partition("-")
    esc = rest.partition("-")[0]
    return int(esc) if head == RELAY_PREFIX and esc.isdigit() else None
