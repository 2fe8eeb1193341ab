"""Who is at the console: logging in and out, the login on each request, and form tokens.

The cookie is Starlette's signed session (itsdangerous) holding only a login
token; the login lives in Redis (helpline/console/logins.py). Every POST must
carry the login's form token, so a page elsewhere cannot submit our forms.
"""

from __future__ import annotations

import functools
import hmac
import secrets
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, replace
from typing import Any
from urllib.parse import quote

from starlette.concurrency import run_in_threadpool
from starlette.datastructures import FormData
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from helpline.console.accounts import AccountsFile
from helpline.console.lockout import MAX_LOGIN_FAILURES, Lockout
from helpline.console.logins import Login, Logins, password_mark
from helpline.console.passwords import MAX_PASSWORD_CHARS, hash_password, verify_password
from helpline.keys import LOGIN_FAILURE_WINDOW
from helpline.oncall.roster import Staff
from helpline.runtime import Runtime
from helpline.web.console.pages import flash, render

LOGIN_PATH = "/console/login"
HOME_PATH = "/console/"
CSRF_FIELD = "csrf"
CSRF_HEADER = "x-csrf-token"
MAX_FORM_NAME_CHARS = 80

Page = Callable[[Request, Login], Awaitable[Response]]
FormPage = Callable[[Request, Login, FormData], Awaitable[Response]]


@dataclass
class Gate:
    accounts: AccountsFile
    logins: Logins
    lockout: Lockout
    _dummy_hash: str | None = None

    @classmethod
    def build(cls, runtime: Runtime) -> Gate:
        return cls(
            accounts=AccountsFile(runtime.settings.accounts_path),
            logins=Logins(runtime.redis, runtime.clock),
            lockout=Lockout(runtime.redis, runtime.settings.secret_key),
        )

    def dummy_hash(self) -> str:
        """Checked against when the name is unknown, so a wrong name costs what a wrong
        password does and timing does not tell which names exist."""
        if self._dummy_hash is None:
            self._dummy_hash = hash_password(secrets.token_urlsafe(24))
        return self._dummy_hash


def gate_of(request: Request) -> Gate:
    gate: Gate = request.app.state.console_gate
    return gate


def runtime_of(request: Request) -> Runtime:
    runtime: Runtime = request.app.state.runtime
    return runtime


async def current_login(request: Request) -> Login | None:
    gate = gate_of(request)
    token = request.session.get("token")
    login = await run_in_threadpool(gate.logins.find, token)
    if login is None:
        return None
    account = gate.accounts.current().get(login.name)
    # A removed account, or a new password (someone else may know the old one), ends logins.
    if account is None or not hmac.compare_digest(password_mark(account), login.password_mark):
        await run_in_threadpool(gate.logins.end, token)
        return None
    if account.role is not login.role:
        return replace(login, role=account.role)
    return login


def _to_login(request: Request, *, expired: bool) -> Response:
    target = request.url.path if request.method == "GET" else HOME_PATH
    if expired:
        flash(request, "Your login ended, so nothing was changed. Please log in again.")
    return RedirectResponse(f"{LOGIN_PATH}?next={quote(target)}", status_code=303)


def staff_page(page: Page) -> Callable[[Request], Awaitable[Response]]:
    """A GET page for anyone logged in."""

    @functools.wraps(page)
    async def endpoint(request: Request) -> Response:
        login = await current_login(request)
        if login is None:
            return _to_login(request, expired="token" in request.session)
        return await page(request, login)

    return endpoint


def operator_page(page: Page) -> Callable[[Request], Awaitable[Response]]:
    @functools.wraps(page)
    async def endpoint(request: Request) -> Response:
        login = await current_login(request)
        if login is None:
            return _to_login(request, expired="token" in request.session)
        if not login.is_operator:
            return forbidden(request, login, "This page is for operators.")
        return await page(request, login)

    return endpoint


