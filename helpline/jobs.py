"""RQ jobs. Arguments are refs and strings (JSON); each job reloads what it needs.

Every job is safe to run twice: sends record their progress, timeouts are
refused by the engine once the caller has moved on.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable

from rq import get_current_job

from helpline import keys, metrics
from helpline.engine.actions import MORE_MEETINGS_JOB
from helpline.errors import ConfigError, DeliveryDeferred, DeliveryRefused
from helpline.escalation.ladder import VOICE
from helpline.escalation.relays import relayed_for
from helpline.meetings.answer import Page, meetings_answer, next_page
from helpline.meetings.imports import import_source
from helpline.meetings.registry import SOURCES_FILE, load_sources
from helpline.meetings.search import search
from helpline.outbox import send_texts_later
from helpline.programs.compose import recommended_texts
from helpline.queueing import job_id
from helpline.runtime import Runtime, current
from helpline.telephony.sender import LANDLINE_CODE, OPTED_OUT_CODE

log = logging.getLogger(__name__)


def resume_timeout(ref: str, wait_id: int) -> None:
    current().conversations.time_out(ref, wait_id)


MEETING_TEXTS_VALIDITY_SECONDS = 3600
"""Texts naming the next meetings that Twilio cannot hand on within an hour are dropped:
a list of meetings arriving after they started would mislead."""


def send_texts(ref: str, texts: list[str], batch: str, validity: int | None = None) -> int:
    """Send texts in order; returns how many are out. A retry resumes after the last one sent.

    `validity` (seconds) becomes Twilio's ValidityPeriod: a text stuck in Twilio's queue
    longer than that is dropped rather than delivered late.
    """
    rt = current()
    contact = rt.store.load(ref)
    if contact.opted_out:
        log.info("send skipped: caller opted out", extra={"ref": ref, "batch": batch})
        metrics.count_skipped(rt.redis, "caller", "opted_out", len(texts))
        return 0
    number = rt.store.number(ref)
    if number is None:
        log.warning("send skipped: number no longer held", extra={"ref": ref, "batch": batch})
        metrics.count_skipped(rt.redis, "caller", "no_number", len(texts))
        return 0
    progress = keys.outbox_progress(batch)
    done = int(rt.redis.get(progress) or 0)
    relay_of = relayed_for(batch)  # staff's words: a failed delivery is told to the holder
    for index in range(done, len(texts)):
        try:
            sent = rt.sender.send(
                number,
                texts[index],
                status_callback=rt.status_callback_url,
                validity_period=validity,
            )
        except DeliveryDeferred as exc:
            metrics.count_send(rt.redis, "caller", "deferred", metrics.deferred_reason(exc))
            raise
        except DeliveryRefused as exc:
            log.warning("send refused", extra={"ref": ref, "code": exc.code, "batch": batch})
            metrics.count_send(rt.redis, "caller", "refused", metrics.refused_reason(exc.code))
            if relay_of is not None:
                rt.desk.relay_not_delivered(relay_of, str(exc.code) if exc.code else None)
            if exc.code == OPTED_OUT_CODE:
                rt.store.record_opt_out(ref, rt.clock())
            elif exc.code == LANDLINE_CODE:
                # A later call from this number is told so, instead of promised a text.
                ttl = int(keys.CANNOT_TEXT_TTL.total_seconds())
                rt.redis.set(keys.cannot_text(ref), "21614", ex=ttl)
            return index
        # DeliveryDeferred propagates: RQ retries the job with backoff, resuming here.
        with rt.redis.pipeline() as pipe:
            pipe.set(progress, index + 1, ex=int(keys.OUTBOX_PROGRESS_TTL.total_seconds()))
            pipe.hset(keys.outbound(sent.sid), mapping={"ref": ref, "status": sent.status})
            if relay_of is not None:
                pipe.hset(keys.outbound(sent.sid), "relay", str(relay_of))
            pipe.expire(keys.outbound(sent.sid), int(keys.OUTBOUND_RECORD_TTL.total_seconds()))
            metrics.count_send(pipe, "caller", "sent")
            pipe.execute()
        log.info("text sent", extra={"ref": ref, "sid": sent.sid, "batch": batch})
    return len(texts)


ACTION_JOB = "perform_actions"
"""The job that carries a sprint's actions: one job, so their texts go out in order."""


def perform_actions(ref: str, language: str, variables: dict[str, str], actions: list[str]) -> int:
    """Compose every action's texts (programs, meetings, the next page) and send them in order."""
    rt = current()
    texts: list[str] = []
    for action in actions:
        texts += _COMPOSERS[action](rt, ref, language, variables)
    timely = any(action in TIME_SENSITIVE_ACTIONS for action in actions)
    if texts:
        send_texts_later(
            rt.queue,
            None,
            ref,
            texts,
            batch=_batch(ACTION_JOB, ref),
            validity=MEETING_TEXTS_VALIDITY_SECONDS if timely else None,
        )
    return len(texts)


TIME_SENSITIVE_ACTIONS = frozenset({"send_meetings", MORE_MEETINGS_JOB})


