"""The /sandbox page in a real browser, against the real `helpline dev`.

`python -m helpline dev` runs as a subprocess on a free port, exactly as a
newcomer starts it: with no REDIS_URL it starts its own redis-server, and it
runs a real RQ worker, so the program texts that worker sends reach the page
through the same event stream as the inline replies. Debian's Chromium is
driven through Playwright's sync API.

Screenshots land in tests/artifacts/ (git-ignored). The phone-sized one the
README shows, docs/sandbox.png, is written when missing, or on every run with
HELPLINE_UPDATE_SCREENSHOTS=1 (its times change each run, so not by default).
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Browser, Page, expect, sync_playwright

from helpline.redis_server import free_port
from tests.support.browser import (
    ARTIFACTS,
    CHROMIUM,
    CHROMIUM_ARGS,
    DESKTOP,
    DOCS,
    PHONE,
    REPO,
    UPDATE_DOCS_VARIABLE,
    needs_chromium,
)

README_SCREENSHOT = DOCS / "sandbox.png"

STARTUP_SECONDS = 60
STOP_SECONDS = 30
REPLY_MS = 10_000
WORKER_MS = 20_000
CRISIS_LINE = "1-800-662-4357"
MACHINE_REDIS_PORT = "6379"  # the machine's own server: never ours, never touched

pytestmark = needs_chromium

ENGLISH = [
    ("hi", "Reply STOP to opt out"),
    ("1", "What is it about?"),
    ("1", "What kind of support sounds right?"),
    ("2", "What's your goal right now?"),
    ("2", "Would you like meetings in person or online?"),
    ("2", "are you safe right now?"),
    ("1", "Here are programs that could fit"),
]
SPANISH = [
    ("hola", "Responda STOP"),
    ("1", "¿De qué se trata?"),
    ("1", "¿Qué tipo de apoyo prefiere?"),
    ("2", "¿Cuál es su meta?"),
    ("2", "¿Prefiere reuniones en persona o en línea?"),
    ("2", "¿está a salvo ahora?"),
    ("1", "Le envío programas"),
]


# ---------------------------------------------------------------- processes


@dataclass(frozen=True)
class Proc:
    """A process as /proc saw it; the start time tells a reused pid apart."""

    pid: int
    started: str
    cmdline: str


def _stat(pid: int) -> tuple[str, int, str] | None:
    """(state, ppid, start time) of a live process, or None."""
    try:
        text = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    fields = text[text.rindex(")") + 2 :].split()
    return fields[0], int(fields[1]), fields[19]


def _cmdline(pid: int) -> str:
    try:
        raw = Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:
        return ""
    return raw.replace(b"\0", b" ").decode(errors="replace").strip()


def _descendants(root: int) -> list[Proc]:
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit() and (stat := _stat(int(entry.name))) is not None:
            children.setdefault(stat[1], []).append(int(entry.name))
    found, todo = [], list(children.get(root, []))
    while todo:
        pid = todo.pop()
        todo += children.get(pid, [])
        if (stat := _stat(pid)) is not None:
            found.append(Proc(pid, stat[2], _cmdline(pid)))
    return found


def _alive(proc: Proc) -> bool:
    stat = _stat(proc.pid)
    return stat is not None and stat[0] != "Z" and stat[2] == proc.started


def _redis_server_pids() -> set[int]:
    """`pgrep -f redis-server`, without the machine's own server on 6379."""
    found = subprocess.run(["pgrep", "-f", "redis-server"], capture_output=True, text=True)
    pids = {int(word) for word in found.stdout.split()}
    return {pid for pid in pids if not _cmdline(pid).endswith(":" + MACHINE_REDIS_PORT)}


def _end(procs: list[Proc]) -> None:
    """Stop processes this test started and that outlived their parent (by pid)."""
    for proc in procs:
        if "redis-server" in proc.cmdline:
            # Its --dir is its cwd: a private server's temporary directory.
            with contextlib.suppress(OSError):
                workdir = Path(os.readlink(f"/proc/{proc.pid}/cwd"))
                if workdir.name.startswith("helpline-redis-") and workdir.parent == Path(
                    tempfile.gettempdir()
                ):
                    shutil.rmtree(workdir, ignore_errors=True)
    for sig in (signal.SIGTERM, signal.SIGKILL):
        for proc in procs:
            if _alive(proc):
                with contextlib.suppress(OSError):
                    os.kill(proc.pid, sig)
        deadline = time.monotonic() + 5
        while any(_alive(p) for p in procs) and time.monotonic() < deadline:
            time.sleep(0.1)


