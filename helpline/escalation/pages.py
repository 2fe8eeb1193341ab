"""Delivering one page: a text, or a call that asks to press 1. Never twice.

A page is claimed (SET NX) before it is sent, so a retried or duplicated job
cannot page the same person twice. A send whose outcome is unknown (the worker
died mid-request) is marked `unknown` and not resent: the ladder moves on after
`ack_timeout` anyway, and a duplicate page at 3 a.m. is judged worse (GoAlert).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from urllib.parse import urlencode

from redis import Redis

from helpline import keys
from helpline.errors import DeliveryDeferred, DeliveryRefused
from helpline.escalation import texts as staff_texts
from helpline.escalation.desk import BLOCKED_CLOSE, Desk
from helpline.escalation.ladder import VOICE
from helpline.escalation.model import EscalationState
from helpline.escalation.store import EscalationStore, PageRecord
from helpline.telephony.dialer import Dialer
from helpline.telephony.sender import SmsSender

log = logging.getLogger(__name__)

PAGE_VALIDITY_SECONDS = 120
"""A page Twilio cannot hand on within two minutes is dropped, not delivered late."""

SEND_DEADLINE = timedelta(seconds=30)
"""A page still `sending` after this is of unknown fate (the worker died): never resent."""

REQUEUE_AFTER = timedelta(seconds=15)
"""A page still `queued` after this lost its job: the sweeper queues it again."""

DONE_STATES = frozenset({"sent", "delivered", "failed", "unknown", "skipped"})


@dataclass(frozen=True, slots=True)
class PageResult:
    outcome: str
    """sent, failed (Twilio refused it), skipped, done or claimed (another job had it)."""
    code: int | None = None
    """Twilio's error code when it refused the page, for the metrics' reason."""


class Pager:
    def __init__(
        self,
        *,
        redis: Redis,
        store: EscalationStore,
        desk: Desk,
        sender: SmsSender,
        dialer: Dialer,
        public_url: str | None,
        helpline_name: str,
        clock: Callable[[], datetime],
    ) -> None:
        self.redis = redis
        self.store = store
        self.desk = desk
        self.sender = sender
        self.dialer = dialer
        self.public_url = public_url
        self.helpline_name = helpline_name
        self.clock = clock

    def send(self, esc_id: int, page_key: str, staff_name: str, channel: str) -> PageResult:
        """Send one page unless it is done, claimed, or no longer needed. Returns what happened."""
        esc = self.store.get(esc_id)
        record = self.store.pages(esc_id).get(page_key)
        if esc is None or record is None or record.state in DONE_STATES:
            return PageResult("done")
        if esc.state not in (EscalationState.PAGING, EscalationState.FINAL):
            self._mark(esc_id, page_key, record, "skipped")
            return PageResult("skipped")
        if self.desk.blocklist.blocks(esc.ref):  # blocked since this page was queued
            self._mark(esc_id, page_key, record, "skipped")
            self.desk.close_escalation(None, esc_id, why=BLOCKED_CLOSE)
            return PageResult("skipped")
        staff = self.desk.roster.refresh()
        person = staff.by_name(staff_name) if staff is not None else None
        if person is None:  # taken off the roster since: the next person at once
            self._mark(esc_id, page_key, record, "skipped")
            self.desk.page_failed(esc_id, page_key, "skipped")
            return PageResult("skipped")
        claim = keys.page_claim(esc_id, page_key)
        if not self.redis.set(claim, b"1", nx=True, ex=int(keys.PAGE_CLAIM_TTL.total_seconds())):
            return PageResult("claimed")
        self._mark(esc_id, page_key, record, "sending")
        try:
            if channel == VOICE:
                sid = self.dialer.call(
                    person.phone,
                    url=self._url("/twilio/page/call", esc_id, page_key),
                    status_callback=self._url("/twilio/page/status", esc_id, page_key),
                ).sid
            else:
                sid = self.sender.send(
                    person.phone,
                    staff_texts.page_text(esc, self.helpline_name),
                    status_callback=self._status_url(),
                    validity_period=PAGE_VALIDITY_SECONDS,
                ).sid
        except DeliveryDeferred:
            self._mark(esc_id, page_key, record, "queued")
            self.redis.delete(claim)
            raise  # rq's Retry sends it again shortly
        except DeliveryRefused as exc:
            self._mark(esc_id, page_key, record, "failed")
            log.warning("page refused", extra={"esc": esc_id, "page": page_key, "code": exc.code})
            self.desk.page_failed(esc_id, page_key, "refused")
            return PageResult("failed", exc.code)
        with self.redis.pipeline() as pipe:
            self.store.set_page(
                pipe, esc_id, page_key, PageRecord(staff_name, channel, "sent", _now(self), sid)
            )
            pipe.hset(keys.outbound(sid), mapping={"esc": str(esc_id), "page": page_key})
            pipe.expire(keys.outbound(sid), int(keys.OUTBOUND_RECORD_TTL.total_seconds()))
            sref = self.desk.staff_ref(person.phone)
            pipe.set(
                keys.staff_latest(sref),
                str(esc_id),
                ex=int(keys.STAFF_POINTER_TTL.total_seconds()),
            )
            self.store.record(pipe, esc, f"page_sent:{page_key}", self.clock(), staff=staff_name)
            pipe.execute()
        log.info("page sent", extra={"esc": esc_id, "page": page_key, "sid": sid})
        return PageResult("sent")

    def sweep_pages(self, esc_id: int, now: datetime) -> list[tuple[str, str, str]]:
        """Pages whose job was lost (to queue again), after marking stuck sends `unknown`."""
        lost = []
        for key, record in self.store.pages(esc_id).items():
            age = now - datetime.fromisoformat(record.at)
            if record.state == "sending" and age > SEND_DEADLINE:
                self._mark(esc_id, key, record, "unknown")
            elif record.state == "queued" and age > REQUEUE_AFTER:
                lost.append((key, record.staff, record.channel))
        return lost

    def _mark(self, esc_id: int, key: str, record: PageRecord, state: str) -> None:
        moved = PageRecord(record.staff, record.channel, state, _now(self), record.sid)
        self.store.set_page(self.redis, esc_id, key, moved)

    def _url(self, path: str, esc_id: int, page_key: str) -> str:
        return f"{self.public_url or ''}{path}?" + urlencode({"esc": esc_id, "page": page_key})

    def _status_url(self) -> str | None:
        return f"{self.public_url}/twilio/status" if self.public_url else None


def _now(pager: Pager) -> str:
    return pager.clock().isoformat()