def staff_form(
    page: FormPage, *, operators_only: bool = False
) -> Callable[[Request], Awaitable[Response]]:
    """A POST: logged in, the right role, and the login's own form token, or nothing changes."""

    @functools.wraps(page)
    async def endpoint(request: Request) -> Response:
        login = await current_login(request)
        if login is None:
            return _to_login(request, expired=True)
        form = await request.form()
        offered = form.get(CSRF_FIELD) or request.headers.get(CSRF_HEADER)
        if not login.csrf_ok(offered if isinstance(offered, str) else None):
            return forbidden(
                request,
                login,
                "This form was out of date or did not come from the console, so nothing was "
                "changed. Go back, reload the page and try again.",
            )
        if operators_only and not login.is_operator:
            return forbidden(request, login, "Only operators can do that.")
        return await page(request, login, form)

    return endpoint


def operator_form(page: FormPage) -> Callable[[Request], Awaitable[Response]]:
    return staff_form(page, operators_only=True)


def roster_staff(request: Request, login: Login) -> Staff | None:
    roster = runtime_of(request).roster.refresh()
    return roster.by_name(login.name) if roster is not None else None


def desk_name(request: Request, login: Login) -> str:
    """The roster's spelling of the login's name (escalations hold it), else the account's."""
    staff = roster_staff(request, login)
    return staff.name if staff is not None else login.name


def forbidden(request: Request, login: Login | None, message: str) -> Response:
    return render(request, "message.html", {"title": "Not allowed", "message": message},
                  login=login, status=403)  # fmt: skip


# --- logging in and out ----------------------------------------------------------------


async def login_page(request: Request) -> Response:
    if await current_login(request) is not None:
        return RedirectResponse(_next(request), status_code=303)
    return _login_form(request)


def _login_form(request: Request, *, error: str | None = None, status: int = 200,
                name: str = "") -> Response:  # fmt: skip
    request.session.pop("token", None)
    token = secrets.token_urlsafe(32)
    request.session["login_csrf"] = token
    return render(
        request,
        "login.html",
        {"login_csrf": token, "error": error, "name": name, "next": _next(request)},
        login=None,
        status=status,
    )


async def login_submit(request: Request) -> Response:
    gate = gate_of(request)
    form = await request.form()
    expected = request.session.get("login_csrf")
    offered = form.get(CSRF_FIELD)
    if not (isinstance(expected, str) and isinstance(offered, str)
            and secrets.compare_digest(expected, offered)):  # fmt: skip
        return _login_form(request, error="The login form expired. Please try again.", status=403)
    name = str(form.get("name", "")).strip()[:MAX_FORM_NAME_CHARS]
    password = str(form.get("password", ""))[:MAX_PASSWORD_CHARS]
    locked_text = (
        f"Too many wrong passwords for this name. Try again in "
        f"{int(LOGIN_FAILURE_WINDOW.total_seconds() // 60)} minutes. You can still answer "
        "pages by text from your phone meanwhile."
    )
    if not name or not password:
        return _login_form(request, error="Enter your name and password.", status=400, name=name)
    if await run_in_threadpool(gate.lockout.locked, name):
        return _login_form(request, error=locked_text, status=429, name=name)
    account = gate.accounts.current().get(name)
    stored = account.password if account else gate.dummy_hash()
    ok = await run_in_threadpool(verify_password, password, stored)
    if account is None or not ok:
        failures = await run_in_threadpool(gate.lockout.failed, name)
        if failures >= MAX_LOGIN_FAILURES:
            return _login_form(request, error=locked_text, status=429, name=name)
        return _login_form(
            request, error="That name and password don't match.", status=401, name=name
        )
    await run_in_threadpool(gate.lockout.cleared, name)
    login = await run_in_threadpool(gate.logins.start, account)
    request.session.clear()  # a fresh cookie: nothing from before the login carries over
    request.session["token"] = login.token
    return RedirectResponse(_next(request, form.get("next")), status_code=303)


async def _logout(request: Request, login: Login, form: FormData) -> Response:
    await run_in_threadpool(gate_of(request).logins.end, login.token)
    request.session.clear()
    flash(request, "You're logged out.")
    return RedirectResponse(LOGIN_PATH, status_code=303)


logout = staff_form(_logout)


def _next(request: Request, offered: Any = None) -> str:
    """Only a console path: a login link must not send anyone off-site."""
    target = offered if isinstance(offered, str) else request.query_params.get("next", "")
    if target.startswith("/console") and "//" not in target and "\\" not in target:
        return target
    return HOME_PATH
