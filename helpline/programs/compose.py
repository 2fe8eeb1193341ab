"""Caller texts about programs: one SMS per program, each ending with how to reach a person.

Pure functions: the catalogue, the chosen programs and two settings in, strings
out. Every text ends with the catalogue's footer, so no text leaves the caller
without the human line.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import phonenumbers

from helpline.programs.catalogue import Catalogue, Program, localized
from helpline.programs.recommend import recommend

# Wording for the meeting-finder texts. It lives here, not in programs.yaml,
# because it is used only until the meeting directory can list real meetings.
_MEETINGS_NEAR: Mapping[str, str] = {
    "en": "{name}: find a meeting near you at {link}",
    "es": "{name}: busque una reunión cerca de usted en {link}",
}
_MEETINGS_ONLINE: Mapping[str, str] = {
    "en": "{name}: join a meeting online at {link}",
    "es": "{name}: participe en una reunión en línea en {link}",
}


def format_phone_for_text(number: str) -> str:
    """A phone number as people read and dial it: +18006624357 → 1-800-662-4357.

    Numbers outside North America use the international format; anything that
    does not parse is returned unchanged, since a raw number beats no number.
    """
    try:
        parsed = phonenumbers.parse(number, "US")
    except phonenumbers.NumberParseException:
        return number
    if not phonenumbers.is_possible_number(parsed):
        return number  # e.g. 988: a short code reads best as written
    national = str(parsed.national_number)
    if parsed.country_code == 1 and len(national) == 10:
        return f"1-{national[:3]}-{national[3:6]}-{national[6:]}"
    return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.INTERNATIONAL)


def footer_text(
    catalogue: Catalogue, *, language: str, crisis_line: str, helpline_name: str
) -> str:
    """The catalogue's footer with its placeholders filled (the loader allows only these two)."""
    return catalogue.footer_in(language).format(
        crisis_line=format_phone_for_text(crisis_line), helpline_name=helpline_name
    )


def program_texts(
    catalogue: Catalogue,
    programs: Sequence[Program],
    *,
    language: str,
    format: str | None,
    crisis_line: str,
    helpline_name: str,
) -> list[str]:
    """One text per program: name, the about sentence, one link, then the footer."""
    footer = footer_text(
        catalogue, language=language, crisis_line=crisis_line, helpline_name=helpline_name
    )
    return [
        "\n".join(
            (
                program.name_in(language),
                program.about_in(language),
                program.link_for(format),
                footer,
            )
        )
        for program in programs
    ]


def meeting_finder_texts(
    catalogue: Catalogue,
    programs: Sequence[Program],
    *,
    language: str,
    format: str | None,
    crisis_line: str,
    helpline_name: str,
) -> list[str]:
    """One text per program pointing to where its meetings are listed, then the footer."""
    footer = footer_text(
        catalogue, language=language, crisis_line=crisis_line, helpline_name=helpline_name
    )
    texts = []
    for program in programs:
        # Say "online" only when the link really is the program's online meetings.
        online = format == "online" and program.has_online
        template = localized(_MEETINGS_ONLINE if online else _MEETINGS_NEAR, language)
        line = template.format(name=program.name_in(language), link=program.link_for(format))
        texts.append(f"{line}\n{footer}")
    return texts


def recommended_texts(
    catalogue: Catalogue,
    answers: Mapping[str, str],
    *,
    language: str,
    crisis_line: str,
    helpline_name: str,
) -> list[str]:
    """What a `send_programs` action texts a caller with these answers."""
    return program_texts(
        catalogue,
        recommend(catalogue, answers),
        language=language,
        format=answers.get("format"),
        crisis_line=crisis_line,
        helpline_name=helpline_name,
    )
