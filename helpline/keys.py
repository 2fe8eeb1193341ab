"""Every Redis key the helpline writes, and how long each lives. No other module builds keys.

Keys show up in SCAN, MONITOR and dashboards, so none ever holds a phone
number: a caller is `ref`, a keyed hash of the number (see privacy.py).
The `rq:` namespace is RQ's own.
"""

from __future__ import annotations

from datetime import timedelta

PREFIX = "helpline"

INBOUND_DEDUPE_TTL = timedelta(hours=1)
"""Twilio may redeliver a webhook; a MessageSid seen this recently is not processed again.
Its retries (connection overrides, the fallback URL) come within a minute or so; a longer
memory costs a key per text, 36 MB an hour at 100 texts a second."""

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


def session(ref: str) -> str:
    return f"{PREFIX}:session:{ref}"


def session_pattern() -> str:
    """SCAN match for every caller's session key (the studio counts live conversations)."""
    return session("*")


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


def inbound_count(ref: str, window: int | str) -> str:
    """Texts from one caller in one fixed window (helpline/inbound_limit.py)."""
    return f"{PREFIX}:inbound-count:{ref}:{window}"


def timeouts() -> str:
    """Sorted set: "{ref}:{wait_id}" scored by when the wait times out (helpline/timeouts.py)."""
    return f"{PREFIX}:timeouts"


def blocklist() -> str:
    """Hash: ref -> JSON {shown, note, since} for every number operators blocked."""
    return f"{PREFIX}:blocklist"


BLOCKED_NOTICE_EVERY = timedelta(days=1)
"""A blocked number's texts get where to find help (988, 911, the 24/7 line) this often."""
BLOCKED_CRISIS_NOTICE_EVERY = timedelta(minutes=10)
"""...and its texts with crisis words this often: never silence for long, never a page."""


def blocked_notice(ref: str, kind: str) -> str:
    """When a blocked number was last told where to find help (epoch seconds; kind: text or
    crisis). Kept as a time, not a TTL, so the interval follows the helpline's clock."""
    return f"{PREFIX}:blocked-notice:{kind}:{ref}"


JUNK_REPLIES_TTL = timedelta(hours=1)


def junk_replies(ref: str) -> str:
    """How many texts in a row from one caller the flow could not understand."""
    return f"{PREFIX}:junk:{ref}"


def privacy_audit() -> str:
    """Stream: each `privacy forget` and `privacy rotate`, by count only (never who)."""
    return f"{PREFIX}:privacy:audit"


def status_seen(message_sid: str, status: str) -> str:
    return f"{PREFIX}:status-seen:{message_sid}:{status}"


def outbound(message_sid: str) -> str:
    """Hash: the caller ref a message went to, and its latest delivery status."""
    return f"{PREFIX}:out:{message_sid}"


def outbox_progress(batch_id: str) -> str:
    """How many texts of one ordered batch have gone out, so a retry resumes, never repeats."""
    return f"{PREFIX}:outbox:{batch_id}"


def sandbox_stream(ref: str) -> str:
    """Stream: every text to and from one sandbox phone, in order."""
    return f"{PREFIX}:sandbox:{ref}"


# --- Meeting directory ---------------------------------------------------------------
#
# Each import of a source writes a new *generation* of that source's keys, then
# flips two pointers in one MULTI; the previous generation expires shortly after.
#
#   meetings:live                    hash  source id -> JSON: generation, zones, programs and
#                                          index sizes; what a search starts from
#   meetings:live-version            int   bumped with every change to meetings:live, so a
#                                          process re-reads the pointers only when it moves
#   meetings:source:{id}             hash  generation, program, meetings, imported_at, keys
#                                          (the generation's key names, so it can be retired)
#   meetings:generation              int   counter; generations are unique across sources
#   meetings:gen:{id}:{g}:records    hash  meeting id -> Meeting.to_dict() as JSON
#   meetings:gen:{id}:{g}:fingerprints hash meeting id -> digest of that JSON (what changed)
#   meetings:gen:{id}:{g}:geo:{d}[:{f}]  geo  in-person/hybrid meetings with coordinates
#                                          held on day d (0 = Sunday, local): a search near
#                                          a busy city reads today's and tomorrow's first
#   meetings:gen:{id}:{g}:online:{c}[:{f}]  zset  online/hybrid meetings of the zones in
#                                          clock group c (the minutes they move in summer),
#                                          scored by local minute of week (0 = Sun 00:00)
#                                          less the zone's UTC offset at import: one time
#                                          line for zones that move their clocks together
#
# Every geo and zset member carries what search needs to rank and filter without
# reading the record: "{minute_of_week}|{zone}|{name rank}|{program}|{flags}|{meeting id}":
# zone and program are indexes into the generation's lists in meetings:live; the name
# rank a number ordering names by their first letters (meetings at one time and place
# are ordered by name); flags are letters (s secular, e Spanish, w women, m men). The
# ":{f}" variants hold only the meetings with flag f, so a search for a rare kind of
# meeting reads only those.

