"""The phone line: where a call meets the engine, Redis, the roster and the 24/7 line.

Every method takes what Twilio posted (a CallSid, keys, speech, a dial status),
changes the call's state in one Redis transaction and returns the TwiML to
answer with. State lives in Redis under a keyed hash of the CallSid; the URLs
carry only the dial attempt. Each flow sprint's events are carried out here:
texts are spoken, a wait becomes a <Gather>, actions become the same worker
job the texts use (the meetings are texted to the calling number), and an
escalation puts the caller on hold while on-call staff are dialled in turn.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime

from redis.client import Pipeline
from rq import Queue
from twilio.twiml.voice_response import VoiceResponse

from helpline import keys
from helpline.engine import (
    Channel,
    EscalationRequested,
    Flow,
    JobRequested,
    Session,
    Sprint,
    TextQueued,
    TextReceived,
    crisis,
    resume,
)
from helpline.engine.safety import CrisisHit
from helpline.escalation.desk import Desk
from helpline.flowfiles.catalog import FlowCatalog
from helpline.oncall.roster import Staff
from helpline.privacy import contact_ref
from helpline.queueing import enqueue, job_id
from helpline.settings import Settings
from helpline.store import ContactStore, as_text
from helpline.voice import speech, transfer
from helpline.voice.call_state import CallState, Phase
from helpline.voice.call_store import CallStore
from helpline.voice.gather import GATHER_ACTION, spoken

log = logging.getLogger(__name__)

Clock = Callable[[], datetime]

LOW_CONFIDENCE = 0.5
"""Speech heard less surely than this is read back and confirmed with a key."""

CRISIS_DIAL_SECONDS = 60
ENDED_STATUSES = frozenset({"completed", "busy", "no-answer", "failed", "canceled"})
CRISIS_ATTEMPT = "crisis"


class Line:
    def __init__(
        self,
        *,
        settings: Settings,
        calls: CallStore,
        store: ContactStore,
        catalog: FlowCatalog,
        desk: Desk,
        queue: Queue,
        clock: Clock,
    ) -> None:
        self.settings = settings
        self.calls = calls
        self.store = store
        self.catalog = catalog
        self.desk = desk
        self.queue = queue
        self.clock = clock

    # --- a call comes in ----------------------------------------------------------------

    def incoming(self, call_sid: str, number: str) -> str:
        staff = self.desk.staff_for(number)
        if staff is not None:
            callback = self._callback(staff)
            if callback is not None:
                return callback
        ref = contact_ref(number, self.settings.secret_key)
        cref = self.calls.ref(call_sid)
        redis = self.calls.redis
        can_text = not redis.exists(keys.cannot_text(ref))
        remembered = as_text(redis.get(keys.language(ref)))
        if self.desk.blocklist.blocks(ref):
            log.info(
                "call from a blocked number: put through to the 24/7 line", extra={"call": cref}
            )
            return self._crisis_line_only(remembered or "en")

        def decide(state: CallState | None, pipe: Pipeline) -> str:
            if state is not None:  # Twilio asked twice for the same call: carry on from here
                return self._repeat(state)
            now = self.clock()
            flow = self.catalog.refresh().entry(Channel.VOICE)
            sprint = resume(
                flow,
                None,
                TextReceived(text=""),
                now,
                language=remembered,
                seed={} if can_text else {"can_text": "no"},
            )
            fresh = CallState(ref=ref, language=sprint.session.language)
            # The worker texts meetings to this number after the call; keep it that long.
            self.store.hold_number(pipe, ref, number, keys.NUMBER_MIN_TTL)
            return self._apply(pipe, cref, fresh, flow, sprint, number=number, cause=cref)

        answer = self.calls.update(cref, decide)
        self._settle(cref)
        log.info("call answered", extra={"call": cref})
        return answer

    # --- the caller answers a question --------------------------------------------------

    def gathered(self, call_sid: str, digits: str, heard: str, confidence: float | None) -> str:
        cref = self.calls.ref(call_sid)

        def decide(state: CallState | None, pipe: Pipeline) -> str:
            if state is None:
                return _goodbye_unknown()
            if state.phase is not Phase.MENU or state.session is None:
                return self._repeat(state)
            reply, unsure = digits.strip(), False
            if state.pending:
                # The answer to "I heard ...; press 1 if right": 1 takes it, anything else re-asks.
                reply = state.pending if reply == "1" else ""
                state = state.moved(pending="")
            elif not reply and heard.strip():
                reply = heard.strip()
                unsure = confidence is not None and confidence < LOW_CONFIDENCE
            # The safety pre-router, on calls as on texts: crisis words go straight to a person,
            # however unsure the recognition was.
            hit = self.catalog.current.crisis.screen(reply) if reply else None
            if unsure and hit is None:
                return self._confirm(pipe, cref, state, reply)
            return self._answer(pipe, cref, state, reply, hit, cause=f"{cref}-{_sprints(state)}")

        answer = self.calls.update(cref, decide)
        self._settle(cref)
        return answer

    def _answer(
        self,
        pipe: Pipeline,
        cref: str,
        state: CallState,
        reply: str,
        hit: CrisisHit | None,
        *,
        cause: str,
    ) -> str:
        session = Session.from_dict(state.session) if state.session else None
        flows = self.catalog.refresh()
        # A call mid-flow keeps the version it started on; a finished one starts on the live one.
        pinned = self.catalog.flow_for(session) if session and session.waiting else None
        flow = (
            pinned or (flows.get(session.flow) if session else None) or flows.entry(Channel.VOICE)
        )
        now = self.clock()
        if hit is not None:
            language = hit.language or state.language
            sprint = crisis(flow, session, str(hit.kind), now, language=language)
        else:
            sprint = resume(flow, session, TextReceived(text=reply), now)
        return self._apply(pipe, cref, state, flow, sprint, number=None, cause=cause)

    def _confirm(self, pipe: Pipeline, cref: str, state: CallState, heard: str) -> str:
        self.calls.save(pipe, cref, state.moved(pending=heard))
        twiml = VoiceResponse()
        gather = twiml.gather(
            input="dtmf",
            num_digits=1,
            action=GATHER_ACTION,
            method="POST",
            action_on_empty_result=True,
            timeout=transfer.SCREEN_SECONDS,
        )
        speech.say(
            gather, speech.line("confirm_speech", state.language, heard=heard), state.language
        )
        return str(twiml)

    # --- carrying out a sprint ----------------------------------------------------------

    def _apply(
        self,
        pipe: Pipeline,
        cref: str,
        state: CallState,
        flow: Flow,
        sprint: Sprint,
        *,
        number: str | None,
        cause: str,
    ) -> str:
        session, now = sprint.session, sprint.session.updated_at
        texts: list[str] = []
        jobs: list[JobRequested] = []
        escalation: EscalationRequested | None = None
        for event in sprint.events:
            match event:
                case TextQueued(text=text):
                    texts.append(text)
                case JobRequested():
                    jobs.append(event)
                case EscalationRequested():
                    escalation = event
        state = state.moved(session=session.to_dict(), language=session.language)
        if session.language:
            pipe.set(
                keys.language(state.ref),
                session.language,
                ex=int(keys.LANGUAGE_TTL.total_seconds()),
            )
        if jobs:
            enqueue(
                self.queue,
                "helpline.jobs.perform_actions",
                state.ref,
                jobs[-1].language,
                dict(jobs[-1].variables),
                [job.job for job in jobs],
                id=job_id("actions", state.ref, cause),
                pipeline=pipe,
            )
        if escalation is not None:
            esc = self.desk.open_call(
                pipe,
                ref=state.ref,
                number=number or self.store.number(state.ref),
                reason=escalation.reason,
                language=escalation.language,
                now=now,
            )
            state = state.moved(
                phase=Phase.TRANSFER,
                session=None,
                esc=esc,
                transfer_started=now.isoformat(),
            )
            return self._next_transfer(pipe, cref, state, texts, now)
        waiting = flow.nodes.get(session.node) if session.waiting else None
        if waiting is None:
            state = state.moved(phase=Phase.ENDED, session=None)
        self.calls.save(pipe, cref, state)
        twiml = spoken(texts, session.language, then=waiting)
        if waiting is None:
            twiml.hangup()
        return str(twiml)

    # --- the transfer: one staff phone at a time, then the 24/7 line --------------------

    def _next_transfer(
        self, pipe: Pipeline, cref: str, state: CallState, texts: list[str], now: datetime
    ) -> str:
        roster = self.desk.roster.refresh()
        on_call = self.desk.on_call(state.language, now)
        busy = [
            name
            for name in on_call.names
            if (staff := roster.by_name(name) if roster else None) is not None
            and self.calls.redis.exists(keys.staff_on_call(self.desk.staff_ref(staff.phone)))
        ]
        started = datetime.fromisoformat(state.transfer_started) if state.transfer_started else now
        name = transfer.next_staff(
            on_call.names, tried=state.tried, busy=busy, started=started, now=now
        )
        staff = roster.by_name(name) if roster and name else None
        twiml = VoiceResponse()
        for text in texts:
            speech.say(twiml, text, state.language)
        if staff is None:
            state = state.moved(phase=Phase.CRISIS_LINE)
            self.calls.save(pipe, cref, state)
            self._crisis_line(twiml, state.language)
            log.warning("call to the crisis line", extra={"call": cref, "esc": state.esc})
            return str(twiml)
        state = state.moved(tried=(*state.tried, staff.name))
        self.calls.save(pipe, cref, state)
        self._dial(twiml, staff, state.attempt)
        log.info("call transfer dialling", extra={"call": cref, "attempt": state.attempt})
        return str(twiml)

    def _dial(self, twiml: VoiceResponse, staff: Staff, attempt: int) -> None:
        dial = twiml.dial(
            action=f"/twilio/voice/dial?n={attempt}",
            method="POST",
            timeout=transfer.DIAL_SECONDS,
            caller_id=self.settings.helpline_number,
        )
        dial.number(staff.phone, url=f"/twilio/voice/screen?n={attempt}", method="POST")

    def _crisis_line(self, twiml: VoiceResponse, language: str) -> None:
        speech.say(twiml, speech.line("crisis_line", language), language)
        dial = twiml.dial(
            action=f"/twilio/voice/dial?n={CRISIS_ATTEMPT}",
            method="POST",
            timeout=CRISIS_DIAL_SECONDS,
        )
        dial.number(self.settings.crisis_line)

    def _crisis_line_only(self, language: str) -> str:
        """A blocked number's call: never to staff (a block protects them), and never
        refused either: the 24/7 line takes anyone. No call state: nothing comes back here."""
        twiml = VoiceResponse()
        speech.say(twiml, speech.line("crisis_line", language), language)
        # No action: when the dialled leg ends, Twilio goes on with the verbs after </Dial>.
        twiml.dial(timeout=CRISIS_DIAL_SECONDS).number(self.settings.crisis_line)
        speech.say(twiml, speech.line("if_not_through_no_callback", language), language)
        twiml.hangup()
        return str(twiml)

    def _settle(self, cref: str) -> None:
        """After a transaction: a call sent to the 24/7 line is a missed call for staff."""
        state = self.calls.get(cref)
        if state is not None and state.phase is Phase.CRISIS_LINE and state.esc is not None:
            self.desk.call_missed(state.esc)  # only acts once: it moves a CALLING escalation

    def dial_ended(self, call_sid: str, attempt: str, status: str) -> str:
        """The <Dial> to staff (or the 24/7 line) ended: talked, declined, busy, no answer."""
        cref = self.calls.ref(call_sid)
        seen = self.calls.seen(cref, f"dial-{attempt}")
        if seen is not None:
            return seen  # a redelivered callback: the same answer, nothing done twice

        talked: list[CallState] = []

        def decide(state: CallState | None, pipe: Pipeline) -> str:
            talked.clear()
            if state is None:
                return _goodbye_unknown()
            if attempt == CRISIS_ATTEMPT:
                self.calls.save(pipe, cref, state.moved(phase=Phase.ENDED))
                twiml = VoiceResponse()
                speech.say(twiml, speech.line("if_not_through", state.language), state.language)
                twiml.hangup()
                return str(twiml)
            if state.phase is Phase.CONNECTED and str(state.attempt) == attempt:
                self.calls.save(pipe, cref, state.moved(phase=Phase.ENDED))
                talked.append(state)
                twiml = VoiceResponse()
                speech.say(twiml, speech.line("goodbye", state.language), state.language)
                twiml.hangup()
                return str(twiml)
            if state.phase is not Phase.TRANSFER or str(state.attempt) != attempt:
                return self._repeat(state)
            log.info("call transfer not taken", extra={"call": cref, "status": status})
            still = speech.line("still_finding", state.language)
            return self._next_transfer(pipe, cref, state, [still], self.clock())

        answer = self.calls.update(cref, decide)
        for state in talked:
            self._hung_up(state)
        self._settle(cref)
        return self.calls.once(cref, f"dial-{attempt}", answer)

    # --- screening: the staff member's leg ----------------------------------------------

    def screen(self, parent_sid: str, attempt: str) -> str:
        """The staff phone answered: ask for a key, so a voicemail never takes a caller."""
        state = self.calls.get(self.calls.ref(parent_sid))
        twiml = VoiceResponse()
        if state is None or state.phase is not Phase.TRANSFER or str(state.attempt) != attempt:
            twiml.hangup()
            return str(twiml)
        gather = twiml.gather(
            input="dtmf",
            num_digits=1,
            timeout=transfer.SCREEN_SECONDS,
            action=f"/twilio/voice/screen/answer?n={attempt}",
            method="POST",
            action_on_empty_result=True,
        )
        prompt = speech.SCREEN_PROMPT.format(helpline_name=self.settings.helpline_name)
        speech.say(gather, prompt, "en")
        twiml.hangup()
        return str(twiml)

    def screen_answer(self, parent_sid: str, attempt: str, digits: str) -> str:
        cref = self.calls.ref(parent_sid)
        roster = self.desk.roster.refresh()

        def decide(state: CallState | None, pipe: Pipeline) -> Staff | None:
            if state is None or state.phase is not Phase.TRANSFER:
                return None
            if str(state.attempt) != attempt or digits.strip() != "1":
                return None
            staff = roster.by_name(state.dialing) if roster else None
            if staff is None:
                return None
            self.calls.save(pipe, cref, state.moved(phase=Phase.CONNECTED, accepted_by=staff.name))
            ttl = int(keys.STAFF_ON_CALL_TTL.total_seconds())
            pipe.set(keys.staff_on_call(self.desk.staff_ref(staff.phone)), "1", ex=ttl)
            return staff

        staff = self.calls.update(cref, decide)
        twiml = VoiceResponse()
        if staff is None:
            twiml.hangup()  # declined, too late, or someone else: the <Dial> ends, next person
            return str(twiml)
        state = self.calls.get(cref)
        if state is not None and state.esc is not None:
            self.desk.call_taken(state.esc, staff)
        log.info("call transfer accepted", extra={"call": cref})
        speech.say(twiml, speech.SCREEN_ACCEPTED, "en")
        return str(twiml)

    # --- the call ends ------------------------------------------------------------------

    def ended(self, call_sid: str, status: str) -> None:
        """Call status callback: a hang-up mid-flow ends the session; on hold, a missed call."""
        if status not in ENDED_STATUSES:
            return
        cref = self.calls.ref(call_sid)

        def decide(state: CallState | None, pipe: Pipeline) -> CallState | None:
            if state is None or state.phase is Phase.ENDED:
                return None
            self.calls.save(pipe, cref, state.moved(phase=Phase.ENDED, session=None, pending=""))
            return state

        before = self.calls.update(cref, decide)
        if before is None:
            return
        if before.phase is Phase.TRANSFER and before.esc is not None:
            self.desk.call_missed(before.esc)
        self._hung_up(before)
        log.info("call ended", extra={"call": cref, "phase": str(before.phase)})

    def _hung_up(self, state: CallState) -> None:
        """Free the staff member who talked with the caller and close the escalation."""
        if not state.accepted_by:
            return
        roster = self.desk.roster.refresh()
        staff = roster.by_name(state.accepted_by) if roster else None
        if staff is not None:
            self.calls.redis.delete(keys.staff_on_call(self.desk.staff_ref(staff.phone)))
        if state.esc is not None:
            self.desk.call_ended(state.esc, staff)

    # --- staff calling back -------------------------------------------------------------

    def _callback(self, staff: Staff) -> str | None:
        """A staff member holding an escalation calls the helpline: put through to that caller."""
        esc = self.desk.held_call(staff)
        if esc is None:
            return None
        number = self.store.number(esc.ref)
        if number is None:
            return None
        twiml = VoiceResponse()
        speech.say(twiml, speech.CALLBACK_CONNECTING, "en")
        dial = twiml.dial(
            caller_id=self.settings.helpline_number, timeout=transfer.DIAL_SECONDS * 2
        )
        dial.number(number)
        log.info("staff callback", extra={"esc": esc.id})
        return str(twiml)

    # --- anything else ------------------------------------------------------------------

    def _repeat(self, state: CallState) -> str:
        """A request that no longer fits the call's state: never silence, never a hang-up."""
        twiml = VoiceResponse()
        language = state.language
        if state.phase is Phase.MENU and state.session is not None:
            session = Session.from_dict(state.session)
            flow = self.catalog.flow_for(session)
            node = flow.nodes.get(session.node) if flow else None
            if flow is not None and node is not None and node.wait is not None:
                unclear = flow.system.unclear.render(language, flow.values(language))
                return str(spoken([unclear], language, then=node))
        if state.phase is Phase.TRANSFER:
            roster = self.desk.roster.refresh()
            staff = roster.by_name(state.dialing) if roster and state.dialing else None
            if staff is not None:
                speech.say(twiml, speech.line("still_finding", language), language)
                self._dial(twiml, staff, state.attempt)
                return str(twiml)
        if state.phase is Phase.CONNECTED:
            twiml.pause(length=1)  # a stray request while the two talk: change nothing
            return str(twiml)
        if state.phase is Phase.ENDED:
            speech.say(twiml, speech.line("goodbye", language), language)
            twiml.hangup()
            return str(twiml)
        self._crisis_line(twiml, language)
        return str(twiml)


def _sprints(state: CallState) -> int:
    return int((state.session or {}).get("sprints", 0))


def _goodbye_unknown() -> str:
    twiml = VoiceResponse()
    speech.say(twiml, speech.line("goodbye", "en"), "en")
    twiml.hangup()
    return str(twiml)
