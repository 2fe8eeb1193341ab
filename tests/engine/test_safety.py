"""The crisis screen: catches crisis words however they are typed, and leaves everyday texts be."""

from __future__ import annotations

import re
import timeit
from pathlib import Path
from typing import Any

import pytest

from helpline.engine.safety import (
    BUILT_IN,
    EVERYDAY_TEXTS,
    MAX_EXTRA_PHRASES,
    MAX_PHRASE_CHARS,
    URGENCY,
    CrisisHit,
    CrisisKind,
    CrisisPhrases,
    crisis_phrases,
    phrase_problem,
)
from helpline.flowfiles.yaml_loader import load_yaml_file

CASES = load_yaml_file(Path(__file__).with_name("safety_cases.yaml")).data
CRISIS: list[dict[str, Any]] = CASES["crisis"]
BENIGN: list[str] = CASES["benign"]


def test_the_case_table_is_big_enough_to_mean_something() -> None:
    assert len(CRISIS) >= 40
    assert len(BENIGN) >= 30
    assert {c["language"] for c in CRISIS} == {"en", "es"}
    assert {c["kind"] for c in CRISIS} == {str(k) for k in CrisisKind}


@pytest.mark.parametrize("case", CRISIS, ids=lambda c: c["text"])
def test_crisis_texts_are_caught(case: dict[str, Any]) -> None:
    hit = BUILT_IN.screen(case["text"])
    assert hit is not None, f"missed: {case['text']!r}"
    assert (str(hit.kind), hit.language) == (case["kind"], case["language"])


@pytest.mark.parametrize("text", BENIGN)
def test_everyday_texts_are_not(text: str) -> None:
    assert BUILT_IN.screen(text) is None


@pytest.mark.parametrize("text", EVERYDAY_TEXTS)
def test_the_everyday_texts_operators_are_checked_against_are_not_hits(text: str) -> None:
    assert BUILT_IN.screen(text) is None


def test_the_hit_names_a_listed_phrase_never_the_callers_text() -> None:
    listed = {phrase for _kind, _language, phrase in BUILT_IN.as_tuples()}
    for case in CRISIS:
        hit = BUILT_IN.screen(case["text"])
        assert hit is not None
        assert hit.phrase in listed
    hit = BUILT_IN.screen("ok so i KILL MY SELF now, 555-0100")
    assert hit == CrisisHit(kind=CrisisKind.SUICIDE, language="en", phrase="kill myself")


@pytest.mark.parametrize(
    ("text", "phrase"),
    [
        ("he OD'd", "od'd"),  # the more specific phrase at the same place
        ("I'm going to OD", "od"),
        ("suicidio", "suicidio"),
        ("suicidal", "suicid*"),
    ],
)
def test_the_most_specific_phrase_is_reported(text: str, phrase: str) -> None:
    hit = BUILT_IN.screen(text)
    assert hit is not None
    assert hit.phrase == phrase


@pytest.mark.parametrize(
    ("text", "kind"),
    [
        ("not safe, cut myself", CrisisKind.SELF_HARM),
        ("I hurt myself and I want to die", CrisisKind.SUICIDE),
        ("I want to die, took too many pills", CrisisKind.OVERDOSE),
        ("estoy en peligro y no respira", CrisisKind.OVERDOSE),
        ("not safe", CrisisKind.NOT_SAFE),
    ],
)
def test_the_most_urgent_kind_wins_wherever_it_is_in_the_text(text: str, kind: CrisisKind) -> None:
    hit = BUILT_IN.screen(text)
    assert hit is not None
    assert hit.kind is kind


def test_urgency_order() -> None:
    assert URGENCY == (
        CrisisKind.OVERDOSE,
        CrisisKind.SUICIDE,
        CrisisKind.SELF_HARM,
        CrisisKind.NOT_SAFE,
    )


def test_kinds_read_as_the_words_escalations_use() -> None:
    assert [str(k) for k in CrisisKind] == ["suicide", "self_harm", "overdose", "not_safe"]


@pytest.mark.parametrize(
    ("text", "hits"),
    [
        ("suicidal", True),
        ("suicidio", True),
        ("SUICIDE", True),
        ("sui cidal", True),
        ("suicid", True),
        ("suici", False),
        ("presuicidal", False),  # the stem starts on a word boundary
    ],
)
def test_a_trailing_star_makes_a_stem(text: str, hits: bool) -> None:
    phrases = CrisisPhrases([(CrisisKind.SUICIDE, "en", "suicid*")])
    assert (phrases.screen(text) is not None) is hits


@pytest.mark.parametrize(
    ("phrase", "text", "hits"),
    [
        ("no reason to live", "there's NO reason to live", True),
        ("no reason to live", "noreason tolive", True),  # six letters or more: squashed too
        ("no reason to live", "no reasons to live", False),
        ("od", "he od", True),
        ("od", "he o d", False),  # short phrases match only as written
        ("od", "odd", False),
        ("vida", "mi vida", True),
        ("vida", "vidas", False),
    ],
)
def test_whole_words_and_the_squashed_form(phrase: str, text: str, hits: bool) -> None:
    phrases = CrisisPhrases([(CrisisKind.SUICIDE, "en", phrase)])
    assert (phrases.screen(text) is not None) is hits


