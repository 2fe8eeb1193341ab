"""tags.py: type codes read per dialect, BMLT world ids, and CSV words."""

from __future__ import annotations

import pytest

from helpline.meetings.record import Tag
from helpline.meetings.tags import DIALECTS, bmlt_world, from_labels, normalise

OPEN, CLOSED, SECULAR = Tag.OPEN.value, Tag.CLOSED.value, Tag.SECULAR.value
NORMALISE_CASES: list[tuple[list[str], str, set[str], set[str], bool]] = [
    # AA: A is secular, S is Spanish, TR is tradition study, SP is speaker.
    (["O", "A", "S"], "aa", {OPEN, SECULAR}, {"es"}, False),
    (["TR", "SP", "12x12", "ST"], "aa", {"step_study", "speaker"}, set(), False),
    (["G", "L", "T", "BI", "NB", "LGBTQ"], "aa", {"lgbtq"}, set(), False),
    (["B", "ABSI", "DR", "GR", "LS", "LIT"], "aa", {"literature"}, set(), False),
    (
        ["11", "MED", "BA", "CF", "POA", "SEN", "Y"],
        "aa",
        {"meditation", "child_friendly", "proof_of_attendance", "seniors", "young_people"},
        set(),
        False,
    ),
    (["EN", "FR", "ITA", "POL", "KOR"], "aa", set(), {"en", "fr", "it", "pl", "ko"}, False),
    (["X", "XB", "ASL", "BE"], "aa", {"wheelchair", "asl", "newcomer"}, set(), False),
    # Programs without AA's table: A means nothing, S means nothing, ES is Spanish.
    (["A", "S"], "smart", set(), set(), False),
    (["A", "S", "ES", "O"], "lifering", {OPEN}, {"es"}, False),
    # Al-Anon: A is secular (atheist/agnostic) and S is Spanish, like AA.
    (["A", "S"], "al_anon", {SECULAR}, {"es"}, False),
    (["SP"], "al_anon", set(), set(), False),
    # NA: TR is Turkish, and NA's own codes.
    (["TR"], "na", set(), {"tr"}, False),
    (
        ["BEG", "SPK", "GL", "CW", "JFT", "DISC", "STEP", "TRAD", "IW"],
        "na",
        {
            "newcomer",
            "speaker",
            "lgbtq",
            "child_friendly",
            "literature",
            "discussion",
            "step_study",
        },
        set(),
        False,
    ),
    (["A", "ES"], "na", set(), {"es"}, False),
    # Recovery Dharma: IS and MI are study and mindfulness, not Icelandic and Maori.
    (
        ["BE", "MI", "WA", "IS", "BB", "CC", "ES"],
        "recovery_dharma",
        {"newcomer", "meditation", "wheelchair", "literature", "child_friendly"},
        {"es"},
        False,
    ),
    (["MI"], "rd", {"meditation"}, set(), False),
    (["IS"], "aa", set(), {"is"}, False),
    # A meeting cannot be open and closed, or for men and for women: keep neither.
    (["O", "C", "D"], "aa", {"discussion"}, set(), False),
    (["M", "W", "C"], "aa", {CLOSED}, set(), False),
    # ONL is ignored; TC is read.
    (["TC", "ONL"], "aa", set(), set(), True),
    (["TC"], "na", set(), set(), True),
    (["ONL", "O"], "aa", {OPEN}, set(), False),
    # Unknown codes and wrong case are ignored.
    (["FDIS", "o", "a", ""], "aa", set(), set(), False),
]


@pytest.mark.parametrize(("codes", "dialect", "tags", "languages", "closed"), NORMALISE_CASES)
def test_normalise(
    codes: list[str], dialect: str, tags: set[str], languages: set[str], closed: bool
) -> None:
    assert normalise(codes, dialect) == (frozenset(tags), frozenset(languages), closed)


def test_every_tag_is_a_tag_value() -> None:
    every: set[str] = set()
    for codes, dialect, *_ in NORMALISE_CASES:
        every |= normalise(codes, dialect)[0]
    assert every <= {tag.value for tag in Tag}
    assert len(every) >= 15


def test_named_dialects() -> None:
    assert {"aa", "na", "recovery_dharma", "al_anon"} <= DIALECTS


@pytest.mark.parametrize(
    ("labels", "tags", "languages", "closed"),
    [
        (["secular", "Women", "spanish"], {SECULAR, "women"}, {"es"}, False),
        (
            ["Young People", "young_people", "step-study"],
            {"young_people", "step_study"},
            set(),
            False,
        ),
        (["Español", "English"], set(), {"es", "en"}, False),
        (["w", "O"], {"women", OPEN}, set(), False),  # codes in any case
        (["open", "C"], set(), set(), False),  # a word and a code that contradict
        (["temporarily closed"], set(), set(), True),
        (["TC", "newcomers"], {"newcomer"}, set(), True),
        (["whatever"], set(), set(), False),
    ],
)
def test_from_labels(labels: list[str], tags: set[str], languages: set[str], closed: bool) -> None:
    assert from_labels(labels, "smart") == (frozenset(tags), frozenset(languages), closed)


def test_from_labels_reads_codes_in_the_programs_dialect() -> None:
    assert from_labels(["a"], "aa")[0] == {SECULAR}
    assert from_labels(["a"], "smart")[0] == frozenset()


@pytest.mark.parametrize(
    ("world_ids", "names", "tags", "languages", "closed"),
    [
        (["OPEN", "WCHR", "S-D"], [], {OPEN, "wheelchair", "speaker", "discussion"}, set(), False),
        (
            ["BEG", "JFT", "BT", "GL", "CW"],
            [],
            {"newcomer", "literature", "lgbtq", "child_friendly"},
            set(),
            False,
        ),
        (["LANG"], ["ES", "Espanol"], set(), {"es"}, False),
        (["LANG"], ["FR", "Français"], set(), {"fr"}, False),
        ([], ["ASL"], {"asl"}, set(), False),
        ([], ["American Sign Language"], {"asl"}, set(), False),
        (["TC", "VM"], [], set(), set(), True),
        (["OPEN", "CLOSED", "M", "W"], [], set(), set(), False),
        (["NS", "VAR", "TOP", ""], ["Pi"], set(), set(), False),
    ],
)
def test_bmlt_world(
    world_ids: list[str], names: list[str], tags: set[str], languages: set[str], closed: bool
) -> None:
    assert bmlt_world(world_ids, names) == (frozenset(tags), frozenset(languages), closed)
