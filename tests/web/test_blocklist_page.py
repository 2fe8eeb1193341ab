"""The console's blocklist page, and blocking an escalation's caller, over real HTTP: only the
last four digits are ever shown, operators alone may change it, and a block silences texts."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest

from helpline import keys
from helpline.escalation.model import EscalationState
from helpline.runtime import Runtime
from helpline.settings import Settings
from tests.fake_twilio.server import FakeTwilio
from tests.scenarios.test_escalation_by_text import (
    CALLER,
    DANA,
    SAM,
    audit_events,
    bodies,
    write_roster,
)
from tests.support.clock import FakeClock
from tests.support.console import PASSWORD, Console, add_accounts
from tests.support.phone import Phone
from tests.support.worker import run_jobs

_REF_FIELD = re.compile(r'name="ref" value="([0-9a-f]+)"')


@pytest.fixture(autouse=True)
def roster_and_accounts(flows_dir: Path, settings: Settings) -> None:
    write_roster(flows_dir)
    add_accounts(settings)


@pytest.fixture
def staff(app_url: str) -> Iterator[Console]:
    c = Console(app_url)
    assert c.login("Sam", PASSWORD).status_code == 303
    yield c
    c.close()


def assert_no_full_number(html: str) -> None:
    digits = CALLER[2:]  # 2065550123
    assert digits not in html
    assert digits[-7:] not in html
    assert "555-0123" not in html


def open_escalation(phone: Phone, runtime: Runtime) -> int:
    phone.text("i want to kill my self")
    run_jobs(runtime)
    (esc_id,) = runtime.desk.store.open_ids()
    return esc_id


def test_the_list_shows_the_last_four_digits_the_note_and_since(
    operator: Console, runtime: Runtime, clock: FakeClock
) -> None:
    runtime.blocklist.add(CALLER, "threats to staff", clock())
    page = operator.get("/console/blocklist")
    assert page.status_code == 200
    assert page.headers["cache-control"] == "no-store"
    assert "frame-ancestors 'none'" in page.headers["content-security-policy"]
    row = page.text.split('<tr class="blocked">')[1].split("</tr>")[0]
    assert "…0123" in row
    assert "threats to staff" in row
    assert f"since {clock():%Y-%m-%d %H:%M} UTC" in row
    assert_no_full_number(page.text)
    assert 'href="/console/blocklist"' in page.text  # the operators' nav


def test_blocking_a_number_silences_its_texts(
    operator: Console, phone: Phone, runtime: Runtime
) -> None:
    assert phone.text("hi").texts  # answered before the block
    blocked = operator.post(
        "/console/blocklist/add", {"number": "(206) 555-0123", "note": "abusive texts"}
    )
    assert blocked.status_code == 303
    assert blocked.headers["location"] == "/console/blocklist"
    page = operator.get(blocked.headers["location"])
    assert "Blocked …0123" in page.text
    assert_no_full_number(page.text)
    (entry,) = runtime.blocklist.entries()
    assert (entry.shown, entry.note) == ("…0123", "abusive texts")
    # Written any usual way, it is the number the caller texts from.
    reply = phone.text("hi")
    assert (reply.status, reply.texts) == (200, [runtime.catalog.safe_reply("hi")])
    assert phone.text("hi").texts == []  # where help is, once a day; never the flow


@pytest.mark.parametrize("typed", ["", "hello", "12", "+1 206 555 0123 " + "4" * 40])
def test_a_bad_number_is_refused_on_the_page_and_nothing_is_stored(
    operator: Console, runtime: Runtime, typed: str
) -> None:
    refused = operator.post("/console/blocklist/add", {"number": typed, "note": "why"})
    assert refused.status_code == 400
    assert "That is not a phone number" in refused.text
    assert "Nothing was blocked" in refused.text
    assert 'value="why"' in refused.text  # the note is kept for another try
    (number_field,) = re.findall(r'<input[^>]*name="number"[^>]*>', refused.text)
    assert "value=" not in number_field  # what was typed is not shown back
    assert runtime.blocklist.entries() == []


def test_unblocking_posts_the_ref_and_the_texts_get_replies_again(
    operator: Console, phone: Phone, runtime: Runtime, clock: FakeClock
) -> None:
    entry = runtime.blocklist.add(phone.number, "spam", clock())
    page = operator.get("/console/blocklist")
    assert _REF_FIELD.findall(page.text) == [entry.ref]
    removed = operator.post("/console/blocklist/remove", {"ref": entry.ref})
    assert removed.status_code == 303
    assert "Unblocked …0123" in operator.get(removed.headers["location"]).text
    assert runtime.blocklist.entries() == []
    assert phone.text("hi").texts
    # A second click, or a ref no row had, changes nothing and says so.
    for ref in [entry.ref, "not-a-ref"]:
        again = operator.post("/console/blocklist/remove", {"ref": ref})
        assert again.status_code == 303
        assert "was not on the blocklist" in operator.get(again.headers["location"]).text


def test_staff_are_refused_the_blocklist(
    staff: Console, runtime: Runtime, clock: FakeClock
) -> None:
    entry = runtime.blocklist.add(CALLER, "spam", clock())
    assert "/console/blocklist" not in staff.get("/console/").text
    page = staff.get("/console/blocklist")
    assert page.status_code == 403
    assert "This page is for operators" in page.text
    assert "…0123" not in page.text
    for path, form in [("add", {"number": "+12065550199"}), ("remove", {"ref": entry.ref})]:
        refused = staff.post(f"/console/blocklist/{path}", form)
        assert refused.status_code == 403
        assert "Only operators can do that" in refused.text  # not a form-token refusal
    assert runtime.blocklist.entries() == [entry]


@pytest.mark.parametrize("token", ["forged-token", ""])
def test_a_missing_or_wrong_form_token_changes_nothing(
    operator: Console, runtime: Runtime, clock: FakeClock, token: str
) -> None:
    entry = runtime.blocklist.add(CALLER, "spam", clock())
    added = operator.post("/console/blocklist/add", {"number": "+12065550199"}, csrf=token)
    assert added.status_code == 403
    assert "nothing was changed" in added.text
    removed = operator.post("/console/blocklist/remove", {"ref": entry.ref}, csrf=token)
    assert removed.status_code == 403
    assert runtime.blocklist.entries() == [entry]


def test_an_operator_blocks_an_escalations_caller_without_seeing_the_number(
    operator: Console, phone: Phone, runtime: Runtime, fake_twilio: FakeTwilio, clock: FakeClock
) -> None:
    esc_id = open_escalation(phone, runtime)
    page = operator.get(f"/console/escalations/{esc_id}")
    assert f'action="/console/escalations/{esc_id}/block"' in page.text
    assert_no_full_number(page.text)

    blocked = operator.post(f"/console/escalations/{esc_id}/block", {"note": "threats"})
    assert blocked.status_code == 303
    assert blocked.headers["location"] == f"/console/escalations/{esc_id}"
    after = operator.get(blocked.headers["location"])
    assert "Blocked the caller …0123" in after.text
    assert "This caller is blocked" in after.text
    assert f"/console/escalations/{esc_id}/block" not in after.text

    esc = runtime.desk.store.get(esc_id)
    assert esc is not None
    (entry,) = runtime.blocklist.entries()
    assert (entry.ref, entry.shown, entry.note) == (esc.ref, "…0123", "threats")
    audit = runtime.desk.store.audit()
    assert audit_events(runtime)[-2:] == ["caller_blocked", "closed"]
    assert (audit[-2]["esc"], audit[-2]["staff"]) == (str(esc_id), "Olive")
    assert "…0123" in operator.get("/console/blocklist").text
    # Closed at once: Sam, who was paged, hears why; nobody else is paged, ever.
    assert esc.state is EscalationState.CLOSED
    before = len(fake_twilio.messages(to=CALLER))
    run_jobs(runtime)
    assert any("Olive blocked the caller's number" in b for b in bodies(fake_twilio, SAM))
    run_jobs(runtime, at=clock.advance(timedelta(minutes=10)))
    assert bodies(fake_twilio, DANA) == []
    assert phone.text("hello?").texts == [runtime.catalog.safe_reply("hello?")]
    run_jobs(runtime)
    assert len(fake_twilio.messages(to=CALLER)) == before  # not "a person left" either


def test_staff_cannot_block_an_escalations_caller(
    staff: Console, phone: Phone, runtime: Runtime
) -> None:
    esc_id = open_escalation(phone, runtime)
    page = staff.get(f"/console/escalations/{esc_id}")
    assert page.status_code == 200
    assert f"/console/escalations/{esc_id}/block" not in page.text
    response = staff.post(f"/console/escalations/{esc_id}/block", {"note": "x"})
    assert response.status_code == 403
    assert "Only operators can do that" in response.text
    assert runtime.blocklist.entries() == []
    assert "caller_blocked" not in audit_events(runtime)


def test_blocking_from_an_escalation_needs_the_form_token(
    operator: Console, phone: Phone, runtime: Runtime
) -> None:
    esc_id = open_escalation(phone, runtime)
    response = operator.post(f"/console/escalations/{esc_id}/block", csrf="forged-token")
    assert response.status_code == 403
    assert runtime.blocklist.entries() == []
    assert "caller_blocked" not in audit_events(runtime)


def test_an_operator_blocks_the_caller_of_an_escalation_someone_holds_by_its_number(
    operator: Console, staff: Console, phone: Phone, runtime: Runtime, fake_twilio: FakeTwilio
) -> None:
    esc_id = open_escalation(phone, runtime)
    assert staff.post(f"/console/escalations/{esc_id}/take").status_code == 303
    assert operator.get(f"/console/escalations/{esc_id}").status_code == 403  # Sam holds it
    page = operator.get("/console/blocklist")
    assert 'action="/console/blocklist/escalation"' in page.text
    form = {"escalation": f"#{esc_id}", "note": "threats to Sam"}
    blocked = operator.post("/console/blocklist/escalation", form)
    assert blocked.status_code == 303
    after = operator.get(blocked.headers["location"])
    assert f"Blocked the caller of #{esc_id} (…0123)" in after.text
    assert_no_full_number(after.text)
    esc = runtime.desk.store.get(esc_id)
    assert esc is not None
    (entry,) = runtime.blocklist.entries()
    assert (entry.ref, entry.shown, entry.note) == (esc.ref, "…0123", "threats to Sam")
    assert audit_events(runtime)[-2:] == ["caller_blocked", "closed"]
    assert runtime.desk.store.audit()[-2]["staff"] == "Olive"
    assert phone.text("you again").texts == [runtime.catalog.safe_reply("you again")]
    run_jobs(runtime)
    assert any("Olive blocked the caller's number" in b for b in bodies(fake_twilio, SAM))


@pytest.mark.parametrize("typed", ["", "abc", "999", "1" * 12])
def test_an_escalation_number_that_names_none_blocks_nothing(
    operator: Console, phone: Phone, runtime: Runtime, typed: str
) -> None:
    open_escalation(phone, runtime)  # #1 exists; none of these is it
    refused = operator.post("/console/blocklist/escalation", {"escalation": typed})
    assert refused.status_code == 400
    assert "Nothing was blocked" in refused.text
    assert runtime.blocklist.entries() == []
    assert "caller_blocked" not in audit_events(runtime)


def test_staff_cannot_block_by_escalation_number(
    staff: Console, phone: Phone, runtime: Runtime
) -> None:
    esc_id = open_escalation(phone, runtime)
    response = staff.post("/console/blocklist/escalation", {"escalation": str(esc_id)})
    assert response.status_code == 403
    assert "Only operators can do that" in response.text
    assert runtime.blocklist.entries() == []


def test_a_number_blocked_on_the_page_closes_its_open_escalation(
    operator: Console, phone: Phone, runtime: Runtime, fake_twilio: FakeTwilio
) -> None:
    esc_id = open_escalation(phone, runtime)
    assert operator.post("/console/blocklist/add", {"number": CALLER}).status_code == 303
    esc = runtime.desk.store.get(esc_id)
    assert esc is not None
    assert esc.state is EscalationState.CLOSED
    run_jobs(runtime)
    assert any("Olive blocked the caller's number" in b for b in bodies(fake_twilio, SAM))


def test_an_escalation_whose_caller_is_blocked_behind_its_back_closes_at_the_next_step(
    phone: Phone, runtime: Runtime, fake_twilio: FakeTwilio, clock: FakeClock
) -> None:
    esc_id = open_escalation(phone, runtime)  # Sam is paged
    # A bare blocklist write, with no close after it (the close failed, or a script did it).
    runtime.blocklist.add(CALLER, "by hand", clock())
    run_jobs(runtime, at=clock.advance(timedelta(minutes=4)))  # past Sam's ack_timeout
    esc = runtime.desk.store.get(esc_id)
    assert esc is not None
    assert esc.state is EscalationState.CLOSED
    assert bodies(fake_twilio, DANA) == []
    assert any("an operator blocked the caller's number" in b for b in bodies(fake_twilio, SAM))


def test_a_page_queued_before_the_block_is_not_sent(
    phone: Phone, runtime: Runtime, fake_twilio: FakeTwilio, clock: FakeClock
) -> None:
    phone.text("i want to kill my self")  # the page to Sam is queued, not yet sent
    (esc_id,) = runtime.desk.store.open_ids()
    runtime.blocklist.add(CALLER, "by hand", clock())
    run_jobs(runtime)
    esc = runtime.desk.store.get(esc_id)
    assert esc is not None
    assert esc.state is EscalationState.CLOSED
    assert not any("#1" in b and "…0123" in b for b in bodies(fake_twilio, SAM))  # no page
    assert bodies(fake_twilio, DANA) == []


def timers(runtime: Runtime, ref: str) -> list[bytes]:
    """The caller's question timers (members "{ref}:{wait}" of one sorted set)."""
    return [m for m, _ in runtime.redis.zscan_iter(keys.timeouts(), match=f"{ref}:*")]


def test_blocking_drops_the_conversation_and_its_reminders(
    operator: Console, phone: Phone, runtime: Runtime
) -> None:
    phone.text("hi")
    phone.text("1")  # mid-triage: a question is waiting, with its reminder timer
    ref = runtime.conversations.ref(CALLER)
    assert runtime.store.load(ref).session is not None
    assert timers(runtime, ref)
    assert operator.post("/console/blocklist/add", {"number": CALLER}).status_code == 303
    assert runtime.store.load(ref).session is None
    assert timers(runtime, ref) == []


def test_a_blocked_number_that_texts_stop_is_opted_out_and_told_nothing_more(
    phone: Phone, runtime: Runtime, clock: FakeClock
) -> None:
    runtime.blocklist.add(CALLER, "abuse", clock())
    assert phone.text("STOP").texts == []  # not even the safe reply
    ref = runtime.conversations.ref(CALLER)
    assert runtime.store.load(ref).opted_out
    clock.advance(timedelta(days=2))
    assert phone.text("hi").texts == []
    assert phone.text("i want to kill myself").texts == []
