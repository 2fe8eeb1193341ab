"""The glue between engine, Redis and RQ: what is stored, for how long, and flow reloads."""

from __future__ import annotations

import dataclasses
import json
import os
from datetime import timedelta
from pathlib import Path

import httpx
import redis

from helpline import keys
from helpline.runtime import Runtime, build_runtime
from helpline.settings import Settings
from helpline.web.app import create_app
from tests.fake_twilio.server import FakeTwilio
from tests.support.live_server import LiveServer
from tests.support.phone import Phone


def test_sessions_are_json_with_a_ttl_and_numbers_only_where_needed(
    phone: Phone, runtime: Runtime, redis_client: redis.Redis
) -> None:
    phone.text("hi")
    phone.text("2")
    ref = runtime.conversations.ref(phone.number)
    raw = redis_client.get(keys.session(ref))
    assert raw is not None
    session = json.loads(raw)  # compact JSON (helpline/store.py)
    assert session["n"] == "substance"
    assert session["v"] == {"who": "family"}
    ttl = redis_client.ttl(keys.session(ref))
    assert 7 * 86400 - 60 < ttl <= 7 * 86400
    in_clear = [
        k
        for k in redis_client.scan_iter("*")
        if redis_client.type(k) == b"string"
        if phone.number.lstrip("+").encode() in (redis_client.get(k) or b"")
    ]
    assert in_clear == []
    # Only the number key holds it, encrypted, and the runtime's key opens it.
    sealed = redis_client.get(keys.number(ref))
    assert sealed is not None
    assert runtime.store.vault.open(sealed) == phone.number
    assert runtime.store.number(ref) == phone.number


def test_a_finished_conversation_is_kept_only_briefly(
    phone: Phone, runtime: Runtime, redis_client: redis.Redis
) -> None:
    for answer in ("hi", "1", "1", "2", "2", "2", "1"):
        phone.text(answer)
    ttl = redis_client.ttl(keys.session(runtime.conversations.ref(phone.number)))
    assert 0 < ttl <= keys.FINISHED_SESSION_TTL.total_seconds()


def _edit(path: Path, old: str, new: str) -> None:
    path.write_text(path.read_text().replace(old, new))
    stat = path.stat()
    os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns + 10_000_000))


def test_a_broken_edit_keeps_serving_the_last_valid_flow(
    phone: Phone, runtime: Runtime, flows_dir: Path, app_url: str
) -> None:
    runtime.catalog.check_every = 0  # look at the files on every text
    _edit(flows_dir / "triage.yaml", "to: family_thanks", "to: nowhere")
    reply = phone.text("hi")
    assert reply.texts[0].startswith("Hi, you've reached Recovery Helpline.")
    health = httpx.get(app_url + "/healthz").json()
    assert "goes to unknown node 'nowhere'" in health["flows_reload_error"]
    # a valid edit is picked up without a restart
    _edit(flows_dir / "triage.yaml", "to: nowhere", "to: family_thanks")
    _edit(flows_dir / "triage.yaml", "We're glad you reached out.", "Thanks for texting.")
    assert "Thanks for texting." in phone.text("menu").texts[0]
    assert httpx.get(app_url + "/healthz").json()["flows_reload_error"] is None


def test_the_deployment_caps_how_long_a_conversation_is_kept(
    settings: Settings, fake_twilio: FakeTwilio
) -> None:
    """HELPLINE_SESSION_EXPIRY wins over a flow's longer expire_after."""
    runtime = build_runtime(dataclasses.replace(settings, session_expiry=timedelta(days=2)))
    server = LiveServer(create_app(runtime=runtime))
    try:
        caller = Phone(server.url, fake_twilio.auth_token, "+12065550177")
        caller.text("hi")
        ttl = runtime.redis.ttl(keys.session(runtime.conversations.ref(caller.number)))
        assert 2 * 86400 - 60 < ttl <= 2 * 86400
    finally:
        server.stop()
        runtime.redis.close()
