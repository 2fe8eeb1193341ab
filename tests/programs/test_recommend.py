"""recommend(): one table per rule, then invariants over every combination of answers."""

from __future__ import annotations

import itertools
from pathlib import Path
from types import MappingProxyType
from typing import Any

import pytest

from helpline.programs.catalogue import Catalogue, Program, load_catalogue
from helpline.programs.recommend import recommend

REAL_CATALOGUE = Path(__file__).parents[2] / "flows" / "programs.yaml"


@pytest.fixture(scope="module")
def catalogue() -> Catalogue:
    return load_catalogue(REAL_CATALOGUE)


def _keys(catalogue: Catalogue, answers: dict[str, str], limit: int = 3) -> list[str]:
    return [p.key for p in recommend(catalogue, answers, limit=limit)]


# ---- family callers -------------------------------------------------------------------------

FAMILY: list[tuple[dict[str, str], list[str]]] = [
    ({"who": "family", "substance": "alcohol"}, ["al_anon", "smart_family"]),
    ({"who": "family", "substance": "drugs"}, ["nar_anon", "smart_family"]),
    ({"who": "family", "substance": "both"}, ["nar_anon", "al_anon", "smart_family"]),
    ({"who": "family"}, ["nar_anon", "al_anon", "smart_family"]),  # substance missing
    (
        {"who": "family", "substance": "both", "approach": "secular"},
        ["smart_family", "nar_anon", "al_anon"],
    ),
    # Their own goal or court order is not what family programs answer.
    ({"who": "family", "substance": "alcohol", "goal": "cut_down"}, ["al_anon", "smart_family"]),
    (
        {"who": "family", "substance": "alcohol", "court_ordered": "yes"},
        ["al_anon", "smart_family"],
    ),
]


@pytest.mark.parametrize(("answers", "expected"), FAMILY)
def test_family_gets_family_programs_for_the_substance_and_the_secular_one(
    catalogue: Catalogue, answers: dict[str, str], expected: list[str]
) -> None:
    assert _keys(catalogue, answers) == expected


def test_family_keeps_the_secular_option_when_the_limit_is_tight(catalogue: Catalogue) -> None:
    keys = _keys(catalogue, {"who": "family", "substance": "both"}, limit=2)
    assert keys == ["nar_anon", "smart_family"]


# ---- twelve_step ----------------------------------------------------------------------------

TWELVE_STEP: list[tuple[dict[str, str], int, list[str]]] = [
    ({"substance": "alcohol"}, 3, ["aa", "smart"]),
    ({"substance": "drugs"}, 3, ["na", "smart"]),
    ({"substance": "both"}, 3, ["na", "aa", "smart"]),  # NA first: it covers any drug
    ({"substance": "both"}, 2, ["na", "aa"]),  # no room for the secular alternative
    ({"substance": "alcohol", "format": "online"}, 3, ["aa", "smart"]),
]


@pytest.mark.parametrize(("answers", "limit", "expected"), TWELVE_STEP)
def test_twelve_step_gets_the_fitting_program_then_one_secular_if_room(
    catalogue: Catalogue, answers: dict[str, str], limit: int, expected: list[str]
) -> None:
    full = {"who": "self", "approach": "twelve_step", "goal": "stop", **answers}
    assert _keys(catalogue, full, limit=limit) == expected


# ---- when a secular option is required, and when it comes first ----------------------------

SECULAR_REQUIRED: list[tuple[dict[str, str], list[str]]] = [
    # court-ordered: secular offered even with no room to spare, but 12-step stays first
    ({"approach": "twelve_step", "goal": "stop", "court_ordered": "yes"}, ["na", "smart"]),
    # court-ordered and unsure (the triage flow's court route): the secular option leads
    (
        {"substance": "alcohol", "approach": "not_sure", "court_ordered": "yes"},
        ["smart", "aa"],
    ),
    # not sure of the goal: secular offered
    ({"approach": "twelve_step", "goal": "not_sure"}, ["na", "smart"]),
    # cutting down: secular first (SMART does not require stopping)
    ({"approach": "twelve_step", "goal": "cut_down"}, ["smart", "na"]),
    ({"approach": "not_sure", "goal": "cut_down"}, ["smart", "na"]),
    # chose secular: only secular
    ({"approach": "secular", "goal": "stop"}, ["smart", "lifering"]),
]