class DevServer:
    """`python -m helpline dev` in a subprocess, and every process it starts."""

    def __init__(self, log_path: Path) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log_path = log_path
        self.proc: subprocess.Popen[bytes] | None = None
        self.tracked: dict[int, Proc] = {}

    def start(self) -> DevServer:
        env = {
            key: value
            for key, value in os.environ.items()
            if key != "REDIS_URL" and not key.startswith(("TWILIO_", "HELPLINE_"))
        }
        env["HELPLINE_FLOWS_DIR"] = str(REPO / "flows")
        env["PYTHONUNBUFFERED"] = "1"
        with self.log_path.open("wb") as log:
            self.proc = subprocess.Popen(
                [sys.executable, "-m", "helpline", "dev", "--port", str(self.port)],
                cwd=REPO,
                env=env,
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                # Its own process group, so SIGINT can reach it and its worker
                # together, as Ctrl-C in a terminal does.
                start_new_session=True,
            )
        deadline = time.monotonic() + STARTUP_SECONDS
        while not self._healthy():
            code = self.proc.poll()
            if code is not None or time.monotonic() > deadline:
                self.stop()
                why = f"exited with code {code}" if code is not None else "is not healthy"
                pytest.fail(
                    f"helpline dev {why} after {STARTUP_SECONDS} s at most; "
                    f"its output:\n{self.output()}",
                    pytrace=False,
                )
            time.sleep(0.2)
        self.track()
        return self

    def _healthy(self) -> bool:
        try:
            with urllib.request.urlopen(self.url + "/healthz", timeout=2) as response:
                return bool(response.status == 200)
        except (urllib.error.URLError, OSError):
            return False

    def track(self) -> None:
        """Remember every descendant now: after a bad stop they are orphans, not children."""
        if self.proc is not None:
            for proc in _descendants(self.proc.pid):
                self.tracked.setdefault(proc.pid, proc)

    def output(self, lines: int = 60) -> str:
        try:
            text = self.log_path.read_text(errors="replace")
        except OSError:
            return "(no output)"
        return "\n".join(text.splitlines()[-lines:]) or "(no output)"

    def stop(self, *, first: signal.Signals = signal.SIGTERM) -> list[Proc]:
        """Stop it (`first`, then SIGKILL); return the processes that outlived it, now ended.

        SIGTERM goes to `helpline dev` alone, as a process manager sends it; SIGINT
        goes to its whole process group, as Ctrl-C in a terminal does.
        """
        proc = self.proc
        if proc is None:
            return []
        self.track()
        if proc.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                if first == signal.SIGINT:
                    os.killpg(proc.pid, signal.SIGINT)
                else:
                    proc.send_signal(first)
        try:
            proc.wait(STOP_SECONDS)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        deadline = time.monotonic() + 5
        while any(map(_alive, self.tracked.values())) and time.monotonic() < deadline:
            time.sleep(0.1)
        leftovers = [p for p in self.tracked.values() if _alive(p)]
        _end(leftovers)
        self.proc = None
        return leftovers


@pytest.fixture(scope="module")
def dev_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[DevServer]:
    redis_before = _redis_server_pids()
    server = DevServer(tmp_path_factory.mktemp("helpline-dev") / "output.log")
    leftovers: list[Proc] = []
    try:
        server.start()
        assert any("redis-server" in p.cmdline for p in server.tracked.values()), (
            "helpline dev did not start its own redis-server"
        )
        yield server
    finally:
        ours = {pid for pid, p in server.tracked.items() if "redis-server" in p.cmdline}
        leftovers = server.stop()
        still_running = (_redis_server_pids() - redis_before) & ours
    assert not leftovers, f"processes outlived `helpline dev` (now ended): {leftovers}"
    assert not still_running, f"its private redis-server is still running: {still_running}"


# ------------------------------------------------------------------ browser


@pytest.fixture(scope="module")
def browser(dev_server: DevServer) -> Iterator[Browser]:
    # Depends on dev_server so the browser, and its open event streams, close first.
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(
            executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True
        )
        try:
            yield chromium
        finally:
            chromium.close()


