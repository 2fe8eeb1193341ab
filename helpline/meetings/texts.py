"""Meetings as a caller reads them by text, and as a person would say them aloud.

Pure functions: occurrences and "now" in, strings out. Texts stay GSM-7 in
English (a hyphen, never a middle dot or a curly quote: one such character
turns a whole text into UCS-2 and halves what fits in a segment). Every text
ends with how to reach a person.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, time
from zoneinfo import ZoneInfo

from helpline.meetings.search import Occurrence

PAGE_SIZE = 3
"""Meetings per text: three fit a phone screen and about three SMS segments."""

MAX_NAME_CHARS = 40
"""Longer meeting names are cut (with "...") so one meeting stays on one or two lines."""

_LANGUAGES = ("en", "es")

_WORDS: Mapping[str, Mapping[str, str]] = {
    "en": {
        "today": "Today",
        "tomorrow": "Tomorrow",
        "started": "started {minutes} min ago",
        "mi": "{miles} mi",
        "your_time": "{time} your time",
        "call_in": "Call in: {number}",
        "near": "Next meetings near {zip}:",
        "near_wider": "Next meetings within {miles} miles of {zip}:",
        "online": "Next online meetings:",
        "more_heading": "More meetings:",
        "more": "Reply MORE for the next ones.",
        "person": "To talk to a person: {crisis_line}, 24/7.",
        "none_near": "I could not find meetings in our list within {miles} miles of {zip} "
        "in the next 7 days.",
        "unknown_zip": "I could not find ZIP code {zip}.",
        "online_instead": "Online meetings are open to anyone, anywhere:",
        "none_at_all": "I could not find meetings in our list for you right now.",
        "finders": "The program sites below list more.",
        "no_more": "That's all the meetings I found. Reply MENU to search again.",
    },
    "es": {
        "today": "Hoy",
        "tomorrow": "Mañana",
        "started": "empezó hace {minutes} min",
        "mi": "{miles} mi",
        "your_time": "{time} su hora",
        "call_in": "Por teléfono: {number}",
        "near": "Próximas reuniones cerca de {zip}:",
        "near_wider": "Próximas reuniones a {miles} millas de {zip}:",
        "online": "Próximas reuniones en línea:",
        "more_heading": "Más reuniones:",
        "more": "Responda MAS para ver más.",
        "person": "Para hablar con una persona: {crisis_line}, 24/7.",
        "none_near": "No encontré reuniones en nuestra lista a {miles} millas de {zip} "
        "en los próximos 7 días.",
        "unknown_zip": "No encontré el código postal {zip}.",
        "online_instead": "Las reuniones en línea están abiertas a todos:",
        "none_at_all": "No encontré reuniones en nuestra lista para usted ahora.",
        "finders": "Los sitios de los programas tienen más.",
        "no_more": "Esas son todas las reuniones que encontré. Responda MENU para buscar otra vez.",
    },
}

_DAYS: Mapping[str, tuple[str, ...]] = {
    # Index 0 = Monday, as datetime.weekday() counts.
    "en": ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"),
    "es": ("Lun", "Mar", "Mié", "Jue", "Vie", "Sáb", "Dom"),
}
_SPOKEN_DAYS: Mapping[str, tuple[str, ...]] = {
    "en": ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"),
    "es": ("lunes", "martes", "miércoles", "jueves", "viernes", "sábado", "domingo"),
}

# Street words a text-to-speech voice would otherwise spell out or misread.
_SPOKEN_STREET = {
    "st": "Street",
    "ave": "Avenue",
    "av": "Avenue",
    "blvd": "Boulevard",
    "dr": "Drive",
    "rd": "Road",
    "ln": "Lane",
    "ct": "Court",
    "pl": "Place",
    "pkwy": "Parkway",
    "hwy": "Highway",
    "cir": "Circle",
    "ter": "Terrace",
    "sq": "Square",
    "ste": "Suite",
    "n": "North",
    "s": "South",
    "e": "East",
    "w": "West",
    "ne": "Northeast",
    "nw": "Northwest",
    "se": "Southeast",
    "sw": "Southwest",
}
_STREET_WORD = re.compile(r"\b([A-Za-z]{1,4})\.?(?=[\s,]|$)")
_HASH_NUMBER = re.compile(r"#\s*(\w+)")


def _word(language: str, name: str) -> str:
    return _WORDS[_lang(language)][name]


def _lang(language: str) -> str:
    return language if language in _LANGUAGES else "en"


# --- times ------------------------------------------------------------------------------


def clock_text(at: time | datetime) -> str:
    """7:30 PM, 12:00 PM: the way phones show times in the US."""
    hour = at.hour % 12 or 12
    return f"{hour}:{at.minute:02d} {'AM' if at.hour < 12 else 'PM'}"


def day_label(starts_at: datetime, now: datetime, language: str) -> str:
    """Today / Tomorrow / Wed, in the meeting's own zone."""
    local_now = now.astimezone(starts_at.tzinfo)
    days = (starts_at.date() - local_now.date()).days
    if days == 0:
        return _word(language, "today")
    if days == 1:
        return _word(language, "tomorrow")
    return _DAYS[_lang(language)][starts_at.weekday()]


