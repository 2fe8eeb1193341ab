"""Operators' blocklist page: who is blocked (last four digits, note, since), block a
number or the caller of an escalation, unblock one. The page never shows a number: rows
carry the entry's ref.

Blocking by escalation number is for the caller who harasses the staff member holding
their escalation: the operator cannot open a held escalation's page, and never has the
number, but the staff member can tell them "#12"."""

from __future__ import annotations

import logging
import re

from starlette.concurrency import run_in_threadpool
from starlette.datastructures import FormData
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from helpline.blocking import block_caller, block_number
from helpline.console.logins import Login
from helpline.errors import ConfigError
from helpline.privacy import REF_HEX_CHARS
from helpline.settings import e164
from helpline.web.console.gate import desk_name, operator_form, operator_page, runtime_of
from helpline.web.console.pages import flash, render

log = logging.getLogger(__name__)

PATH = "/console/blocklist"
MAX_NUMBER_CHARS = 40
"""Longer than any way of writing one phone number."""
MAX_BLOCK_NOTE_CHARS = 500
"""A line or two of why, for other operators."""
MAX_ESCALATION_DIGITS = 9
"""Escalation numbers count up from 1; more digits than this was never one."""
_REF = re.compile(f"[0-9a-f]{{{REF_HEX_CHARS}}}")


async def _page(request: Request, login: Login, *, error: str | None = None, note: str = "",
                status: int = 200) -> Response:  # fmt: skip
    entries = await run_in_threadpool(runtime_of(request).blocklist.entries)
    return render(
        request,
        "blocklist.html",
        {"entries": entries, "error": error, "note": note, "max_note": MAX_BLOCK_NOTE_CHARS,
         "max_number": MAX_NUMBER_CHARS},
        login=login,
        status=status,
    )  # fmt: skip


@operator_page
async def entries(request: Request, login: Login) -> Response:
    return await _page(request, login)


async def _add(request: Request, login: Login, form: FormData) -> Response:
    typed = str(form.get("number", "")).strip()
    note = str(form.get("note", "")).strip()
    if len(note) > MAX_BLOCK_NOTE_CHARS:
        error = f"A note is at most {MAX_BLOCK_NOTE_CHARS} characters. Nothing was blocked."
        return await _page(request, login, error=error, note=note[:MAX_BLOCK_NOTE_CHARS],
                           status=400)  # fmt: skip
    number = _normalised(typed)
    if number is None:
        # The typed text is not shown again: it may be most of a real number.
        error = (
            "That is not a phone number. Write it with its area code, like 206-555-0123 "
            "or +12065550123. Nothing was blocked."
        )
        return await _page(request, login, error=error, note=note, status=400)
    runtime = runtime_of(request)
    entry = await run_in_threadpool(block_number, runtime, number, note, desk_name(request, login))
    log.info("number blocked from the console", extra={"ref": entry.ref, "by": login.name})
    flash(request, f"Blocked {entry.shown}: its texts reach no one now.")
    return RedirectResponse(PATH, status_code=303)


async def _add_escalation(request: Request, login: Login, form: FormData) -> Response:
    typed = str(form.get("escalation", "")).strip().lstrip("#")
    note = str(form.get("note", "")).strip()
    if len(note) > MAX_BLOCK_NOTE_CHARS:
        error = f"A note is at most {MAX_BLOCK_NOTE_CHARS} characters. Nothing was blocked."
        return await _page(request, login, error=error, status=400)
    runtime = runtime_of(request)
    esc_id = int(typed) if typed.isdigit() and len(typed) <= MAX_ESCALATION_DIGITS else None
    esc = await run_in_threadpool(runtime.desk.store.get, esc_id) if esc_id else None
    if esc is None:
        # What was typed is not shown again: it may be a phone number typed in the wrong box.
        error = "There is no escalation with that number (or it has expired)."
        return await _page(request, login, error=error + " Nothing was blocked.", status=400)
    await run_in_threadpool(block_caller, runtime, esc, note, desk_name(request, login))
    log.info("caller blocked from the console", extra={"esc": esc.id, "ref": esc.ref})
    flash(request, f"Blocked the caller of #{esc.id} ({esc.masked}): their texts reach no one "
                   "now, and the escalation is closed.")  # fmt: skip
    return RedirectResponse(PATH, status_code=303)


async def _remove(request: Request, login: Login, form: FormData) -> Response:
    ref = str(form.get("ref", ""))
    runtime = runtime_of(request)
    removed = None
    if _REF.fullmatch(ref):  # anything else came from no row of ours
        removed = await run_in_threadpool(runtime.blocklist.remove_ref, ref)
    if removed is None:
        flash(request, "That number was not on the blocklist (someone may have just "
                       "unblocked it). Nothing was changed.")  # fmt: skip
    else:
        log.info("number unblocked from the console", extra={"ref": ref, "by": login.name})
        flash(request, f"Unblocked {removed.shown}: its texts get replies again.")
    return RedirectResponse(PATH, status_code=303)


def _normalised(typed: str) -> str | None:
    """E.164, exactly as `helpline blocklist add` normalises it; None if it is no number."""
    if not typed or len(typed) > MAX_NUMBER_CHARS:
        return None
    try:
        return e164(typed, "number")
    except ConfigError:
        return None


add = operator_form(_add)
add_escalation = operator_form(_add_escalation)
remove = operator_form(_remove)