NewPage = Callable[..., Page]


@pytest.fixture
def new_page(browser: Browser) -> Iterator[NewPage]:
    """Pages in fresh browser contexts (empty localStorage); no JavaScript error allowed."""
    contexts = []
    errors: list[str] = []

    def make(**options: Any) -> Page:
        context = browser.new_context(**options)
        contexts.append(context)
        page = context.new_page()
        page.on("pageerror", lambda error: errors.append(str(error)))
        return page

    try:
        yield make
    finally:
        for context in contexts:
            context.close()
    assert not errors, f"JavaScript errors on the page: {errors}"


@pytest.fixture
def phone(new_page: NewPage) -> Page:
    return new_page(**PHONE)


@pytest.fixture
def desktop(new_page: NewPage) -> Page:
    return new_page(**DESKTOP)


@pytest.fixture(scope="module")
def artifacts() -> Path:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    return ARTIFACTS


# ------------------------------------------------------------------ helpers


def open_sandbox(page: Page, url: str) -> None:
    page.goto(url + "/sandbox")
    expect(page.locator("#status")).to_have_attribute("data-state", "connected")


def send(page: Page, text: str) -> None:
    box = page.get_by_role("textbox", name="Text message")
    box.fill(text)
    box.press("Enter")


_REPLIED = """([count, snippet]) => {
  const all = [...document.querySelectorAll('#messages .msg')];
  const mine = all.filter(m => m.dataset.direction === 'in');
  if (mine.length !== count) return false;
  const after = all.slice(all.indexOf(mine[count - 1]) + 1);
  return after.some(m => m.dataset.via === 'reply' && m.textContent.includes(snippet));
}"""


def text_and_wait(page: Page, text: str, snippet: str, *, count: int) -> None:
    """Send a text; wait for the inline reply after it (the page's `count`th text)."""
    send(page, text)
    page.wait_for_function(_REPLIED, arg=[count, snippet], timeout=REPLY_MS)


def conversation(page: Page) -> list[dict[str, str]]:
    rows: list[dict[str, str]] = page.eval_on_selector_all(
        "#messages .msg",
        """items => items.map(m => ({
            id: m.dataset.id, direction: m.dataset.direction, via: m.dataset.via,
            body: m.querySelector('.text').textContent}))""",
    )
    return rows


def line_of(page: Page) -> str:
    line = page.evaluate("localStorage.getItem('helpline.sandbox.line')")
    assert isinstance(line, str)
    return line


def server_stream(url: str, line: str) -> list[dict[str, str]]:
    """The line as the server replays it: read /sandbox/events until its first keep-alive."""
    events: list[dict[str, str]] = []
    event_id = ""
    request = urllib.request.Request(f"{url}/sandbox/events?line={line}")
    with urllib.request.urlopen(request, timeout=15) as response:
        for raw in response:
            text = raw.decode().rstrip("\n")
            if text.startswith(":"):
                break  # a keep-alive: the replay is over and nothing new came
            if text.startswith("id: "):
                event_id = text[4:]
            elif text.startswith("data: "):
                data = json.loads(text[6:])
                events.append(
                    {"id": event_id, **{k: data[k] for k in ("direction", "via", "body")}}
                )
    return events


def shows_what_the_server_has(page: Page, url: str) -> list[dict[str, str]]:
    """The page's texts, once they are exactly the server's, in the server's order."""
    expected = server_stream(url, line_of(page))
    expect(page.locator("#messages .msg")).to_have_count(len(expected))
    texts = conversation(page)
    assert texts == expected
    return texts


def run_triage(
    page: Page, url: str, steps: list[tuple[str, str]], *, footer: str
) -> list[dict[str, str]]:
    """Text each answer, see each inline reply, then the worker's program texts."""
    for count, (text, snippet) in enumerate(steps, start=1):
        text_and_wait(page, text, snippet, count=count)
    worker = page.locator("#messages .msg[data-via=worker]")
    # Named once for its program text, and again with its meeting finder (no meetings here).
    expect(worker.filter(has_text="SMART Recovery").first).to_be_attached(timeout=WORKER_MS)
    expect(worker.nth(1)).to_be_attached(timeout=WORKER_MS)
    texts = shows_what_the_server_has(page, url)
    workers = [m for m in texts if m["via"] == "worker"]
    assert len(workers) >= 2
    for message in workers:
        assert CRISIS_LINE in message["body"], message
        assert message["direction"] == "out"
    # Program texts end with the catalogue's footer; the meetings answer has its own person line.
    assert sum(footer in m["body"] for m in workers) >= 2
    return texts


