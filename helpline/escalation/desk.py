"""Where callers in need and on-call staff meet: opening, driving, taking, relaying, closing.

The ladder decides (ladder.py); this module reads Redis, asks the ladder and
carries its steps out in the same transaction that saves the escalation:
pages become RQ jobs, the next due time a scheduled job (for speed) and a
sorted-set entry (for the sweeper, the truth). Staff commands and relayed
texts arrive here from the SMS webhook.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from redis import Redis
from redis.client import Pipeline
from rq import Queue

from helpline import keys, metrics
from helpline.blocklist import Blocklist
from helpline.escalation import ladder
from helpline.escalation import texts as staff_texts
from helpline.escalation.commands import Action, parse_command
from helpline.escalation.model import Escalation, EscalationState
from helpline.escalation.relays import relay_batch
from helpline.escalation.store import EscalationStore, PageRecord
from helpline.flowfiles.catalog import FlowCatalog
from helpline.oncall.catalog import RosterCatalog
from helpline.oncall.roster import Staff
from helpline.outbox import send_texts_later
from helpline.privacy import contact_ref, mask_number
from helpline.queueing import PAGE_RETRY, job_id
from helpline.queueing import enqueue as enqueue_job
from helpline.settings import Settings
from helpline.store import as_text

log = logging.getLogger(__name__)

Clock = Callable[[], datetime]

HOLD_NOTICE_EVERY = timedelta(minutes=3)
"""While nobody has answered yet, a caller's texts get the holding reply at most this often."""

ESCALATION_NUMBER_TTL = timedelta(days=3)
"""The caller's number is kept at least this long while an escalation is open, for relaying."""

CALL_RECORD_GRACE = timedelta(minutes=10)
"""A call transfer lasts minutes at most (the hold ceiling, then the 24/7 line)."""

TAKE_PREVIEW_MESSAGES = 3
"""The caller's last few texts, shown to whoever takes the escalation."""

NOTE = "note"
"""A conversation entry staff wrote for each other; never sent to the caller."""
HELPLINE_NOTE_AUTHOR = "helpline"
"""Who the transcript names for what the helpline itself noted (a text not delivered)."""
UNNAMED_OPERATOR = "an operator"
"""Who blocked a caller, to staff and in the audit trail, when no login did (the CLI)."""


class Answer(StrEnum):
    """How a take, close, reply or note went, for the text or page that reports it."""

    DONE = "done"
    ALREADY_YOURS = "already_yours"
    ALREADY_CLOSED = "already_closed"
    HELD_BY_OTHER = "held_by_other"
    NOT_TAKEN = "not_taken"
    UNKNOWN = "unknown"


OPTED_OUT_CLOSE = "opted_out"
BLOCKED_CLOSE = "blocked"
SILENT_CLOSES = frozenset({OPTED_OUT_CLOSE, BLOCKED_CLOSE})
"""Closes the caller is not told of: they cannot be texted, or must not be."""


@dataclass(frozen=True, slots=True)
class Handled:
    answer: Answer
    escalation: Escalation | None


