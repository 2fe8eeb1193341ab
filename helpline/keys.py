"""Every Redis key the helpline writes, and how long each lives. No other module builds keys.

Keys show up in SCAN, MONITOR and dashboards, so none ever holds a phone
number: a caller is `ref`, a keyed hash of the number (see privacy.py).
The `rq:` namespace is RQ's own.
"""

from __future__ import annotations

from datetime import timedelta

PREFIX = "helpline"

INBOUND_DEDUPE_TTL = timedelta(hours=48)
"""Twilio may redeliver a webhook; a MessageSid seen this recently is not processed again."""

STATUS_DEDUPE_TTL = timedelta(hours=48)
OUTBOUND_RECORD_TTL = timedelta(days=7)
"""How long we remember which caller an outgoing message went to, for status callbacks."""

FINISHED_SESSION_TTL = timedelta(hours=1)
"""A finished conversation is kept briefly (a late reply still reads in context), then goes."""

NUMBER_MIN_TTL = timedelta(days=1)
"""Workers need the number to send program texts after a conversation ends."""

LANGUAGE_TTL = timedelta(days=90)
"""A caller's language choice outlives one conversation, but not forever."""

OUTBOX_PROGRESS_TTL = timedelta(days=1)
SANDBOX_STREAM_MAX = 500
"""Messages kept per sandbox phone."""

ESCALATIONS_STREAM_MAX = 10_000


def session(ref: str) -> str:
    return f"{PREFIX}:session:{ref}"


def number(ref: str) -> str:
    """The caller's number, so workers can text them. Expires with the conversation."""
    return f"{PREFIX}:number:{ref}"


def opted_out(ref: str) -> str:
    """Present while the caller has opted out (STOP); never expires on its own."""
    return f"{PREFIX}:optout:{ref}"


def language(ref: str) -> str:
    return f"{PREFIX}:lang:{ref}"


def inbound_seen(message_sid: str) -> str:
    return f"{PREFIX}:in:{message_sid}"


def status_seen(message_sid: str, status: str) -> str:
    return f"{PREFIX}:status-seen:{message_sid}:{status}"


def outbound(message_sid: str) -> str:
    """Hash: the caller ref a message went to, and its latest delivery status."""
    return f"{PREFIX}:out:{message_sid}"


def outbox_progress(batch_id: str) -> str:
    """How many texts of one ordered batch have gone out, so a retry resumes, never repeats."""
    return f"{PREFIX}:outbox:{batch_id}"


def escalations() -> str:
    """Stream: every escalation requested (caller ref, reason, language, time)."""
    return f"{PREFIX}:escalations"


def sandbox_stream(ref: str) -> str:
    """Stream: every text to and from one sandbox phone, in order."""
    return f"{PREFIX}:sandbox:{ref}"
