"""What a publish would touch: nodes removed or changed, and the live conversations at them.

Conversations keep the version they started on (FlowCatalog.flow_for), so the
counts say who would meet the change only if their version could not be
served, and who is mid-way through the old wording when the studio asks.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass

from redis import Redis

from helpline import keys
from helpline.engine.definition import Flow
from helpline.engine.session import Session
from helpline.store import as_text, parse_session
from helpline.voice.call_state import CallState, Phase

SCAN_BATCH = 500
"""Keys asked for per SCAN step and read per MGET: small enough not to stall Redis."""


@dataclass(frozen=True, slots=True)
class LiveSession:
    """A conversation waiting in a flow: only where it waits and on which version."""

    node: str
    version: str


@dataclass(frozen=True, slots=True, kw_only=True)
class Impact:
    removed: tuple[str, ...]
    """Nodes in the live flow that the new one does not have."""
    changed: tuple[str, ...]
    """Nodes in both whose definition differs (texts, routes, waits, actions…)."""
    added: tuple[str, ...]
    live: int
    """Conversations waiting in this flow now, on any version."""
    waiting_removed: int
    waiting_changed: int


def impact(old: Flow, new: Flow | None, live: Iterable[LiveSession]) -> Impact:
    """Compare two versions of one flow; `new` None means the flow is going away."""
    after = new.nodes if new is not None else {}
    # Nodes are frozen dataclasses of values; route tests that hold callables or compiled
    # patterns leave those out of equality, so == compares what the file says.
    removed = tuple(sorted(n for n in old.nodes if n not in after))
    changed = tuple(sorted(n for n, node in old.nodes.items() if n in after and after[n] != node))
    added = tuple(sorted(n for n in after if n not in old.nodes))
    sessions = list(live)
    return Impact(
        removed=removed,
        changed=changed,
        added=added,
        live=len(sessions),
        waiting_removed=sum(s.node in removed for s in sessions),
        waiting_changed=sum(s.node in changed for s in sessions),
    )


def live_sessions(redis: Redis, flow_name: str) -> list[LiveSession]:
    """Every conversation, text or call, waiting in `flow_name` now (a SCAN; not for hot paths)."""
    return [
        LiveSession(node=s.node, version=s.flow_version)
        for s in _sessions(redis)
        if s.waiting and s.flow == flow_name
    ]


def _sessions(redis: Redis) -> Iterator[Session]:
    for raw in _values(redis, keys.session_pattern()):
        try:
            session = parse_session(raw)
        except (ValueError, KeyError, TypeError):
            continue  # JSON errors are ValueErrors; an odd record is not worth failing a count
        if session is not None:
            yield session
    for raw in _values(redis, keys.call_pattern(), only=_is_call_state):
        try:
            call = CallState.from_json(raw)
        except (ValueError, KeyError, TypeError):
            continue
        if call.phase is Phase.MENU and call.session is not None:
            try:
                yield Session.from_dict(call.session)
            except (ValueError, KeyError, TypeError):
                continue


def _is_call_state(key: str) -> bool:
    """A call's own key, not one of its `:seen:` callback keys."""
    return key == keys.call(key.rsplit(":", 1)[-1])


def _values(
    redis: Redis, pattern: str, only: Callable[[str], bool] | None = None
) -> Iterator[bytes]:
    batch: list[str] = []
    for raw_key in redis.scan_iter(match=pattern, count=SCAN_BATCH):
        key = as_text(raw_key) or ""
        if only is not None and not only(key):
            continue
        batch.append(key)
        if len(batch) >= SCAN_BATCH:
            yield from _read(redis, batch)
            batch = []
    if batch:
        yield from _read(redis, batch)


def _read(redis: Redis, batch: list[str]) -> Iterator[bytes]:
    # A key may expire between SCAN and MGET: it reads as None and is skipped.
    for value in redis.mget(batch):
        if isinstance(value, bytes | str):
            yield value.encode() if isinstance(value, str) else value
