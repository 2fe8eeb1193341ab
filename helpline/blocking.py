"""Blocking a caller, from the console or the CLI: the blocklist entry, and an end to what
the caller had going, so no page, relay or reminder follows the block.

Their open escalation is closed (the staff paged or holding it are told why; the caller is
not), and their conversation and its question timers are dropped. What their texts and
calls get from then on is in helpline.conversation and helpline.voice.line.
"""

from __future__ import annotations

from helpline import keys, timeouts
from helpline.blocklist import BlockedNumber
from helpline.escalation.desk import UNNAMED_OPERATOR
from helpline.escalation.model import Escalation
from helpline.runtime import Runtime

BLOCKED_BY_CLI = UNNAMED_OPERATOR


def block_number(runtime: Runtime, number: str, note: str, by: str) -> BlockedNumber:
    esc_id = runtime.desk.store.open_for(runtime.conversations.ref(number))
    esc = runtime.desk.store.get(esc_id) if esc_id is not None else None
    if esc is not None:
        return block_caller(runtime, esc, note, by)
    entry = runtime.blocklist.add(number, note, runtime.clock())
    _wind_down(runtime, entry.ref)
    return entry


def block_caller(runtime: Runtime, esc: Escalation, note: str, by: str) -> BlockedNumber:
    """Block an escalation's caller by its ref (nobody needs the number). The block and its
    audit entry commit together (MULTI), or neither does; the close follows, and should it
    fail, the pager and the ladder close it rather than page anyone for a blocked caller."""
    now = runtime.clock()
    with runtime.redis.pipeline() as pipe:
        entry = runtime.blocklist.add_ref(esc.ref, esc.masked, note, now, client=pipe)
        runtime.desk.store.record(pipe, esc, "caller_blocked", now, staff=by)
        pipe.execute()
    runtime.desk.caller_blocked(esc.id, by)
    _wind_down(runtime, esc.ref)
    return entry


def _wind_down(runtime: Runtime, ref: str) -> None:
    """No flow answers a blocked caller: its conversation and reminders would only wait."""
    runtime.redis.delete(keys.session(ref))
    timeouts.forget(runtime.redis, ref)
