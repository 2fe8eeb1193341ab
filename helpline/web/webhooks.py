"""What every /twilio/* route does first: size limits, form parsing, signature check."""

from __future__ import annotations

from starlette.datastructures import FormData
from starlette.requests import Request

from helpline.errors import BadWebhook, SignatureInvalid
from helpline.runtime import Runtime
from helpline.telephony.signature import SignatureChecker, public_url

MAX_WEBHOOK_BYTES = 64 * 1024
"""Twilio's SMS webhooks are a few KB (a 1,600-character body, ~25 fields); more is not Twilio."""

MAX_WEBHOOK_FIELDS = 200


def signature_checker(runtime: Runtime) -> SignatureChecker:
    # The secondary token is accepted too, so the auth token can rotate without downtime.
    return SignatureChecker(runtime.settings.signature_tokens)


async def twilio_form(
    request: Request, checker: SignatureChecker, base_url: str | None
) -> FormData:
    """The verified form, or SignatureInvalid (403) / BadWebhook (400, 413)."""
    length = request.headers.get("content-length")
    if length is not None and (not length.isdigit() or int(length) > MAX_WEBHOOK_BYTES):
        raise BadWebhook("request body too large", status_code=413)
    body = await request.body()
    if len(body) > MAX_WEBHOOK_BYTES:
        raise BadWebhook("request body too large", status_code=413)
    try:
        form = await request.form(max_files=0, max_fields=MAX_WEBHOOK_FIELDS)
    except Exception as exc:  # starlette raises several kinds for a malformed body
        raise BadWebhook(f"malformed form body ({type(exc).__name__})") from None
    if base_url is None:
        raise SignatureInvalid("no public URL or auth token: webhooks cannot be verified")
    url = public_url(request.scope, base_url)
    signature = request.headers.get("x-twilio-signature", "")
    if not checker.valid(url, form, signature, request.headers):
        raise SignatureInvalid("X-Twilio-Signature does not match")
    return form


def required(form: FormData, *names: str) -> list[str]:
    """The named fields as strings; BadWebhook names the first one missing."""
    values = []
    for name in names:
        value = form.get(name)
        if not isinstance(value, str):
            raise BadWebhook(f"missing {name}")
        values.append(value)
    return values