MEETINGS_RETIRED_TTL = timedelta(minutes=2)
"""A replaced or removed generation lingers this long, so searches already reading it finish."""

MEETINGS_BUILDING_TTL = timedelta(hours=1)
"""An import's new keys expire on their own (refreshed as it writes) if it dies before the flip."""


def meetings_live() -> str:
    return f"{PREFIX}:meetings:live"


def meetings_live_version() -> str:
    return f"{PREFIX}:meetings:live-version"


def meetings_source(source_id: str) -> str:
    return f"{PREFIX}:meetings:source:{source_id}"


def meetings_generation_counter() -> str:
    return f"{PREFIX}:meetings:generation"


def _meetings_generation(source_id: str, generation: int | str) -> str:
    return f"{PREFIX}:meetings:gen:{source_id}:{generation}"


def meeting_records(source_id: str, generation: int | str) -> str:
    return f"{_meetings_generation(source_id, generation)}:records"


def meeting_fingerprints(source_id: str, generation: int | str) -> str:
    return f"{_meetings_generation(source_id, generation)}:fingerprints"


def meetings_geo(source_id: str, generation: int | str, day: int | str, flag: str = "") -> str:
    suffix = f":{flag}" if flag else ""
    return f"{_meetings_generation(source_id, generation)}:geo:{day}{suffix}"


def meetings_online(source_id: str, generation: int | str, group: int | str, flag: str = "") -> str:
    suffix = f":{flag}" if flag else ""
    return f"{_meetings_generation(source_id, generation)}:online:{group}{suffix}"


MEETINGS_PAGE_TTL = timedelta(hours=1)
"""Meetings found but not yet sent wait this long for the caller to reply MORE."""


def meetings_page(ref: str) -> str:
    """JSON: the rest of a caller's last meeting search, for MORE."""
    return f"{PREFIX}:meetings:page:{ref}"


# --- Escalations: a person for a caller ----------------------------------------------
#
# Redis is the truth about every escalation; RQ jobs only deliver pages and texts,
# and the sweeper re-drives whatever is overdue (helpline/escalation/).
#
#   esc:counter            int     the last escalation number given (its short code)
#   esc:{id}               string  JSON Escalation: state, ladder, step, round, due, holder
#   esc:{id}:pages         hash    page key -> JSON {state, at, sid}: one per page sent
#   esc:{id}:claim:{page}  string  set while one worker sends that page (never twice)
#   esc:{id}:log           stream  the conversation: who said what, for the holder
#   esc:due                zset    id -> epoch seconds when it must be driven next
#   esc:open               set     ids not closed
#   esc:caller:{ref}       string  the open escalation of one caller
#   esc:audit              stream  every state change of every escalation
#   staff:{sref}:latest    string  the last escalation paged to one staff member (bare "a")
#   staff:{sref}:current   string  the escalation whose caller a staff member talks to

ESCALATION_RETENTION = timedelta(days=30)
"""A closed escalation's record and conversation are kept this long, then go
(the default of HELPLINE_TRANSCRIPT_RETENTION)."""

ESCALATION_AUDIT_MAX = 100_000
PAGE_CLAIM_TTL = timedelta(minutes=10)
STAFF_POINTER_TTL = timedelta(days=2)


def escalation_counter() -> str:
    return f"{PREFIX}:esc:counter"


def escalation(esc_id: int | str) -> str:
    return f"{PREFIX}:esc:{esc_id}"


def escalation_pages(esc_id: int | str) -> str:
    return f"{PREFIX}:esc:{esc_id}:pages"


def page_claim(esc_id: int | str, page: str) -> str:
    return f"{PREFIX}:esc:{esc_id}:claim:{page}"


def escalation_log(esc_id: int | str) -> str:
    return f"{PREFIX}:esc:{esc_id}:log"


