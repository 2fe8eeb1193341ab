"""`helpline privacy forget|rotate|new-key` and `helpline blocklist`, on the test's Redis."""

from __future__ import annotations

from pathlib import Path

import pytest
import redis
from typer.testing import CliRunner, Result

from helpline import keys
from helpline.cli import app
from helpline.escalation.model import EscalationState
from helpline.privacy import NumberVault
from helpline.runtime import Runtime
from helpline.settings import Secret
from tests.fake_twilio.server import FakeTwilio
from tests.scenarios.test_escalation_by_text import SAM, write_roster
from tests.support.fixtures import SECRET_KEY
from tests.support.phone import HELPLINE_NUMBER, PUBLIC_URL, Phone
from tests.support.worker import run_jobs

OTHER = "+12065550188"


def run(redis_url: str, fake: FakeTwilio, flows_dir: Path, *args: str, **env: str) -> Result:
    base = {
        "REDIS_URL": redis_url,
        "TWILIO_ACCOUNT_SID": fake.account_sid,
        "TWILIO_AUTH_TOKEN": fake.auth_token,
        "HELPLINE_NUMBER": HELPLINE_NUMBER,
        "HELPLINE_PUBLIC_URL": PUBLIC_URL,
        "HELPLINE_SECRET_KEY": SECRET_KEY,
        "HELPLINE_FLOWS_DIR": str(flows_dir),
    }
    return CliRunner().invoke(app, list(args), env={**base, **env})


def holding(client: redis.Redis, ref: str) -> list[bytes]:
    """Every key named after the ref or holding it in its value."""
    found = []
    for key in client.scan_iter("*"):
        kind = client.type(key)
        values: list[bytes | str] = []
        if kind == b"string":
            values = [client.get(key) or b""]
        elif kind == b"hash":
            values = list(client.hvals(key))
        elif kind == b"set":
            values = list(client.smembers(key))
        if ref.encode() in key or any(ref.encode() in bytes(v, "utf-8") if isinstance(v, str)
                                      else ref.encode() in v for v in values):  # fmt: skip
            found.append(key)
    return found


def test_forget_removes_everything_about_one_caller_and_nothing_else(
    flows_dir: Path,
    runtime: Runtime,
    phone: Phone,
    fake_twilio: FakeTwilio,
    redis_client: redis.Redis,
    redis_url: str,
) -> None:
    write_roster(flows_dir)
    runtime.roster.refresh()
    for body in ("hi", "1", "1", "2", "2", "2", "1"):
        phone.text(body)
    phone.text("i want to kill myself")  # an escalation with a transcript
    run_jobs(runtime)
    runtime.blocklist.add(phone.number, "abuse", runtime.clock())
    assert phone.text("hello?").texts  # where to find help: a blocked-notice mark
    other = Phone(phone.app_url, phone.token, OTHER)
    other.text("hi")
    ref = runtime.conversations.ref(phone.number)
    assert len(holding(redis_client, ref)) >= 4  # conversation, number, escalation, jobs...
    result = run(redis_url, fake_twilio, flows_dir, "privacy", "forget", "(206) 555-0123")
    assert result.exit_code == 0, result.output
    assert "escalations with transcripts" in result.output
    assert holding(redis_client, ref) == []
    assert phone.number.lstrip("+") not in result.output
    assert runtime.store.load(runtime.conversations.ref(OTHER)).session is not None
    audit = redis_client.xrange(keys.privacy_audit())
    assert audit is not None
    assert [(entry or {}).get(b"event") for _, entry in audit] == [b"forgotten"]
    again = run(redis_url, fake_twilio, flows_dir, "privacy", "forget", phone.number)
    assert "Nothing was held" in again.output


