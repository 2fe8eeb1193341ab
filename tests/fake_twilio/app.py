"""Twilio's 2010 REST API for Messages and Calls, faked as a Starlette app (twilio.md §8).

It checks what the real API checks that matters to us (credentials, required and
conditional keys, lengths, E.164, opted-out and magic test numbers), answers in
Twilio's shapes (legacy error JSON; success bodies validated against the OpenAPI
schemas), and records every request so tests can assert on what was sent.

Error codes: those in twilio.md §4.4/§8 are from Twilio's docs or test-credential
table; 21602/21603/21604/21212/21623/21201/21213 are the dictionary entries for
the same mistakes; 90007 (validity period) and 21200 (Calls catch-all) were read
on Twilio's error pages.
"""

from __future__ import annotations

import asyncio
import base64
import binascii
import email.utils
import time
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import replace
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlencode

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from helpline.engine.segments import count_segments
from tests.fake_twilio import spec
from tests.fake_twilio.state import (
    FakeState,
    Incoming,
    Pairs,
    RecordedCall,
    RecordedMessage,
    RecordedRequest,
    TwilioError,
)

MAX_BODY, MAX_MEDIA, MAX_TWIML, MAX_VALIDITY = 1600, 10, 4000, 36000

# Twilio's test-credential magic numbers (twilio.md §8): To -> (code, message). The
# messages quote the number as Twilio's do, so tests can prove callers never log them.
MAGIC_TO: dict[str, tuple[int, str]] = {
    "+15005550001": (21211, "The 'To' number {to} is not a valid phone number."),
    "+15005550002": (21612, "The 'To' phone number: {to}, is not currently reachable via SMS."),
    "+15005550003": (
        21408,
        "Permission to send an SMS has not been enabled for the region "
        "indicated by the 'To' number: {to}.",
    ),
    "+15005550004": (21610, "Attempt to send to unsubscribed recipient"),
    "+15005550009": (21614, "'To' number {to} is not a valid mobile number"),
}
MAGIC_CALL_TO: dict[str, tuple[int, str]] = {
    "+15005550004": (21216, "Account not allowed to call {to}"),
}


def now_rfc2822() -> str:
    return email.utils.format_datetime(datetime.now(UTC))


def new_sid(prefix: str) -> str:
    return prefix + uuid.uuid4().hex


def check_credentials(state: FakeState, authorization: str | None, account: str) -> None:
    scheme, _, encoded = (authorization or "").partition(" ")
    try:
        user, _, password = base64.b64decode(encoded, validate=True).decode().partition(":")
    except (binascii.Error, UnicodeDecodeError):
        user = password = ""
    if scheme.lower() != "basic" or (user, password) != (state.account_sid, state.auth_token):
        raise TwilioError(401, 20003, "Authenticate")
    if account != state.account_sid:
        raise TwilioError(404, 20404, f"The requested resource {account} was not found")


def record_unknown_keys(state: FakeState, label: str, path: str, form: Pairs) -> None:
    allowed = spec.form_keys(path)
    unknown = [f"{label}: unknown form key {k!r}" for k, _ in form if k not in allowed]
    if unknown:
        with state.lock:
            state.unknown_params.extend(unknown)


def conform(state: FakeState, schema_name: str, payload: dict[str, Any]) -> dict[str, Any]:
    """Return `payload` if it matches the spec; record drift and answer 500 if not."""
    problems = spec.schema_problems(schema_name, payload)
    if problems:
        with state.lock:
            state.schema_errors.extend(problems)
        raise TwilioError(500, 20500, "fake Twilio answer does not match the spec")
    return payload


def parse_validity(value: str | None) -> int | None:
    if value is None:
        return None
    if not value.isdigit() or not 1 <= int(value) <= MAX_VALIDITY:
        raise TwilioError(400, 90007, "Invalid validity period value")
    return int(value)


def check_message_request(state: FakeState, req: Incoming) -> tuple[str, int | None]:
    """Apply the checks Twilio makes on a new message; return (To, ValidityPeriod)."""
    to, body, media = req.first("To"), req.first("Body"), req.all("MediaUrl")
    if not to:
        raise TwilioError(400, 21604, "A 'To' phone number is required.")
    if not (req.first("From") or req.first("MessagingServiceSid")):
        raise TwilioError(400, 21603, "A 'From' phone number is required.")
    if not (body or media or req.first("ContentSid")):
        raise TwilioError(400, 21602, "Message body is required.")
    if body is not None and len(body) > MAX_BODY:
        raise TwilioError(
            400, 21617, "The concatenated message body exceeds the 1600 character limit."
        )
    if len(media) > MAX_MEDIA:
        raise TwilioError(400, 21623, "Number of media files exceeds allowed limit.")
    validity = parse_validity(req.first("ValidityPeriod"))
    from_ = req.first("From")
    if from_ is not None and not spec.E164.match(from_):
        raise TwilioError(400, 21212, f"The 'From' number {from_} is not a valid phone number.")
    if not spec.E164.match(to):
        raise TwilioError(400, 21211, f"The 'To' number {to} is not a valid phone number.")
    if to in MAGIC_TO:
        code, message = MAGIC_TO[to]
        raise TwilioError(400, code, message.format(to=to))
    with state.lock:
        if to in state.opted_out:
            raise TwilioError(400, 21610, "Attempt to send to unsubscribed recipient")
    return to, validity


