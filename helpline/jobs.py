"""RQ jobs. Arguments are refs and strings (JSON); each job reloads what it needs.

Every job is safe to run twice: sends record their progress, timeouts are
refused by the engine once the caller has moved on.
"""

from __future__ import annotations

import logging

from rq import get_current_job

from helpline import keys
from helpline.conversation import send_texts_later
from helpline.errors import DeliveryRefused
from helpline.programs.compose import action_texts
from helpline.queueing import job_id
from helpline.runtime import current
from helpline.store import as_text
from helpline.telephony.sender import OPTED_OUT_CODE

log = logging.getLogger(__name__)


def resume_timeout(ref: str, wait_id: int) -> None:
    current().conversations.time_out(ref, wait_id)


def send_texts(ref: str, texts: list[str], batch: str) -> int:
    """Send texts in order; returns how many are out. A retry resumes after the last one sent."""
    rt = current()
    contact = rt.store.load(ref)
    if contact.opted_out:
        log.info("send skipped: caller opted out", extra={"ref": ref, "batch": batch})
        return 0
    number = rt.store.number(ref)
    if number is None:
        log.warning("send skipped: number no longer held", extra={"ref": ref, "batch": batch})
        return 0
    progress = keys.outbox_progress(batch)
    done = int(rt.redis.get(progress) or 0)
    for index in range(done, len(texts)):
        try:
            sent = rt.sender.send(number, texts[index], status_callback=rt.status_callback_url)
        except DeliveryRefused as exc:
            log.warning("send refused", extra={"ref": ref, "code": exc.code, "batch": batch})
            if exc.code == OPTED_OUT_CODE:
                rt.store.record_opt_out(ref, rt.clock())
            return index
        # DeliveryDeferred propagates: RQ retries the job with backoff, resuming here.
        with rt.redis.pipeline() as pipe:
            pipe.set(progress, index + 1, ex=int(keys.OUTBOX_PROGRESS_TTL.total_seconds()))
            pipe.hset(keys.outbound(sent.sid), mapping={"ref": ref, "status": sent.status})
            pipe.expire(keys.outbound(sent.sid), int(keys.OUTBOUND_RECORD_TTL.total_seconds()))
            pipe.execute()
        log.info("text sent", extra={"ref": ref, "sid": sent.sid, "batch": batch})
    return len(texts)


def send_programs(ref: str, language: str, variables: dict[str, str]) -> int:
    """Pick 2–3 programs that fit the caller's answers and text one message each."""
    return _send_catalogue_texts("send_programs", ref, language, variables)


def send_meetings(ref: str, language: str, variables: dict[str, str]) -> int:
    """Text where to find meetings of the fitting programs (their own meeting finders)."""
    return _send_catalogue_texts("send_meetings", ref, language, variables)


def _send_catalogue_texts(action: str, ref: str, language: str, variables: dict[str, str]) -> int:
    rt = current()
    texts = action_texts(
        action,
        rt.catalog.refresh().programs,
        variables,
        language=language,
        crisis_line=rt.settings.crisis_line,
        helpline_name=rt.settings.helpline_name,
    )
    send_texts_later(rt.queue, None, ref, texts, batch=_batch(action, ref))
    return len(texts)


def escalate(ref: str, reason: str, language: str) -> str:
    """Record that this caller needs a person, on the stream staff work from."""
    rt = current()
    entry = rt.redis.xadd(
        keys.escalations(),
        {
            "ref": ref,
            "reason": reason,
            "language": language,
            "at": rt.clock().isoformat(timespec="seconds"),
        },
        maxlen=keys.ESCALATIONS_STREAM_MAX,
        approximate=True,
    )
    log.warning("escalation requested", extra={"ref": ref, "reason": reason})
    return str(as_text(entry))


def _batch(kind: str, ref: str) -> str:
    job = get_current_job()
    return job_id(kind, job.id if job else ref)