class Desk:
    def __init__(
        self,
        *,
        settings: Settings,
        redis: Redis,
        store: EscalationStore,
        roster: RosterCatalog,
        catalog: FlowCatalog,
        queue: Queue,
        clock: Clock,
        blocklist: Blocklist,
    ) -> None:
        self.settings = settings
        self.blocklist = blocklist
        self.redis = redis
        self.store = store
        self.roster = roster
        self.catalog = catalog
        self.queue = queue
        self.clock = clock

    # --- who is who ---------------------------------------------------------------------

    def staff_ref(self, phone: str) -> str:
        return contact_ref(phone, self.settings.secret_key)

    def staff_for(self, number: str) -> Staff | None:
        roster = self.roster.refresh()
        return roster.by_phone(number) if roster is not None else None

    def on_call(self, language: str, now: datetime) -> ladder.OnCall:
        roster = self.roster.refresh()
        if roster is None:
            return ladder.OnCall(names=(), voice=frozenset(), ack_timeout=timedelta(0), repeat=0)
        people = roster.ladder(now, language)
        return ladder.OnCall(
            names=tuple(s.name for s in people),
            voice=frozenset(s.name for s in people if s.voice),
            ack_timeout=roster.ack_timeout,
            repeat=roster.repeat,
        )

    def caller_text(self, name: str, language: str) -> str:
        flows = self.catalog.refresh()
        return flows.messages.escalation[name].render(language, self.catalog.constants)

    # --- opening: inside the caller's transaction ---------------------------------------

    def open(
        self,
        pipe: Pipeline,
        *,
        ref: str,
        number: str | None,
        reason: str,
        language: str,
        existing: int | None,
        now: datetime,
        said: str | None = None,
    ) -> int:
        """Record a new escalation (or note a repeat on the open one) and drive it at once.

        `said` is the caller's text that raised it: staff read it first in the transcript.
        """
        if existing is not None:
            esc = self.store.get(existing)
            if esc is not None and esc.state is not EscalationState.CLOSED:
                self.store.record(pipe, esc, f"again:{reason}", now)
                if said:
                    self.store.note(pipe, esc.id, "caller", said, now)
                return esc.id
        masked = mask_number(number) if number else "…"
        esc = Escalation(
            id=self.store.new_id(),
            ref=ref,
            reason=reason,
            language=language,
            masked=masked,
            opened_at=now,
            due_at=now,
        )
        self.store.save(pipe, esc, "opened", now)
        if said:
            self.store.note(pipe, esc.id, "caller", said, now)
        pipe.expire(keys.number(ref), int(ESCALATION_NUMBER_TTL.total_seconds()), gt=True)
        # The first step is taken here, in the caller's transaction: the first page job is
        # queued with the caller's reply, one job hop from Twilio (the speed that counts).
        step = ladder.drive(esc, self.on_call(language, now), now)
        if step is not None:
            self._apply(pipe, step, now)
        log.warning("escalation opened", extra={"esc": esc.id, "ref": ref, "reason": reason})
        return esc.id

    # --- driving: jobs and the sweeper ---------------------------------------------------

    def drive(self, esc_id: int) -> str:
        """Take the escalation's next step if one is due. Safe to run any number of times."""
        if self._caller_blocked_since(esc_id):
            # Blocked by the CLI, or while the console's own close failed: page nobody more.
            self.close_escalation(None, esc_id, why=BLOCKED_CLOSE)
            return "closed: caller blocked"
        now = self.clock()

        def decide(esc: Escalation | None, pipe: Pipeline) -> str:
            if esc is None:
                return "missing"
            step = ladder.drive(esc, self.on_call(esc.language, now), now)
            if step is None:
                return "not due"
            self._apply(pipe, step, now)
            return step.event

        return self.store.update(esc_id, decide)

    def _caller_blocked_since(self, esc_id: int) -> bool:
        """Still paging for a caller operators have since blocked."""
        esc = self.store.get(esc_id)
        return (
            esc is not None
            and esc.state in (EscalationState.PAGING, EscalationState.FINAL)
            and self.blocklist.blocks(esc.ref)
        )

    def _apply(self, pipe: Pipeline, step: ladder.Step, now: datetime) -> None:
        esc = step.escalation
        self.store.save(pipe, esc, step.event, now)
        for page in step.pages:
            self.store.set_page(
                pipe,
                esc.id,
                page.key,
                _page_record(page.staff, page.channel, "queued", now),
            )
            enqueue_job(
                self.queue,
                "helpline.jobs.send_page",
                esc.id,
                page.key,
                page.staff,
                page.channel,
                id=job_id("page", esc.id, page.key),
                pipeline=pipe,
                retry=PAGE_RETRY,
            )
        if step.tell_caller:
            self._tell_caller(pipe, esc, step.tell_caller, batch=f"{step.event}-{esc.version}")
        if esc.is_open and esc.due_at is not None:
            self._drive_later(pipe, esc, at=esc.due_at)
        if esc.state is EscalationState.CLOSED:
            self._released(pipe, esc)
        log.info(
            "escalation step",
            extra={"esc": esc.id, "event": step.event, "round": esc.round, "step": esc.step},
        )

    def _drive_later(self, pipe: Pipeline, esc: Escalation, *, at: datetime | None) -> None:
        enqueue_job(
            self.queue,
            "helpline.jobs.drive_escalation",
            esc.id,
            id=job_id("drive", esc.id, esc.version),
            pipeline=pipe,
            at=at,
        )

    def _tell_caller(self, pipe: Pipeline, esc: Escalation, name: str, *, batch: str) -> None:
        text = self.caller_text(name, esc.language)
        send_texts_later(self.queue, pipe, esc.ref, [text], batch=job_id("esc", esc.id, batch))

    def _tell_staff(self, pipe: Pipeline, name: str, text: str, *, batch: str) -> None:
        enqueue_job(
            self.queue,
            "helpline.jobs.send_to_staff",
            name,
            [text],
            id=job_id("staff", batch),
            pipeline=pipe,
            retry=PAGE_RETRY,
        )

    def text_staff(self, name: str, text: str, *, batch: str) -> None:
        """One text to a staff member from the helpline number, through the worker."""
        with self.redis.pipeline() as pipe:
            pipe.multi()  # rq's enqueue on a pipeline expects MULTI already begun
            self._tell_staff(pipe, name, text, batch=batch)
            pipe.execute()

    def _released(self, pipe: Pipeline, esc: Escalation) -> None:
        """A closed escalation no longer holds the caller's number longer than a conversation."""
        pipe.expire(keys.number(esc.ref), int(keys.NUMBER_MIN_TTL.total_seconds()))

    # --- calls: the voice line dials staff itself; a missed call becomes pages ------------

    def open_call(
        self, pipe: Pipeline, *, ref: str, number: str | None, reason: str, language: str,
        now: datetime,
    ) -> int:  # fmt: skip
        """The record of a transfer in progress: no pages while the line dials staff."""
        esc = Escalation(
            id=self.store.new_id(),
            ref=ref,
            reason=reason,
            language=language,
            masked=mask_number(number) if number else "…",
            opened_at=now,
            state=EscalationState.CALLING,
            # Past this, a transfer nobody heard the end of is paged as a missed call.
            due_at=now + CALL_RECORD_GRACE,
            extra={"channel": "call"},
        )
        self.store.save(pipe, esc, "call_transfer", now)
        pipe.expire(keys.number(ref), int(ESCALATION_NUMBER_TTL.total_seconds()), gt=True)
        log.warning("call transfer opened", extra={"esc": esc.id, "ref": ref, "reason": reason})
        return esc.id

    def call_taken(self, esc_id: int, staff: Staff) -> None:
        """A staff member pressed 1 on the transfer: they hold it, and may text the caller after."""
        now, sref = self.clock(), self.staff_ref(staff.phone)

        def decide(esc: Escalation | None, pipe: Pipeline) -> None:
            if esc is None or esc.state is not EscalationState.CALLING:
                return
            taken = esc.moved(
                state=EscalationState.TAKEN, holder=staff.name, taken_at=now, due_at=None,
                paged=(*esc.paged, staff.name),
            )  # fmt: skip
            self.store.save(pipe, taken, "call_taken", now, staff=staff.name)
            metrics.observe_ack(pipe, "call", (now - esc.opened_at).total_seconds())
            self._point(pipe, sref, esc.id)

        self.store.update(esc_id, decide)

    def call_missed(self, esc_id: int) -> None:
        """Nobody took the call (the 24/7 line got it, or the caller hung up on hold).

        It becomes an ordinary escalation, paged down the ladder by text, so staff see
        the missed call and can take it and call back through the helpline number.
        """
        now = self.clock()

        def decide(esc: Escalation | None, pipe: Pipeline) -> None:
            if esc is None or esc.state is not EscalationState.CALLING:
                return
            opening = esc.moved(state=EscalationState.OPENING, reason="missed_call", due_at=now)
            self.store.save(pipe, opening, "call_missed", now)
            step = ladder.drive(opening, self.on_call(esc.language, now), now)
            if step is not None:
                self._apply(pipe, step, now)

        self.store.update(esc_id, decide)

    def call_ended(self, esc_id: int, staff: Staff | None) -> None:
        """The caller and the staff member hung up: the escalation is done."""
        now = self.clock()

        def decide(esc: Escalation | None, pipe: Pipeline) -> None:
            if esc is None or esc.state is not EscalationState.TAKEN:
                return
            by = staff.name if staff else "call ended"
            closed = esc.moved(
                state=EscalationState.CLOSED, closed_at=now, closed_by=by, due_at=None
            )
            self.store.save(pipe, closed, "call_ended", now, staff=staff.name if staff else "")
            self._released(pipe, closed)

        self.store.update(esc_id, decide)

    def held_call(self, staff: Staff) -> Escalation | None:
        """The escalation a staff member holds now, for a callback through the helpline."""
        raw = as_text(self.redis.get(keys.staff_current(self.staff_ref(staff.phone))))
        esc = self.store.get(int(raw)) if raw else None
        if esc is None or esc.state is not EscalationState.TAKEN or esc.holder != staff.name:
            return None
        return esc

    # --- pages: failed, declined, delivered ----------------------------------------------

    def page_failed(self, esc_id: int, page_key: str, why: str) -> None:
        """Undelivered, refused, not answered or declined: the next person at once."""
        now = self.clock()

        def decide(esc: Escalation | None, pipe: Pipeline) -> bool:
            if esc is None:
                return False
            moved = ladder.skip_to_next(esc, page_key, now)
            if moved is None:
                self.store.record(pipe, esc, f"page_{why}:{page_key}", now)
                return False
            self.store.save(pipe, moved, f"page_{why}:{page_key}", now)
            self._drive_later(pipe, moved, at=None)
            return True

        if self.store.update(esc_id, decide):
            log.info("page failed; next person", extra={"esc": esc_id, "why": why})

    # --- staff texts ---------------------------------------------------------------------

    def staff_text(self, staff: Staff, body: str) -> list[str]:
        """A text from a roster phone: a command, or words for the caller they talk to."""
        command = parse_command(body)
        sref = self.staff_ref(staff.phone)
        if command is None:
            return self._relay_from_staff(staff, sref, body)
        code = command.code
        if code is None:
            pointer = keys.staff_latest(sref) if command.action is Action.TAKE else None
            raw = self.redis.get(pointer or keys.staff_current(sref)) or (
                self.redis.get(keys.staff_latest(sref))
            )
            code = int(raw) if raw else None
        if code is None:
            return [staff_texts.unknown_code(None)]
        if command.action is Action.TAKE:
            return [self.take(staff, sref, code)]
        return [self.close(staff, sref, code)]

    def take(self, staff: Staff, sref: str, code: int) -> str:
        """`12a` by text: the answer in words for the staff member's phone."""
        handled = self.take_escalation(staff, code)
        esc = handled.escalation
        if esc is None:
            return staff_texts.unknown_code(code)
        if handled.answer is Answer.ALREADY_CLOSED:
            return staff_texts.already_closed(code)
        if handled.answer is Answer.HELD_BY_OTHER:
            return staff_texts.taken_by_other(esc)
        return staff_texts.taken_reply(esc, self._last_words(esc))

    def take_escalation(self, staff: Staff, code: int) -> Handled:
        """Take it (by text or from the console): the caller hears a person joined."""
        now, sref = self.clock(), self.staff_ref(staff.phone)

        def decide(esc: Escalation | None, pipe: Pipeline) -> Handled:
            if esc is None:
                return Handled(Answer.UNKNOWN, None)
            if esc.state is EscalationState.CLOSED:
                return Handled(Answer.ALREADY_CLOSED, esc)
            if esc.state is EscalationState.TAKEN:
                if esc.holder != staff.name:
                    return Handled(Answer.HELD_BY_OTHER, esc)
                self._point(pipe, sref, esc.id)
                return Handled(Answer.ALREADY_YOURS, esc)
            taken = esc.moved(
                state=EscalationState.TAKEN, holder=staff.name, taken_at=now, due_at=None
            )
            self.store.save(pipe, taken, "taken", now, staff=staff.name)
            metrics.observe_ack(pipe, "page", (now - esc.opened_at).total_seconds())
            self._point(pipe, sref, esc.id)
            self._tell_caller(pipe, taken, "person_joined", batch="taken")
            for other in taken.paged:
                if other != staff.name:
                    self._tell_staff(
                        pipe,
                        other,
                        staff_texts.taken_notice(taken),
                        batch=f"taken-{esc.id}-{other}",
                    )
            return Handled(Answer.DONE, taken)

        handled = self.store.update(code, decide)
        log.info("take answered", extra={"esc": code, "answer": handled.answer.value})
        return handled

    def close(self, staff: Staff | None, sref: str | None, code: int, *, why: str = "") -> str:
        """`12c` by text (or the caller's STOP): the answer in words for a staff phone."""
        handled = self.close_escalation(staff.name if staff else None, code, why=why)
        if handled.escalation is None:
            return staff_texts.unknown_code(code)
        if handled.answer is Answer.ALREADY_CLOSED:
            return staff_texts.already_closed(code)
        if handled.answer is Answer.HELD_BY_OTHER:
            return staff_texts.taken_by_other(handled.escalation)
        return staff_texts.closed_reply(handled.escalation)

    def close_escalation(
        self, name: str | None, code: int, *, why: str = "", holder_only: bool = False
    ) -> Handled:
        """Close it; `holder_only` (the console) refuses anyone but the holder of a taken one."""
        now = self.clock()
        by = name or why

        def decide(esc: Escalation | None, pipe: Pipeline) -> Handled:
            if esc is None:
                return Handled(Answer.UNKNOWN, None)
            if esc.state is EscalationState.CLOSED:
                return Handled(Answer.ALREADY_CLOSED, esc)
            if holder_only and esc.state is EscalationState.TAKEN and esc.holder != name:
                return Handled(Answer.HELD_BY_OTHER, esc)
            closed = esc.moved(
                state=EscalationState.CLOSED, closed_at=now, closed_by=by, due_at=None
            )
            self.store.save(pipe, closed, "closed", now, staff=name or "")
            self._released(pipe, closed)
            if why not in SILENT_CLOSES:
                self._tell_caller(pipe, closed, "person_left", batch="closed")
            if why == OPTED_OUT_CLOSE:
                notice = staff_texts.caller_opted_out(closed)
            elif why == BLOCKED_CLOSE:
                notice = staff_texts.caller_blocked(closed, name or UNNAMED_OPERATOR)
            else:
                notice = staff_texts.closed_notice(closed, by)
            told = {esc.holder} if esc.holder else set(esc.paged)
            for other in sorted(n for n in told if n and n != by):
                self._tell_staff(pipe, other, notice, batch=f"closed-{esc.id}-{other}")
            return Handled(Answer.DONE, closed)

        return self.store.update(code, decide)

    def reply(self, staff: Staff, esc_id: int, body: str) -> Handled:
        """Words for the caller, from the console: only the holder's, sent from the helpline."""
        esc = self.store.get(esc_id)
        if esc is None:
            return Handled(Answer.UNKNOWN, None)
        if esc.state is not EscalationState.TAKEN or esc.holder != staff.name:
            answer = Answer.ALREADY_CLOSED if esc.state is EscalationState.CLOSED else (
                Answer.HELD_BY_OTHER if esc.holder else Answer.NOT_TAKEN
            )  # fmt: skip
            return Handled(answer, esc)
        self._relay_to_caller(esc, staff, self.staff_ref(staff.phone), body)
        return Handled(Answer.DONE, esc)

    def add_note(self, name: str, esc_id: int, body: str) -> Handled:
        """A note for staff only: it stays in the transcript and never reaches the caller."""
        esc = self.store.get(esc_id)
        if esc is None:
            return Handled(Answer.UNKNOWN, None)
        if esc.holder is not None and esc.holder != name:
            return Handled(Answer.HELD_BY_OTHER, esc)
        self.store.note(self.redis, esc.id, name, body, self.clock(), kind=NOTE)
        return Handled(Answer.DONE, esc)

    def _point(self, pipe: Pipeline, sref: str, esc_id: int) -> None:
        ttl = int(keys.STAFF_POINTER_TTL.total_seconds())
        pipe.set(keys.staff_current(sref), str(esc_id), ex=ttl)
        pipe.set(keys.staff_latest(sref), str(esc_id), ex=ttl)

    def _last_words(self, esc: Escalation) -> list[str]:
        said = [
            m["body"]
            for m in self.store.conversation(esc.id)
            if m.get("who") == "caller" and m.get("kind") != NOTE
        ]
        return said[-TAKE_PREVIEW_MESSAGES:]

    def _relay_from_staff(self, staff: Staff, sref: str, body: str) -> list[str]:
        raw = as_text(self.redis.get(keys.staff_current(sref)))
        esc = self.store.get(int(raw)) if raw else None
        if esc is None or esc.state is not EscalationState.TAKEN or esc.holder != staff.name:
            return [staff_texts.not_talking()]
        self._relay_to_caller(esc, staff, sref, body)
        return []

    def _relay_to_caller(self, esc: Escalation, staff: Staff, sref: str, body: str) -> None:
        now = self.clock()
        with self.redis.pipeline() as pipe:
            pipe.multi()  # rq's enqueue on a pipeline expects MULTI already begun
            self.store.note(pipe, esc.id, staff.name, body, now)
            send_texts_later(self.queue, pipe, esc.ref, [body], batch=relay_batch(esc.id, now))
            pipe.expire(keys.staff_current(sref), int(keys.STAFF_POINTER_TTL.total_seconds()))
            pipe.execute()

    def relay_not_delivered(self, esc_id: int, code: str | None) -> None:
        """Staff's words did not reach the caller: say so in the transcript and, while the
        escalation is held, to its holder, who would otherwise wait for an answer."""
        esc = self.store.get(esc_id)
        if esc is None:
            return
        text = staff_texts.relay_not_delivered(esc, code)
        with self.redis.pipeline() as pipe:
            pipe.multi()
            self.store.note(pipe, esc.id, HELPLINE_NOTE_AUTHOR, text, self.clock(), kind=NOTE)
            if esc.state is EscalationState.TAKEN and esc.holder:
                batch = f"undelivered-{esc.id}-{self.clock().timestamp()}"
                self._tell_staff(pipe, esc.holder, text, batch=batch)
            pipe.execute()

    def not_staff_reply(self, number: str, body: str) -> list[str] | None:
        """A reply code from a phone that was paged once but is no longer on the roster."""
        if parse_command(body) is None:
            return None
        if not self.redis.exists(keys.staff_latest(self.staff_ref(number))):
            return None
        return [staff_texts.not_on_roster()]

    # --- caller texts while an escalation is open ----------------------------------------

    def from_caller(
        self, pipe: Pipeline, esc: Escalation, body: str, *, crisis: bool, now: datetime
    ) -> list[str]:
        """Inside the caller's transaction: keep the text, relay it, or say we're still looking."""
        self.store.note(pipe, esc.id, "caller", body, now)
        pipe.expire(keys.number(esc.ref), int(ESCALATION_NUMBER_TTL.total_seconds()), gt=True)
        if esc.state is EscalationState.TAKEN and esc.holder:
            text = staff_texts.relayed(esc, body)
            self._tell_staff(pipe, esc.holder, text, batch=f"relay-{esc.id}-{now.timestamp()}")
            return []
        if crisis:
            return [self.caller_text("crisis", esc.language)]
        notice_key = keys.escalation_hold_notice(esc.id)
        if self.redis.set(notice_key, b"1", nx=True, ex=int(HOLD_NOTICE_EVERY.total_seconds())):
            name = "no_one_yet" if esc.state is EscalationState.FINAL else "still_finding"
            return [self.caller_text(name, esc.language)]
        return []

    def opted_out(self, esc_id: int) -> None:
        """The caller texted STOP: close the escalation and tell staff; the caller hears nothing."""
        self.close(None, None, esc_id, why=OPTED_OUT_CLOSE)

    def caller_blocked(self, esc_id: int, by: str) -> Handled:
        """An operator blocked the caller: close it and tell the staff paged or holding it.
        The caller hears nothing: "a person left" would promise the automatic texts."""
        return self.close_escalation(by, esc_id, why=BLOCKED_CLOSE)


def _page_record(staff: str, channel: str, state: str, now: datetime) -> PageRecord:
    return PageRecord(staff=staff, channel=channel, state=state, at=now.isoformat())
