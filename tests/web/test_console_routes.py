"""/console over real HTTP: logging in, lockout, expiry, form tokens, and an escalation
handled from take to close, with the caller's texts arriving at the fake Twilio."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest

from helpline.console.accounts import Accounts, Role
from helpline.console.lockout import MAX_LOGIN_FAILURES
from helpline.escalation.model import EscalationState
from helpline.keys import CONSOLE_SESSION_MAX
from helpline.runtime import Runtime
from helpline.settings import Settings
from tests.fake_twilio.server import FakeTwilio
from tests.scenarios.test_escalation_by_text import CALLER, write_roster
from tests.support.clock import FakeClock
from tests.support.console import OPERATOR_PASSWORD, PASSWORD, Console, add_accounts, csrf_of
from tests.support.phone import Phone
from tests.support.worker import run_jobs


@pytest.fixture(autouse=True)
def roster_and_accounts(flows_dir: Path, settings: Settings) -> None:
    write_roster(flows_dir)
    add_accounts(settings)


@pytest.fixture
def console(app_url: str) -> Iterator[Console]:
    c = Console(app_url)
    yield c
    c.close()


@pytest.fixture
def other(app_url: str) -> Iterator[Console]:
    c = Console(app_url)
    yield c
    c.close()


def open_escalation(phone: Phone, runtime: Runtime) -> int:
    phone.text("i want to kill my self")
    run_jobs(runtime)
    (esc_id,) = runtime.desk.store.open_ids()
    return esc_id


def bodies(fake_twilio: FakeTwilio, to: str) -> list[str]:
    return [m.body or "" for m in fake_twilio.messages(to=to)]


# --- logging in ------------------------------------------------------------------------


def test_the_console_asks_for_a_login_first(console: Console) -> None:
    response = console.get("/console/")
    assert response.status_code == 303
    assert response.headers["location"].startswith("/console/login?next=")
    page = console.get("/console/login")
    assert page.status_code == 200
    assert 'name="password"' in page.text
    assert "frame-ancestors 'none'" in page.headers["content-security-policy"]
    assert page.headers["cache-control"] == "no-store"


def test_a_right_password_logs_in_and_the_page_names_the_person(console: Console) -> None:
    response = console.login("sam", PASSWORD)
    assert response.status_code == 303
    assert response.headers["location"] == "/console/"
    page = console.get("/console/")
    assert page.status_code == 200
    assert "Log out Sam" in page.text
    assert "Studio" not in page.text  # staff, not an operator


@pytest.mark.parametrize("name", ["Sam", "Nobody"])
def test_a_wrong_password_or_unknown_name_gets_one_plain_message(
    console: Console, name: str
) -> None:
    response = console.login(name, "not the password at all")
    assert response.status_code == 401
    assert "That name and password don&#39;t match." in response.text
    assert console.get("/console/").status_code == 303


def test_repeated_wrong_passwords_lock_the_name_even_against_the_right_one(
    console: Console,
) -> None:
    codes = [
        console.login("Sam", f"wrong guess {i}").status_code for i in range(MAX_LOGIN_FAILURES)
    ]
    assert codes == [401] * (MAX_LOGIN_FAILURES - 1) + [429]
    locked = console.login("Sam", PASSWORD)
    assert locked.status_code == 429
    assert "Too many wrong passwords" in locked.text
    assert "answer pages by text" in locked.text
    assert console.get("/console/").status_code == 303
    # Another name is not locked by Sam's.
    assert console.login("Dana", PASSWORD).status_code == 303


def test_a_login_post_without_its_form_token_is_refused(console: Console) -> None:
    console.get("/console/login")
    response = console.http.post(
        "/console/login",
        data={"name": "Sam", "password": PASSWORD},
        headers=console.cookie_header(),
    )
    assert response.status_code == 403
    assert "login form expired" in response.text
    assert console.get("/console/").status_code == 303


def test_next_only_goes_to_console_pages(console: Console) -> None:
    page = console.get("/console/login?next=https://evil.example/")

    response = console.http.post(
        "/console/login",
        data={"name": "Sam", "password": PASSWORD, "csrf": csrf_of(page.text),
              "next": "//evil.example/"},
        headers=console.cookie_header(),
    )  # fmt: skip
    assert response.headers["location"] == "/console/"


def test_a_login_ends_after_the_longest_shift_and_then_changes_nothing(
    console: Console, phone: Phone, runtime: Runtime, clock: FakeClock, fake_twilio: FakeTwilio
) -> None:
    esc_id = open_escalation(phone, runtime)
    console.login("Sam", PASSWORD)
    clock.advance(CONSOLE_SESSION_MAX + timedelta(minutes=1))
    response = console.post(f"/console/escalations/{esc_id}/take")
    assert response.status_code == 303
    assert response.headers["location"].startswith("/console/login")
    login_page = console.get(response.headers["location"])
    assert "Your login ended, so nothing was changed" in login_page.text
    esc = runtime.desk.store.get(esc_id)
    assert esc is not None
    assert esc.holder is None
    assert console.get("/console/").status_code == 303


def test_logging_out_ends_the_login_for_the_old_cookie_too(console: Console) -> None:
    console.login("Sam", PASSWORD)
    replayed = console.cookie_header()
    assert console.post("/console/logout").status_code == 303
    # The cookie from before the logout, sent again, no longer logs anyone in.
    assert console.http.get("/console/", headers=replayed).status_code == 303


def test_removing_an_account_ends_its_logins(console: Console, settings: Settings) -> None:
    console.login("Sam", PASSWORD)
    assert console.get("/console/").status_code == 200
    Accounts.load(settings.accounts_path).without("Sam").save()
    assert console.get("/console/").status_code == 303


# --- an escalation, end to end ---------------------------------------------------------


def test_staff_take_reply_note_and_close_an_escalation(
    console: Console, phone: Phone, runtime: Runtime, fake_twilio: FakeTwilio
) -> None:
    esc_id = open_escalation(phone, runtime)
    console.login("Sam", PASSWORD)
    overview = console.get("/console/")
    assert f"#{esc_id}" in overview.text
    assert "…0123" in overview.text
    assert CALLER[2:] not in overview.text
    assert CALLER[-7:] not in overview.text

    taken = console.post(f"/console/escalations/{esc_id}/take")
    assert taken.status_code == 303
    assert "You have #" in console.get(taken.headers["location"]).text
    run_jobs(runtime)
    assert any("is here now" in b for b in bodies(fake_twilio, CALLER))

    before = len(fake_twilio.messages(to=CALLER))
    sent = console.post(f"/console/escalations/{esc_id}/reply", {"body": "I'm here. Are you safe?"})
    assert sent.status_code == 303
    run_jobs(runtime)
    assert bodies(fake_twilio, CALLER)[before:] == ["I'm here. Are you safe?"]

    phone.text("yes, at home")
    page = console.get(f"/console/escalations/{esc_id}")
    assert "i want to kill my self" in page.text  # the words that raised it come first
    assert "I&#39;m here. Are you safe?" in page.text
    assert "yes, at home" in page.text

    noted = console.post(f"/console/escalations/{esc_id}/note", {"body": "calmer now"})
    assert noted.status_code == 303
    assert "calmer now" in console.get(f"/console/escalations/{esc_id}").text
    run_jobs(runtime)
    assert "calmer now" not in " ".join(bodies(fake_twilio, CALLER))

    closed = console.post(f"/console/escalations/{esc_id}/close")
    assert closed.status_code == 303
    assert closed.headers["location"] == "/console/"
    esc = runtime.desk.store.get(esc_id)
    assert esc is not None
    assert esc.state is EscalationState.CLOSED
    assert esc.closed_by == "Sam"
    assert f"#{esc_id}" in console.get("/console/").text.split("Recently closed")[-1]
    assert CALLER[2:] not in page.text


def test_a_forged_form_token_changes_nothing(
    console: Console, phone: Phone, runtime: Runtime, fake_twilio: FakeTwilio
) -> None:
    esc_id = open_escalation(phone, runtime)
    console.login("Sam", PASSWORD)
    before = len(fake_twilio.messages())
    for token in ["forged-token", ""]:
        response = console.post(f"/console/escalations/{esc_id}/take", csrf=token)
        assert response.status_code == 403
        assert "nothing was changed" in response.text
    run_jobs(runtime)
    esc = runtime.desk.store.get(esc_id)
    assert esc is not None
    assert esc.holder is None
    assert len(fake_twilio.messages()) == before


def test_another_staff_member_cannot_open_reply_to_or_close_a_taken_escalation(
    console: Console, other: Console, phone: Phone, runtime: Runtime, fake_twilio: FakeTwilio
) -> None:
    esc_id = open_escalation(phone, runtime)
    console.login("Sam", PASSWORD)
    console.post(f"/console/escalations/{esc_id}/take")
    run_jobs(runtime)
    before = len(fake_twilio.messages(to=CALLER))

    other.login("Dana", PASSWORD)
    page = other.get(f"/console/escalations/{esc_id}")
    assert page.status_code == 403
    assert "is with Sam" in page.text
    assert other.post(f"/console/escalations/{esc_id}/reply", {"body": "hello"}).status_code == 403
    assert other.post(f"/console/escalations/{esc_id}/close").status_code == 403
    assert other.post(f"/console/escalations/{esc_id}/take").status_code == 403
    run_jobs(runtime)
    esc = runtime.desk.store.get(esc_id)
    assert esc is not None
    assert esc.holder == "Sam"
    assert esc.state is EscalationState.TAKEN
    assert len(fake_twilio.messages(to=CALLER)) == before
    assert all("hello" not in (m.body or "") for m in fake_twilio.messages())


def test_replying_before_taking_sends_nothing(
    console: Console, phone: Phone, runtime: Runtime, fake_twilio: FakeTwilio
) -> None:
    esc_id = open_escalation(phone, runtime)
    console.login("Sam", PASSWORD)
    before = len(fake_twilio.messages(to=CALLER))
    response = console.post(f"/console/escalations/{esc_id}/reply", {"body": "hi"})
    assert "Take #" in console.get(response.headers["location"]).text
    run_jobs(runtime)
    assert len(fake_twilio.messages(to=CALLER)) == before


def test_an_unknown_escalation_is_a_plain_404(console: Console) -> None:
    console.login("Sam", PASSWORD)
    assert console.get("/console/escalations/999").status_code == 404
    assert console.get("/console/escalations/abc").status_code == 404


def test_the_open_list_refreshes_as_a_fragment(
    console: Console, phone: Phone, runtime: Runtime
) -> None:
    console.login("Sam", PASSWORD)
    assert "Nobody is waiting" in console.get("/console/?part=open").text
    esc_id = open_escalation(phone, runtime)
    fragment = console.get("/console/?part=open")
    assert f"#{esc_id}" in fragment.text
    assert "Nobody is waiting" not in fragment.text
    assert "<html" not in fragment.text


def test_staff_are_refused_the_studio_and_the_directory(console: Console) -> None:
    console.login("Sam", PASSWORD)
    assert console.get("/console/studio").status_code == 403
    assert console.get("/console/directory").status_code == 403
    response = console.post("/console/studio/flows/triage/publish", {"text": "x"})
    assert response.status_code == 403


def test_operators_see_the_studio(console: Console) -> None:
    console.login("Olive", OPERATOR_PASSWORD)
    page = console.get("/console/studio")
    assert page.status_code == 200
    assert "triage" in page.text


def test_a_login_spelled_unlike_the_roster_still_holds_its_escalation(
    console: Console, phone: Phone, runtime: Runtime, settings: Settings
) -> None:
    Accounts.load(settings.accounts_path).without("Dana").with_account(
        "dana", Role.STAFF, PASSWORD
    ).save()  # the roster says "Dana"
    esc_id = open_escalation(phone, runtime)
    console.login("dana", PASSWORD)
    console.post(f"/console/escalations/{esc_id}/take")
    page = console.get(f"/console/escalations/{esc_id}")
    assert page.status_code == 200
    assert "i want to kill my self" in page.text
    assert console.post(f"/console/escalations/{esc_id}/close").status_code == 303
    esc = runtime.desk.store.get(esc_id)
    assert esc is not None
    assert esc.state is EscalationState.CLOSED


def test_someone_not_on_call_cannot_close_a_waiting_escalation(
    console: Console, phone: Phone, runtime: Runtime
) -> None:
    esc_id = open_escalation(phone, runtime)
    console.login("Olive", OPERATOR_PASSWORD)  # an operator, not in the roster
    response = console.post(f"/console/escalations/{esc_id}/close")
    assert response.status_code == 403
    assert "not in the on-call roster" in response.text
    esc = runtime.desk.store.get(esc_id)
    assert esc is not None
    assert esc.state is not EscalationState.CLOSED


@pytest.mark.parametrize("raw", ["%C2%B2", "1.5", "-1", "99999999999999"])
def test_odd_escalation_ids_are_not_found(console: Console, raw: str) -> None:
    console.login("Sam", PASSWORD)
    assert console.get(f"/console/escalations/{raw}").status_code == 404
    assert console.post(f"/console/escalations/{raw}/take").status_code == 403


def test_a_new_password_ends_logins_made_with_the_old_one(
    console: Console, settings: Settings
) -> None:
    console.login("Sam", PASSWORD)
    assert console.get("/console/").status_code == 200
    Accounts.load(settings.accounts_path).with_account("Sam", Role.STAFF, PASSWORD + "!").save()
    assert console.get("/console/").status_code == 303
    assert console.login("Sam", PASSWORD + "!").status_code == 303
