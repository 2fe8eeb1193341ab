"""Everything a process needs, built once from Settings at start and passed down.

RQ calls job functions by name with plain arguments, so a worker process
installs its Runtime once and jobs fetch it with `current()`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime

from redis import Redis
from rq import Queue

from helpline.blocklist import Blocklist
from helpline.conversation import Conversations
from helpline.errors import ConfigError
from helpline.escalation.desk import Desk
from helpline.escalation.pages import Pager
from helpline.escalation.store import EscalationStore
from helpline.flowfiles.catalog import FlowCatalog
from helpline.inbound_limit import InboundLimit
from helpline.meetings.directory import Directory
from helpline.oncall.catalog import RosterCatalog
from helpline.privacy import NumberVault
from helpline.programs.compose import format_phone_for_text
from helpline.queueing import DEFAULT_QUEUE, URGENT_QUEUE, build_queue
from helpline.sandbox.transport import SandboxDialer, SandboxLine, SandboxSender
from helpline.settings import Settings
from helpline.store import ContactStore
from helpline.telephony.dialer import Dialer
from helpline.telephony.sender import SmsSender
from helpline.voice.call_store import CallStore
from helpline.voice.line import Line

REDIS_SOCKET_TIMEOUT_SECONDS = 5.0
"""A Redis that stops answering must fail a request, not hang it past Twilio's 15 s."""


def utc_now() -> datetime:
    return datetime.now(UTC)


@dataclass
class Runtime:
    settings: Settings
    redis: Redis
    catalog: FlowCatalog
    store: ContactStore
    queue: Queue
    urgent_queue: Queue
    sender: SmsSender
    conversations: Conversations
    sandbox: SandboxLine | None
    clock: Callable[[], datetime]
    directory: Directory
    roster: RosterCatalog
    desk: Desk
    pager: Pager
    line: Line
    blocklist: Blocklist

    @property
    def status_callback_url(self) -> str | None:
        base = self.settings.public_url
        return f"{base}/twilio/status" if base else None


def flow_constants(settings: Settings) -> dict[str, str]:
    """Values every flow text may use."""
    return {
        "helpline_name": settings.helpline_name,
        "crisis_line": format_phone_for_text(settings.crisis_line),
    }


def connect_redis(settings: Settings) -> Redis:
    return Redis.from_url(
        settings.redis_url,
        socket_timeout=REDIS_SOCKET_TIMEOUT_SECONDS,
        socket_connect_timeout=REDIS_SOCKET_TIMEOUT_SECONDS,
        health_check_interval=30,
    )


def build_runtime(
    settings: Settings,
    *,
    redis: Redis | None = None,
    sender: SmsSender | None = None,
    dialer: Dialer | None = None,
    clock: Callable[[], datetime] = utc_now,
) -> Runtime:
    """Raises FlowProblems when the flows folder or the roster is invalid: a process must not
    start on it."""
    redis = redis or connect_redis(settings)
    catalog = FlowCatalog(settings.flows_dir, flow_constants(settings))
    store = ContactStore(redis, NumberVault(settings.number_keys, settings.secret_key))
    queue, urgent = build_queue(redis, DEFAULT_QUEUE), build_queue(redis, URGENT_QUEUE)
    sandbox = SandboxLine(redis, settings.secret_key) if settings.sandbox else None
    if sandbox is not None:
        sender = sender or SandboxSender(sandbox)
        dialer = dialer or SandboxDialer(sandbox)
    elif sender is None or dialer is None:
        from helpline.telephony.client import build_twilio_client
        from helpline.telephony.dialer import TwilioDialer
        from helpline.telephony.sender import TwilioSender

        client = build_twilio_client(settings)
        sender = sender or TwilioSender(client, settings.helpline_number)
        dialer = dialer or TwilioDialer(client, settings.helpline_number)
    roster = RosterCatalog(settings.oncall_path)
    blocklist = Blocklist(redis, settings.secret_key)
    desk = Desk(
        settings=settings,
        redis=redis,
        store=EscalationStore(redis, retention=settings.transcript_retention),
        roster=roster,
        catalog=catalog,
        queue=urgent,
        clock=clock,
        blocklist=blocklist,
    )
    pager = Pager(
        redis=redis,
        store=desk.store,
        desk=desk,
        sender=sender,
        dialer=dialer,
        public_url=settings.public_url,
        helpline_name=settings.helpline_name,
        clock=clock,
    )
    conversations = Conversations(
        settings=settings,
        store=store,
        catalog=catalog,
        queue=queue,
        urgent_queue=urgent,
        desk=desk,
        clock=clock,
        blocklist=blocklist,
        inbound_limit=InboundLimit(
            redis, limit=settings.inbound_limit, window=settings.inbound_window
        ),
    )
    return Runtime(
        settings=settings,
        redis=redis,
        catalog=catalog,
        store=store,
        queue=queue,
        urgent_queue=urgent,
        sender=sender,
        conversations=conversations,
        sandbox=sandbox,
        clock=clock,
        directory=Directory(redis),
        roster=roster,
        desk=desk,
        pager=pager,
        line=Line(
            settings=settings,
            calls=CallStore(redis, settings.secret_key),
            store=store,
            catalog=catalog,
            desk=desk,
            queue=queue,
            clock=clock,
        ),
        blocklist=blocklist,
    )


_current: Runtime | None = None


def install(runtime: Runtime | None) -> None:
    global _current
    _current = runtime


def current() -> Runtime:
    if _current is None:
        raise ConfigError(
            "no runtime installed; start jobs through `helpline worker`", variable="REDIS_URL"
        )
    return _current