@pytest.mark.parametrize(("answers", "expected"), SECULAR_REQUIRED)
def test_secular_option_when_required_even_at_limit_two(
    catalogue: Catalogue, answers: dict[str, str], expected: list[str]
) -> None:
    full = {"who": "self", "substance": "both", **answers}
    assert _keys(catalogue, full, limit=2) == expected


@pytest.mark.parametrize("substance", ["alcohol", "drugs", "both"])
def test_chose_secular_gets_only_secular_programs(catalogue: Catalogue, substance: str) -> None:
    programs = recommend(catalogue, {"substance": substance, "approach": "secular"})
    assert len(programs) == 3
    assert all(p.is_secular for p in programs)
    assert programs[0].key == "smart"


@pytest.mark.parametrize("approach", ["twelve_step", "secular", "not_sure"])
def test_cutting_down_puts_a_program_that_does_not_require_stopping_first(
    catalogue: Catalogue, approach: str
) -> None:
    programs = recommend(
        catalogue, {"substance": "alcohol", "approach": approach, "goal": "cut_down"}
    )
    assert programs[0].is_secular
    assert programs[0].abstinence_goal is False


def test_not_sure_alternates_twelve_step_and_secular(catalogue: Catalogue) -> None:
    answers = {"substance": "alcohol", "approach": "not_sure", "goal": "stop"}
    assert _keys(catalogue, answers) == ["aa", "smart", "lifering"]
    answers = {"substance": "both", "approach": "not_sure", "goal": "stop"}
    assert _keys(catalogue, answers) == ["na", "smart", "aa"]


@pytest.mark.parametrize("approach", ["twelve_step", "secular", "not_sure", None])
def test_behaviour_gets_smart_first(catalogue: Catalogue, approach: str | None) -> None:
    answers = {"substance": "behaviour"} | ({"approach": approach} if approach else {})
    programs = recommend(catalogue, answers)
    assert programs[0].key == "smart"
    assert len(programs) >= 2
    assert all("behaviour" in p.substances for p in programs)


def test_nothing_answered_still_gets_a_choice_with_a_secular_option(catalogue: Catalogue) -> None:
    programs = recommend(catalogue, {})
    assert 2 <= len(programs) <= 3
    assert any(p.is_secular for p in programs)
    assert all(p.serves == "self" for p in programs)


@pytest.mark.parametrize(
    ("answers", "same_as"),
    [
        ({"substance": "meth"}, {}),
        ({"approach": "prayer"}, {"approach": "not_sure"}),
        ({"who": "Family ", "substance": "ALCOHOL"}, {"who": "family", "substance": "alcohol"}),
        ({"substance": "behavior"}, {"substance": "behaviour"}),
        ({"court_ordered": "no"}, {}),
    ],
)
def test_unknown_values_count_as_missing_and_case_is_ignored(
    catalogue: Catalogue, answers: dict[str, str], same_as: dict[str, str]
) -> None:
    assert _keys(catalogue, answers) == _keys(catalogue, same_as)


def test_limit_below_two_is_refused(catalogue: Catalogue) -> None:
    with pytest.raises(ValueError, match="at least 2"):
        recommend(catalogue, {}, limit=1)


def test_answers_are_only_read(catalogue: Catalogue) -> None:
    answers = MappingProxyType({"who": "self", "substance": "drugs"})
    assert _keys(catalogue, dict(answers)) == [p.key for p in recommend(catalogue, answers)]


# ---- online preference, on a catalogue made for it ------------------------------------------


def _program(approach: str, *, online: bool = False, **extra: Any) -> dict[str, Any]:
    links = {"website": "https://example.org"}
    if online:
        links["online"] = "https://online.example.org"
    return {
        "name": {"en": "Program"},
        "approach": approach,
        "serves": "self",
        "substances": ["alcohol", "drugs"],
        "abstinence_goal": True,
        "about": {"en": "About."},
        "links": links,
        **extra,
    }


def _catalogue(programs: dict[str, dict[str, Any]]) -> Catalogue:
    return Catalogue.model_validate(
        {
            "spec_version": 1,
            "languages": ["en"],
            "footer": {"en": "Call {crisis_line}."},
            "programs": {
                **programs,
                "fam_a": _program("twelve_step", serves="family"),
                "fam_b": _program("secular", serves="family"),
            },
        }
    )


