"""The staff console: who needs a person now, one escalation, and taking, replying, closing.

Every change goes through the Desk, exactly as the same action by text does,
so the caller, the other staff paged and the audit trail see no difference.
Blocking the caller (operators only) has no text equivalent: it writes the
blocklist by the escalation's ref and records itself in the same audit trail.
"""

from __future__ import annotations

import logging

from starlette.concurrency import run_in_threadpool
from starlette.datastructures import FormData
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from helpline.blocking import block_caller
from helpline.console import board
from helpline.console.logins import Login
from helpline.escalation.desk import Answer, Handled
from helpline.escalation.model import Escalation
from helpline.web.console.blocklist import MAX_BLOCK_NOTE_CHARS
from helpline.web.console.gate import (
    desk_name,
    forbidden,
    operator_form,
    roster_staff,
    runtime_of,
    staff_form,
    staff_page,
)
from helpline.web.console.pages import flash, render

log = logging.getLogger(__name__)

MAX_REPLY_CHARS = 1_000
"""A reply is a few texts at most; longer belongs in a call."""
MAX_NOTE_CHARS = 2_000
LIVE_REFRESH_SECONDS = 5


@staff_page
async def overview(request: Request, login: Login) -> Response:
    runtime = runtime_of(request)
    now = runtime.clock()
    rows, closed = await run_in_threadpool(
        lambda: (
            board.open_rows(runtime.desk.store, now),
            board.closed_rows(runtime.desk.store, now),
        )
    )
    template = "_open_rows.html" if request.query_params.get("part") == "open" else "overview.html"
    return render(
        request,
        template,
        {"rows": rows, "closed": closed, "refresh": LIVE_REFRESH_SECONDS},
        login=login,
    )


def _esc_id(request: Request) -> int | None:
    raw = request.path_params.get("esc_id", "")
    text = str(raw)
    return int(text) if text.isascii() and text.isdigit() and len(text) < 12 else None


async def _load(request: Request, login: Login) -> Escalation | Response:
    esc_id = _esc_id(request)
    store = runtime_of(request).desk.store
    esc = await run_in_threadpool(store.get, esc_id) if esc_id is not None else None
    if esc is None:
        return render(
            request,
            "message.html",
            {"title": "Not found", "message": "There is no such escalation (or it has expired)."},
            login=login,
            status=404,
        )
    if not board.may_open(esc, desk_name(request, login)):
        return forbidden(
            request, login, f"#{esc.code} is with {esc.holder}. Only {esc.holder} can open it now."
        )
    return esc


@staff_page
async def detail(request: Request, login: Login) -> Response:
    loaded = await _load(request, login)
    if isinstance(loaded, Response):
        return loaded
    runtime = runtime_of(request)
    esc = loaded
    readable = board.may_read_transcript(esc, desk_name(request, login))
    entries = await run_in_threadpool(board.transcript, runtime.desk.store, esc) if readable else []
    template = "_transcript.html" if request.query_params.get("part") == "transcript" else (
        "escalation.html"
    )  # fmt: skip
    now = runtime.clock()
    blocked = (
        login.is_operator
        and template == "escalation.html"  # not on every refresh of the transcript
        and await run_in_threadpool(runtime.blocklist.blocks, esc.ref)
    )
    return render(
        request,
        template,
        {
            "esc": esc,
            "blocked": blocked,
            "max_block_note": MAX_BLOCK_NOTE_CHARS,
            "row": board.Row(esc, (esc.closed_at or now) - esc.opened_at, board.where_it_is(esc)),
            "entries": entries,
            "readable": readable,
            "on_roster": roster_staff(request, login) is not None,
            "refresh": LIVE_REFRESH_SECONDS,
            "max_reply": MAX_REPLY_CHARS,
            "max_note": MAX_NOTE_CHARS,
        },
        login=login,
    )


def _back(esc_id: int, text: str, request: Request) -> Response:
    flash(request, text)
    return RedirectResponse(f"/console/escalations/{esc_id}", status_code=303)


def _refusal(handled: Handled, code: int) -> str | None:
    esc = handled.escalation
    match handled.answer:
        case Answer.UNKNOWN:
            return f"There is no escalation #{code}."
        case Answer.ALREADY_CLOSED:
            return f"#{code} is already closed. Nothing was changed."
        case Answer.HELD_BY_OTHER:
            return f"#{code} is with {esc.holder if esc else 'someone else'}. Nothing was changed."
        case Answer.NOT_TAKEN:
            return f"Take #{code} first; then your replies go to the caller."
    return None