def assert_in_order(texts: list[dict[str, str]], steps: list[tuple[str, str]]) -> None:
    """Each text, its inline reply, and the worker's texts only after the last reply."""
    first_worker = next(i for i, m in enumerate(texts) if m["via"] == "worker")
    before, after = texts[:first_worker], texts[first_worker:]
    assert [m["direction"] for m in before] == ["in", "out"] * len(steps)
    for (sent, snippet), mine, reply in zip(steps, before[::2], before[1::2], strict=True):
        assert (mine["via"], mine["body"]) == ("phone", sent)
        assert reply["via"] == "reply"
        assert snippet in reply["body"]
    assert all(m["via"] == "worker" for m in after), after
    ids = [tuple(map(int, m["id"].split("-"))) for m in texts]
    assert ids == sorted(set(ids)), "ids must rise strictly: no duplicates, server order"


# -------------------------------------------------------------------- tests


def test_an_english_triage_ends_with_program_texts_from_the_worker(
    phone: Page, dev_server: DevServer, artifacts: Path
) -> None:
    open_sandbox(phone, dev_server.url)
    expect(phone.get_by_text("Say hello to start")).to_be_visible()
    phone.screenshot(path=artifacts / "sandbox-phone-empty.png")

    texts = run_triage(phone, dev_server.url, ENGLISH, footer="To talk with a person, call")
    assert_in_order(texts, ENGLISH)
    line = line_of(phone)

    # Line breaks kept; https links clickable and opened safely; worker texts marked.
    smart = phone.locator("#messages .msg[data-via=worker]", has_text="SMART Recovery").first
    assert "\n" in (smart.locator(".text").text_content() or "")
    link = smart.get_by_role("link", name="https://meetings.smartrecovery.org")
    assert link.get_attribute("href") == "https://meetings.smartrecovery.org/"
    assert link.get_attribute("target") == "_blank"
    assert "noopener" in (link.get_attribute("rel") or "")
    expect(smart.locator(".meta")).to_have_text("sent by a worker")
    expect(smart.locator(".meta")).to_be_visible()
    expect(phone.locator("#messages .msg[data-via=reply] .meta")).to_have_count(0)
    expect(phone.locator("#jump")).to_be_hidden()  # we followed the texts down

    phone.screenshot(path=artifacts / "sandbox-phone-en.png")
    # For the README: the last answers, the inline reply and the first program text.
    phone.locator("#messages .msg[data-direction=in]").nth(len(ENGLISH) - 2).evaluate(
        "m => m.scrollIntoView({block: 'start'})"
    )
    phone.screenshot(path=artifacts / "sandbox-readme.png")
    # The times in it change every run: refresh the committed copy only when asked.
    if os.environ.get(UPDATE_DOCS_VARIABLE) == "1" or not README_SCREENSHOT.exists():
        README_SCREENSHOT.parent.mkdir(exist_ok=True)
        shutil.copyfile(artifacts / "sandbox-readme.png", README_SCREENSHOT)

    # A reload continues the same conversation, each text once.
    phone.reload()
    expect(phone.locator("#status")).to_have_attribute("data-state", "connected")
    expect(phone.locator("#messages .msg")).to_have_count(len(texts))
    phone.wait_for_timeout(1_500)  # a duplicate would have arrived by now
    assert line_of(phone) == line
    assert conversation(phone) == texts


