"""`flows/crisis.yaml`: operators' crisis phrases, added to the built-in list and checked."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from helpline.engine.safety import BUILT_IN, CrisisHit, CrisisKind
from helpline.errors import FlowProblems
from helpline.flowfiles.catalog import CRISIS_FILE, DATA_FILES, check_paths, load_flow_set
from helpline.flowfiles.crisis import load_crisis

REPO = Path(__file__).parents[2]
CONSTANTS = {"helpline_name": "Recovery Helpline", "crisis_line": "1-800-662-4357"}

GOOD = """\
spec_version: 1
phrases:
  - kind: suicide
    language: en
    phrase: "no reason to live"
"""


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    shutil.copytree(REPO / "flows", tmp_path / "flows")
    return tmp_path / "flows"


def problems(path: Path) -> list[str]:
    with pytest.raises(FlowProblems) as exc:
        load_crisis(path)
    return [str(p) for p in exc.value.problems]


def test_the_shipped_file_loads_and_adds_to_the_built_in_list() -> None:
    phrases = load_crisis(REPO / "flows" / CRISIS_FILE)
    assert len(phrases) > len(BUILT_IN)
    assert set(BUILT_IN.as_tuples()) <= set(phrases.as_tuples())
    assert phrases.screen("there's no reason to live") == CrisisHit(
        CrisisKind.SUICIDE, "en", "no reason to live"
    )
    assert phrases.screen("I want to die") is not None


def test_the_shipped_folder_screens_with_the_files_phrases(folder: Path) -> None:
    flows = load_flow_set(folder, CONSTANTS)
    hit = flows.crisis.screen("No reason to live")
    assert hit is not None
    assert hit.phrase == "no reason to live"


def test_crisis_yaml_is_a_data_file_not_a_flow(folder: Path) -> None:
    assert CRISIS_FILE in DATA_FILES
    assert "crisis" not in load_flow_set(folder, CONSTANTS).flows


def test_without_the_file_the_built_in_list_applies(folder: Path) -> None:
    (folder / CRISIS_FILE).unlink()
    flows = load_flow_set(folder, CONSTANTS)
    assert flows.crisis is BUILT_IN
    assert flows.crisis.screen("I want to die") is not None
    assert flows.crisis.screen("no reason to live") is None


def test_an_empty_phrases_list_is_the_built_in_list(tmp_path: Path) -> None:
    path = tmp_path / CRISIS_FILE
    path.write_text("spec_version: 1\nphrases:\n  # nothing added yet\n")
    assert load_crisis(path).as_tuples() == BUILT_IN.as_tuples()


@pytest.mark.parametrize(
    ("text", "line", "message"),
    [
        (
            GOOD + '  - kind: sad\n    language: en\n    phrase: "feeling low"\n',
            6,
            "phrases.1.kind: Input should be 'suicide', 'self_harm', 'overdose' or 'not_safe'",
        ),
        (
            GOOD + '  - kind: overdose\n    language: english\n    phrase: "blue lips"\n',
            7,
            "phrases.1.language: 'english' is not a two-letter language code like en or es",
        ),
        (
            GOOD + '  - kind: overdose\n    language: en\n    phrase: "OD"\n',
            8,
            "phrases.1.phrase: 'OD' is too short: a phrase needs 3 letters or more",
        ),
        (
            GOOD + '  - kind: not_safe\n    language: en\n    phrase: "!!!"\n',
            8,
            "phrases.1.phrase: '!!!' has no letters or digits",
        ),
        (
            GOOD + '  - kind: not_safe\n    language: en\n    phrase: ""\n',
            8,
            "phrases.1.phrase: the phrase is empty",
        ),
        (
            GOOD + '  - kind: not_safe\n    language: es\n    phrase: "seguro"\n',
            8,
            "phrases.1.phrase: 'seguro' would go off on everyday texts like 'no estoy seguro'",
        ),
        (
            GOOD + '  - kind: not_safe\n    language: en\n    phrase: "' + "x" * 81 + '"\n',
            8,
            "phrases.1.phrase: the phrase is longer than 80 characters",
        ),
        (
            GOOD + "  - kind: suicide\n    language: en\n    phrase: 42\n",
            8,
            "phrases.1.phrase: Input should be a valid string",
        ),
        (
            GOOD + '  - kind: suicide\n    language: en\n    phrase: "no way out"\n    note: x\n',
            9,
            "unknown field 'note'",
        ),
        (
            GOOD + '  - kind: suicide\n    phrase: "no way out"\n',
            6,
            "'language' is required",
        ),
        (GOOD.replace("spec_version: 1", "spec_version: 2"), 1, "spec_version: Input should be 1"),
    ],
)
def test_a_bad_file_names_the_line(tmp_path: Path, text: str, line: int, message: str) -> None:
    path = tmp_path / CRISIS_FILE
    path.write_text(text)
    (found,) = problems(path)
    assert found.startswith(f"{path}:{line}: {message}"), found


def test_every_problem_is_reported_at_once(tmp_path: Path) -> None:
    path = tmp_path / CRISIS_FILE
    path.write_text(
        GOOD
        + '  - kind: sad\n    language: en\n    phrase: "feeling low"\n'
        + '  - kind: suicide\n    language: en\n    phrase: "x"\n'
    )
    assert [p.split(": ")[0] for p in problems(path)] == [f"{path}:6", f"{path}:11"]


def test_a_file_that_is_not_a_mapping_is_refused(tmp_path: Path) -> None:
    path = tmp_path / CRISIS_FILE
    path.write_text("- want to die\n")
    assert problems(path) == [
        f"{path}:1: crisis.yaml must be a mapping: spec_version: 1, then phrases"
    ]


def test_invalid_yaml_names_the_line(tmp_path: Path) -> None:
    path = tmp_path / CRISIS_FILE
    path.write_text(GOOD + "  - kind: [unclosed\n")
    (found,) = problems(path)
    assert found.startswith(f"{path}:7: invalid YAML")


def test_a_broken_crisis_file_stops_the_folder_from_loading(folder: Path) -> None:
    (folder / CRISIS_FILE).write_text(GOOD.replace('"no reason to live"', '"od"'))
    with pytest.raises(FlowProblems) as exc:
        load_flow_set(folder, CONSTANTS)
    assert [f"{p.path.name}:{p.line}" for p in exc.value.problems] == [f"{CRISIS_FILE}:5"]


def test_flows_check_checks_crisis_yaml_on_its_own_and_in_the_folder(folder: Path) -> None:
    path = folder / CRISIS_FILE
    assert check_paths([path], CONSTANTS)[0] == []
    path.write_text(GOOD.replace('"no reason to live"', '"od"'))
    for target in (path, folder):
        errors, _warnings = check_paths([target], CONSTANTS)
        assert [f"{e.path.name}:{e.line}" for e in errors] == [f"{CRISIS_FILE}:5"]
