from __future__ import annotations

from pathlib import Path

import pytest

from helpline.errors import FlowDefinitionError
from helpline.flowfiles.yaml_loader import MAX_YAML_FILE_BYTES, load_yaml_file, load_yaml_text


def test_yes_no_on_off_stay_words_because_they_are_replies() -> None:
    doc = load_yaml_text("choice: [yes, no, on, off, y, n]\nflag: true\n", "f.yaml")
    assert doc.data == {"choice": ["yes", "no", "on", "off", "y", "n"], "flag": True}


def test_every_value_knows_its_line() -> None:
    doc = load_yaml_text("a: 1\nnodes:\n  x:\n    say: hi\n    routes:\n      - to: y\n", "f.yaml")
    assert doc.line_of(("nodes", "x", "say")) == 4
    assert doc.line_of(("nodes", "x", "routes", 0, "to")) == 6
    # an unknown deeper path falls back to its nearest known ancestor
    assert doc.line_of(("nodes", "x", "routes", 0, "nope", 3)) == 6


def test_duplicate_keys_are_refused_at_the_second_one() -> None:
    with pytest.raises(FlowDefinitionError) as exc:
        load_yaml_text("nodes:\n  a: 1\n  b: 2\n  a: 3\n", "flows/x.yaml")
    assert str(exc.value) == "flows/x.yaml:4: duplicate key 'a'"


def test_syntax_errors_name_the_line() -> None:
    with pytest.raises(FlowDefinitionError) as exc:
        load_yaml_text("a: [1, 2\nb: 3\n", "x.yaml")
    assert str(exc.value).startswith("x.yaml:")
    assert exc.value.line is not None


def test_alias_bombs_are_stopped() -> None:
    bomb = "a: &a [x, x, x, x, x, x, x, x, x, x]\n"
    for i in range(1, 7):
        bomb += f"{'b' * i}: &{'b' * i} [" + ", ".join([f"*{'b' * (i - 1) or 'a'}"] * 10) + "]\n"
    with pytest.raises(FlowDefinitionError, match="more than"):
        load_yaml_text(bomb.replace("*b0", "*a"), "bomb.yaml")


def test_size_limit_and_encoding(tmp_path: Path) -> None:
    with pytest.raises(FlowDefinitionError, match="larger than"):
        load_yaml_text("a: " + "x" * MAX_YAML_FILE_BYTES, "big.yaml")
    latin = tmp_path / "latin.yaml"
    latin.write_bytes(b"a: 1\nb: espa\xf1ol\n")
    with pytest.raises(FlowDefinitionError) as exc:
        load_yaml_file(latin)
    assert str(exc.value) == f"{latin}:2: file is not UTF-8 text"
    with pytest.raises(FlowDefinitionError, match="cannot read file"):
        load_yaml_file(tmp_path / "missing.yaml")


def test_a_control_character_is_a_located_error() -> None:
    with pytest.raises(FlowDefinitionError) as caught:
        load_yaml_text("name: triage\nstart: wel\x1fcome\n", "flows/triage.yaml")
    assert str(caught.value).startswith("flows/triage.yaml:2: invalid YAML: character U+001F")
