"""Operational metrics for Prometheus, shared by every process through Redis.

The web tier runs several uvicorn processes and the workers are others, so a
count kept in one process's memory would be wrong whichever process answered
the scrape. Instead:

- counters (texts and pages by outcome, delivery statuses, webhook responses)
  are one HINCRBY on a hash (keys.metrics_counters()), queued in the pipeline
  the work already writes with wherever there is one;
- histograms (time to acknowledge an escalation, webhook latency) are one
  counter per bucket, not cumulative, plus a sum, in keys.metrics_histograms():
  one HINCRBY and one HINCRBYFLOAT an observation; the scrape cumulates them;
- gauges (queue depths, open escalations) are read from Redis when scraped.

Webhook latency is observed on the request path, where a Redis write would
cost a round trip: each web process adds its observations up in memory
(`WebhookTimings`) and flushes them every few seconds and before it answers a
scrape. All processes land in one histogram, so every scrape shows the same
series whichever process answered; a process that dies loses its last few
seconds, and a flush that fails keeps its deltas for the next one.

Label values come from the fixed vocabularies below, never a phone number, a
ref, a sid or a body; whatever is read back from Redis that does not look like
one of them is dropped.
"""

from __future__ import annotations

import logging
import math
import re
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

from prometheus_client.core import (
    CounterMetricFamily,
    GaugeMetricFamily,
    HistogramMetricFamily,
    Metric,
)
from prometheus_client.registry import Collector
from redis import Redis
from redis.client import Pipeline

from helpline import keys
from helpline.errors import DeliveryDeferred
from helpline.queueing import QUEUES, build_queue
from helpline.telephony.sender import AUTH_ERROR_CODES, LANDLINE_CODE, OPTED_OUT_CODE

log = logging.getLogger(__name__)

Client = Redis | Pipeline

SEP = "|"
INF = "+Inf"
SUM = "sum"

# --- vocabularies ----------------------------------------------------------------------

SendKind = Literal["caller", "staff", "page_sms", "page_call"]
"""caller: program texts, replies relayed from staff; staff: notices and relayed words to
staff; page_sms / page_call: pages (a call page is counted here too: it is a send)."""

Outcome = Literal["sent", "refused", "deferred", "skipped"]
"""sent: Twilio took it. refused: Twilio will never take it (reason: the error class).
deferred: a 429, 5xx, timeout or bad credentials; the job is retried (each try counts).
skipped: not attempted (the caller opted out, the number is gone, a page not needed)."""

NO_REASON = "none"

REFUSAL_REASONS = {
    OPTED_OUT_CODE: "opted_out",
    LANDLINE_CODE: "landline",
    21211: "invalid_number",
    21408: "region_disabled",
    21606: "sender_number",
    21612: "unroutable",
    21617: "too_long",
}
"""Twilio error codes by class (telephony/sender.py); any other refusal is `other`."""

AckVia = Literal["page", "call"]
"""page: a staff member took a paged escalation (text or console); call: pressed 1 on a
live call transfer."""

DELIVERY_KINDS = ("caller", "page", "other")

DELIVERY_STATUSES = frozenset(
    {"accepted", "scheduled", "queued", "sending", "sent", "delivered", "undelivered",
     "failed", "canceled", "read", "receiving", "received", "partially_delivered"}
)  # fmt: skip

_LABEL = re.compile(r"[A-Za-z0-9_./-]{1,48}")
_LONG_NUMBER = re.compile(r"\d{7}")
"""A label value with seven digits in a row may be (part of) a phone number: never shown."""


def bound_text(bound: float) -> str:
    """A bucket's `le` as Prometheus writes it: "60.0", "0.025", "+Inf"."""
    return INF if math.isinf(bound) else repr(float(bound))


def safe_label(value: str) -> str:
    """The value if it is a plain short word, else `other`."""
    if _LABEL.fullmatch(value) and not _LONG_NUMBER.search(value):
        return value
    return "other"


