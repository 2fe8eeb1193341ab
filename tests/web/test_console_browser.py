"""The console and the studio in a real browser (Debian's Chromium under Playwright).

A staff member on a phone-sized screen logs in, takes an escalation opened by
a signed SMS, replies (the reply reaches the fake Twilio through the real
worker code), sees the caller's answer arrive without reloading, and closes
it. An operator changes a prompt, checks it, tries it in the simulator,
publishes it and rolls it back. Screenshots go to tests/artifacts/, and the
README's copies to docs/ (see tests/support/browser.py).
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, expect, sync_playwright

from helpline.flowfiles.versions import FlowVersions
from helpline.runtime import Runtime
from helpline.settings import Settings
from tests.fake_twilio.server import FakeTwilio
from tests.scenarios.test_escalation_by_text import CALLER, write_roster
from tests.support.browser import (
    ARTIFACTS,
    CHROMIUM,
    CHROMIUM_ARGS,
    DESKTOP,
    PHONE,
    keep_for_docs,
    needs_chromium,
)
from tests.support.console import OPERATOR_PASSWORD, PASSWORD, add_accounts
from tests.support.phone import Phone
from tests.support.worker import run_jobs

pytestmark = needs_chromium

WAIT_MS = 10_000
"""Live parts refresh every 5 s; this leaves room for a slow machine."""
OLD_PROMPT = "What is it about? Reply 1 alcohol"
NEW_PROMPT = "What would you like help with? Reply 1 alcohol"


@pytest.fixture(autouse=True)
def roster_and_accounts(flows_dir: Path, settings: Settings) -> None:
    write_roster(flows_dir)
    add_accounts(settings)


@pytest.fixture
def browser() -> Iterator[Browser]:
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(
            executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True
        )
        try:
            yield chromium
        finally:
            chromium.close()


@pytest.fixture
def artifacts() -> Path:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    return ARTIFACTS


class Watched:
    """A page whose script errors and refused resources (CSP) fail the test."""

    def __init__(self, browser: Browser, **options: object) -> None:
        self.context = browser.new_context(**options)  # type: ignore[arg-type]
        self.page = self.context.new_page()
        self.problems: list[str] = []
        self.page.on("pageerror", lambda error: self.problems.append(str(error)))
        # A 401 or 403 page is an answer, not a fault; a refused script or style (CSP) is.
        self.page.on(
            "console",
            lambda message: (
                self.problems.append(message.text)
                if message.type == "error"
                and not message.text.startswith("Failed to load resource")
                else None
            ),
        )
        self.page.on(
            "response",
            lambda response: (
                self.problems.append(f"{response.status} {response.url}")
                if response.status == 404 or response.status >= 500
                else None
            ),
        )
        self.page.on("dialog", lambda dialog: dialog.accept())

    def close(self) -> None:
        self.context.close()
        assert self.problems == []


def log_in(page: Page, app_url: str, name: str, password: str) -> None:
    page.goto(app_url + "/console/")
    expect(page.get_by_role("heading", name="Log in")).to_be_visible()
    page.get_by_label("Name").fill(name)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("button", name=f"Log out {name}")).to_be_visible()


def fits_the_screen(page: Page) -> bool:
    return bool(page.evaluate("document.documentElement.scrollWidth <= window.innerWidth"))


def test_staff_handle_an_escalation_end_to_end_on_a_phone(
    browser: Browser,
    app_url: str,
    phone: Phone,
    runtime: Runtime,
    fake_twilio: FakeTwilio,
    artifacts: Path,
) -> None:
    watched = Watched(browser, **PHONE)
    page = watched.page

    page.goto(app_url + "/console/")
    page.get_by_label("Name").fill("Sam")
    page.get_by_label("Password").fill("wrong password, surely")
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("alert")).to_contain_text("don't match")
    page.screenshot(path=artifacts / "console-login-refused.png")

    log_in(page, app_url, "Sam", PASSWORD)
    expect(page.locator("#open")).to_contain_text("Nobody is waiting")

    phone.text("i want to kill my self")  # arrives while the page is open
    run_jobs(runtime)
    row = page.locator("#open .row").first
    expect(row).to_contain_text("#1", timeout=WAIT_MS)
    expect(row).to_contain_text("…0123")
    assert CALLER[2:] not in page.content()
    assert fits_the_screen(page)
    page.screenshot(path=artifacts / "console-phone-overview.png")
    keep_for_docs(artifacts / "console-phone-overview.png", "console-overview.png")

    row.click()
    page.get_by_role("button", name="Take #1").click()
    expect(page.get_by_role("status")).to_contain_text("You have #1")
    run_jobs(runtime)
    assert any("is here now" in (m.body or "") for m in fake_twilio.messages(to=CALLER))

    page.get_by_label("Text the caller").fill("I'm here with you. Are you somewhere safe?")
    page.get_by_role("button", name="Send").click()
    expect(page.get_by_role("status")).to_contain_text("Sent.")
    run_jobs(runtime)
    bodies = [m.body for m in fake_twilio.messages(to=CALLER)]
    assert bodies[-1] == "I'm here with you. Are you somewhere safe?"

    phone.text("yes, I'm at my sister's")
    expect(page.locator("#transcript")).to_contain_text("at my sister's", timeout=WAIT_MS)
    page.get_by_label("Note (never sent to the caller)").fill("Safe at family. Call back tomorrow.")
    page.get_by_role("button", name="Add note").click()
    expect(page.locator("#transcript")).to_contain_text("Call back tomorrow")
    assert fits_the_screen(page)
    page.screenshot(path=artifacts / "console-phone-escalation.png", full_page=True)
    keep_for_docs(artifacts / "console-phone-escalation.png", "console-escalation.png")

    page.get_by_role("button", name="Close #1").click()
    expect(page.get_by_role("status")).to_contain_text("#1 is closed")
    expect(page.locator("#open")).to_contain_text("Nobody is waiting")
    expect(page.locator(".row.closed")).to_contain_text("#1")
    esc = runtime.desk.store.get(1)
    assert esc is not None
    assert esc.closed_by == "Sam"

    page.get_by_role("button", name="Log out Sam").click()
    expect(page.get_by_role("status")).to_contain_text("logged out")
    page.goto(app_url + "/console/escalations/1")
    expect(page.get_by_role("heading", name="Log in")).to_be_visible()
    watched.close()


def test_an_operator_edits_checks_simulates_publishes_and_rolls_back(
    browser: Browser,
    app_url: str,
    flows_dir: Path,
    artifacts: Path,
) -> None:
    triage = flows_dir / "triage.yaml"
    original = triage.read_text()
    watched = Watched(browser, **DESKTOP)
    page = watched.page
    log_in(page, app_url, "Olive", OPERATOR_PASSWORD)

    page.get_by_role("link", name="Studio").click()
    expect(page.locator("#checks")).to_contain_text("All flow files load.")
    expect(page.locator("#checks")).to_contain_text("✓ triage.secular_online_cut_down.yaml")
    page.screenshot(path=artifacts / "studio-flows.png", full_page=True)
    page.get_by_role("link", name="triage").click()
    # The diagram is drawn by the Mermaid copy the app serves itself.
    expect(page.locator("pre.mermaid svg")).to_be_visible(timeout=WAIT_MS)

    editor = page.locator("#flow-text")
    editor.fill(editor.input_value().replace(OLD_PROMPT, NEW_PROMPT, 1))
    page.get_by_role("button", name="Check").click()
    expect(page.locator("#checked")).to_contain_text("scenario files pass")
    expect(page.locator("#impact")).to_contain_text("Changed: substance.")
    assert triage.read_text() == original

    sim = page.locator(".sim")
    expect(sim.locator("input[name=use_draft]")).to_be_checked()
    message = sim.get_by_placeholder("Text as a caller would")
    message.fill("hi")
    message.press("Enter")
    expect(sim.locator(".log")).to_contain_text("Is this for you", timeout=WAIT_MS)
    message.fill("1")
    message.press("Enter")
    expect(sim.locator(".log")).to_contain_text(NEW_PROMPT, timeout=WAIT_MS)
    expect(sim.locator(".sim-status")).to_contain_text("Waiting at substance")
    page.screenshot(path=artifacts / "studio-flow-checked.png", full_page=True)
    keep_for_docs(artifacts / "studio-flow-checked.png", "studio-flow.png")

    page.get_by_label("Note for the history (optional)").fill("warmer first question")
    page.get_by_role("button", name="Publish").click()
    expect(page.get_by_role("status").first).to_contain_text("Published version")
    assert NEW_PROMPT in triage.read_text()
    expect(page.locator("#history")).to_contain_text("warmer first question")
    page.screenshot(path=artifacts / "studio-published.png", full_page=True)

    (entry,) = FlowVersions(flows_dir).history("triage")
    assert entry.previous is not None
    page.get_by_role("button", name=f"Roll back to {entry.previous[:8]}").click()
    expect(page.get_by_role("status").first).to_contain_text("Rolled back to version")
    assert triage.read_text() == original
    expect(page.locator("#flow-text")).to_have_value(original)

    sim = page.locator(".sim")
    sim.get_by_placeholder("Text as a caller would").fill("hi")
    sim.get_by_placeholder("Text as a caller would").press("Enter")
    sim.get_by_placeholder("Text as a caller would").fill("1")
    sim.get_by_placeholder("Text as a caller would").press("Enter")
    expect(sim.locator(".log")).to_contain_text(OLD_PROMPT, timeout=WAIT_MS)
    watched.close()


def test_an_operator_blocks_and_unblocks_a_number_on_a_phone(
    browser: Browser, app_url: str, phone: Phone, runtime: Runtime, artifacts: Path
) -> None:
    watched = Watched(browser, **PHONE)
    page = watched.page
    log_in(page, app_url, "Olive", OPERATOR_PASSWORD)
    page.get_by_role("link", name="Blocklist").click()
    expect(page.get_by_role("heading", name="Blocklist")).to_be_visible()
    page.get_by_label("Number").fill("206 555 0123")
    page.get_by_label("Note for other operators").first.fill("threats to staff")
    page.get_by_role("button", name="Block", exact=True).click()
    expect(page.get_by_role("status")).to_contain_text("Blocked …0123")
    row = page.locator("tr.blocked")
    expect(row).to_contain_text("…0123")
    expect(row).to_contain_text("threats to staff")
    assert CALLER[2:] not in page.content()
    assert fits_the_screen(page)
    page.screenshot(path=artifacts / "console-phone-blocklist.png")
    assert phone.text("hi").texts == [runtime.catalog.safe_reply("hi")]  # not the flow

    row.get_by_role("button", name="Unblock").click()  # the confirmation is accepted
    expect(page.get_by_role("status")).to_contain_text("Unblocked …0123")
    expect(page.locator("tr.blocked")).to_have_count(0)
    assert runtime.blocklist.entries() == []
    assert phone.text("hi").texts
    watched.close()
