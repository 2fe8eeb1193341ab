"""Caller texts: every one says how to reach a person, fits its SMS budget and judges no one."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest

from helpline.engine.segments import count_segments
from helpline.programs.catalogue import Catalogue, load_catalogue
from helpline.programs.compose import (
    format_phone_for_text,
    meeting_finder_texts,
    program_texts,
)

REAL_CATALOGUE = Path(__file__).parents[2] / "flows" / "programs.yaml"
CRISIS_LINE = "+18006624357"
HELPLINE_NAME = "the Recovery Helpline"

# Spanish needs accents, so it goes UCS-2 (67 characters a segment): 3 segments; English 2.
SEGMENT_BUDGET = {"en": 2, "es": 3}

# Labels the helpline never uses about a caller. Program names (Alcoholics Anonymous) and links
# are taken out of a text before this check.
JUDGING = re.compile(
    r"\b(addicts?|addicted|alcoholics?|alcoholism|abusers?|abuse|junkies|junkie|drunks?"
    r"|clean|dirty|relapsers?|adict[oa]s?|drogadict[oa]s?|alcoh[oó]lic[oa]s?|borrach[oa]s?"
    r"|limpi[oa]s?)\b",
    re.IGNORECASE,
)
PERCENT = re.compile(r"%|\bpercent\b|\bpor ?ciento\b", re.IGNORECASE)


@pytest.fixture(scope="module")
def catalogue() -> Catalogue:
    return load_catalogue(REAL_CATALOGUE)


def _all_texts(catalogue: Catalogue) -> list[tuple[str, str, str, str]]:
    """(kind, language, program key, text) for every program, language and format."""
    programs = list(catalogue.programs.values())
    out = []
    for language in catalogue.languages:
        for fmt in ("in_person", "online", None):
            for kind, compose in (("program", program_texts), ("meetings", meeting_finder_texts)):
                texts = compose(
                    catalogue,
                    programs,
                    language=language,
                    format=fmt,
                    crisis_line=CRISIS_LINE,
                    helpline_name=HELPLINE_NAME,
                )
                assert len(texts) == len(programs)
                out += [
                    (f"{kind}/{fmt}", language, p.key, t)
                    for p, t in zip(programs, texts, strict=True)
                ]
    return out


@pytest.mark.parametrize(
    ("number", "shown"),
    [
        ("+18006624357", "1-800-662-4357"),
        ("+15550100001", "1-555-010-0001"),
        ("+442079460958", "+44 20 7946 0958"),
        ("988", "988"),
        ("not a number", "not a number"),
    ],
)
def test_format_phone_for_text(number: str, shown: str) -> None:
    assert format_phone_for_text(number) == shown


def test_every_text_has_the_crisis_line_and_fits_the_budget(catalogue: Catalogue) -> None:
    over = []
    for kind, language, key, text in _all_texts(catalogue):
        assert "8006624357" in re.sub(r"\D", "", text), (kind, language, key)
        assert "1-800-662-4357" in text
        assert not re.search(r"[{}]", text), f"unfilled placeholder: {text!r}"
        assert "https://" in text
        segments = count_segments(text)
        if segments > SEGMENT_BUDGET[language]:
            over.append(f"{kind} {language} {key}: {segments} segments, {len(text)} chars")
    assert not over, "\n".join(over)


def test_no_text_judges_the_caller_or_quotes_a_rate(catalogue: Catalogue) -> None:
    names = sorted({name for p in catalogue.programs.values() for name in p.name.values()}, key=len)
    for kind, language, key, text in _all_texts(catalogue):
        plain = re.sub(r"https://\S+", "", text)
        for name in reversed(names):  # longest first: "SMART Recovery Family & Friends"
            plain = plain.replace(name, "")
        assert not JUDGING.search(plain), (kind, language, key, plain)
        assert not PERCENT.search(plain), (kind, language, key, plain)


def test_program_text_layout(catalogue: Catalogue) -> None:
    aa = catalogue.program("aa")
    (text,) = program_texts(
        catalogue,
        [aa],
        language="en",
        format="in_person",
        crisis_line=CRISIS_LINE,
        helpline_name=HELPLINE_NAME,
    )
    footer = catalogue.footer["en"].format(
        crisis_line="1-800-662-4357", helpline_name=HELPLINE_NAME
    )
    assert text.split("\n") == [aa.name["en"], aa.about["en"], aa.links.meetings, footer]


@pytest.mark.parametrize(
    ("key", "fmt", "link"),
    [
        ("aa", "online", "https://aa-intergroup.org"),
        ("aa", "in_person", "https://www.aa.org/find-aa"),
        ("aa", None, "https://www.aa.org/find-aa"),
        ("na", "online", "https://virtual-na.org"),
        ("smart", "online", "https://meetings.smartrecovery.org"),
        ("al_anon", "online", "https://al-anon.org/al-anon-meetings/"),  # no online link: finder
        ("lifering", "in_person", "https://lifering.org"),  # no finder: website
    ],
)
def test_the_link_follows_the_format(
    catalogue: Catalogue, key: str, fmt: str | None, link: str
) -> None:
    program = catalogue.program(key)
    for compose in (program_texts, meeting_finder_texts):
        (text,) = compose(
            catalogue,
            [program],
            language="es",
            format=fmt,
            crisis_line=CRISIS_LINE,
            helpline_name=HELPLINE_NAME,
        )
        assert re.findall(r"https://\S+", text) == [link]


def test_meeting_finder_wording(catalogue: Catalogue) -> None:
    programs = [catalogue.program("aa"), catalogue.program("al_anon")]
    kwargs: dict[str, Any] = {"crisis_line": CRISIS_LINE, "helpline_name": HELPLINE_NAME}
    near_en = meeting_finder_texts(catalogue, programs, language="en", format="in_person", **kwargs)
    assert near_en[0].startswith(
        "Alcoholics Anonymous (AA): find a meeting near you at https://www.aa.org/find-aa\n"
    )
    online_en = meeting_finder_texts(catalogue, programs, language="en", format="online", **kwargs)
    assert online_en[0].startswith("Alcoholics Anonymous (AA): join a meeting online at ")
    # Al-Anon has no online link in the catalogue, so it is not called online.
    assert "find a meeting near you" in online_en[1]
    near_es = meeting_finder_texts(catalogue, programs, language="es", format="in_person", **kwargs)
    assert near_es[0].startswith("Alcohólicos Anónimos (AA): busque una reunión cerca de usted")
    online_es = meeting_finder_texts(catalogue, programs, language="es", format="online", **kwargs)
    assert "en línea" in online_es[0]


def test_spanish_texts_are_spanish(catalogue: Catalogue) -> None:
    smart = catalogue.program("smart")
    kwargs: dict[str, Any] = {"crisis_line": CRISIS_LINE, "helpline_name": HELPLINE_NAME}
    (text,) = program_texts(catalogue, [smart], language="es", format=None, **kwargs)
    assert smart.about["es"] in text
    assert catalogue.footer["es"].split("{")[0] in text


def _catalogue_missing_spanish() -> Catalogue:
    # The loader would refuse this file; the composer must still never send an empty text.
    return Catalogue.model_validate(
        {
            "spec_version": 1,
            "languages": ["en", "es"],
            "footer": {"en": "Call {crisis_line}. {helpline_name}"},
            "programs": {
                "only_en": {
                    "name": {"en": "Only English"},
                    "approach": "secular",
                    "serves": "self",
                    "substances": ["alcohol"],
                    "abstinence_goal": False,
                    "about": {"en": "About in English.", "es": "Acerca en español."},
                    "links": {"website": "https://example.org"},
                }
            },
        }
    )


def test_missing_translation_falls_back_to_english() -> None:
    catalogue = _catalogue_missing_spanish()
    program = catalogue.program("only_en")
    kwargs: dict[str, Any] = {"crisis_line": CRISIS_LINE, "helpline_name": HELPLINE_NAME}
    (es,) = program_texts(catalogue, [program], language="es", format=None, **kwargs)
    assert es.split("\n") == [
        "Only English",
        "Acerca en español.",  # present, so used
        "https://example.org",
        "Call 1-800-662-4357. the Recovery Helpline",
    ]
    (fr,) = meeting_finder_texts(catalogue, [program], language="fr", format=None, **kwargs)
    assert fr.startswith("Only English: find a meeting near you at https://example.org\n")


def test_no_programs_no_texts(catalogue: Catalogue) -> None:
    texts = program_texts(
        catalogue,
        [],
        language="en",
        format=None,
        crisis_line=CRISIS_LINE,
        helpline_name=HELPLINE_NAME,
    )
    assert texts == []


def test_another_crisis_line_is_formatted_too(catalogue: Catalogue) -> None:
    (text,) = program_texts(
        catalogue,
        [catalogue.program("aa")],
        language="en",
        format=None,
        crisis_line="+15550100001",
        helpline_name=HELPLINE_NAME,
    )
    assert "1-555-010-0001" in text