@dataclass(frozen=True, slots=True)
class CounterSpec:
    field: str
    """The prefix of its fields in the counters hash."""
    name: str
    help: str
    labels: tuple[str, ...]

    def key(self, *values: str) -> str:
        if len(values) != len(self.labels):
            raise ValueError(f"{self.name} takes {len(self.labels)} labels")
        return SEP.join((self.field, *(safe_label(v) for v in values)))


@dataclass(frozen=True, slots=True)
class HistogramSpec:
    field: str
    name: str
    help: str
    label: str
    buckets: tuple[float, ...]

    def bucket_key(self, value: str, seconds: float) -> str:
        bound = next((b for b in self.buckets if seconds <= b), None)
        text = INF if bound is None else bound_text(bound)
        return SEP.join((self.field, safe_label(value), text))

    def sum_key(self, value: str) -> str:
        return SEP.join((self.field, safe_label(value), SUM))


SENDS = CounterSpec(
    "sends",
    "helpline_sends",
    "Texts and pages handed to Twilio, by outcome (deferred: each retried try).",
    ("kind", "outcome", "reason"),
)
DELIVERY = CounterSpec(
    "delivery",
    "helpline_delivery_status",
    "Delivery statuses from Twilio's status callbacks, each (message, status) once.",
    ("kind", "status"),
)
WEBHOOK_RESPONSES = CounterSpec(
    "webhook_responses",
    "helpline_webhook_responses",
    "Responses to Twilio's webhooks, by route and HTTP status.",
    ("route", "status"),
)
COUNTERS = (SENDS, DELIVERY, WEBHOOK_RESPONSES)

ACK = HistogramSpec(
    "ack",
    "helpline_escalation_ack_seconds",
    "From an escalation opened to a staff member taking it.",
    "via",
    (15, 30, 60, 120, 180, 300, 600, 900, 1800, 3600),
)
WEBHOOK_LATENCY = HistogramSpec(
    "webhook",
    "helpline_webhook_duration_seconds",
    "Time to answer Twilio's webhooks (all web processes), by route.",
    "route",
    (0.025, 0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10, 15),
)
HISTOGRAMS = (ACK, WEBHOOK_LATENCY)

# --- recording (every process) ---------------------------------------------------------


def count_send(client: Client, kind: SendKind, outcome: Outcome, reason: str = NO_REASON) -> None:
    """One text or page; queue it on the pipeline the job writes with, if it has one."""
    client.hincrby(keys.metrics_counters(), SENDS.key(kind, outcome, reason), 1)


def count_skipped(client: Client, kind: SendKind, reason: str, texts: int) -> None:
    """Texts not attempted at all: each one counts."""
    if texts > 0:
        client.hincrby(keys.metrics_counters(), SENDS.key(kind, "skipped", reason), texts)


def refused_reason(code: int | None) -> str:
    return REFUSAL_REASONS.get(code, "other") if code is not None else "other"


def deferred_reason(exc: DeliveryDeferred) -> str:
    """Mirrors telephony.sender.classify_rest_error."""
    if exc.status is None:
        return "network"  # a timeout or a connection that failed
    if exc.status == 429 or exc.code in (429, 20429):
        return "rate_limited"
    if exc.status == 401 or exc.code in AUTH_ERROR_CODES:
        return "credentials"
    if exc.status >= 500:
        return "twilio_error"
    return "unexpected"


def count_delivery(client: Client, kind: str, status: str) -> None:
    """One status callback; `kind` is caller, page or other (staff texts, expired records)."""
    shown = status if status in DELIVERY_STATUSES else "other"
    client.hincrby(
        keys.metrics_counters(),
        DELIVERY.key(kind if kind in DELIVERY_KINDS else "other", shown),
        1,
    )


def observe(client: Client, spec: HistogramSpec, value: str, seconds: float) -> None:
    seconds = max(seconds, 0.0)
    client.hincrby(keys.metrics_histograms(), spec.bucket_key(value, seconds), 1)
    client.hincrbyfloat(keys.metrics_histograms(), spec.sum_key(value), seconds)


def observe_ack(client: Client, via: AckVia, seconds: float) -> None:
    """Time to acknowledge; queue it in the transaction that records the take."""
    observe(client, ACK, via, seconds)