def create_message(state: FakeState, req: Incoming) -> tuple[int, dict[str, Any]]:
    record_unknown_keys(state, "POST Messages.json", "/Messages.json", req.form)
    to, validity = check_message_request(state, req)
    sid, now, body, from_ = new_sid("SM"), now_rfc2822(), req.first("Body"), req.first("From")
    service = req.first("MessagingServiceSid")
    uri = f"/2010-04-01/Accounts/{req.account}/Messages/{sid}"
    resource = conform(
        state,
        spec.MESSAGE_SCHEMA,
        {
            "account_sid": req.account,
            "api_version": "2010-04-01",
            "body": body,
            "date_created": now,
            "date_sent": None,
            "date_updated": now,
            "direction": "outbound-api",
            "error_code": None,
            "error_message": None,
            "from": from_,
            "messaging_service_sid": service,
            "num_media": str(len(req.all("MediaUrl"))),
            # With a Messaging Service and no From, no sender is chosen yet: "0" segments.
            "num_segments": str(count_segments(body or "")) if from_ else "0",
            "price": None,
            "price_unit": "USD",
            "sid": sid,
            "status": "queued" if from_ else "accepted",
            "subresource_uris": {"media": uri + "/Media.json"},
            "to": to,
            "uri": uri + ".json",
        },
    )
    message = RecordedMessage(
        sid=sid,
        to=to,
        from_=from_,
        body=body,
        validity_period=validity,
        status_callback=req.first("StatusCallback"),
        form=req.form,
        received_at=req.received_at,
    )
    with state.lock:
        state.messages[sid] = message
        state.message_resources[sid] = resource
    return 201, resource


def fetch_message(state: FakeState, req: Incoming) -> tuple[int, dict[str, Any]]:
    with state.lock:
        resource = dict(state.message_resources.get(req.sid or "") or {})
    if not resource:
        raise TwilioError(404, 20404, f"The requested resource {req.sid} was not found")
    return 200, conform(state, spec.MESSAGE_SCHEMA, resource)


def update_message(state: FakeState, req: Incoming) -> tuple[int, dict[str, Any]]:
    record_unknown_keys(state, "POST Messages/{Sid}.json", "/Messages/{Sid}.json", req.form)
    status = req.first("Status")
    if status is not None and status not in spec.enum("message_enum_update_status"):
        raise TwilioError(400, 21200, f"Invalid Status {status}")
    with state.lock:
        resource = state.message_resources.get(req.sid or "")
        if resource is not None and status is not None:
            resource.update(status=status, date_updated=now_rfc2822())
    return fetch_message(state, req)


def list_messages(state: FakeState, req: Incoming) -> tuple[int, dict[str, Any]]:
    to, from_ = req.first("To", query=True), req.first("From", query=True)
    size = int(req.first("PageSize", query=True) or 50)
    page = int(req.first("Page", query=True) or 0)
    with state.lock:
        found = [
            dict(r)
            for r in reversed(state.message_resources.values())  # newest first
            if (to is None or r["to"] == to) and (from_ is None or r["from"] == from_)
        ]
    base = f"/2010-04-01/Accounts/{req.account}/Messages.json?"
    filters = [(k, v) for k, v in (("To", to), ("From", from_)) if v is not None]

    def page_uri(n: int) -> str:
        return base + urlencode([*filters, ("PageSize", str(size)), ("Page", str(n))])

    items = [conform(state, spec.MESSAGE_SCHEMA, r) for r in found[page * size : (page + 1) * size]]
    return 200, {
        "messages": items,
        "page": page,
        "page_size": size,
        "start": page * size,
        "end": page * size + max(len(items) - 1, 0),
        "uri": page_uri(page),
        "first_page_uri": page_uri(0),
        "next_page_uri": page_uri(page + 1) if (page + 1) * size < len(found) else None,
        "previous_page_uri": page_uri(page - 1) if page > 0 else None,
    }


def check_twiml(twiml: str | None) -> None:
    if twiml is not None and len(twiml) > MAX_TWIML:
        raise TwilioError(400, 21200, f"Twiml is longer than {MAX_TWIML} characters")


