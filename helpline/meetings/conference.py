"""Online meeting links and dial-in numbers a caller can actually use.

A link counts only if it goes straight into a known video service (the list the
Meeting Guide app and the TSML plugin share); a page that explains how to get
the link is not a meeting. A dial-in counts only with at least ten digits.
"""

from __future__ import annotations

import re
from urllib.parse import urlsplit, urlunsplit

PROVIDERS: dict[str, str] = {
    "bluejeans.com": "BlueJeans",
    "discord.gg": "Discord",
    "freeconference.com": "Free Conference",
    "freeconferencecall.com": "FreeConferenceCall",
    "goto.com": "GoTo",
    "gotomeet.me": "GoTo",
    "gotomeeting.com": "GoTo",
    "horizon.meta.com": "Virtual Reality",
    "maps.secondlife.com": "Virtual Reality",
    "meet.google.com": "Google Meet",
    "meet.jit.si": "Jitsi",
    "meetings.dialpad.com": "Dialpad",
    "signal.group": "Signal",
    "skype.com": "Skype",
    "slurl.com": "Virtual Reality",
    "teams.live.com": "Teams",
    "teams.microsoft.com": "Teams",
    "vrchat.com": "Virtual Reality",
    "webex.com": "WebEx",
    "zoho.com": "Zoho",
    "zoom.us": "Zoom",
}
"""Host (or parent domain) → name, as in the TSML plugin's $tsml_conference_providers."""

MIN_DIAL_DIGITS = 10
MAX_URL_CHARS = 2000

_DIALABLE = frozenset("0123456789+,#*")
_FORMATTING = frozenset(" -().\u00a0\t/")
_SPACE = re.compile(r"\s")
_TRAILING_PAUSES = re.compile(r"[,;]+$")


def online_url(url: object) -> str | None:
    """The link as https, if it goes to a known provider (`us02web.zoom.us` is Zoom); else None.

    Plain http links to a provider are upgraded: every provider serves https, and a
    caller should never be sent over plain http.
    """
    if not isinstance(url, str):
        return None
    url = url.strip()
    if not url or len(url) > MAX_URL_CHARS or _SPACE.search(url):
        return None
    try:
        parts = urlsplit(url)
        host = parts.hostname
    except ValueError:
        return None
    # A user name in the link (user@host) is never needed and can name a person.
    if parts.scheme.lower() not in ("http", "https") or not host or "@" in parts.netloc:
        return None
    if provider_of_host(host) is None:
        return None
    return urlunsplit(("https", parts.netloc, parts.path, parts.query, parts.fragment))


def provider(url: str) -> str | None:
    """The provider's name for a link that `online_url` accepted (`Zoom`), else None."""
    try:
        host = urlsplit(url).hostname
    except ValueError:
        return None
    return provider_of_host(host) if host else None


def provider_of_host(host: str) -> str | None:
    host = host.lower().rstrip(".")
    for domain, name in PROVIDERS.items():
        # The host itself or a subdomain: `us02web.zoom.us`, never `notzoom.us`.
        if host == domain or host.endswith("." + domain):
            return name
    return None


def dial_in(phone: object) -> str | None:
    """A one-tap dial string (digits and `+ , # *`) with at least ten digits, else None.

    Spaces, dashes, dots and brackets are dropped. The string ends before the first
    letter: what follows (an alphanumeric Zoom passcode) cannot be keyed on a phone,
    and its digits alone would dial the wrong code.
    """
    if isinstance(phone, int) and not isinstance(phone, bool):
        phone = str(phone)
    if not isinstance(phone, str):
        return None
    kept: list[str] = []
    for char in phone.strip():
        if char in _DIALABLE:
            kept.append(char)
        elif char in _FORMATTING:
            continue
        else:
            break
    dial = "".join(kept)
    if dial.count("+") > 1 or (dial.count("+") == 1 and not dial.startswith("+")):
        return None
    dial = _TRAILING_PAUSES.sub("", dial)
    # A passcode cut at a letter leaves a dangling partial code: end at the last `#`.
    if len(dial) < len(phone.strip()) and "#" in dial and not dial.endswith("#"):
        dial = dial[: dial.rindex("#") + 1]
    digits = sum(c.isdigit() for c in _TRAILING_PAUSES.sub("", dial.split(",")[0]))
    if digits < MIN_DIAL_DIGITS:
        return None
    return dial
