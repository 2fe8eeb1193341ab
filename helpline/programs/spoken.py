"""The program catalogue read aloud: what a caller hears on the phone's "press 3"."""

from __future__ import annotations

import re

from helpline.programs.catalogue import Audience, Catalogue

SPOKEN_PLACEHOLDERS: dict[Audience, str] = {
    "self": "programs_for_self",
    "family": "programs_for_family",
}
"""Flow placeholders that speak the catalogue's programs for each audience, in the caller's
language: `{programs_for_self}`, `{programs_for_family}`."""

_ABBREVIATION = re.compile(r"\s*\([^)]*\)")


def spoken_programs(catalogue: Catalogue, serves: Audience, language: str) -> str:
    """One short sentence per program: its name (no bracketed abbreviation), then its `about`."""
    return " ".join(
        f"{_ABBREVIATION.sub('', program.name_in(language))}: {program.about_in(language)}"
        for program in catalogue.for_audience(serves)
    )


def spoken_constants(catalogue: Catalogue) -> dict[str, dict[str, str]]:
    """Per language, the values of SPOKEN_PLACEHOLDERS."""
    return {
        language: {
            name: spoken_programs(catalogue, serves, language)
            for serves, name in SPOKEN_PLACEHOLDERS.items()
        }
        for language in catalogue.languages
    }