class WebhookTimings:
    """Webhook latency and responses, added up in this process and flushed to Redis."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._counts: Counter[str] = Counter()
        self._sums: dict[str, float] = {}
        self._responses: Counter[str] = Counter()

    def observe(self, route: str, status: int, seconds: float) -> None:
        seconds = max(seconds, 0.0)
        with self._lock:
            self._counts[WEBHOOK_LATENCY.bucket_key(route, seconds)] += 1
            name = WEBHOOK_LATENCY.sum_key(route)
            self._sums[name] = self._sums.get(name, 0.0) + seconds
            self._responses[WEBHOOK_RESPONSES.key(route, str(status))] += 1

    @property
    def pending(self) -> int:
        """Requests observed here that Redis does not hold yet."""
        with self._lock:
            return sum(self._responses.values())

    def flush(self, redis: Redis) -> int:
        """Add what this process observed to Redis; on failure keep it for the next flush."""
        with self._lock:
            counts, sums, responses = self._counts, self._sums, self._responses
            self._counts, self._sums, self._responses = Counter(), {}, Counter()
        if not responses:
            return 0
        try:
            with redis.pipeline(transaction=True) as pipe:
                for name, n in counts.items():
                    pipe.hincrby(keys.metrics_histograms(), name, n)
                for name, total in sums.items():
                    pipe.hincrbyfloat(keys.metrics_histograms(), name, total)
                for name, n in responses.items():
                    pipe.hincrby(keys.metrics_counters(), name, n)
                pipe.execute()
        except BaseException:
            with self._lock:
                self._counts.update(counts)
                self._responses.update(responses)
                for name, total in sums.items():
                    self._sums[name] = self._sums.get(name, 0.0) + total
            raise
        return sum(responses.values())


# --- reading (the scrape) --------------------------------------------------------------

QUEUE_STATES = ("queued", "scheduled", "started", "failed")

OVERDUE_AFTER_SECONDS = 60.0
"""An escalation step this late means no worker (and no sweeper) is driving escalations."""


@dataclass(frozen=True, slots=True)
class Snapshot:
    """Everything /metrics shows from Redis, read in one round trip."""

    counters: Mapping[str, int]
    histograms: Mapping[str, float]
    open_escalations: int
    overdue_escalations: int
    queues: Mapping[str, Mapping[str, int]] = field(default_factory=dict)


def read_snapshot(redis: Redis, now: float) -> Snapshot:
    queues = [build_queue(redis, name) for name in QUEUES]
    with redis.pipeline(transaction=False) as pipe:
        pipe.hgetall(keys.metrics_counters())
        pipe.hgetall(keys.metrics_histograms())
        pipe.scard(keys.escalations_open())
        pipe.zcount(keys.escalations_due(), "-inf", now - OVERDUE_AFTER_SECONDS)
        for queue in queues:
            # RQ's registries are sorted sets scored by expiry; counted as they are, without
            # the cleanup their .count runs (a scrape changes nothing).
            pipe.llen(queue.key)
            pipe.zcard(queue.scheduled_job_registry.key)
            pipe.zcount(queue.started_job_registry.key, now, "+inf")
            pipe.zcount(queue.failed_job_registry.key, now, "+inf")
        results: list[Any] = pipe.execute()
    counters, histograms, open_count, overdue, *depths = results
    per_queue = {
        queue.name: dict(zip(QUEUE_STATES, depths[i * 4 : i * 4 + 4], strict=True))
        for i, queue in enumerate(queues)
    }
    return Snapshot(
        counters={_text(k): _int(v) for k, v in counters.items()},
        histograms={_text(k): _float(v) for k, v in histograms.items()},
        open_escalations=int(open_count),
        overdue_escalations=int(overdue),
        queues=per_queue,
    )


class HelplineCollector(Collector):
    """The helpline's metrics for a prometheus_client registry, read fresh at every scrape."""

    def __init__(
        self,
        redis: Redis,
        timings: WebhookTimings | None = None,
        *,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.redis, self.timings, self.clock = redis, timings, clock

    def collect(self) -> Iterator[Metric]:
        try:
            snapshot: Snapshot | None = read_snapshot(self.redis, self.clock())
        except Exception as exc:  # Redis down or unreadable: /metrics still answers
            log.warning("metrics: Redis not readable", extra={"error": type(exc).__name__})
            snapshot = None
        yield GaugeMetricFamily(
            "helpline_redis_up",
            "1 when this scrape could read Redis; 0 and only in-process metrics otherwise.",
            value=0 if snapshot is None else 1,
        )
        if self.timings is not None:
            yield GaugeMetricFamily(
                "helpline_webhook_observations_unflushed",
                "Webhook requests this web process observed that Redis does not hold yet.",
                value=self.timings.pending,
            )
        if snapshot is not None:
            yield from snapshot_metrics(snapshot)


def snapshot_metrics(snapshot: Snapshot) -> Iterator[Metric]:
    for spec in COUNTERS:
        counter = CounterMetricFamily(spec.name, spec.help, labels=spec.labels)
        for labels, value in sorted(_counter_series(spec, snapshot.counters).items()):
            counter.add_metric(labels, value)
        yield counter
    for hspec in HISTOGRAMS:
        histogram = HistogramMetricFamily(hspec.name, hspec.help, labels=(hspec.label,))
        for label, (buckets, total) in sorted(
            _histogram_series(hspec, snapshot.histograms).items()
        ):
            histogram.add_metric((label,), buckets, total)
        yield histogram
    queue = GaugeMetricFamily(
        "helpline_queue_jobs",
        "RQ jobs by queue and state: queued (waiting for a worker), scheduled (retries and "
        "timeouts not due yet), started (running), failed (kept a week).",
        labels=("queue", "state"),
    )
    for name, states in snapshot.queues.items():
        for state, count in states.items():
            queue.add_metric((name, state), count)
    yield queue
    yield GaugeMetricFamily(
        "helpline_escalations_open",
        "Escalations not closed (paging, waiting, taken or on a call transfer).",
        value=snapshot.open_escalations,
    )
    yield GaugeMetricFamily(
        "helpline_escalations_overdue",
        f"Escalations whose next step is over {OVERDUE_AFTER_SECONDS:.0f} s late.",
        value=snapshot.overdue_escalations,
    )


def _counter_series(spec: CounterSpec, fields: Mapping[str, int]) -> dict[tuple[str, ...], int]:
    series: dict[tuple[str, ...], int] = {}
    for name, value in fields.items():
        parts = name.split(SEP)
        if parts[0] != spec.field or len(parts) != len(spec.labels) + 1:
            continue
        labels = tuple(parts[1:])
        if any(safe_label(v) != v for v in labels):
            continue
        series[labels] = series.get(labels, 0) + value
    return series


def _histogram_series(
    spec: HistogramSpec, fields: Mapping[str, float]
) -> dict[str, tuple[list[tuple[str, float]], float]]:
    """label value -> (cumulative buckets ending in +Inf, sum)."""
    counts: dict[str, dict[float, float]] = {}
    sums: dict[str, float] = {}
    for name, value in fields.items():
        parts = name.split(SEP)
        if len(parts) != 3 or parts[0] != spec.field or safe_label(parts[1]) != parts[1]:
            continue
        label, bound = parts[1], parts[2]
        if bound == SUM:
            sums[label] = value
            continue
        try:
            upper = float("inf") if bound == INF else float(bound)
        except ValueError:
            continue
        per = counts.setdefault(label, {})
        per[upper] = per.get(upper, 0) + value
    series = {}
    for label, per in counts.items():
        bounds = sorted({*spec.buckets, *per, float("inf")})
        running, buckets = 0.0, []
        for upper in bounds:
            running += per.get(upper, 0)
            buckets.append((bound_text(upper), running))
        series[label] = (buckets, sums.get(label, 0.0))
    return series


def _text(raw: bytes | str) -> str:
    return raw.decode() if isinstance(raw, bytes) else raw


def _int(raw: bytes | str) -> int:
    try:
        return int(_text(raw))
    except ValueError:
        return 0


def _float(raw: bytes | str) -> float:
    try:
        return float(_text(raw))
    except ValueError:
        return 0.0