def _program_texts(rt: Runtime, ref: str, language: str, variables: dict[str, str]) -> list[str]:
    return recommended_texts(
        rt.catalog.refresh().programs,
        variables,
        language=language,
        crisis_line=rt.settings.crisis_line,
        helpline_name=rt.settings.helpline_name,
    )


def _meeting_texts(rt: Runtime, ref: str, language: str, variables: dict[str, str]) -> list[str]:
    """The next meetings that fit; what is not sent now is kept for MORE."""
    now = rt.clock()
    answer = meetings_answer(
        catalogue=rt.catalog.refresh().programs,
        answers=variables,
        language=language,
        now=now,
        search=lambda query: search(rt.directory, query, now),
        crisis_line=rt.settings.crisis_line,
        helpline_name=rt.settings.helpline_name,
    )
    _keep_page(rt, ref, answer.rest)
    log.info("meetings sent", extra={"ref": ref, "searches": answer.searches})
    return answer.texts


def _more_texts(rt: Runtime, ref: str, language: str, variables: dict[str, str]) -> list[str]:
    raw = rt.redis.get(keys.meetings_page(ref))
    page = None
    if raw is not None:
        data = json.loads(raw)
        ids = [item["id"] for item in data["waiting"]]
        found = {m.id: m for m in rt.directory.get(ids)}
        page = Page.from_dict(data, found)
    text, rest = next_page(page, rt.clock(), language=language, crisis_line=rt.settings.crisis_line)
    _keep_page(rt, ref, rest)
    return [text]


def _keep_page(rt: Runtime, ref: str, page: Page | None) -> None:
    if page is None:
        rt.redis.delete(keys.meetings_page(ref))
    else:
        ttl = int(keys.MEETINGS_PAGE_TTL.total_seconds())
        rt.redis.set(keys.meetings_page(ref), json.dumps(page.to_dict()), ex=ttl)


_COMPOSERS: dict[str, Callable[[Runtime, str, str, dict[str, str]], list[str]]] = {
    "send_programs": _program_texts,
    "send_meetings": _meeting_texts,
    MORE_MEETINGS_JOB: _more_texts,
}


def import_meetings(source_id: str) -> dict[str, object]:
    """Re-import one source from meeting-sources.yaml (the cron job; also `meetings import`)."""
    rt = current()
    sources = load_sources(
        rt.settings.flows_dir / SOURCES_FILE,
        rt.settings.feed_keys,
        programs=frozenset(rt.catalog.refresh().programs.programs),
    )
    if source_id not in sources:
        raise ConfigError(f"no source '{source_id}' in {SOURCES_FILE}", variable="SOURCE")
    report = import_source(rt.directory, sources[source_id], now=rt.clock())
    return report.to_dict()


def drive_escalation(esc_id: int) -> str:
    """Take an escalation's next step if it is due (scheduled at its due time; the sweeper too)."""
    return current().desk.drive(esc_id)


def send_page(esc_id: int, page_key: str, staff_name: str, channel: str) -> str:
    rt = current()
    kind: metrics.SendKind = "page_call" if channel == VOICE else "page_sms"
    try:
        result = rt.pager.send(esc_id, page_key, staff_name, channel)
    except DeliveryDeferred as exc:
        metrics.count_send(rt.redis, kind, "deferred", metrics.deferred_reason(exc))
        raise
    # "done" and "claimed" are not counted: another job had the page.
    if result.outcome == "sent":
        metrics.count_send(rt.redis, kind, "sent", metrics.NO_REASON)
    elif result.outcome == "failed":
        metrics.count_send(rt.redis, kind, "refused", metrics.refused_reason(result.code))
    elif result.outcome == "skipped":
        metrics.count_send(rt.redis, kind, "skipped", "not_needed")
    return result.outcome


def send_to_staff(name: str, texts: list[str]) -> int:
    """Texts for one staff member (notices, relayed words), from the helpline number."""
    rt = current()
    roster = rt.roster.refresh()
    person = roster.by_name(name) if roster is not None else None
    if person is None:
        log.warning("staff text skipped: not on the roster now", extra={"staff": name})
        metrics.count_skipped(rt.redis, "staff", "off_roster", len(texts))
        return 0
    job = get_current_job()
    progress = keys.outbox_progress(job_id("staff", job.id if job else name))
    done = int(rt.redis.get(progress) or 0)
    for index in range(done, len(texts)):
        try:
            rt.sender.send(person.phone, texts[index], status_callback=rt.status_callback_url)
        except DeliveryDeferred as exc:
            metrics.count_send(rt.redis, "staff", "deferred", metrics.deferred_reason(exc))
            raise
        except DeliveryRefused as exc:
            log.warning("staff text refused", extra={"staff": name, "code": exc.code})
            metrics.count_send(rt.redis, "staff", "refused", metrics.refused_reason(exc.code))
            return index
        with rt.redis.pipeline(transaction=False) as pipe:
            pipe.set(progress, index + 1, ex=int(keys.OUTBOX_PROGRESS_TTL.total_seconds()))
            metrics.count_send(pipe, "staff", "sent")
            pipe.execute()
    return len(texts)


def _batch(kind: str, ref: str) -> str:
    job = get_current_job()
    return job_id(kind, job.id if job else ref)