def test_a_new_conversation_in_spanish(
    desktop: Page, dev_server: DevServer, artifacts: Path
) -> None:
    open_sandbox(desktop, dev_server.url)
    text_and_wait(desktop, "hi", "Reply STOP to opt out", count=1)
    old_line = line_of(desktop)
    other_tab = desktop.context.new_page()
    open_sandbox(other_tab, dev_server.url)
    expect(other_tab.locator("#messages .msg")).to_have_count(2)

    desktop.get_by_role("button", name="New conversation").click()
    expect(desktop.locator("#messages .msg")).to_have_count(0)
    expect(desktop.get_by_text("Say hello to start")).to_be_visible()
    expect(desktop.locator("#status")).to_have_attribute("data-state", "connected")
    new_line = line_of(desktop)
    assert new_line != old_line
    # The other tab of the same browser follows the new conversation.
    expect(other_tab.locator("#line-id")).to_have_text(new_line)
    expect(other_tab.locator("#messages .msg")).to_have_count(0)
    other_tab.close()
    assert server_stream(dev_server.url, old_line) == []  # the old phone was forgotten

    texts = run_triage(desktop, dev_server.url, SPANISH, footer="Hable con una persona al")
    assert_in_order(texts, SPANISH)
    assert line_of(desktop) == new_line
    desktop.screenshot(path=artifacts / "sandbox-desktop-es.png")


def test_texts_are_shown_as_text_with_line_breaks_and_safe_links(
    new_page: NewPage, dev_server: DevServer, artifacts: Path
) -> None:
    page = new_page(**PHONE, color_scheme="dark", reduced_motion="reduce")
    open_sandbox(page, dev_server.url)
    log = page.get_by_role("log")
    assert log.get_attribute("aria-live") == "polite"
    notice = page.locator(".notice")
    expect(notice).to_be_visible()
    expect(notice).to_contain_text("If you need help now, call or text 988")
    expect(notice.get_by_role("link", name="988")).to_have_attribute("href", "tel:988")
    expect(page.get_by_role("button", name="New conversation", exact=True)).to_be_visible()

    box = page.get_by_role("textbox", name="Text message")
    box.press_sequentially("hola")
    expect(page.locator("#count")).to_have_text("4 / 160 · 1 text")
    box.press_sequentially(" ¿cómo está?")
    expect(page.locator("#count")).to_have_text("16 / 70 · 1 text")  # ó, á: a UCS-2 text
    box.fill("")

    lines = [
        "line one",
        '<img src=x onerror="window.hacked=1"> <b>not bold</b>',
        "see https://example.org/a?b=1). and http://plain.example too",
    ]
    for number, text in enumerate(lines):
        if number:
            box.press("Shift+Enter")  # a new line, not a send
        box.press_sequentially(text)
    expect(page.locator("#messages .msg")).to_have_count(0)
    box.press("Enter")
    tricky = "\n".join(lines)

    mine = page.locator("#messages .msg[data-direction=in]")
    expect(mine).to_have_count(1)
    assert mine.locator(".text").text_content() == tricky
    assert mine.locator("img, b").count() == 0
    assert page.evaluate("window.hacked") is None
    links = mine.get_by_role("link")
    expect(links).to_have_count(1)  # http:// is left as text
    assert links.get_attribute("href") == "https://example.org/a?b=1"
    expect(page.locator("#messages .msg[data-direction=out]").first).to_be_visible()
    expect(box).to_have_value("")
    page.screenshot(path=artifacts / "sandbox-phone-dark.png")

    # The quick keyword buttons send their word.
    page.get_by_role("group", name="Quick texts").get_by_role("button", name="MENU").click()
    expect(mine).to_have_count(2)
    expect(mine.nth(1).locator(".text")).to_have_text("MENU")

    # On a phone the guide is a sheet behind the (i) button; Escape closes it.
    about = page.get_by_role("button", name="How the sandbox works")
    about.first.click()
    expect(page.get_by_role("heading", name="Need help now?")).to_be_visible()
    expect(page.locator("#guide-title")).to_be_focused()
    page.screenshot(path=artifacts / "sandbox-phone-guide.png")
    page.keyboard.press("Escape")
    expect(page.locator("#guide")).to_be_hidden()
    expect(about.first).to_be_focused()