def when_text(
    occurrence: Occurrence, now: datetime, language: str, caller_zone: ZoneInfo | None = None
) -> str:
    """When, as a text says it: "Today 7:30 PM", "Tue 7:00 PM EST (4:00 PM your time)"."""
    starts_at = occurrence.starts_at
    text = f"{day_label(starts_at, now, language)} {clock_text(starts_at)}"
    if occurrence.distance_miles is None:  # found online: the caller may be in another zone
        text += f" {starts_at.tzname()}"
        if caller_zone is not None and _differs(starts_at, caller_zone):
            yours = clock_text(starts_at.astimezone(caller_zone))
            text += f" ({_word(language, 'your_time').format(time=yours)})"
    if starts_at < now:
        minutes = max(1, int((now - starts_at).total_seconds() // 60))
        text += ", " + _word(language, "started").format(minutes=minutes)
    return text


def _differs(starts_at: datetime, zone: ZoneInfo) -> bool:
    return starts_at.utcoffset() != starts_at.astimezone(zone).utcoffset()


# --- text messages ----------------------------------------------------------------------


def short_name(name: str) -> str:
    return name if len(name) <= MAX_NAME_CHARS else name[: MAX_NAME_CHARS - 3].rstrip() + "..."


def meeting_lines(
    occurrence: Occurrence, now: datetime, language: str, caller_zone: ZoneInfo | None = None
) -> str:
    """One meeting, two lines: when, name, distance; then the address or the join link."""
    meeting = occurrence.meeting
    head = [when_text(occurrence, now, language, caller_zone), short_name(meeting.name)]
    if occurrence.distance_miles is not None:
        head.append(_word(language, "mi").format(miles=_miles(occurrence.distance_miles)))
    if occurrence.distance_miles is not None and meeting.address:
        where = meeting.address
    elif meeting.online_url:
        where = meeting.online_url
    elif meeting.dial_in:
        where = _word(language, "call_in").format(number=meeting.dial_in)
    else:
        where = meeting.address or ""
    return " - ".join(head) + (f"\n{where}" if where else "")


def _miles(miles: float) -> str:
    return f"{miles:.1f}" if miles < 10 else f"{miles:.0f}"


@dataclass(frozen=True, slots=True)
class Heading:
    """What a page of meetings is: near a ZIP (within some miles), or online."""

    zip_code: str | None = None
    radius_miles: float | None = None
    widened: bool = False

    def text(self, language: str) -> str:
        if self.zip_code is None:
            return _word(language, "online")
        if self.widened and self.radius_miles is not None:
            return _word(language, "near_wider").format(
                miles=f"{self.radius_miles:.0f}", zip=self.zip_code
            )
        return _word(language, "near").format(zip=self.zip_code)


def page_text(
    occurrences: Sequence[Occurrence],
    now: datetime,
    *,
    language: str,
    heading: str,
    more: bool,
    person_line: str,
    caller_zone: ZoneInfo | None = None,
) -> str:
    """One text: a heading, up to PAGE_SIZE meetings, MORE if there are more, the person line."""
    parts = [heading]
    parts += [meeting_lines(o, now, language, caller_zone) for o in occurrences[:PAGE_SIZE]]
    tail = (_word(language, "more") + " " if more else "") + person_line
    parts.append(tail)
    return "\n\n".join(p for p in parts if p)


def more_heading(language: str) -> str:
    return _word(language, "more_heading")


def person_line(language: str, crisis_line: str) -> str:
    return _word(language, "person").format(crisis_line=crisis_line)


def none_near_text(language: str, *, zip_code: str, radius_miles: float) -> str:
    return _word(language, "none_near").format(miles=f"{radius_miles:.0f}", zip=zip_code)


def unknown_zip_text(language: str, *, zip_code: str) -> str:
    return _word(language, "unknown_zip").format(zip=zip_code)


def online_instead_text(language: str) -> str:
    return _word(language, "online_instead")


def none_at_all_text(language: str) -> str:
    return _word(language, "none_at_all")


def finders_text(language: str) -> str:
    return _word(language, "finders")


def no_more_text(language: str, crisis_line: str) -> str:
    return f"{_word(language, 'no_more')} {person_line(language, crisis_line)}"


# --- spoken -----------------------------------------------------------------------------


def spoken_clock(at: datetime, language: str) -> str:
    """How a person says a time: "7 PM", "7:30 PM", "noon"; Spanish "las 7:30 de la tarde"."""
    if language == "es":
        hour = at.hour % 12 or 12
        minutes = f":{at.minute:02d}" if at.minute else ""
        article = "la" if hour == 1 else "las"
        if at.hour < 12:
            part = "de la mañana"
        elif at.hour < 19:
            part = "de la tarde"
        else:
            part = "de la noche"
        if at.hour == 12 and at.minute == 0:
            return "el mediodía"
        if at.hour == 0 and at.minute == 0:
            return "la medianoche"
        return f"{article} {hour}{minutes} {part}"
    if at.hour == 12 and at.minute == 0:
        return "noon"
    if at.hour == 0 and at.minute == 0:
        return "midnight"
    hour = at.hour % 12 or 12
    minutes = f":{at.minute:02d}" if at.minute else ""
    return f"{hour}{minutes} {'AM' if at.hour < 12 else 'PM'}"


def spoken_day(starts_at: datetime, now: datetime, language: str) -> str:
    local_now = now.astimezone(starts_at.tzinfo)
    days = (starts_at.date() - local_now.date()).days
    if language == "es":
        if days == 0:
            return "hoy"
        if days == 1:
            return "mañana"
        return f"el {_SPOKEN_DAYS['es'][starts_at.weekday()]}"
    if days == 0:
        return "today"
    if days == 1:
        return "tomorrow"
    return f"on {_SPOKEN_DAYS['en'][starts_at.weekday()]}"


def spoken_address(address: str) -> str:
    """ "3186 Pullman St, Costa Mesa" → "3186 Pullman Street, Costa Mesa"."""
    address = _HASH_NUMBER.sub(r"number \1", address)

    def expand(match: re.Match[str]) -> str:
        word = match.group(1)
        # Only whole abbreviations: "St" and "N", never "Stone" or "Nina".
        return _SPOKEN_STREET.get(word.lower(), word) if word[0].isupper() else word

    return _STREET_WORD.sub(expand, address)


def spoken_distance(miles: float, language: str) -> str:
    if language == "es":
        if miles < 1:
            return "a menos de una milla"
        return f"a unas {round(miles)} millas"
    if miles < 1:
        return "less than a mile away"
    rounded = round(miles)
    return f"about {rounded} mile{'s' if rounded != 1 else ''} away"


def spoken_meeting(occurrence: Occurrence, now: datetime, language: str) -> str:
    """One meeting as a sentence for a voice call. Links are never read aloud."""
    meeting, starts_at = occurrence.meeting, occurrence.starts_at
    language = _lang(language)
    when = f"{spoken_day(starts_at, now, language)} {'a' if language == 'es' else 'at'} "
    when += spoken_clock(starts_at, language)
    if occurrence.distance_miles is not None and meeting.address:
        distance = spoken_distance(occurrence.distance_miles, language)
        where = f"{spoken_address(meeting.address)}, {distance}"
        joiner = "en" if language == "es" else "at"
        return f"{_first_up(when)}: {meeting.name}, {joiner} {where}."
    online = "en línea" if language == "es" else "online"
    zone = "" if language == "es" else f" {_spoken_zone(starts_at)}"
    return f"{_first_up(when)}{zone}: {meeting.name}, {online}."


def _first_up(text: str) -> str:
    return text[:1].upper() + text[1:]


def _spoken_zone(starts_at: datetime) -> str:
    """Say "Eastern time" rather than spelling EST."""
    return _ZONE_NAMES.get(getattr(starts_at.tzinfo, "key", ""), "")


_ZONE_NAMES = {
    "America/New_York": "Eastern time",
    "America/Detroit": "Eastern time",
    "America/Chicago": "Central time",
    "America/Denver": "Mountain time",
    "America/Phoenix": "Arizona time",
    "America/Los_Angeles": "Pacific time",
    "America/Anchorage": "Alaska time",
    "Pacific/Honolulu": "Hawaii time",
}