def test_online_prefers_programs_with_online_meetings() -> None:
    catalogue = _catalogue(
        {
            "step_local": _program("twelve_step", substances=["alcohol"]),
            "step_online": _program("twelve_step", substances=["alcohol"], online=True),
            "sec_local": _program("secular"),
            "sec_online": _program("secular", online=True),
        }
    )
    answers = {"substance": "alcohol", "approach": "secular"}
    assert _keys(catalogue, answers) == ["sec_local", "sec_online"]
    assert _keys(catalogue, {**answers, "format": "online"}) == ["sec_online", "sec_local"]
    answers = {"substance": "alcohol", "approach": "not_sure", "goal": "stop"}
    assert _keys(catalogue, answers)[:2] == ["step_local", "sec_local"]
    online = _keys(catalogue, {**answers, "format": "online"})
    assert online[:2] == ["step_online", "sec_online"]


def test_cut_down_ranks_programs_without_an_abstinence_goal_first() -> None:
    catalogue = _catalogue(
        {
            "step": _program("twelve_step"),
            "sec_stop": _program("secular"),
            "sec_any": _program("secular", abstinence_goal=False),
        }
    )
    answers = {"substance": "drugs", "approach": "secular"}
    assert _keys(catalogue, answers) == ["sec_stop", "sec_any"]
    assert _keys(catalogue, {**answers, "goal": "cut_down"}) == ["sec_any", "sec_stop"]


def test_too_few_fits_are_filled_from_the_same_audience() -> None:
    catalogue = _catalogue(
        {
            "gamble": _program("secular", substances=["behaviour"]),
            "step": _program("twelve_step"),
            "faith": _program("faith"),
        }
    )
    assert _keys(catalogue, {"substance": "behaviour"}) == ["gamble", "step"]


# ---- invariants over every combination ------------------------------------------------------

WHO = ["self", "family", None]
SUBSTANCE = ["alcohol", "drugs", "both", "behaviour", None]
APPROACH = ["twelve_step", "secular", "not_sure", None]
GOAL = ["stop", "cut_down", "not_sure", None]
EXTRAS: list[dict[str, str]] = [
    {},
    {"format": "online"},
    {"format": "in_person"},
    {"court_ordered": "yes"},
    {"format": "online", "court_ordered": "yes"},
]


def _answers(*values: str | None, keys: tuple[str, ...]) -> dict[str, str]:
    return {key: value for key, value in zip(keys, values, strict=True) if value is not None}


COMBINATIONS = [
    _answers(*combo, keys=("who", "substance", "approach", "goal"))
    for combo in itertools.product(WHO, SUBSTANCE, APPROACH, GOAL)
]


def _check_invariants(catalogue: Catalogue, answers: dict[str, str], limit: int) -> None:
    programs: list[Program] = recommend(catalogue, answers, limit=limit)
    keys = [p.key for p in programs]
    assert 2 <= len(programs) <= limit, keys
    assert len(set(keys)) == len(keys), f"duplicates: {keys}"
    assert recommend(catalogue, answers, limit=limit) == programs, "not deterministic"

    family = answers.get("who") == "family"
    assert all(p.serves == ("family" if family else "self") for p in programs), keys

    approach = answers.get("approach", "not_sure")
    goal = answers.get("goal")
    court = answers.get("court_ordered") == "yes"
    needs_secular = family or approach != "twelve_step" or goal != "stop" or court
    if needs_secular:
        assert any(p.is_secular for p in programs), f"no secular option: {answers} → {keys}"
    secular_first = approach == "secular" or answers.get("substance") == "behaviour"
    if not family and goal == "cut_down":
        secular_first = True
    if secular_first:
        assert programs[0].is_secular, f"secular should come first: {answers} → {keys}"
    if not family and approach == "secular" and answers.get("substance") != "behaviour":
        assert all(p.is_secular for p in programs), keys

    substance = answers.get("substance", "both")
    wanted = {"both": {"alcohol", "drugs"}}.get(substance, {substance})
    fits = [p for p in programs if wanted & set(p.substances)]
    # Only a behaviour caller or family member can need a filler from outside their substance.
    if substance != "behaviour":
        assert fits == programs, f"program not for {substance}: {keys}"

    if not family and approach == "twelve_step":
        expected_first = {"alcohol": "aa", "drugs": "na", "both": "na"}.get(substance)
        if expected_first is not None:
            assert expected_first in keys
            if not secular_first:
                assert keys[0] == expected_first


@pytest.mark.parametrize("answers", COMBINATIONS, ids=lambda a: ",".join(a.values()) or "none")
def test_invariants_for_every_combination(catalogue: Catalogue, answers: dict[str, str]) -> None:
    for extra in EXTRAS:
        for limit in (2, 3):
            _check_invariants(catalogue, {**answers, **extra}, limit)
