"""What a caller is texted after triage: the next meetings that fit, honestly.

Pure: the search is passed in, so this decides only which searches to run and
what to say. In person with a ZIP code: nearby meetings, widening as far as the
search does; none nearby says so and offers online meetings. Online: the next
online meetings. Nothing at all: each program's own meeting finder. Every text
ends with how to reach a person. Meetings beyond the first page are kept for
MORE.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from helpline.errors import PlaceError
from helpline.meetings import texts
from helpline.meetings.occurrence import GRACE
from helpline.meetings.record import Meeting, Tag
from helpline.meetings.search import MAX_LIMIT, MeetingQuery, Occurrence, SearchResult
from helpline.programs.catalogue import Catalogue
from helpline.programs.compose import format_phone_for_text, meeting_finder_texts
from helpline.programs.recommend import recommend

KEPT_FOR_MORE = 12
"""Meetings found per search: the first page goes now, the rest wait for MORE."""

Search = Callable[[MeetingQuery], SearchResult]


@dataclass(frozen=True, slots=True)
class Page:
    """The rest of a search, for MORE: what it was, and the meetings not sent yet."""

    heading: str
    language: str
    caller_zone: str | None
    waiting: tuple[Occurrence, ...] = ()

    @classmethod
    def from_dict(cls, data: Mapping[str, Any], meetings: Mapping[str, Meeting]) -> Page:
        """Rebuild a kept page; meetings removed from the directory since are left out."""
        waiting = tuple(
            Occurrence(
                meeting=meetings[item["id"]],
                starts_at=datetime.fromisoformat(item["starts_at"]).astimezone(
                    ZoneInfo(meetings[item["id"]].timezone)
                ),
                distance_miles=item["distance_miles"],
            )
            for item in data["waiting"]
            if item["id"] in meetings
        )
        return cls(data["heading"], data["language"], data["caller_zone"], waiting)

    def to_dict(self) -> dict[str, Any]:
        return {
            "heading": self.heading,
            "language": self.language,
            "caller_zone": self.caller_zone,
            "waiting": [
                {
                    "id": o.meeting.id,
                    "starts_at": o.starts_at.isoformat(),
                    "distance_miles": o.distance_miles,
                }
                for o in self.waiting
            ],
        }


@dataclass(frozen=True, slots=True)
class Answer:
    texts: list[str]
    rest: Page | None = None
    searches: list[str] = field(default_factory=list)
    """What was searched, for logs (no ZIP code, no answers)."""


def wishes_from(answers: Mapping[str, str]) -> frozenset[str]:
    return frozenset({Tag.SECULAR.value}) if answers.get("approach") == "secular" else frozenset()


def meetings_answer(
    *,
    catalogue: Catalogue,
    answers: Mapping[str, str],
    language: str,
    now: datetime,
    search: Search,
    crisis_line: str,
    helpline_name: str,
) -> Answer:
    programs = recommend(catalogue, answers)
    person = texts.person_line(language, format_phone_for_text(crisis_line))
    base = MeetingQuery(
        programs=frozenset(p.key for p in programs),
        secular_programs=frozenset(p.key for p in catalogue.programs.values() if p.is_secular),
        wishes=wishes_from(answers),
        limit=min(KEPT_FOR_MORE, MAX_LIMIT),
    )
    searches: list[str] = []
    lead: list[str] = []
    zip_code = answers.get("zip")
    caller_zone: ZoneInfo | None = None
    if answers.get("format") == "in_person" and zip_code:
        searches.append("near")
        try:
            near = _with_language(search, replace(base, zip_code=zip_code, online=False), language)
        except PlaceError:
            near = None
            lead.append(texts.unknown_zip_text(language, zip_code=zip_code))
        if near is not None:
            if near.place is not None:
                caller_zone = ZoneInfo(near.place.timezone)
            if near.occurrences:
                heading = texts.Heading(
                    zip_code=zip_code, radius_miles=near.radius_miles, widened=near.widened
                ).text(language)
                return _paged(near.occurrences, heading, language, caller_zone, now, person)
            lead.append(
                texts.none_near_text(
                    language, zip_code=zip_code, radius_miles=near.radius_miles or 0
                )
            )
    searches.append("online")
    online = _with_language(search, replace(base, zip_code=None, online=True), language)
    if online.occurrences:
        # Nothing near: say so, then why online meetings follow.
        offer = [f"{' '.join(lead)} {texts.online_instead_text(language)}"] if lead else []
        heading = "\n".join([*offer, texts.Heading().text(language)])
        answer = _paged(online.occurrences, heading, language, caller_zone, now, person)
        return Answer(texts=answer.texts, rest=answer.rest, searches=searches)
    finders = meeting_finder_texts(
        catalogue,
        programs,
        language=language,
        format=answers.get("format"),
        crisis_line=crisis_line,
        helpline_name=helpline_name,
    )
    # What was not found (nearby, or at all), then where to look instead, then a person.
    said = lead or [texts.none_at_all_text(language)]
    intro = " ".join([*said, texts.finders_text(language), person])
    return Answer(texts=[intro, *finders], searches=searches)


def _with_language(search: Search, query: MeetingQuery, language: str) -> SearchResult:
    """A Spanish speaker sees Spanish meetings first when there are any; else all meetings."""
    if language == "es":
        found = search(replace(query, wishes=query.wishes | {"spanish"}))
        if found.occurrences:
            return found
    return search(query)


def _paged(
    found: Sequence[Occurrence],
    heading: str,
    language: str,
    caller_zone: ZoneInfo | None,
    now: datetime,
    person: str,
) -> Answer:
    first, waiting = found[: texts.PAGE_SIZE], tuple(found[texts.PAGE_SIZE :])
    text = texts.page_text(
        first,
        now,
        language=language,
        heading=heading,
        more=bool(waiting),
        person_line=person,
        caller_zone=caller_zone,
    )
    rest = (
        Page(
            heading=texts.more_heading(language),
            language=language,
            caller_zone=caller_zone.key if caller_zone else None,
            waiting=waiting,
        )
        if waiting
        else None
    )
    return Answer(texts=[text], rest=rest)


def next_page(
    page: Page | None, now: datetime, *, language: str, crisis_line: str
) -> tuple[str, Page | None]:
    """The text for MORE, and what is left after it. Meetings that already began are skipped."""
    crisis = format_phone_for_text(crisis_line)
    if page is None:
        return texts.no_more_text(language, crisis), None
    upcoming = [o for o in page.waiting if o.starts_at + GRACE > now]
    if not upcoming:
        return texts.no_more_text(page.language, crisis), None
    zone = ZoneInfo(page.caller_zone) if page.caller_zone else None
    first, waiting = upcoming[: texts.PAGE_SIZE], tuple(upcoming[texts.PAGE_SIZE :])
    text = texts.page_text(
        first,
        now,
        language=page.language,
        heading=page.heading,
        more=bool(waiting),
        person_line=texts.person_line(page.language, crisis),
        caller_zone=zone,
    )
    rest = Page(page.heading, page.language, page.caller_zone, waiting) if waiting else None
    return text, rest
