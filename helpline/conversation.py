"""The one place where the engine meets Redis and RQ.

It loads a caller, asks the pure engine what to do, and carries the events out
in the same Redis transaction that saves the session: the reply texts go back
to the webhook (inline TwiML) or to a send job, waits become scheduled
timeout jobs, actions become worker jobs, and an opt-out is recorded.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from redis.client import Pipeline
from rq import Queue

from helpline import keys
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
    is_opt_in,
    resume,
)
from helpline.errors import ResumeRejected
from helpline.flowfiles.catalog import FlowCatalog
from helpline.privacy import contact_ref
from helpline.queueing import SEND_RETRY, enqueue, job_id
from helpline.settings import Settings
from helpline.store import Contact, ContactStore, dump_session, write_opt_out

log = logging.getLogger(__name__)

Clock = Callable[[], datetime]


@dataclass(frozen=True, slots=True)
class Outcome:
    """What one inbound text led to, for the webhook and for logs (no personal data)."""

    texts: list[str]
    duplicate: bool = False
    suppressed: bool = False
    """The caller has opted out: nothing is sent."""


class Conversations:
    def __init__(
        self,
        *,
        settings: Settings,
        store: ContactStore,
        catalog: FlowCatalog,
        queue: Queue,
        urgent_queue: Queue,
        clock: Clock,
    ) -> None:
        self.settings = settings
        self.store = store
        self.catalog = catalog
        self.queue = queue
        self.urgent_queue = urgent_queue
        self.clock = clock

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
        if not self.store.claim_inbound(message_sid):
            return Outcome(texts=[], duplicate=True)
        ref = self.ref(number)

        def decide(contact: Contact, pipe: Pipeline) -> Outcome:
            outcome = self._received(
                contact, pipe, number=number, body=body, message_sid=message_sid
            )
            if also is not None:
                also(pipe, outcome.texts)
            return outcome

        try:
            return self.store.update(ref, decide)
        except BaseException:
            self.store.release_inbound(message_sid)
            raise

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
        self, contact: Contact, pipe: Pipeline, *, number: str, body: str, message_sid: str
    ) -> Outcome:
        if contact.opted_out:
            if not is_opt_in(body):
                return Outcome(texts=[], suppressed=True)
            pipe.delete(keys.opted_out(contact.ref))
            body = "START"  # an opt-in starts the conversation afresh
        session = contact.session
        flow = self._flow_for(session)
        sprint = resume(
            flow, session, TextReceived(text=body), self.clock(), language=contact.language
        )
        texts = self._apply(pipe, contact, sprint, number=number, inline=True, cause=message_sid)
        return Outcome(texts=texts)

    def _flow_for(self, session: Session | None) -> Flow:
        flows = self.catalog.refresh()
        if session is not None and session.waiting:
            flow = flows.get(session.flow)
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
    ) -> list[str]:
        ref, session, now = contact.ref, sprint.session, sprint.session.updated_at
        texts: list[str] = []
        jobs: list[JobRequested] = []
        opted_out = False
        for event in sprint.events:
            match event:
                case TextQueued(text=text):
                    texts.append(text)
                case WaitStarted(wait_id=wait_id, timeout_at=timeout_at) if timeout_at:
                    enqueue(
                        self.queue,
                        "helpline.jobs.resume_timeout",
                        ref,
                        wait_id,
                        id=job_id("timeout", ref, wait_id),
                        at=timeout_at,
                        pipeline=pipe,
                    )
                case JobRequested():
                    jobs.append(event)
                case EscalationRequested(reason=reason, language=language):
                    enqueue(
                        self.urgent_queue,
                        "helpline.jobs.escalate",
                        ref,
                        reason,
                        language,
                        id=job_id("escalate", ref, session.wait_id, session.sprints),
                        pipeline=pipe,
                    )
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
            self._save(pipe, ref, session, number, now)
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

    def _save(
        self, pipe: Pipeline, ref: str, session: Session, number: str | None, now: datetime
    ) -> None:
        ttl = session.expires_at - now if session.waiting else keys.FINISHED_SESSION_TTL
        ttl = max(ttl, timedelta(seconds=1))
        pipe.set(keys.session(ref), dump_session(session), px=int(ttl.total_seconds() * 1000))
        number_ttl = max(ttl, keys.NUMBER_MIN_TTL)
        if number is not None:
            pipe.set(keys.number(ref), number, ex=int(number_ttl.total_seconds()))
        else:
            pipe.expire(keys.number(ref), int(number_ttl.total_seconds()), gt=True)


def send_texts_later(
    queue: Queue, pipe: Pipeline | None, ref: str, texts: list[str], *, batch: str
) -> None:
    """Queue an ordered batch of texts to one caller; a retry resumes where it stopped."""
    enqueue(
        queue,
        "helpline.jobs.send_texts",
        ref,
        texts,
        batch,
        id=job_id("send", batch),
        pipeline=pipe,
        retry=SEND_RETRY,
    )