def escalation_hold_notice(esc_id: int | str) -> str:
    """Present for a few minutes after a waiting caller was told we are still looking."""
    return f"{PREFIX}:esc:{esc_id}:held"


def escalations_due() -> str:
    return f"{PREFIX}:esc:due"


def escalations_open() -> str:
    return f"{PREFIX}:esc:open"


def caller_escalation(ref: str) -> str:
    return f"{PREFIX}:esc:caller:{ref}"


def escalation_audit() -> str:
    return f"{PREFIX}:esc:audit"


def staff_latest(staff_ref: str) -> str:
    return f"{PREFIX}:staff:{staff_ref}:latest"


def staff_current(staff_ref: str) -> str:
    return f"{PREFIX}:staff:{staff_ref}:current"


# --- Calls -------------------------------------------------------------------------
#
#   call:{cref}            string  JSON CallState: the flow session, transfer progress
#   call:{cref}:seen:{k}   string  one callback (a Dial action, a status) handled once
#   cannot-text:{ref}      string  texts to this number fail (Twilio 21614, a landline)
#   staff:{sref}:on-call   string  the staff member is on a helpline call right now
#
# `cref` is a keyed hash of the CallSid, like a caller's ref of their number.

CALL_TTL = timedelta(hours=4)
"""A call's state outlives any call the helpline would hold."""

CALL_CALLBACK_DEDUPE_TTL = timedelta(hours=4)
CANNOT_TEXT_TTL = timedelta(days=90)
STAFF_ON_CALL_TTL = timedelta(hours=2)
"""Cleared when the call ends; the TTL only guards against a lost status callback."""


def call(call_ref: str) -> str:
    return f"{PREFIX}:call:{call_ref}"


def call_pattern() -> str:
    """SCAN match for call states; it matches their `:seen:` keys too, which readers skip."""
    return call("*")


def call_callback_seen(call_ref: str, key: str) -> str:
    return f"{PREFIX}:call:{call_ref}:seen:{key}"


def cannot_text(ref: str) -> str:
    return f"{PREFIX}:cannot-text:{ref}"


def staff_on_call(staff_ref: str) -> str:
    return f"{PREFIX}:staff:{staff_ref}:on-call"


# --- Console: logins, lockouts and the studio's simulator ---------------------------

CONSOLE_SESSION_IDLE = timedelta(hours=2)
"""A console login left alone this long ends; any page view or action renews it."""

CONSOLE_SESSION_MAX = timedelta(hours=14)
"""However active, a login lasts one long night shift at most, then asks for the password."""

LOGIN_FAILURE_WINDOW = timedelta(minutes=15)
"""Wrong passwords are counted over this window; enough of them lock the account as long."""

STUDIO_SIMULATION_TTL = timedelta(hours=1)

CLOSED_ESCALATIONS_MAX = 500
"""How many recently closed escalations the console lists (they expire with their records)."""


def console_session(token_digest: str) -> str:
    """JSON: one console login. Named by a hash of the cookie's token, never the token."""
    return f"{PREFIX}:console:session:{token_digest}"


def login_failures(account_digest: str) -> str:
    """Counter of recent wrong passwords for one account name (hashed: names are typed)."""
    return f"{PREFIX}:console:failures:{account_digest}"


def studio_simulation(simulation_id: str) -> str:
    """JSON: one operator's simulated phone conversation in the studio."""
    return f"{PREFIX}:studio:sim:{simulation_id}"


def escalations_closed() -> str:
    """Sorted set: recently closed escalation ids, scored by when they closed."""
    return f"{PREFIX}:esc:closed"


# --- Metrics -------------------------------------------------------------------------
#
# Shared by every process (web processes, workers), read by GET /metrics
# (helpline/metrics.py). Field names are "{metric}|{label value}|...": label values
# come from metrics.py's fixed vocabularies, never a number, ref, sid or body.
#
#   metrics:counters     hash  "{metric}|{labels}" -> count: sends by outcome, delivery
#                              statuses, webhook responses
#   metrics:histograms   hash  "{metric}|{labels}|{bound}" -> observations in that bucket
#                              (not cumulative), "{metric}|{labels}|sum" -> their sum
#
# Neither expires: Prometheus takes rates, and a lost hash reads as a counter reset.


def metrics_counters() -> str:
    return f"{PREFIX}:metrics:counters"


def metrics_histograms() -> str:
    return f"{PREFIX}:metrics:histograms"