def create_call(state: FakeState, req: Incoming) -> tuple[int, dict[str, Any]]:
    record_unknown_keys(state, "POST Calls.json", "/Calls.json", req.form)
    to, from_, url, twiml = req.first("To"), req.first("From"), req.first("Url"), req.first("Twiml")
    if not to:
        raise TwilioError(400, 21201, "No 'To' number is specified")
    if not from_:
        raise TwilioError(400, 21213, "Caller phone number is required")
    if not (url or twiml or req.first("ApplicationSid")):
        raise TwilioError(400, 21200, "A call needs Url, Twiml or ApplicationSid")
    check_twiml(twiml)
    if not spec.E164.match(to):
        raise TwilioError(400, 21211, f"The 'To' number {to} is not a valid phone number.")
    if to in MAGIC_CALL_TO:
        code, message = MAGIC_CALL_TO[to]
        raise TwilioError(400, code, message.format(to=to))
    sid, now = new_sid("CA"), now_rfc2822()
    uri = f"/2010-04-01/Accounts/{req.account}/Calls/{sid}"
    resource = conform(
        state,
        spec.CALL_SCHEMA,
        {
            "account_sid": req.account,
            "answered_by": None,
            "api_version": "2010-04-01",
            "caller_name": None,
            "date_created": now,
            "date_updated": now,
            "direction": "outbound-api",
            "duration": None,
            "end_time": None,
            "forwarded_from": None,
            "from": from_,
            "from_formatted": from_,
            "group_sid": None,
            "parent_call_sid": None,
            "phone_number_sid": None,
            "price": None,
            "price_unit": "USD",
            "queue_time": "0",
            "sid": sid,
            "start_time": None,
            "status": "queued",
            "subresource_uris": {"recordings": uri + "/Recordings.json"},
            "to": to,
            "to_formatted": to,
            "trunk_sid": None,
            "uri": uri + ".json",
        },
    )
    call = RecordedCall(
        sid=sid,
        to=to,
        from_=from_,
        url=url,
        twiml=twiml,
        status_callback=req.first("StatusCallback"),
        form=req.form,
    )
    with state.lock:
        state.calls[sid] = call
        state.call_resources[sid] = resource
    return 201, resource


def fetch_call(state: FakeState, req: Incoming) -> tuple[int, dict[str, Any]]:
    with state.lock:
        resource = dict(state.call_resources.get(req.sid or "") or {})
    if not resource:
        raise TwilioError(404, 20404, f"The requested resource {req.sid} was not found")
    return 200, conform(state, spec.CALL_SCHEMA, resource)


def update_call(state: FakeState, req: Incoming) -> tuple[int, dict[str, Any]]:
    """Status=completed|canceled hangs up; Url/Twiml redirects (recorded in `updates`)."""
    record_unknown_keys(state, "POST Calls/{Sid}.json", "/Calls/{Sid}.json", req.form)
    status = req.first("Status")
    if status is not None and status not in spec.enum("call_enum_update_status"):
        raise TwilioError(400, 21200, f"Invalid Status {status}")
    check_twiml(req.first("Twiml"))
    with state.lock:
        call, resource = state.calls.get(req.sid or ""), state.call_resources.get(req.sid or "")
        if call is not None and resource is not None:
            state.calls[call.sid] = replace(call, updates=(*call.updates, req.form))
            resource["date_updated"] = now_rfc2822()
            if status is not None:
                resource["status"] = status
    return fetch_call(state, req)


Handler = Callable[[FakeState, Incoming], tuple[int, dict[str, Any]]]


def endpoint(state: FakeState, handler: Handler) -> Callable[[Request], Awaitable[Response]]:
    """Wrap a handler with what every Twilio endpoint does: auth, faults, recording."""

    async def run(request: Request) -> Response:
        received_at = time.time()
        form = tuple((k, v) for k, v in (await request.form()).multi_items() if isinstance(v, str))
        req = Incoming(
            account=request.path_params["AccountSid"],
            form=form,
            sid=request.path_params.get("Sid"),
            query=tuple(request.query_params.multi_items()),
            received_at=received_at,
        )
        try:
            check_credentials(state, request.headers.get("authorization"), req.account)
            fault = state.take_fault(request.url.path, form)
            if fault is not None:
                await asyncio.sleep(fault.delay)  # long enough and the client times out
                if fault.status >= 400:
                    raise TwilioError(fault.status, fault.code, fault.message)
            status, payload = handler(state, req)
        except TwilioError as exc:
            status, payload = exc.status, exc.body()
        headers = {k: v for k, v in request.headers.items() if k != "authorization"}
        with state.lock:
            state.requests.append(
                RecordedRequest(
                    method=request.method,
                    path=request.url.path,
                    query=request.url.query,
                    form=form,
                    headers=headers,
                    status=status,
                )
            )
        return JSONResponse(payload, status_code=status)

    return run


def create_app(state: FakeState) -> Starlette:
    account = spec.ACCOUNT
    routes = [
        (account + "/Messages.json", "POST", create_message),
        (account + "/Messages.json", "GET", list_messages),
        (account + "/Messages/{Sid}.json", "GET", fetch_message),
        (account + "/Messages/{Sid}.json", "POST", update_message),
        (account + "/Calls.json", "POST", create_call),
        (account + "/Calls/{Sid}.json", "GET", fetch_call),
        (account + "/Calls/{Sid}.json", "POST", update_call),
    ]
    return Starlette(
        routes=[
            Route(path, endpoint(state, handler), methods=[method])
            for path, method, handler in routes
        ]
    )