class CuttableProxy:
    """A TCP proxy between the browser and the server that the test can cut and restore.

    While cut, open connections are dropped and new ones wait, as on a train
    going through a tunnel. It records the event-stream requests it carries.
    """

    def __init__(self, upstream_port: int) -> None:
        self.upstream_port = upstream_port
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.url = f"http://127.0.0.1:{self.listener.getsockname()[1]}"
        self.connected = threading.Event()
        self.connected.set()
        self.closed = False
        self.sockets: list[socket.socket] = []
        self.stream_requests: list[str] = []
        self.lock = threading.Lock()
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        while True:
            try:
                client, _ = self.listener.accept()
            except OSError:
                return
            threading.Thread(target=self._serve, args=(client,), daemon=True).start()

    def _serve(self, client: socket.socket) -> None:
        self.connected.wait()
        try:
            if self.closed:
                raise OSError("proxy closed")
            upstream = socket.create_connection(("127.0.0.1", self.upstream_port), timeout=5)
            upstream.settimeout(None)
        except OSError:
            client.close()
            return
        with self.lock:
            self.sockets += [client, upstream]
        threading.Thread(target=self._pump, args=(upstream, client), daemon=True).start()
        self._pump(client, upstream, record=True)

    def _pump(self, source: socket.socket, sink: socket.socket, *, record: bool = False) -> None:
        try:
            while data := source.recv(65536):
                if record and data.startswith(b"GET /sandbox/events"):
                    with self.lock:
                        self.stream_requests.append(data.decode("latin-1"))
                sink.sendall(data)
        except OSError:
            pass
        finally:
            for sock in (source, sink):
                with contextlib.suppress(OSError):
                    sock.shutdown(socket.SHUT_RDWR)

    def cut(self) -> None:
        self.connected.clear()
        with self.lock:
            sockets, self.sockets = self.sockets, []
        for sock in sockets:
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)
            sock.close()

    def restore(self) -> None:
        self.connected.set()

    def close(self) -> None:
        self.closed = True
        self.listener.close()
        self.cut()
        self.restore()


@pytest.fixture
def proxy(dev_server: DevServer) -> Iterator[CuttableProxy]:
    cuttable = CuttableProxy(dev_server.port)
    try:
        yield cuttable
    finally:
        cuttable.close()


def test_a_dropped_connection_resumes_from_the_last_text_without_duplicates(
    phone: Page, dev_server: DevServer, proxy: CuttableProxy
) -> None:
    page = phone
    open_sandbox(page, proxy.url)
    text_and_wait(page, "hi", "Reply STOP to opt out", count=1)
    last_seen = conversation(page)[-1]["id"]

    proxy.cut()
    expect(page.locator("#status")).to_have_attribute("data-state", "reconnecting")
    expect(page.locator("#status")).to_contain_text("Reconnecting")
    # Meanwhile the phone's line gets a text the page has not seen (sent around the proxy).
    body = json.dumps({"line": line_of(page), "body": "HELP"}).encode()
    request = urllib.request.Request(
        dev_server.url + "/sandbox/messages",
        data=body,
        headers={"Content-Type": "application/json"},
    )
    with urllib.request.urlopen(request, timeout=10) as response:
        assert response.status == 200
    proxy.restore()

    expect(page.locator("#status")).to_have_attribute("data-state", "connected")
    texts = shows_what_the_server_has(page, dev_server.url)  # each text once, in order
    assert [m["body"] for m in texts[:3]] == ["hi", texts[1]["body"], "HELP"]
    assert len(texts) > 3  # and the answer to HELP
    # The browser resumed where it was (Last-Event-ID), not from the start.
    resumed = [r.lower() for r in proxy.stream_requests[1:]]
    assert any(f"last-event-id: {last_seen}" in r for r in resumed), proxy.stream_requests


def test_ctrl_c_stops_the_worker_and_the_private_redis(tmp_path: Path) -> None:
    # (The module's server is stopped with SIGTERM, and checked the same way.)
    server = DevServer(tmp_path / "output.log").start()
    assert any("redis-server" in p.cmdline for p in server.tracked.values())
    leftovers = server.stop(first=signal.SIGINT)
    assert not leftovers, f"outlived `helpline dev` after Ctrl-C (now ended): {leftovers}"


def test_stopping_with_the_sandbox_page_open_does_not_hang(tmp_path: Path) -> None:
    server = DevServer(tmp_path / "output.log").start()
    assert server.proc is not None
    stream = urllib.request.urlopen(f"{server.url}/sandbox/events?line=page-left-open", timeout=30)
    try:
        assert stream.readline().startswith(b"retry:")  # the page's stream is open
        server.proc.terminate()
        try:
            server.proc.wait(10)
            exited = True
        except subprocess.TimeoutExpired:
            exited = False
    finally:
        stream.close()
        leftovers = server.stop()
    assert not leftovers, f"outlived `helpline dev` (now ended): {leftovers}"
    assert exited, "helpline dev still runs 10 s after SIGTERM while a sandbox page is open"