def test_rotate_reseals_numbers_with_the_new_key(
    flows_dir: Path, fake_twilio: FakeTwilio, redis_client: redis.Redis, redis_url: str
) -> None:
    old = run(redis_url, fake_twilio, flows_dir, "privacy", "new-key").output.strip()
    new = run(redis_url, fake_twilio, flows_dir, "privacy", "new-key").output.strip()
    assert old != new
    key = keys.number("caller-ref")
    redis_client.set(key, NumberVault([Secret(old)], Secret(SECRET_KEY)).seal(OTHER), ex=600)
    # With only the new key, the old token cannot be opened: rotate says so, changes nothing.
    lost = run(redis_url, fake_twilio, flows_dir, "privacy", "rotate", HELPLINE_NUMBER_KEYS=new)
    assert "1 could not be opened" in lost.output
    during = run(
        redis_url, fake_twilio, flows_dir, "privacy", "rotate", HELPLINE_NUMBER_KEYS=f"{new},{old}"
    )
    assert "re-encrypted 1 number" in during.output
    token = redis_client.get(key)
    assert token is not None
    assert NumberVault([Secret(new)], Secret(SECRET_KEY)).open(token) == OTHER  # old key dropped
    assert 0 < redis_client.ttl(key) <= 600  # the number still expires when it would have


def test_blocklist_add_list_remove(
    flows_dir: Path, fake_twilio: FakeTwilio, redis_url: str, runtime: Runtime, phone: Phone
) -> None:
    added = run(redis_url, fake_twilio, flows_dir, "blocklist", "add", "206-555-0123",
                "--note", "threats to staff")  # fmt: skip
    assert added.output.strip() == "blocked …0123"
    assert phone.text("hi").texts == [runtime.catalog.safe_reply("hi")]  # never the flow
    listed = run(redis_url, fake_twilio, flows_dir, "blocklist", "list").output
    assert "threats to staff" in listed
    assert "2065550123" not in listed.replace("-", "")
    removed = run(redis_url, fake_twilio, flows_dir, "blocklist", "remove", phone.number)
    assert removed.output.strip() == "unblocked"
    assert phone.text("hi").texts not in ([], [runtime.catalog.safe_reply("hi")])


@pytest.fixture
def on_call(flows_dir: Path) -> Path:
    """Sam then Dana on call: asked for before `runtime`, so it loads this roster."""
    return write_roster(flows_dir)


def test_blocklist_add_closes_the_caller_s_open_escalation_at_once(
    on_call: Path, fake_twilio: FakeTwilio, redis_url: str, runtime: Runtime, phone: Phone
) -> None:
    flows_dir = on_call.parent
    phone.text("i want to kill myself")
    run_jobs(runtime)
    (esc_id,) = runtime.desk.store.open_ids()
    assert len(fake_twilio.messages(to=SAM)) == 1  # the page
    added = run(redis_url, fake_twilio, flows_dir, "blocklist", "add", phone.number)
    assert added.exit_code == 0, added.output
    esc = runtime.desk.store.get(esc_id)
    assert esc is not None
    assert esc.state is EscalationState.CLOSED
    assert [e["event"] for e in runtime.desk.store.audit()][-2:] == ["caller_blocked", "closed"]
    run_jobs(runtime)
    notices = [m.body or "" for m in fake_twilio.messages(to=SAM)]
    assert any("an operator blocked the caller's number" in b for b in notices)


def test_blocklist_add_still_blocks_when_the_flows_folder_is_broken(
    flows_dir: Path, fake_twilio: FakeTwilio, redis_url: str, runtime: Runtime, phone: Phone
) -> None:
    (flows_dir / "triage.yaml").write_text("flow: [unclosed\n")
    added = run(redis_url, fake_twilio, flows_dir, "blocklist", "add", phone.number)
    assert added.exit_code == 0, added.output
    assert "blocked …0123" in added.stdout
    assert "flows folder has problems" in added.stderr
    assert "triage.yaml:" in added.stderr  # file:line, as everywhere
    assert [e.shown for e in runtime.blocklist.entries()] == ["…0123"]
