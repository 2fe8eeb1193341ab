"""The catalogue loads the real file, and every broken file names its problem at file:line."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from pydantic import ValidationError

from helpline.errors import FlowProblems
from helpline.programs.catalogue import Catalogue, load_catalogue

REAL_CATALOGUE = Path(__file__).parents[2] / "flows" / "programs.yaml"

# Small and self-contained, so these tests do not move when operators edit the real file.
VALID = """\
spec_version: 1
languages: [en, es]
footer:
  en: "Talk to a person: {crisis_line} ({helpline_name})."
  es: "Hable con una persona: {crisis_line}."
programs:
  aa:
    name: {en: "Alcoholics Anonymous (AA)", es: "Alcohólicos Anónimos (AA)"}
    approach: twelve_step
    serves: self
    substances: [alcohol]
    abstinence_goal: true
    about:
      en: "12-step meetings."
      es: "Reuniones de 12 pasos."
    links:
      website: https://www.aa.org
      meetings: https://www.aa.org/find-aa
  smart:
    name: {en: "SMART Recovery", es: "SMART Recovery"}
    approach: secular
    serves: self
    substances: [alcohol, drugs, behaviour]
    abstinence_goal: false
    about: {en: "Science-based meetings.", es: "Reuniones con base científica."}
    links:
      website: https://www.smartrecovery.org
      online: https://meetings.smartrecovery.org
  al_anon:
    name: {en: "Al-Anon", es: "Al-Anon"}
    approach: twelve_step
    serves: family
    substances: [alcohol]
    abstinence_goal: false
    about: {en: "For families.", es: "Para familias."}
    links: {website: https://al-anon.org}
  smart_family:
    name: {en: "SMART Recovery Family & Friends", es: "SMART Recovery Family & Friends"}
    approach: secular
    serves: family
    substances: [alcohol, drugs]
    abstinence_goal: false
    about: {en: "For families.", es: "Para familias."}
    links: {website: https://www.smartrecovery.org/family/}
"""


def _write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "programs.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def _line_of(text: str, marker: str) -> int:
    """1-based line where `marker` (which may span lines) starts; it must occur once."""
    assert text.count(marker) == 1, f"marker {marker!r} occurs {text.count(marker)} times"
    return text[: text.index(marker)].count("\n") + 1


def _problems(path: Path) -> list[str]:
    with pytest.raises(FlowProblems) as info:
        load_catalogue(path)
    return [str(problem) for problem in info.value.problems]


def test_real_catalogue_loads_cleanly() -> None:
    catalogue = load_catalogue(REAL_CATALOGUE)
    assert catalogue.languages == ("en", "es")
    keys = set(catalogue.programs)
    assert {"aa", "na", "smart", "al_anon", "nar_anon", "smart_family"} <= keys
    assert {"lifering", "recovery_dharma", "women_for_sobriety", "sos"} <= keys
    assert "celebrate_recovery" in keys
    for key, program in catalogue.programs.items():
        assert program.key == key
        assert set(program.name) == set(program.about) == {"en", "es"}


def test_real_catalogue_offers_both_audiences_and_a_secular_choice() -> None:
    catalogue = load_catalogue(REAL_CATALOGUE)
    assert any(p.is_secular for p in catalogue.for_audience("self"))
    assert any(p.is_secular for p in catalogue.for_audience("family"))
    assert {p.key for p in catalogue.for_audience("family")} == {
        "al_anon",
        "nar_anon",
        "smart_family",
    }


def test_valid_file_gives_frozen_typed_objects(tmp_path: Path) -> None:
    catalogue = load_catalogue(_write(tmp_path, VALID))
    smart = catalogue.program("smart")
    assert smart.substances == ("alcohol", "drugs", "behaviour")
    assert smart.abstinence_goal is False
    assert smart.link_for("online") == "https://meetings.smartrecovery.org"
    assert smart.link_for("in_person") == "https://www.smartrecovery.org"  # no finder: website
    assert catalogue.program("aa").link_for("online") == "https://www.aa.org/find-aa"
    with pytest.raises(ValidationError):
        smart.approach = "faith"
    with pytest.raises(ValidationError):
        catalogue.languages = ("en",)


Edit = Callable[[str], str]


def _replace(old: str, new: str) -> Edit:
    def edit(text: str) -> str:
        assert text.count(old) >= 1, old
        return text.replace(old, new, 1)

    return edit


BROKEN: list[tuple[str, Edit, str, str]] = [
    # (case, edit to VALID, marker on the expected line, expected message part)
    (
        "unknown field",
        _replace("    abstinence_goal: true\n", "    abstinence_goal: true\n    colour: blue\n"),
        "colour: blue",
        "unknown field 'colour'",
    ),
    (
        "bad approach",
        _replace("approach: twelve_step", "approach: 12_step"),
        "approach: 12_step",
        "programs.aa.approach: Input should be 'twelve_step', 'secular', 'faith' or 'buddhist'",
    ),
    (
        "bad audience",
        _replace("serves: family", "serves: parents"),
        "serves: parents",
        "programs.al_anon.serves",
    ),
    (
        "missing Spanish",
        _replace('      es: "Reuniones de 12 pasos."\n', ""),
        '    about:\n      en: "12-step',
        "programs.aa.about: the 'es' text is missing",
    ),
    (
        "missing Spanish footer",
        _replace('  es: "Hable con una persona: {crisis_line}."\n', ""),
        "footer:",
        "footer: the 'es' text is missing",
    ),
    (
        "language not listed",
        _replace(
            'es: "Para familias."}\n    links: {website: https://al-anon.org}',
            'es: "Para familias.", fr: "Pour les familles."}\n    links: {website: https://al-anon.org}',
        ),
        "fr:",
        "programs.al_anon.about: 'fr' is not in languages (en, es)",
    ),
    (
        "unknown placeholder",
        _replace("{crisis_line}.", "{crisis_line} ({hours} horas)."),
        "{hours}",
        "footer.es: unknown placeholder {hours}; use {crisis_line} or {helpline_name}",
    ),
    (
        "placeholder with a format",
        _replace("({helpline_name})", "({helpline_name!r})"),
        "helpline_name!r",
        "footer.en: write {helpline_name} plainly",
    ),
    (
        "unclosed brace",
        _replace("{crisis_line}.", "{crisis_line."),
        "{crisis_line.",
        "footer.es: a { or } is not closed",
    ),
    (
        "footer without the crisis line",
        _replace("Hable con una persona: {crisis_line}.", "Hable con una persona."),
        "Hable con una persona.",
        "footer.es: must include {crisis_line}",
    ),
    (
        "http link",
        _replace("meetings: https://www.aa.org/find-aa", "meetings: http://www.aa.org/find-aa"),
        "http://www.aa.org",
        "programs.aa.links.meetings: must be a full link starting with https://",
    ),
    (
        "link without a host",
        _replace("website: https://al-anon.org", "website: https://al-anon"),
        "https://al-anon}",
        "programs.al_anon.links.website: must be a full link",
    ),
    (
        "yes is not a boolean",
        _replace("abstinence_goal: true", "abstinence_goal: yes"),
        "abstinence_goal: yes",
        "programs.aa.abstinence_goal: Input should be a valid boolean",
    ),
    (
        "unknown substance",
        _replace("substances: [alcohol]", "substances: [alcohol, meth]"),
        "[alcohol, meth]",
        "programs.aa.substances.1: Input should be 'alcohol', 'drugs' or 'behaviour'",
    ),
    (
        "substance listed twice",
        _replace("substances: [alcohol]", "substances: [alcohol, alcohol]"),
        "[alcohol, alcohol]",
        "programs.aa.substances: lists 'alcohol' twice",
    ),
    (
        "substances not a list",
        _replace("substances: [alcohol]", "substances: alcohol"),
        "substances: alcohol",
        "programs.aa.substances: must be a list, like [alcohol, drugs]",
    ),
    (
        "empty about",
        _replace('en: "12-step meetings."', 'en: "  "'),
        'en: "  "',
        "programs.aa.about.en: must not be empty",
    ),
    (
        "bad program key",
        _replace("  smart:\n", "  Smart-1:\n"),
        "Smart-1:",
        "'Smart-1' is not a plain key",
    ),
    (
        "key written by hand",
        _replace("  smart:\n", "  smart:\n    key: other\n"),
        "key: other",
        "unknown field 'key'",
    ),
    (
        "languages without English",
        _replace("languages: [en, es]", "languages: [es]"),
        "languages:",
        "languages must include 'en'",
    ),
    (
        "bad language code",
        _replace("languages: [en, es]", "languages: [en, spanish]"),
        "languages:",
        "languages.1: 'spanish' is not a two-letter language code",
    ),
    (
        "wrong spec_version",
        _replace("spec_version: 1", 'spec_version: "1"'),
        "spec_version",
        "spec_version: Input should be 1",
    ),
    (
        "missing field",
        _replace(
            '    abstinence_goal: false\n    about: {en: "Science', '    about: {en: "Science'
        ),
        "  smart:",
        "'abstinence_goal' is required",
    ),
    (
        "no secular program for callers themselves",
        _replace("approach: secular\n    serves: self", "approach: faith\n    serves: self"),
        "programs:",
        "needs at least one program with 'approach: secular' and 'serves: self'",
    ),
    (
        "one family program",
        _replace(
            "serves: family\n    substances: [alcohol]", "serves: self\n    substances: [alcohol]"
        ),
        "programs:",
        "needs two or more programs with 'serves: family'",
    ),
    (
        "duplicate program",
        _replace("  al_anon:\n", "  aa:\n"),
        '  aa:\n    name: {en: "Al-Anon"',
        "duplicate key 'aa'",
    ),
]


@pytest.mark.parametrize(
    ("edit", "marker", "message"),
    [pytest.param(edit, marker, message, id=case) for case, edit, marker, message in BROKEN],
)
def test_broken_catalogue_names_file_and_line(
    tmp_path: Path, edit: Edit, marker: str, message: str
) -> None:
    text = edit(VALID)
    path = _write(tmp_path, text)
    line = _line_of(text, marker)
    problems = _problems(path)
    expected_prefix = f"{path}:{line}: "
    matching = [p for p in problems if p.startswith(expected_prefix) and message in p]
    assert matching, f"wanted {expected_prefix}…{message}…, got {problems}"


def test_every_problem_is_reported_at_once_in_line_order(tmp_path: Path) -> None:
    text = VALID.replace("approach: twelve_step", "approach: 12_step", 1)
    text = text.replace('      es: "Reuniones de 12 pasos."\n', "", 1)
    text = text.replace("website: https://al-anon.org", "website: http://al-anon.org", 1)
    path = _write(tmp_path, text)
    with pytest.raises(FlowProblems) as info:
        load_catalogue(path)
    lines = [p.line or 0 for p in info.value.problems]
    assert len(lines) == 3
    assert lines == sorted(lines)
    assert str(info.value).startswith(f"{path}:{lines[0]}: ")
    assert "(and 2 more)" in str(info.value)


def test_one_bad_language_code_does_not_flood_every_text(tmp_path: Path) -> None:
    path = _write(tmp_path, VALID.replace("languages: [en, es]", "languages: [es, ES]", 1))
    problems = _problems(path)
    assert len(problems) == 2, problems
    assert any("languages must include 'en'" in p for p in problems)
    assert any("'ES' is not a two-letter language code" in p for p in problems)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        pytest.param("", "the catalogue must be a mapping", id="empty"),
        pytest.param("- aa\n- na\n", "the catalogue must be a mapping", id="a list"),
        pytest.param("spec_version: 1\nprograms: [\n", "invalid YAML", id="bad YAML"),
    ],
)
def test_file_that_is_not_a_catalogue(tmp_path: Path, text: str, message: str) -> None:
    path = _write(tmp_path, text)
    problems = _problems(path)
    assert len(problems) == 1
    assert problems[0].startswith(str(path))
    assert message in problems[0]


def test_missing_file_is_a_flow_problem(tmp_path: Path) -> None:
    problems = _problems(tmp_path / "nowhere.yaml")
    assert "cannot read file" in problems[0]


def test_catalogue_is_typed_for_the_rest_of_the_code(tmp_path: Path) -> None:
    catalogue = load_catalogue(_write(tmp_path, VALID))
    assert isinstance(catalogue, Catalogue)
    assert [p.key for p in catalogue.for_audience("family")] == ["al_anon", "smart_family"]
    assert catalogue.footer_in("fr") == catalogue.footer["en"]  # unknown language: English
