"""Console accounts and a logged-in HTTP client, for tests of /console."""

from __future__ import annotations

import re
from http.cookiejar import CookieJar, DefaultCookiePolicy
from pathlib import Path

import httpx

from helpline.console.accounts import Accounts, Role
from helpline.settings import Settings

PASSWORD = "a long night shift passphrase"
OPERATOR_PASSWORD = "the operators' own passphrase"
_CSRF = re.compile(r'name="csrf" value="([^"]+)"')


def add_accounts(settings: Settings) -> Path:
    """Sam and Dana (staff, as on the test roster) and Olive (operator)."""
    (
        Accounts.load(settings.accounts_path)
        .with_account("Sam", Role.STAFF, PASSWORD)
        .with_account("Dana", Role.STAFF, PASSWORD)
        .with_account("Olive", Role.OPERATOR, OPERATOR_PASSWORD)
        .save()
    )
    return settings.accounts_path


def csrf_of(html: str) -> str:
    found = _CSRF.search(html)
    assert found is not None, "the page has no form token"
    return found.group(1)


class Console:
    """One browser's worth of cookies at the console, speaking plain HTTP."""

    def __init__(self, app_url: str) -> None:
        # The cookie is Secure (the public URL is https); the test server is plain http on
        # 127.0.0.1, where browsers send Secure cookies too. httpx's per-request jar would
        # drop it, so this client keeps its own jar and sends the Cookie header itself.
        self.jar = CookieJar(policy=DefaultCookiePolicy(secure_protocols=("https", "http")))
        self.http = httpx.Client(
            base_url=app_url, follow_redirects=False, timeout=10, cookies=self.jar
        )
        self.csrf = ""

    def login(self, name: str, password: str) -> httpx.Response:
        page = self.get("/console/login")
        response = self.http.post(
            "/console/login",
            data={"name": name, "password": password, "csrf": csrf_of(page.text)},
            headers=self.cookie_header(),
        )
        if response.status_code == 303:
            self.csrf = csrf_of(self.get("/console/").text)
        return response

    def cookie_header(self) -> dict[str, str]:
        return {"Cookie": "; ".join(f"{c.name}={c.value}" for c in self.jar)} if self.jar else {}

    def get(self, path: str) -> httpx.Response:
        return self.http.get(path, headers=self.cookie_header())

    def post(self, path: str, data: dict[str, str] | None = None, *,
             csrf: str | None = None) -> httpx.Response:  # fmt: skip
        form = {"csrf": self.csrf if csrf is None else csrf, **(data or {})}
        return self.http.post(path, data=form, headers=self.cookie_header())

    def close(self) -> None:
        self.http.close()
