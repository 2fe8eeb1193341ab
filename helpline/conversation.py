"""The one place where the engine meets Redis and RQ.

It loads a caller, asks the pure engine what to do, and carries the events out
in the same Redis transaction that saves the session: the reply texts go back
to the webhook (inline TwiML) or to a send job, waits become scheduled
timeout jobs, actions become worker jobs, and an opt-out is recorded.
"""

from __future__ import annotations

import enum
import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from redis.client import Pipeline
from rq import Queue

from helpline import keys, timeouts
from helpline.blocklist import Blocklist
from helpline.engine import (
    Channel,
    EscalationRequested,
    Failed,
    Flow,
    JobRequested,
    OptedOut,
    Session,
    Sprint,
    TextQueued,
    TextReceived,
    TimedOut,
    WaitStarted,
    crisis,
    is_opt_in,
    resume,
)
from helpline.engine.keywords import Keyword, match_keyword
from helpline.engine.safety import CrisisHit
from helpline.engine.text import guess_language
from helpline.errors import ResumeRejected
from helpline.escalation.commands import parse_command
from helpline.escalation.desk import ESCALATION_NUMBER_TTL, Desk
from helpline.escalation.model import EscalationState
from helpline.flowfiles.catalog import FlowCatalog
from helpline.inbound_limit import Admission, InboundLimit
from helpline.oncall.roster import Staff
from helpline.outbox import send_texts_later
from helpline.privacy import contact_ref
from helpline.queueing import enqueue, job_id
from helpline.settings import Settings
from helpline.store import Contact, ContactStore, dump_session, write_opt_out

log = logging.getLogger(__name__)

Clock = Callable[[], datetime]

JUNK_REPLIES_MAX = 3
"""Texts in a row the flow cannot understand that still get a reply (the question again,
whose reprompt names the 24/7 line); after that they get silence until a real answer."""


CLAIM_AND_ADMIT = """
if not redis.call('SET', KEYS[1], '1', 'NX', 'EX', ARGV[1]) then return -1 end
if redis.call('HEXISTS', KEYS[2], ARGV[2]) == 1 then return -2 end
if ARGV[3] == '0' then return 0 end
local count = redis.call('INCR', KEYS[3])
redis.call('EXPIRE', KEYS[3], ARGV[4])
return count
"""
"""Claim the MessageSid (KEYS[1], for ARGV[1] seconds); then, if it was new, is the ref
(ARGV[2]) blocked (KEYS[2]); then, unless ARGV[3] is '0' (a crisis text), count the text in
the inbound limit's window (KEYS[3], expiring in ARGV[4] seconds). -1 duplicate, -2 blocked,
0 not counted, else the count."""
NOTICE_DUE = """
if redis.call('EXISTS', KEYS[2]) == 1 then return 0 end
local last = tonumber(redis.call('GET', KEYS[1]) or '')
local now, every = tonumber(ARGV[1]), tonumber(ARGV[2])
if last and now < last + every then return 0 end
redis.call('SET', KEYS[1], ARGV[1], 'EX', every)
return 1
"""
"""Is a notice due (1) to a blocked number: not opted out (KEYS[2]) and not told (KEYS[1]
holds when) within ARGV[2] seconds of now (ARGV[1])? If so, note now."""
_DUPLICATE_RESULT = -1
_BLOCKED_RESULT = -2


class _Gate(enum.Enum):
    DUPLICATE = "duplicate"
    BLOCKED = "blocked"


DUPLICATE = _Gate.DUPLICATE
BLOCKED = _Gate.BLOCKED


@dataclass(frozen=True, slots=True)
class Outcome:
    """What one inbound text led to, for the webhook and for logs (no personal data)."""

    texts: list[str]
    duplicate: bool = False
    suppressed: bool = False
    """Nothing of the flow ran: the caller opted out, is blocked, or is over the inbound limit."""
    staff: bool = False
    """The text came from an on-call staff phone (a command or words for a caller)."""
    closes: int | None = None
    """An escalation to close once the caller's opt-out is saved."""


