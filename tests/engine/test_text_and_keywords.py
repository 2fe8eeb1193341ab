from __future__ import annotations

import pytest

from helpline.engine.cases import Choice, NumberRange, Pattern, ZipCode
from helpline.engine.keywords import Keyword, is_opt_in, match_keyword
from helpline.engine.segments import count_segments
from helpline.engine.templates import TemplateError, placeholders, render
from helpline.engine.text import fold, guess_language, words


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("EN LÍNEA!", ("en", "linea")),
        ("Two", ("2",)),
        ("dos", ("2",)),
        ("2️⃣", ("2",)),
        ("  it's   for ME ", ("it", "s", "for", "me")),
        ("🙏", ()),
        ("", ()),
    ],
)
def test_words(text: str, expected: tuple[str, ...]) -> None:
    assert words(text) == expected


@pytest.mark.parametrize(
    ("text", "keyword", "language"),
    [
        ("STOP", Keyword.STOP, None),
        ("stop.", Keyword.STOP, None),
        (" Unsubscribe ", Keyword.STOP, None),
        ("stop all", Keyword.STOP, None),
        ("OPTOUT", Keyword.STOP, None),
        ("cancelar", Keyword.STOP, "es"),
        ("start", Keyword.START, None),
        ("Help", Keyword.HELP, None),
        ("info", Keyword.HELP, None),
        ("AYUDA", Keyword.HELP, "es"),
        ("ayúdame", Keyword.HELP, "es"),
        ("MENU", Keyword.MENU, None),
        ("menú", Keyword.MENU, None),
        ("reiniciar", Keyword.MENU, "es"),
        ("Español", Keyword.LANGUAGE, "es"),
        ("espanol", Keyword.LANGUAGE, "es"),
        ("ENGLISH", Keyword.LANGUAGE, "en"),
    ],
)
def test_keywords(text: str, keyword: Keyword, language: str | None) -> None:
    found = match_keyword(text)
    assert found is not None
    assert (found.keyword, found.language) == (keyword, language)


@pytest.mark.parametrize(
    "text",
    ["stop completely", "I want to stop", "quit drinking", "yes", "1", "help me quit", "end it"],
)
def test_answers_are_not_keywords(text: str) -> None:
    """Recovery words: opt-out words count only as the whole message, as Twilio does."""
    assert match_keyword(text) is None


def test_opt_in_words() -> None:
    assert is_opt_in("YES")
    assert is_opt_in("Start")
    assert is_opt_in("unstop")
    assert not is_opt_in("hi")


def test_choice_matches_whole_words_in_any_language() -> None:
    choice = Choice.of(["2", "drugs", "en linea", "both"])
    assert choice.evaluate("Mostly DRUGS") is not None
    assert choice.evaluate("dos") is not None
    assert choice.evaluate("En línea, por favor") is not None
    assert choice.evaluate("drugstore") is None
    assert choice.evaluate("12") is None


def test_number_range_and_zip_and_regex() -> None:
    assert NumberRange(minimum=1, maximum=10).evaluate("about three") is not None
    assert NumberRange(minimum=1, maximum=10).evaluate("11") is None
    assert NumberRange(minimum=1, maximum=10).evaluate("none") is None
    zip_code = ZipCode()
    assert zip_code.evaluate("zip is 92660-1234") == zip_code.evaluate("92660")
    assert zip_code.evaluate("926601") is None
    assert zip_code.evaluate("9266") is None
    pattern = Pattern(pattern=r"court|judge")
    found = pattern.evaluate("My JUDGE said so")
    assert found is not None
    assert found.value == "JUDGE"
    assert Pattern(pattern=r"(\d+) days").evaluate("30 days sober") is not None


def test_templates_are_names_only() -> None:
    assert placeholders("Hi {name}, call {crisis_line}. {{literal}}") == ("name", "crisis_line")
    assert render("near {zip}{missing}", {"zip": "92660"}) == "near 92660"
    for bad in ("{0}", "{a.b}", "{a!r}", "{a:>5}", "{Name}", "unclosed {"):
        with pytest.raises(TemplateError):
            placeholders(bad)


@pytest.mark.parametrize(
    ("text", "segments"),
    [
        ("", 0),
        ("a" * 160, 1),
        ("a" * 161, 2),
        ("a" * 306, 2),
        ("a" * 307, 3),
        ("€" * 80, 1),  # extension characters take two septets
        ("€" * 81, 2),
        ("ñé¿¡" * 40, 1),  # GSM-7 covers these
        ("á" * 70, 1),  # but not á: UCS-2
        ("á" * 71, 2),
        ("🙂" * 35, 1),  # an emoji is two UTF-16 units
        ("🙂" * 36, 2),
    ],
)
def test_segments(text: str, segments: int) -> None:
    assert count_segments(text) == segments


def test_guess_language() -> None:
    assert guess_language("Hola, necesito ayuda", ("en", "es"), "en") == "es"
    assert guess_language("hi", ("en", "es"), "en") == "en"
    assert guess_language("hola", ("en",), "en") == "en"
    assert fold("ÁÉÍÓÚ ñ") == "aeiou n"