def _answered(request: Request, login: Login, handled: Handled, esc_id: int,
              done: str) -> Response:  # fmt: skip
    """Back to the escalation with `done` or why not; someone else's escalation is a 403."""
    refusal = _refusal(handled, esc_id)
    if handled.answer is Answer.HELD_BY_OTHER:
        return forbidden(request, login, refusal or "")
    return _back(esc_id, refusal or done, request)


async def _not_on_roster(request: Request, login: Login) -> Response:
    return forbidden(
        request,
        login,
        f"Your console name, {login.name}, is not in the on-call roster, so the helpline "
        "cannot send as you. Ask an operator to use the same name in both.",
    )


async def _take(request: Request, login: Login, form: FormData) -> Response:
    esc_id = _esc_id(request)
    staff = roster_staff(request, login)
    if esc_id is None:
        return forbidden(request, login, "There is no such escalation.")
    if staff is None:
        return await _not_on_roster(request, login)
    handled = await run_in_threadpool(runtime_of(request).desk.take_escalation, staff, esc_id)
    if handled.answer is Answer.ALREADY_YOURS:
        return _back(esc_id, f"#{esc_id} is already yours.", request)
    return _answered(
        request,
        login,
        handled,
        esc_id,
        f"You have #{esc_id}. The caller was told a person is here; what you send below goes "
        "to them from the helpline number.",
    )


async def _reply(request: Request, login: Login, form: FormData) -> Response:
    esc_id, staff = _esc_id(request), roster_staff(request, login)
    body = str(form.get("body", "")).strip()
    if esc_id is None:
        return forbidden(request, login, "There is no such escalation.")
    if staff is None:
        return await _not_on_roster(request, login)
    if not body:
        return _back(esc_id, "Write something to send first.", request)
    if len(body) > MAX_REPLY_CHARS:
        return _back(esc_id, f"That is over {MAX_REPLY_CHARS} characters; nothing was sent.",
                     request)  # fmt: skip
    handled = await run_in_threadpool(runtime_of(request).desk.reply, staff, esc_id, body)
    return _answered(request, login, handled, esc_id, "Sent.")


async def _note(request: Request, login: Login, form: FormData) -> Response:
    esc_id = _esc_id(request)
    body = str(form.get("body", "")).strip()
    if esc_id is None:
        return forbidden(request, login, "There is no such escalation.")
    if not body or len(body) > MAX_NOTE_CHARS:
        return _back(esc_id, f"A note is 1 to {MAX_NOTE_CHARS} characters; nothing was saved.",
                     request)  # fmt: skip
    name = desk_name(request, login)
    handled = await run_in_threadpool(runtime_of(request).desk.add_note, name, esc_id, body)
    return _answered(request, login, handled, esc_id, "Note saved. Only staff see notes.")


async def _close(request: Request, login: Login, form: FormData) -> Response:
    esc_id = _esc_id(request)
    if esc_id is None:
        return forbidden(request, login, "There is no such escalation.")
    staff = roster_staff(request, login)
    if staff is None:  # closing sends the caller back to the bot: only someone on call may
        return await _not_on_roster(request, login)
    desk = runtime_of(request).desk
    handled = await run_in_threadpool(
        lambda: desk.close_escalation(staff.name, esc_id, holder_only=True)
    )
    refusal = _refusal(handled, esc_id)
    if handled.answer is Answer.HELD_BY_OTHER:
        return forbidden(request, login, refusal or "")
    if refusal is not None:
        return _back(esc_id, refusal, request)
    flash(request, f"#{esc_id} is closed. The caller is back with the automatic texts.")
    return RedirectResponse("/console/", status_code=303)


async def _block(request: Request, login: Login, form: FormData) -> Response:
    loaded = await _load(request, login)  # the same holder rule as opening the page
    if isinstance(loaded, Response):
        return loaded
    esc = loaded
    note = str(form.get("note", "")).strip()
    if len(note) > MAX_BLOCK_NOTE_CHARS:
        return _back(esc.id, f"A note is at most {MAX_BLOCK_NOTE_CHARS} characters; nothing "
                     "was blocked.", request)  # fmt: skip
    name = desk_name(request, login)
    await run_in_threadpool(block_caller, runtime_of(request), esc, note, name)
    log.info("caller blocked from the console", extra={"esc": esc.id, "ref": esc.ref})
    text = (
        f"Blocked the caller {esc.masked}: their texts reach no one now, and #{esc.code} is "
        "closed. Unblock them on the Blocklist page."
    )
    return _back(esc.id, text, request)


take = staff_form(_take)
reply = staff_form(_reply)
note = staff_form(_note)
close = staff_form(_close)
block = operator_form(_block)