def test_operator_additions_join_the_built_in_list() -> None:
    phrases = crisis_phrases(
        [
            (CrisisKind.SUICIDE, "en", "no reason to live"),
            (CrisisKind.NOT_SAFE, "es", "me quiere pegar"),
        ]
    )
    assert phrases.screen("there is no reason to live") == CrisisHit(
        CrisisKind.SUICIDE, "en", "no reason to live"
    )
    hit = phrases.screen("mi pareja me quiere pegar")
    assert hit == CrisisHit(CrisisKind.NOT_SAFE, "es", "me quiere pegar")
    # the built-ins still apply, and the built-in list itself is unchanged
    assert phrases.screen("I want to die") is not None
    assert BUILT_IN.screen("there is no reason to live") is None
    assert len(phrases) == len(BUILT_IN) + 2


def test_crisis_phrases_with_nothing_added_is_the_built_in_list() -> None:
    assert crisis_phrases([]).as_tuples() == BUILT_IN.as_tuples()


def test_a_phrase_in_two_languages_has_no_language() -> None:
    phrases = CrisisPhrases(
        [(CrisisKind.OVERDOSE, "en", "fentanilo"), (CrisisKind.OVERDOSE, "es", "Fentanilo!")]
    )
    assert phrases.screen("fentanilo") == CrisisHit(CrisisKind.OVERDOSE, None, "fentanilo")


def test_an_added_phrase_can_raise_a_kinds_urgency() -> None:
    phrases = crisis_phrases([(CrisisKind.OVERDOSE, "en", "cut myself")])
    hit = phrases.screen("I cut myself")
    assert hit is not None
    assert hit.kind is CrisisKind.OVERDOSE


@pytest.mark.parametrize(
    ("phrase", "problem"),
    [
        ("", "empty"),
        ("   ", "empty"),
        ("?!…", "no letters"),
        ("🙂", "no letters"),
        ("od", "too short"),
        ("o.d", "too short"),
        ("di*", "too short"),
        ("vid*", "too short a stem"),
        ("sui*cide", "may only end"),
        ("x" * (MAX_PHRASE_CHARS + 1), "longer than"),
        ("one two three four five six seven eight nine", "more than 8 words"),
        ("safe", "everyday texts like 'is this safe?'"),
        ("seguro", "everyday texts like 'no estoy seguro'"),
        ("drink*", "everyday texts"),
    ],
)
def test_operator_phrases_that_would_misfire_are_refused(phrase: str, problem: str) -> None:
    found = phrase_problem(phrase)
    assert found is not None
    assert problem in found
    with pytest.raises(ValueError, match=re.escape(found)):
        crisis_phrases([(CrisisKind.SUICIDE, "en", phrase)])


@pytest.mark.parametrize("phrase", ["no reason to live", "me quiere pegar", "fentan*", "OD'ing"])
def test_good_operator_phrases_pass(phrase: str) -> None:
    assert phrase_problem(phrase) is None


def test_too_many_additions_are_refused() -> None:
    extra = [(CrisisKind.SUICIDE, "en", f"phrase number {i}") for i in range(MAX_EXTRA_PHRASES + 1)]
    with pytest.raises(ValueError, match="more than"):
        crisis_phrases(extra)


def test_a_phrase_that_folds_to_nothing_cannot_be_compiled() -> None:
    with pytest.raises(ValueError, match="no letters"):
        CrisisPhrases([(CrisisKind.SUICIDE, "en", "!!!")])


def test_an_unknown_kind_is_refused() -> None:
    with pytest.raises(ValueError, match="'sad' is not a valid CrisisKind"):
        CrisisPhrases([("sad", "en", "feeling down")])  # type: ignore[list-item]


def test_the_built_in_list_covers_both_languages_and_every_kind() -> None:
    seen = {(kind, language) for kind, language, _phrase in BUILT_IN.as_tuples()}
    assert seen == {(k, lang) for k in CrisisKind for lang in ("en", "es")}


def test_screening_a_text_message_is_fast() -> None:
    text = (
        "hi, looking for a meeting near 92660 for my son who drinks too much. "
        "thank you so much for the help tonight, I really appreciate it. ok bye"
    )[:160]
    seconds = min(timeit.repeat(lambda: BUILT_IN.screen(text), number=200, repeat=5)) / 200
    assert seconds < 500e-6  # tens of microseconds in practice; generous for slow CI


@pytest.mark.parametrize("text", ["s " * 800, "kil " * 400, "a" * 1600, "want to " * 200])
def test_long_hostile_texts_stay_fast(text: str) -> None:
    seconds = min(timeit.repeat(lambda: BUILT_IN.screen(text), number=3, repeat=3)) / 3
    assert seconds < 0.02
