"""What staff read: pages, confirmations and relayed messages. Short, plain, in English.

Staff never see a caller's number (only "…1234") and callers never see a
staff member's: both only ever see the helpline number.
"""

from __future__ import annotations

from helpline.escalation.model import Escalation

LANGUAGE_NAMES = {"en": "English", "es": "Spanish"}
REASONS = {
    "crisis_suicide": "CRISIS: suicide words",
    "crisis_self_harm": "CRISIS: self-harm words",
    "crisis_overdose": "CRISIS: overdose words",
    "crisis_not_safe": "CRISIS: says not safe",
    "asked_for_person": "asked for a person",
    "not_safe": "said they are not safe",
    "unclear_replies": "bot could not understand them",
    "missed_call": "MISSED CALL, nobody took the transfer",
}
RELAY_PREVIEW_CHARS = 300
"""How much of the caller's last words a taker is shown at once."""


def reason_text(reason: str) -> str:
    return REASONS.get(reason, reason.replace("_", " "))


def language_name(code: str) -> str:
    return LANGUAGE_NAMES.get(code, code)


def page_text(esc: Escalation, helpline_name: str) -> str:
    return (
        f"{helpline_name} #{esc.code}: {reason_text(esc.reason)}. Caller {esc.masked}, "
        f"{language_name(esc.language)}. Reply {esc.code}a to take it, {esc.code}c to close."
    )


def page_speech(esc: Escalation, helpline_name: str) -> str:
    digits = " ".join(esc.code)
    return (
        f"This is {helpline_name}. Escalation {digits}: {reason_text(esc.reason)}. "
        f"The caller writes in {language_name(esc.language)}. Press 1 to take it."
    )


def taken_reply(esc: Escalation, last_words: list[str]) -> str:
    said = ""
    if last_words:
        quoted = " / ".join(last_words)[-RELAY_PREVIEW_CHARS:]
        said = f' They wrote: "{quoted}".'
    return (
        f"You have #{esc.code} ({esc.masked}, {language_name(esc.language)}).{said} "
        f"Your texts now go to them from the helpline number. Reply {esc.code}c to close."
        + (CALL_BACK if esc.extra.get("channel") == "call" else "")
    )


CALL_BACK = " To call them back, call the helpline number from this phone."


def taken_by_other(esc: Escalation) -> str:
    return f"#{esc.code} is already taken by {esc.holder}. Thank you."


def taken_notice(esc: Escalation) -> str:
    return f"#{esc.code} was taken by {esc.holder}. No need to reply."


def closed_reply(esc: Escalation) -> str:
    return f"#{esc.code} is closed. The caller is back with the automatic texts."


def closed_notice(esc: Escalation, by: str) -> str:
    return f"#{esc.code} was closed by {by}."


def already_closed(code: int) -> str:
    return f"#{code} is already closed. Nothing to do."


def unknown_code(code: int | None) -> str:
    if code is None:
        return "There is no escalation for you to answer right now."
    return f"There is no escalation #{code}. Codes look like 12a (take) or 12c (close)."


def not_talking() -> str:
    return (
        "You are not talking with a caller right now, so this was not sent. "
        "To take an escalation, reply its code and a, like 12a."
    )


def caller_opted_out(esc: Escalation) -> str:
    return f"#{esc.code}: the caller texted STOP. We can't text them anymore; it is closed."


def caller_blocked(esc: Escalation, by: str) -> str:
    return (
        f"#{esc.code} is closed: {by} blocked the caller's number. Their texts no longer reach us."
    )


UNDELIVERED_WHY = {
    "21610": "they have opted out with STOP",
    "21614": "their number is a landline",
    "30003": "their phone is off or out of reach",
    "30005": "their number no longer exists",
    "30006": "their number is a landline",
    "30007": "their carrier filtered it",
}
"""Twilio error codes as staff need them: why a text did not reach the caller."""


def relay_not_delivered(esc: Escalation, code: str | None) -> str:
    why = UNDELIVERED_WHY.get(code or "", f"Twilio error {code}" if code else "no reason given")
    return f"#{esc.code}: your last text did not reach the caller ({why})."


def relayed(esc: Escalation, body: str) -> str:
    return f"#{esc.code} {esc.masked}: {body}"


def not_on_roster() -> str:
    return "This phone is not on the on-call roster now, so it can't take escalations."