class Conversations:
    def __init__(
        self,
        *,
        settings: Settings,
        store: ContactStore,
        catalog: FlowCatalog,
        queue: Queue,
        urgent_queue: Queue,
        desk: Desk,
        clock: Clock,
        blocklist: Blocklist,
        inbound_limit: InboundLimit,
    ) -> None:
        self.blocklist = blocklist
        self.inbound_limit = inbound_limit
        self.desk = desk
        self.settings = settings
        self.store = store
        self.catalog = catalog
        self.queue = queue
        self.urgent_queue = urgent_queue
        self.clock = clock
        self._admit_script = store.redis.register_script(CLAIM_AND_ADMIT)
        self._notice_script = store.redis.register_script(NOTICE_DUE)

    def ref(self, number: str) -> str:
        return contact_ref(number, self.settings.secret_key)

    def receive_text(
        self,
        *,
        number: str,
        body: str,
        message_sid: str,
        also: Callable[[Pipeline, list[str]], None] | None = None,
    ) -> Outcome:
        """An inbound SMS. Returns the texts to answer with inline.

        `also` runs inside the same transaction with the reply texts (the sandbox
        records them there, so they can never appear after a worker's texts).
        """
        # The roster is in memory: a caller's text (all but a few) takes the fast path, where
        # the MessageSid claim, the blocklist and the inbound limit are one round trip.
        staff = self.desk.staff_for(number)
        claimed = staff is not None or parse_command(body) is not None
        if claimed:
            handled = self._staff_or_code(number, body, message_sid, staff)
            if handled is not None:
                return handled
        ref = self.ref(number)
        # The safety pre-router, once per text: it exempts the text from limits and, in
        # the transaction, comes before any flow step (no flow can switch it off).
        hit = self.catalog.refresh().crisis.screen(body)
        try:
            if claimed:
                limited = self._limited(ref, body, crisis=hit is not None)
            else:
                admitted = self._claim_and_admit(message_sid, ref, crisis=hit is not None)
                if admitted is DUPLICATE:
                    return Outcome(texts=[], duplicate=True)
                limited = self._limited_outcome(ref, body, admitted, crisis=hit is not None)
        except BaseException:
            self.store.release_inbound(message_sid)
            raise
        if limited is not None:
            return limited

        def decide(contact: Contact, pipe: Pipeline) -> Outcome:
            outcome = self._received(
                contact, pipe, number=number, body=body, message_sid=message_sid, hit=hit
            )
            if also is not None:
                also(pipe, outcome.texts)
            return outcome

        try:
            outcome = self.store.update(ref, decide)
        except BaseException:
            self.store.release_inbound(message_sid)
            raise
        if outcome.closes is not None:
            self.desk.opted_out(outcome.closes)
        return outcome

    def _staff_or_code(
        self, number: str, body: str, message_sid: str, staff: Staff | None
    ) -> Outcome | None:
        """A staff phone's text, or a reply code: claimed on its own. None: a caller's text."""
        if not self.store.claim_inbound(message_sid):
            return Outcome(texts=[], duplicate=True)
        try:
            if staff is not None:
                return Outcome(texts=self.desk.staff_text(staff, body), staff=True)
            not_staff = self.desk.not_staff_reply(number, body)
        except BaseException:
            self.store.release_inbound(message_sid)
            raise
        return None if not_staff is None else Outcome(texts=not_staff)

    def _claim_and_admit(
        self, message_sid: str, ref: str, *, crisis: bool
    ) -> Admission | _Gate | None:
        """One round trip for what `claim_inbound`, `_limited`'s blocklist check and the
        inbound limit's count would take three for (a script: the same steps, in order).

        DUPLICATE: the MessageSid was seen before (nothing else happened); BLOCKED; None for
        a crisis text (not counted); otherwise the limit's verdict on the count.
        """
        key, expiry = self.inbound_limit.counter(ref, self.clock())
        result = int(
            self._admit_script(
                keys=[keys.inbound_seen(message_sid), keys.blocklist(), key],
                args=[
                    int(keys.INBOUND_DEDUPE_TTL.total_seconds()),
                    ref,
                    "0" if crisis else "1",
                    expiry,
                ],
            )
        )
        if result == _DUPLICATE_RESULT:
            return DUPLICATE
        if result == _BLOCKED_RESULT:
            return BLOCKED
        return None if result == 0 else self.inbound_limit.judge(result)

    def _limited(self, ref: str, body: str, *, crisis: bool) -> Outcome | None:
        """Blocked numbers reach neither flow nor staff; a flood gets one notice, then
        silence. None: carry on."""
        if self.blocklist.blocks(ref):
            return self._limited_outcome(ref, body, BLOCKED, crisis=crisis)
        if crisis:
            return None  # someone in danger is never rate limited
        admission = self.inbound_limit.admit(ref, self.clock())
        return self._limited_outcome(ref, body, admission, crisis=crisis)

    def _limited_outcome(
        self, ref: str, body: str, admission: Admission | _Gate | None, *, crisis: bool
    ) -> Outcome | None:
        if admission is BLOCKED:
            log.info("sms from a blocked number", extra={"ref": ref})
            return Outcome(texts=self._blocked_notice(ref, body, crisis=crisis), suppressed=True)
        if admission is None or admission is Admission.ADMIT:
            return None
        assert isinstance(admission, Admission)
        log.warning("inbound limit reached", extra={"ref": ref, "admission": admission.value})
        if admission is Admission.SILENCE:
            return Outcome(texts=[], suppressed=True)
        return Outcome(texts=[self.catalog.safe_reply(body)], suppressed=True)

    def _blocked_notice(self, ref: str, body: str, *, crisis: bool) -> list[str]:
        """Now and then, where to find help. A block protects staff from abuse (no flow, no
        page, no relay), but it must not leave someone in danger with silence: the safe
        reply names 988, 911 and the 24/7 line, and a text with crisis words gets it again
        sooner than other texts do. An opted-out number gets nothing, as everywhere."""
        found = match_keyword(body)
        if found is not None and found.keyword is Keyword.STOP:
            self.store.record_opt_out(ref, self.clock())
            return []
        kind, every = (
            ("crisis", keys.BLOCKED_CRISIS_NOTICE_EVERY)
            if crisis
            else ("text", keys.BLOCKED_NOTICE_EVERY)
        )
        seconds = int(every.total_seconds())
        told = self._notice_script(
            keys=[keys.blocked_notice(ref, kind), keys.opted_out(ref)],
            args=[int(self.clock().timestamp()), seconds],
        )
        return [self.catalog.safe_reply(body)] if int(told) else []

    def time_out(self, ref: str, wait_id: int) -> None:
        """A scheduled timeout fired: resume the session; texts go out through a send job."""

        def decide(contact: Contact, pipe: Pipeline) -> None:
            session = contact.session
            if session is None or contact.opted_out:
                return
            flow = self._flow_for(session)
            try:
                sprint = resume(flow, session, TimedOut(wait_id=wait_id), self.clock())
            except ResumeRejected:
                return  # the caller answered, or the session ended: nothing to do
            self._apply(
                pipe, contact, sprint, number=None, inline=False, cause=f"timeout-{wait_id}"
            )

        self.store.update(ref, decide)

    # --- inside the transaction ---------------------------------------------------------

    def _received(
        self,
        contact: Contact,
        pipe: Pipeline,
        *,
        number: str,
        body: str,
        message_sid: str,
        hit: CrisisHit | None,
    ) -> Outcome:
        if contact.opted_out:
            if not is_opt_in(body):
                return Outcome(texts=[], suppressed=True)
            pipe.delete(keys.opted_out(contact.ref))
            body = "START"  # an opt-in starts the conversation afresh
            hit = self.catalog.current.crisis.screen(body)
        session, now = contact.session, self.clock()
        flow = self._flow_for(session)
        if contact.escalation is not None:
            esc = self.desk.store.get(contact.escalation)
            keyword = match_keyword(body)
            stopping = keyword is not None and keyword.keyword is Keyword.STOP
            if esc is not None and esc.state is not EscalationState.CLOSED:
                if not stopping:
                    texts = self.desk.from_caller(pipe, esc, body, crisis=hit is not None, now=now)
                    return Outcome(texts=texts)
        if hit is not None:
            language = hit.language or contact.language or (session.language if session else None)
            sprint = crisis(
                flow,
                session,
                str(hit.kind),
                now,
                language=language or guess_language(body, flow.languages, flow.default_language),
            )
        else:
            sprint = resume(flow, session, TextReceived(text=body), now, language=contact.language)
        # Not in time_out: the timer that fired has been released already.
        self._drop_answered_timeout(pipe, contact, sprint.session)
        texts = self._apply(
            pipe, contact, sprint, number=number, inline=True, cause=message_sid, said=body
        )
        unclear = _not_understood(flow, session, sprint)
        if unclear:
            pipe.incr(keys.junk_replies(contact.ref))
            pipe.expire(keys.junk_replies(contact.ref), int(keys.JUNK_REPLIES_TTL.total_seconds()))
            if contact.junk >= JUNK_REPLIES_MAX:
                # The session still moves (a later real answer is understood); no more replies.
                return Outcome(texts=[], suppressed=True)
        elif contact.junk:
            pipe.delete(keys.junk_replies(contact.ref))
        closes = None
        if contact.escalation is not None and any(isinstance(e, OptedOut) for e in sprint.events):
            closes = contact.escalation
        return Outcome(texts=texts, closes=closes)

    def _flow_for(self, session: Session | None) -> Flow:
        """A waiting conversation's own flow and version; a new one starts on the live entry."""
        flows = self.catalog.refresh()
        if session is not None and session.waiting:
            flow = self.catalog.flow_for(session)
            if flow is not None:
                return flow
        return flows.entry(Channel.SMS)

    def _apply(
        self,
        pipe: Pipeline,
        contact: Contact,
        sprint: Sprint,
        *,
        number: str | None,
        inline: bool,
        cause: str,
        said: str | None = None,
    ) -> list[str]:
        ref, session, now = contact.ref, sprint.session, sprint.session.updated_at
        texts: list[str] = []
        jobs: list[JobRequested] = []
        opted_out = False
        escalated = contact.escalation is not None
        for event in sprint.events:
            match event:
                case TextQueued(text=text):
                    texts.append(text)
                case WaitStarted(wait_id=wait_id, timeout_at=timeout_at) if timeout_at:
                    timeouts.start(pipe, ref, wait_id, timeout_at)
                case JobRequested():
                    jobs.append(event)
                case EscalationRequested(reason=reason, language=language):
                    self.desk.open(
                        pipe,
                        ref=ref,
                        number=number or self.store.number(ref),
                        reason=reason,
                        language=language,
                        existing=contact.escalation,
                        now=now,
                        said=said,
                    )
                    escalated = True
                case OptedOut():
                    opted_out = True
                case Failed(reason=reason):
                    log.warning("conversation failed", extra={"ref": ref, "reason": reason})
        if jobs and not opted_out:
            # One job for the sprint's actions, so programs then meetings arrive in that order.
            enqueue(
                self.queue,
                "helpline.jobs.perform_actions",
                ref,
                jobs[-1].language,
                dict(jobs[-1].variables),
                [job.job for job in jobs],
                # Named after what caused it (a MessageSid, a timeout): a redelivered webhook
                # maps to the same job, and each MORE to a new one.
                id=job_id("actions", ref, cause),
                pipeline=pipe,
            )
        if opted_out:
            write_opt_out(pipe, ref, now)
        else:
            self._save(pipe, ref, session, number, now, hold_number=escalated)
        if session.language != contact.language:
            pipe.set(
                keys.language(ref), session.language, ex=int(keys.LANGUAGE_TTL.total_seconds())
            )
        if texts and not inline:
            send_texts_later(
                self.queue,
                pipe,
                ref,
                texts,
                batch=job_id("sprint", ref, session.wait_id, session.sprints),
            )
        return texts

    def _drop_answered_timeout(self, pipe: Pipeline, contact: Contact, after: Session) -> None:
        """The wait the caller just answered (or left) needs no reminder any more."""
        before = contact.session
        if before is None or before.timeout_at is None:
            return
        if before.wait_id != after.wait_id or not after.waiting:
            timeouts.cancel(pipe, contact.ref, before.wait_id)

    def _save(
        self,
        pipe: Pipeline,
        ref: str,
        session: Session,
        number: str | None,
        now: datetime,
        *,
        hold_number: bool,
    ) -> None:
        ttl = session.expires_at - now if session.waiting else keys.FINISHED_SESSION_TTL
        # A flow may ask for a longer life; the deployment's privacy setting caps it.
        ttl = max(min(ttl, self.settings.session_expiry), timedelta(seconds=1))
        pipe.set(keys.session(ref), dump_session(session), px=int(ttl.total_seconds() * 1000))
        # While a person is being found or talking with them, the number must not expire.
        number_ttl = max(ttl, keys.NUMBER_MIN_TTL, ESCALATION_NUMBER_TTL if hold_number else ttl)
        if number is not None:
            self.store.hold_number(pipe, ref, number, number_ttl)
        else:
            pipe.expire(keys.number(ref), int(number_ttl.total_seconds()), gt=True)


def _not_understood(flow: Flow, before: Session | None, sprint: Sprint) -> bool:
    """The text matched no answer: the flow asked again, or took its retry fallback."""
    if not all(isinstance(e, TextQueued | WaitStarted) for e in sprint.events):
        return False  # it led somewhere: a job, an escalation, an opt-out
    after = sprint.session
    if after.retries > (before.retries if before else 0):
        return True
    node = flow.nodes.get(before.node) if before is not None and before.retries else None
    return bool(node and node.retry and after.node == node.retry.fallback)
